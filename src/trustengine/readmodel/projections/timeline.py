"""``timeline``: one row per event, the remediation step as ``trustengine timeline``
shows it (its summary from :func:`trustengine.readmodel.timeline.summarize`).

The summary copies personal text: it is sealed, and on erasure it is summarised again
from the redacted event (:mod:`trustengine.readmodel.erasure`), not blanked.
"""

from __future__ import annotations

import json

from trustengine.domain.base import CustomerEvent
from trustengine.readmodel.projection import Change, Projection, handles
from trustengine.readmodel.table import Column, Table
from trustengine.readmodel.timeline import source_of, summarize

TABLE = Table(
    "timeline",
    Column("customer", str, key=True),
    Column("position", int, key=True),
    Column("at", str, not_null=True),
    Column("recorded_at", str, not_null=True),
    Column("type", str, not_null=True),
    Column("case", str),
    Column("actor", str),
    Column("channel", str),
    Column("summary", str, not_null=True, personal=True),
    Column("source", str),
    indexes=(("type",),),
    doc="One row per event: the remediation steps, as `trustengine timeline` shows them.",
    append_only=True,
    redacted=True,
)


def _as_text(source: dict[str, str] | None) -> str | None:
    """An event's ``source`` as the column keeps it: its JSON object, as text."""
    return None if source is None else json.dumps(source, ensure_ascii=False, sort_keys=True)


class Timeline(Projection):
    table = TABLE

    @handles(CustomerEvent)
    def step(self, event: CustomerEvent, change: Change) -> None:
        step = change.step
        change.rows.append(
            TABLE.name,
            {
                "customer": event.customer,
                "position": step.position,
                "at": change.at,
                "recorded_at": change.recorded_at,
                "type": step.type,
                "case": step.case,
                "actor": event.actor,
                "channel": event.channel,
                "summary": summarize(event),
                "source": _as_text(source_of(event)),
            },
        )


__all__ = ["TABLE", "Timeline"]
