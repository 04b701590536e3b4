"""``timeline``: one row per stored event, the remediation step as ``trustengine timeline``
shows it (its summary from :func:`trustengine.readmodel.timeline.summarize`).

The whole ledger is here, in business-time order (``seq``): a retracted event keeps its
row, not counted, with the retraction that struck it (who, when, why); a corrected event's
row is its replacement, with the correction; retractions and corrections have rows of
their own (see :mod:`trustengine.scoring.history`).

The summary copies personal text: it is sealed, and on erasure it is summarised again
from the redacted event (:mod:`trustengine.readmodel.erasure`), not blanked.
"""

from __future__ import annotations

from trustengine.domain.base import CustomerEvent
from trustengine.readmodel.projection import Change, Projection, Rows, handles
from trustengine.readmodel.table import Column, PartialIndex, Table
from trustengine.readmodel.timeline import timeline_row
from trustengine.scoring.history import LedgerStep

LATE_OR_AMENDED = PartialIndex(
    "idx_timeline_late_or_amended",
    ("at", "recorded_at", "late_entry", "amendment", "type"),
    where="late_entry IS NOT 0 OR amendment IS NOT NULL",
)
"""The events entered late or amended (few): what the report's late-entries figure reads."""

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
    Column("seq", int, not_null=True),
    Column("event_id", str, not_null=True),
    Column("counted", bool, not_null=True),
    Column("amendment", str),
    Column("amended_by", str),
    Column("amended_at", str),
    Column("amended_actor", str),
    Column("amend_reason", str, personal=True),
    Column("met_at", str),
    Column("late_entry", bool, not_null=True),
    Column("source", str),
    indexes=(("type",),),
    partial=(LATE_OR_AMENDED,),
    doc="One row per event: the remediation steps, as `trustengine timeline` shows them.",
    append_only=True,
    redacted=True,
)


class Timeline(Projection):
    table = TABLE

    @handles(CustomerEvent)
    def step(self, event: CustomerEvent, change: Change) -> None:
        row = timeline_row(
            event,
            change.seq,
            amended_by=change.amended_by,
            late_entry=change.late_entry,
            texts=(change.at, change.recorded_at),
        )
        change.rows.append(TABLE.name, row)

    def on_ledger(self, step: LedgerStep, seq: int, rows: Rows) -> None:
        row = timeline_row(
            step.event,
            seq,
            counted=False,
            amended_by=step.amended_by,
            met_at=step.met_at,
            late_entry=step.late_entry,
        )
        rows.append(TABLE.name, row)


__all__ = ["LATE_OR_AMENDED", "TABLE", "Timeline"]
