"""``satisfaction``: each CSAT/NPS score as a row of its own.

Not its comment (personal text), but the phase it was given in (``phase_before``, the
customer's phase just before it), so reports need not parse the timeline summary: a
score given while restored or advocate is a recovered customer's.
"""

from __future__ import annotations

from trustengine.domain import events as ev
from trustengine.readmodel.projection import Change, Projection, handles
from trustengine.readmodel.table import Column, Table

TABLE = Table(
    "satisfaction",
    Column("customer", str, key=True),
    Column("position", int, key=True),
    Column("case", str),
    Column("metric", str, not_null=True),
    Column("score", int, not_null=True),
    Column("at", str, not_null=True),
    Column("phase_before", str),
    doc="One row per SatisfactionRecorded: metric nps (0-10) or csat (1-5), the score, "
    "and phase_before, the customer's phase just before it (a score given while "
    "restored or advocate is a recovered customer's). The comment is personal text and "
    "is not copied here.",
    append_only=True,
)


class Satisfaction(Projection):
    table = TABLE

    @handles(ev.SatisfactionRecorded)
    def recorded(self, event: ev.SatisfactionRecorded, change: Change) -> None:
        change.rows.append(
            TABLE.name,
            {
                "customer": event.customer,
                "position": change.step.position,
                "case": change.step.case,
                "metric": event.metric,
                "score": event.score,
                "at": change.at,
                "phase_before": change.phase_before,
            },
        )


__all__ = ["TABLE", "Satisfaction"]
