"""What each event changes in ``cases``, ``promises``, ``compensation`` and ``sla_clocks``.

One method per event type that touches those tables (``_on_<Type>``); the others change
only the tables the projector writes itself: ``timeline``, ``score_history`` and
``customers`` for every event, ``satisfaction`` for each score. Rules the engine enforced
when recording (a case event has an open case, a settled commitment exists) are relied on,
not rechecked.

Case columns: ``owner`` is the last hand-off's owner, else whoever acknowledged the
complaint; ``resolved_at`` is when the customer confirmed the fix (ResolutionConfirmed, or
a CaseClosed that says so); a reopening sets the case open again, clears ``closed_at``,
``resolved_at`` and ``confirmed_by_customer`` and starts a new clock period.

The ``follow_up`` clock measures whether the business followed up in time, not what the
follow-up found: it stops at the first follow-up *act* about the case after the
resolution (see :mod:`trustengine.readmodel.clocks`). Whether that follow-up restored the
customer's trust is the trust model's question (``CaseTrack.followed_up``), and scoring's.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from trustengine.domain.base import CustomerEvent
from trustengine.readmodel.buffer import Row, RowBuffer
from trustengine.readmodel.clocks import Clocks, is_follow_up_act
from trustengine.scoring.sla import SlaPolicy


class StepWriter:
    """Writes the case-level rows of each event into a batch's :class:`RowBuffer`."""

    def __init__(self, sla: SlaPolicy, buffer: RowBuffer) -> None:
        self.buffer = buffer
        self.clocks = Clocks(sla, buffer)
        self._at = ""
        """The business time of the event being written, as ISO text."""
        self._handlers: dict[str, Callable[[Any, str], None]] = {
            name[4:]: getattr(self, name) for name in dir(self) if name.startswith("_on_")
        }

    def write(self, event: CustomerEvent, tier: str, at: str) -> None:
        """Apply ``event`` (of a customer whose tier is ``tier``; ``at`` its business time
        as ISO text) to the buffered rows."""
        self._at = at
        handler = self._handlers.get(event.type_name)
        if handler is not None:
            handler(event, tier)
        if event.case is not None:
            case = self._case(event)
            if case is not None:
                case["last_event_at"] = at
                if is_follow_up_act(event):
                    # A no-op unless the resolution's follow_up clock is running.
                    period = self._period(case)
                    self.clocks.stop(
                        event.customer, event.case, "follow_up", period, event.timestamp
                    )

    # --- helpers --------------------------------------------------------------------

    def _case(self, e: Any) -> Row | None:
        return self.buffer.edit("cases", e.customer, e.case)

    def _period(self, case: Row | None) -> int:
        return 1 if case is None else int(case["reopened"]) + 1

    def _commitment(self, e: Any, kind: str, ident: str) -> Row | None:
        return self.buffer.edit("promises", e.customer, kind, ident)

    def _make(self, e: Any, kind: str, ident: str, description: str | None, due: Any) -> None:
        self.buffer.put(
            "promises",
            {
                "customer": e.customer,
                "kind": kind,
                "id": ident,
                "case": e.case,
                "description": description,
                "made_at": self._at,
                "due": due.isoformat(),
                "settled_at": None,
                "status": "open",
                "on_time": None,
                "prevents_recurrence": None,
                "note": None,
            },
        )

    def _settle(self, e: Any, kind: str, ident: str, status: str, note: str | None) -> None:
        row = self._commitment(e, kind, ident)
        if row is None:
            return
        row["settled_at"] = self._at
        row["status"] = status
        row["note"] = note
        if status == "broken":
            row["on_time"] = 0
        else:
            row["on_time"] = int(e.timestamp <= datetime.fromisoformat(row["due"]))

    # --- cases ----------------------------------------------------------------------

    def _on_ComplaintFiled(self, e: Any, tier: str) -> None:
        self.buffer.put(
            "cases",
            {
                "customer": e.customer,
                "case": e.case,
                "status": "open",
                "opened_at": self._at,
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
            },
        )
        for clock in ("first_response", "resolution", "final_response"):
            self.clocks.start(e.customer, e.case, clock, 1, e.timestamp, tier, fresh=True)

    def _on_ComplaintAcknowledged(self, e: Any, tier: str) -> None:
        case = self._case(e)
        if case is not None and case["acknowledged_at"] is None:
            case["acknowledged_at"] = self._at
            if case["owner"] is None:
                case["owner"] = e.actor
        self.clocks.stop(e.customer, e.case, "first_response", self._period(case), e.timestamp)

    def _on_CaseReassigned(self, e: Any, tier: str) -> None:
        case = self._case(e)
        if case is not None:
            case["owner"] = e.owner
            case["hand_offs"] += 1

    def _on_CaseEscalated(self, e: Any, tier: str) -> None:
        case = self._case(e)
        if case is not None:
            case["escalation_level"] = max(case["escalation_level"], e.level)

    def _on_ResolutionProposed(self, e: Any, tier: str) -> None:
        case = self._case(e)
        if case is not None:
            case["proposed_at"] = self._at
        self.clocks.stop(e.customer, e.case, "final_response", self._period(case), e.timestamp)

    def _on_ResolutionConfirmed(self, e: Any, tier: str) -> None:
        case = self._case(e)
        period = self._period(case)
        if case is not None:
            case["resolved_at"] = self._at
            case["confirmed_by_customer"] = 1
        self.clocks.stop(e.customer, e.case, "resolution", period, e.timestamp)
        self.clocks.start(e.customer, e.case, "follow_up", period, e.timestamp, tier)

    def _on_CaseClosed(self, e: Any, tier: str) -> None:
        case = self._case(e)
        period = self._period(case)
        if case is not None:
            case["status"] = "closed"
            case["closed_at"] = self._at
            if e.confirmed_by_customer and not case["confirmed_by_customer"]:
                case["confirmed_by_customer"] = 1
                case["resolved_at"] = self._at
        for clock in ("resolution", "final_response"):
            self.clocks.stop(e.customer, e.case, clock, period, e.timestamp)
        self.clocks.start(e.customer, e.case, "follow_up", period, e.timestamp, tier)

    def _on_CaseReopened(self, e: Any, tier: str) -> None:
        case = self._case(e)
        if case is None:
            return
        # The resolution's follow-up is moot now: its clock stops here (late if past due).
        self.clocks.stop(e.customer, e.case, "follow_up", self._period(case), e.timestamp)
        case["status"] = "open"
        case["closed_at"] = case["resolved_at"] = None
        case["confirmed_by_customer"] = 0
        case["reopened"] += 1
        case["reopened_at"] = self._at
        period = self._period(case)
        self.clocks.start(e.customer, e.case, "resolution", period, e.timestamp, tier)

    def _on_SlaBreached(self, e: Any, tier: str) -> None:
        case = self._case(e)
        if case is not None:
            case["sla_breaches"] += 1
        self.clocks.breach(e.customer, e.case, e.clock, self._period(case), e.due)

    # --- commitments ----------------------------------------------------------------

    def _on_PromiseMade(self, e: Any, tier: str) -> None:
        self._make(e, "promise", e.promise, e.description, e.due)

    def _on_PromiseKept(self, e: Any, tier: str) -> None:
        self._settle(e, "promise", e.promise, "kept", None)

    def _on_PromiseBroken(self, e: Any, tier: str) -> None:
        self._settle(e, "promise", e.promise, "broken", e.reason)
        case = self._case(e)
        if case is not None:
            case["broken_promises"] += 1

    def _on_CorrectiveActionCommitted(self, e: Any, tier: str) -> None:
        self._make(e, "action", e.action, e.description, e.due)
        row = self._commitment(e, "action", e.action)
        assert row is not None
        row["prevents_recurrence"] = int(e.prevents_recurrence)

    def _on_CorrectiveActionCompleted(self, e: Any, tier: str) -> None:
        self._settle(e, "action", e.action, "completed", e.evidence)

    def _on_FollowUpScheduled(self, e: Any, tier: str) -> None:
        self._make(e, "follow_up", e.follow_up, None, e.due)

    def _on_FollowUpCompleted(self, e: Any, tier: str) -> None:
        # It stops the follow_up clock whatever it found (see write()).
        self._settle(e, "follow_up", e.follow_up, "completed", e.outcome)

    # --- compensation ---------------------------------------------------------------

    def _on_CompensationOffered(self, e: Any, tier: str) -> None:
        self.buffer.put(
            "compensation",
            {
                "customer": e.customer,
                "offer": e.offer,
                "case": e.case,
                "kind": e.kind,
                "amount": float(e.amount) if e.amount is not None else None,
                "amount_exact": str(e.amount) if e.amount is not None else None,
                "currency": e.currency,
                "addresses_failure": int(e.addresses_failure),
                "status": "offered",
                "at": self._at,
                "settled_at": None,
                "reason": None,
            },
        )

    def _on_CompensationAccepted(self, e: Any, tier: str) -> None:
        self._answer(e, "accepted", None)

    def _on_CompensationDeclined(self, e: Any, tier: str) -> None:
        self._answer(e, "declined", e.reason)

    def _answer(self, e: Any, status: str, reason: str | None) -> None:
        row = self.buffer.edit("compensation", e.customer, e.offer)
        if row is not None:
            row["status"] = status
            row["settled_at"] = self._at
            row["reason"] = reason
