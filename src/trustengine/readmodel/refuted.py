"""Sweep facts stay facts: a recorded ``SlaBreached`` that a late entry shows was met.

``trustengine sweep`` records a miss as a fact (``SlaBreached``) when a clock runs past
its due time. A late entry may show afterwards that the clock had stopped in time (the
reply came after all, and was entered late). The recorded miss stays in the ledger (it
was what the store knew then), but it no longer counts: in business-time order the clock
run it names is already stopped, by an event entered after the miss, within the due time
the miss names, so the clock stays met and the trust model does not see the breach. The
timeline marks it ``refuted``, the audit says "recorded as missed on T1; a late entry
recorded on T2 shows it was met". See docs/trust-model.md, "Recorded misses stay facts".

A recorded ``PromiseBroken`` that a later-entered keeping in time refutes is found from
the ledger alone (:func:`trustengine.scoring.history.business_order`); the processor
only needs to know when such a keeping comes in business-time order, after the miss it
refutes (:func:`settles_again`), to fold the customer again.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from trustengine.domain import events as ev
from trustengine.domain.base import CustomerEvent
from trustengine.readmodel.projection import Rows
from trustengine.readmodel.projections.cases import case_row, period
from trustengine.readmodel.projections.clocks import TABLE as CLOCKS
from trustengine.readmodel.projections.promises import TABLE as PROMISES
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


def settles_again(rows: Rows, event: CustomerEvent) -> bool:
    """Whether ``event`` is a ``PromiseKept`` of a promise the rows already show settled:
    one the rules let in only as refuting the recorded miss folded before it (both at
    the promise's due time), so the customer's fold must take that miss back (a re-fold,
    as for a late entry)."""
    if not isinstance(event, ev.PromiseKept):
        return False
    row = rows.edit(PROMISES.name, event.customer, "promise", event.promise)
    return row is not None and row["status"] != "open"


__all__ = ["RUNS_MANY", "met_at", "settles_again"]
