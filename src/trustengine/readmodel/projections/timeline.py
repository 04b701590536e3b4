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
from trustengine.readmodel.tables import TIMELINE
from trustengine.readmodel.timeline import timeline_row
from trustengine.scoring.history import LedgerStep

TABLE = TIMELINE
"""This projection's table (declared in :mod:`trustengine.readmodel.tables`)."""


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


__all__ = ["TABLE", "Timeline"]
