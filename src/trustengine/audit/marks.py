"""The audit's event list: every stored event in business-time order, each with its id and
what the ledger says about it since (entered late, retracted, corrected, a recorded miss
the history now shows was met).

A retracted event stays listed, marked with who retracted it, when and why (the page
strikes it through); a corrected one is listed as its replacement, with the correction;
a recorded ``SlaBreached`` whose clock a late entry shows stopped in time, or a recorded
``PromiseBroken`` whose promise a late entry shows was kept in time, reads "recorded
as missed on T1; a late entry recorded on T2 shows it was met" (docs/trust-model.md,
"Late entries and corrections").
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

from trustengine.domain import events as ev
from trustengine.domain.base import CustomerEvent
from trustengine.readmodel import Row
from trustengine.scoring.history import LedgerStep, business_order, days_late

EventRow = Callable[[CustomerEvent], dict[str, Any]]


def ledger_rows(
    events: Sequence[CustomerEvent],
    timeline: Sequence[Row],
    late_after: timedelta,
    row_of: EventRow,
    case: str | None = None,
) -> list[dict[str, Any]]:
    """The audit rows of ``events`` (a customer's stored events, or a prefix), in
    business-time order; ``timeline`` is their fold's timeline rows (it knows which
    recorded misses were met), ``row_of`` gives an event's own columns."""
    met = {int(row["position"]): row["met_at"] for row in timeline if row.get("met_at")}
    steps = business_order(events)
    out = []
    for step in steps:
        event = step.event
        if case is not None and event.case != case:
            continue
        notes = []
        late = days_late(event.timestamp, event.recorded_at, late_after, late_entry=step.late_entry)
        if late is not None:
            notes.append(f"entered {late} day{'' if late == 1 else 's'} late")
        note = _amendment_note(step)
        if note:
            notes.append(note)
        refuted = met.get(event.originator_version)
        if refuted is not None:
            notes.append(_met_note(event, datetime.fromisoformat(refuted), steps))
        out.append(
            {
                **row_of(event),
                "id": event.event_id,
                "counted": step.counted and refuted is None,
                "late_days": late,
                "retracted": step.retracted,
                "note": "; ".join(notes) or None,
            }
        )
    return out


def _amendment_note(step: LedgerStep) -> str | None:
    amendment = step.amended_by
    if amendment is None:
        return None
    what = "retracted" if step.retracted else "corrected"
    who = amendment.actor or "someone unnamed"
    return (
        f"{what} by {who} on {amendment.recorded_at.isoformat()} ({amendment.event_id}): "
        f"{amendment.reason}"
    )


def _met_note(breach: CustomerEvent, met_at: datetime, steps: Sequence[LedgerStep]) -> str:
    stops = [
        step.event
        for step in steps
        if step.counted
        and step.event.case == breach.case
        and step.event.timestamp == met_at
        and _shows_met(breach, step.event)
    ]
    shown = f"recorded as missed on {breach.recorded_at.isoformat()}"
    if not stops:
        return f"{shown}; the history shows it was met at {met_at.isoformat()}"
    stop = max(stops, key=lambda event: event.recorded_at)
    return (
        f"{shown}; a late entry recorded on {stop.recorded_at.isoformat()} "
        f"({stop.type_name} at {met_at.isoformat()}, {stop.event_id}) shows it was met"
    )


def _shows_met(miss: CustomerEvent, event: CustomerEvent) -> bool:
    """Whether ``event`` may be what shows ``miss`` was met: for a ``PromiseBroken``, the
    keeping of its promise; for an ``SlaBreached``, any event of its case."""
    if isinstance(miss, ev.PromiseBroken):
        return isinstance(event, ev.PromiseKept) and event.promise == miss.promise
    return True


__all__ = ["ledger_rows"]
