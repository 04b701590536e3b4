"""``cases``: one row per case, its status, owner and milestones.

``owner`` is the last hand-off's owner, else whoever acknowledged the complaint;
``resolved_at`` is when the customer confirmed the fix (ResolutionConfirmed, or a
CaseClosed that says so); a reopening sets the case open again, clears ``closed_at``,
``resolved_at`` and ``confirmed_by_customer`` and counts in ``reopened`` (a case's clock
period is ``reopened + 1``: :func:`period`). ``broken_promises`` and ``sla_breaches``
count the case's PromiseBroken and SlaBreached events. ``awaiting_since`` is when the
case began to await the customer (None: it does not), ``paused_seconds`` the time it has
awaited in all, and ``pauses`` each wait as JSON (``from``, ``until``, ``reason``,
``on``; personal, for its reasons): docs/service-levels.md, "Pauses". Rules the engine enforced when
recording (a case event has an open case) are relied on, not rechecked.
"""

from __future__ import annotations

import json
from datetime import datetime

from trustengine.domain import events as ev
from trustengine.domain.base import CustomerEvent
from trustengine.readmodel.projection import Change, Projection, Rows, handles
from trustengine.readmodel.table import Row
from trustengine.readmodel.tables import CASES

TABLE = CASES
"""This projection's table (declared in :mod:`trustengine.readmodel.tables`)."""


def case_row(rows: Rows, event: CustomerEvent) -> Row | None:
    """The ``cases`` row of ``event``'s case (None: it has none, or no such case)."""
    if event.case is None:
        return None
    return rows.edit(TABLE.name, event.customer, event.case)


def pauses_of(case: Row) -> list[dict[str, str | None]]:
    """The waits of a ``cases`` row (its ``pauses`` JSON), oldest first."""
    text = case["pauses"]
    return list(json.loads(text)) if text else []


def _end_wait(case: Row, at: str) -> None:
    """The case's wait, if it has one, ends at ``at``."""
    since = case["awaiting_since"]
    if since is None:
        return
    case["awaiting_since"] = None
    waited = datetime.fromisoformat(at) - datetime.fromisoformat(since)
    case["paused_seconds"] += waited.total_seconds()
    pauses = pauses_of(case)
    if pauses:
        pauses[-1]["until"] = at
        case["pauses"] = json.dumps(pauses, ensure_ascii=False)


def period(case: Row | None) -> int:
    """The clock period a case is in: 1 as filed, n+1 after its n-th reopening."""
    return 1 if case is None else int(case["reopened"]) + 1


class Cases(Projection):
    table = TABLE

    @handles(ev.ComplaintFiled)
    def filed(self, e: ev.ComplaintFiled, change: Change) -> None:
        change.rows.put(
            TABLE.name,
            {
                "customer": e.customer,
                "case": e.case,
                "status": "open",
                "opened_at": change.at,
                "severity": e.severity,
                "category": e.category,
                "cause": e.cause,
                "summary": e.summary,
                "owner": None,
                "hand_offs": 0,
                "escalation_level": 1,
                "acknowledged_at": None,
                "proposed_at": None,
                "resolved_at": None,
                "closed_at": None,
                "confirmed_by_customer": 0,
                "reopened": 0,
                "reopened_at": None,
                "broken_promises": 0,
                "sla_breaches": 0,
                "last_event_at": None,
                "awaiting_since": None,
                "paused_seconds": 0.0,
                "pauses": None,
            },
        )

    @handles(ev.ComplaintAcknowledged)
    def acknowledged(self, e: ev.ComplaintAcknowledged, change: Change) -> None:
        case = case_row(change.rows, e)
        if case is not None and case["acknowledged_at"] is None:
            case["acknowledged_at"] = change.at
            if case["owner"] is None:
                case["owner"] = e.actor

    @handles(ev.CaseReassigned)
    def reassigned(self, e: ev.CaseReassigned, change: Change) -> None:
        case = case_row(change.rows, e)
        if case is not None:
            case["owner"] = e.owner
            case["hand_offs"] += 1

    @handles(ev.CaseEscalated)
    def escalated(self, e: ev.CaseEscalated, change: Change) -> None:
        case = case_row(change.rows, e)
        if case is not None:
            case["escalation_level"] = max(case["escalation_level"], e.level)

    @handles(ev.ResolutionProposed)
    def proposed(self, e: ev.ResolutionProposed, change: Change) -> None:
        case = case_row(change.rows, e)
        if case is not None:
            case["proposed_at"] = change.at

    @handles(ev.ResolutionConfirmed)
    def confirmed(self, e: ev.ResolutionConfirmed, change: Change) -> None:
        case = case_row(change.rows, e)
        if case is not None:
            case["resolved_at"] = change.at
            case["confirmed_by_customer"] = 1

    @handles(ev.CaseAwaitingCustomer)
    def awaiting(self, e: ev.CaseAwaitingCustomer, change: Change) -> None:
        case = case_row(change.rows, e)
        if case is not None and case["awaiting_since"] is None:
            case["awaiting_since"] = change.at
            wait = {"from": change.at, "until": None, "reason": e.reason, "on": e.on}
            case["pauses"] = json.dumps([*pauses_of(case), wait], ensure_ascii=False)

    @handles(ev.CaseResumed)
    def resumed(self, e: ev.CaseResumed, change: Change) -> None:
        case = case_row(change.rows, e)
        if case is not None:
            _end_wait(case, change.at)

    @handles(ev.CustomerContacted)
    def contacted(self, e: ev.CustomerContacted, change: Change) -> None:
        case = case_row(change.rows, e)
        if case is not None and e.direction == "inbound":
            _end_wait(case, change.at)  # the customer's reply ends a wait on them

    @handles(ev.CaseClosed)
    def closed(self, e: ev.CaseClosed, change: Change) -> None:
        case = case_row(change.rows, e)
        if case is not None:
            _end_wait(case, change.at)
            case["status"] = "closed"
            case["closed_at"] = change.at
            if e.confirmed_by_customer and not case["confirmed_by_customer"]:
                case["confirmed_by_customer"] = 1
                case["resolved_at"] = change.at

    @handles(ev.CaseReopened)
    def reopened(self, e: ev.CaseReopened, change: Change) -> None:
        case = case_row(change.rows, e)
        if case is None:
            return
        case["status"] = "open"
        case["closed_at"] = case["resolved_at"] = None
        case["confirmed_by_customer"] = 0
        case["reopened"] += 1
        case["reopened_at"] = change.at

    @handles(ev.SlaBreached)
    def breached(self, e: ev.SlaBreached, change: Change) -> None:
        case = case_row(change.rows, e)
        if case is not None:
            case["sla_breaches"] += 1

    @handles(ev.PromiseBroken)
    def promise_broken(self, e: ev.PromiseBroken, change: Change) -> None:
        case = case_row(change.rows, e)
        if case is not None:
            case["broken_promises"] += 1

    @handles(CustomerEvent)
    def any_event(self, e: CustomerEvent, change: Change) -> None:
        case = case_row(change.rows, e)
        if case is not None:
            case["last_event_at"] = change.at


__all__ = ["TABLE", "Cases", "case_row", "pauses_of", "period"]
