"""Sweep facts stay facts: a recorded ``SlaBreached`` that a late entry shows was met.

``trustengine sweep`` records a miss as a fact (``SlaBreached``) when a clock runs past
its due time. A late entry may show afterwards that the clock had stopped in time (the
reply came after all, and was entered late). The recorded miss stays in the ledger (it
was what the store knew then), but it no longer counts: in business-time order the clock
run it names is already stopped, by an event entered after the miss, within the due time
the miss names, so the clock stays met and the trust model does not see the breach. The
timeline marks it ``refuted``, the audit says "recorded as missed on T1; a late entry
recorded on T2 shows it was met". See docs/trust-model.md, "Recorded misses stay facts".
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from trustengine.domain import events as ev
from trustengine.readmodel.projection import Rows
from trustengine.readmodel.projections.cases import case_row, period
from trustengine.readmodel.projections.clocks import TABLE as CLOCKS
from trustengine.scoring.history import LedgerStep

RUNS_MANY = frozenset({"next_reply", "periodic_update"})
"""Clocks that run many times in a period (``sla_clocks.run``): a recorded miss of one
counts as recorded, since it does not say which run it was."""


def met_at(rows: Rows, event: ev.SlaBreached, steps: Sequence[LedgerStep]) -> datetime | None:
    """When the clock run ``event`` names stopped by its due time (the one the recorded
    miss names), as the rows folded so far say, if an event entered after the miss (a
    late entry among ``steps``, the customer's ledger) stopped it; else None: the breach
    counts (the clock is running or stopped late, or it was stopped before the miss was
    recorded, when the recorder's clocks may simply differ from this SLA policy's)."""
    if event.clock in RUNS_MANY:
        return None  # a clock of many runs: which run the miss named is not recorded
    last = period(case_row(rows, event))
    for number in range(last, 0, -1):
        row = rows.edit(CLOCKS.name, event.customer, event.case, event.clock, number, 1)
        if row is None:
            continue
        stopped = row["stopped_at"]
        if stopped is None or row["breached"]:
            return None
        moment = datetime.fromisoformat(stopped)
        if moment > event.due:
            return None
        later = any(
            step.counted
            and step.event.case == event.case
            and step.event.timestamp == moment
            and step.event.originator_version > event.originator_version
            for step in steps
        )
        return moment if later else None
    return None


__all__ = ["RUNS_MANY", "met_at"]
