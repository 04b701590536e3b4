"""Typed commands, one per event type, for code that embeds trustengine.

Each builds the contract-shaped event and hands it to :meth:`TrustEngine.record`, so the
typed API and the JSON face share one path of validation and rules. ``at`` defaults to now
(read as the event is written);
every command returns True when it stored a new event and False when the same fact was
already stored.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import Any


class CommandsMixin(ABC):
    """The typed command methods of :class:`~trustengine.application.TrustEngine`."""

    clock: Callable[[], datetime]

    @abstractmethod
    def record(self, event: Any, *, at_now: bool = False) -> bool:
        """Record one contract-shaped event (implemented by the application); with
        ``at_now`` its time is read from the clock as it is written."""

    def _command(
        self,
        type_name: str,
        customer: str,
        case: str | None,
        at: datetime | None,
        actor: str | None,
        channel: str | None,
        **data: Any,
    ) -> bool:
        event: dict[str, Any] = {
            "type": type_name,
            "customer": customer,
            "data": {key: value for key, value in data.items() if value is not None},
        }
        if at is not None:
            event["at"] = at
        for key, value in (("case", case), ("actor", actor), ("channel", channel)):
            if value is not None:
                event[key] = value
        return self.record(event, at_now=at is None)

    # --- customer-level ------------------------------------------------------------

    def register_customer(
        self,
        customer: str,
        *,
        name: str | None = None,
        tier: str | None = None,
        at: datetime | None = None,
        actor: str | None = None,
        channel: str | None = None,
    ) -> bool:
        """Record ``CustomerRegistered``."""
        return self._command(
            "CustomerRegistered", customer, None, at, actor, channel, name=name, tier=tier
        )

    def update_consent(
        self,
        customer: str,
        *,
        email: bool | None = None,
        sms: bool | None = None,
        phone: bool | None = None,
        marketing: bool | None = None,
        at: datetime | None = None,
        actor: str | None = None,
        channel: str | None = None,
    ) -> bool:
        """Record ``ConsentUpdated``."""
        return self._command(
            "ConsentUpdated",
            customer,
            None,
            at,
            actor,
            channel,
            email=email,
            sms=sms,
            phone=phone,
            marketing=marketing,
        )

    def contact(
        self,
        customer: str,
        *,
        direction: str,
        case: str | None = None,
        sentiment: float | None = None,
        summary: str | None = None,
        at: datetime | None = None,
        actor: str | None = None,
        channel: str | None = None,
    ) -> bool:
        """Record ``CustomerContacted``."""
        return self._command(
            "CustomerContacted",
            customer,
            case,
            at,
            actor,
            channel,
            direction=direction,
            sentiment=sentiment,
            summary=summary,
        )

    def contact_unanswered(
        self,
        customer: str,
        *,
        attempts: int = 1,
        case: str | None = None,
        at: datetime | None = None,
        actor: str | None = None,
        channel: str | None = None,
    ) -> bool:
        """Record ``ContactUnanswered``."""
        return self._command(
            "ContactUnanswered", customer, case, at, actor, channel, attempts=attempts
        )

    def record_satisfaction(
        self,
        customer: str,
        *,
        metric: str,
        score: int,
        case: str | None = None,
        comment: str | None = None,
        at: datetime | None = None,
        actor: str | None = None,
        channel: str | None = None,
    ) -> bool:
        """Record ``SatisfactionRecorded`` (csat 1-5 or nps 0-10)."""
        return self._command(
            "SatisfactionRecorded",
            customer,
            case,
            at,
            actor,
            channel,
            metric=metric,
            score=score,
            comment=comment,
        )

    def erase_customer(
        self,
        customer: str,
        *,
        legal_basis: str,
        at: datetime | None = None,
        actor: str | None = None,
        channel: str | None = None,
    ) -> bool:
        """Record ``CustomerErased``."""
        return self._command(
            "CustomerErased", customer, None, at, actor, channel, legal_basis=legal_basis
        )

    # --- case lifecycle ------------------------------------------------------------

    def file_complaint(
        self,
        customer: str,
        case: str,
        *,
        category: str,
        severity: int,
        cause: str,
        summary: str,
        remedy_sought: str | None = None,
        at: datetime | None = None,
        actor: str | None = None,
        channel: str | None = None,
    ) -> bool:
        """Record ``ComplaintFiled``, which opens ``case``."""
        return self._command(
            "ComplaintFiled",
            customer,
            case,
            at,
            actor,
            channel,
            category=category,
            severity=severity,
            cause=cause,
            summary=summary,
            remedy_sought=remedy_sought,
        )

    def acknowledge(
        self,
        customer: str,
        case: str,
        *,
        message: str | None = None,
        at: datetime | None = None,
        actor: str | None = None,
        channel: str | None = None,
    ) -> bool:
        """Record ``ComplaintAcknowledged``: the first response."""
        return self._command(
            "ComplaintAcknowledged", customer, case, at, actor, channel, message=message
        )

    def apologize(
        self,
        customer: str,
        case: str,
        *,
        accepts_responsibility: bool,
        explanation: str | None = None,
        at: datetime | None = None,
        actor: str | None = None,
        channel: str | None = None,
    ) -> bool:
        """Record ``ApologyIssued``."""
        return self._command(
            "ApologyIssued",
            customer,
            case,
            at,
            actor,
            channel,
            accepts_responsibility=accepts_responsibility,
            explanation=explanation,
        )

    def justify(
        self,
        customer: str,
        case: str,
        *,
        summary: str,
        at: datetime | None = None,
        actor: str | None = None,
        channel: str | None = None,
    ) -> bool:
        """Record ``JustificationGiven`` (defending instead of solving)."""
        return self._command(
            "JustificationGiven", customer, case, at, actor, channel, summary=summary
        )

    def escalate(
        self,
        customer: str,
        case: str,
        *,
        level: int,
        reason: str,
        at: datetime | None = None,
        actor: str | None = None,
        channel: str | None = None,
    ) -> bool:
        """Record ``CaseEscalated``."""
        return self._command(
            "CaseEscalated", customer, case, at, actor, channel, level=level, reason=reason
        )

    def reassign(
        self,
        customer: str,
        case: str,
        *,
        owner: str,
        reason: str | None = None,
        at: datetime | None = None,
        actor: str | None = None,
        channel: str | None = None,
    ) -> bool:
        """Record ``CaseReassigned``: a hand-off."""
        return self._command(
            "CaseReassigned", customer, case, at, actor, channel, owner=owner, reason=reason
        )

    def propose_resolution(
        self,
        customer: str,
        case: str,
        *,
        summary: str,
        at: datetime | None = None,
        actor: str | None = None,
        channel: str | None = None,
    ) -> bool:
        """Record ``ResolutionProposed``."""
        return self._command(
            "ResolutionProposed", customer, case, at, actor, channel, summary=summary
        )

    def confirm_resolution(
        self,
        customer: str,
        case: str,
        at: datetime | None = None,
        actor: str | None = None,
        channel: str | None = None,
    ) -> bool:
        """Record ``ResolutionConfirmed``: the customer says it is solved."""
        return self._command("ResolutionConfirmed", customer, case, at, actor, channel)

    def close_case(
        self,
        customer: str,
        case: str,
        *,
        confirmed_by_customer: bool,
        reason: str | None = None,
        at: datetime | None = None,
        actor: str | None = None,
        channel: str | None = None,
    ) -> bool:
        """Record ``CaseClosed``."""
        return self._command(
            "CaseClosed",
            customer,
            case,
            at,
            actor,
            channel,
            confirmed_by_customer=confirmed_by_customer,
            reason=reason,
        )

    def reopen_case(
        self,
        customer: str,
        case: str,
        *,
        reason: str,
        at: datetime | None = None,
        actor: str | None = None,
        channel: str | None = None,
    ) -> bool:
        """Record ``CaseReopened``."""
        return self._command("CaseReopened", customer, case, at, actor, channel, reason=reason)

    def breach_sla(
        self,
        customer: str,
        case: str,
        *,
        clock: str,
        due: datetime,
        at: datetime | None = None,
        actor: str | None = None,
        channel: str | None = None,
    ) -> bool:
        """Record ``SlaBreached``."""
        return self._command(
            "SlaBreached", customer, case, at, actor, channel, clock=clock, due=due
        )

    # --- commitments ---------------------------------------------------------------

    def make_promise(
        self,
        customer: str,
        case: str,
        *,
        promise: str,
        description: str,
        due: datetime,
        at: datetime | None = None,
        actor: str | None = None,
        channel: str | None = None,
    ) -> bool:
        """Record ``PromiseMade``."""
        return self._command(
            "PromiseMade",
            customer,
            case,
            at,
            actor,
            channel,
            promise=promise,
            description=description,
            due=due,
        )

    def keep_promise(
        self,
        customer: str,
        case: str,
        *,
        promise: str,
        at: datetime | None = None,
        actor: str | None = None,
        channel: str | None = None,
    ) -> bool:
        """Record ``PromiseKept``."""
        return self._command("PromiseKept", customer, case, at, actor, channel, promise=promise)

    def break_promise(
        self,
        customer: str,
        case: str,
        *,
        promise: str,
        reason: str | None = None,
        at: datetime | None = None,
        actor: str | None = None,
        channel: str | None = None,
    ) -> bool:
        """Record ``PromiseBroken``."""
        return self._command(
            "PromiseBroken", customer, case, at, actor, channel, promise=promise, reason=reason
        )

    def commit_action(
        self,
        customer: str,
        case: str,
        *,
        action: str,
        description: str,
        due: datetime,
        prevents_recurrence: bool = False,
        at: datetime | None = None,
        actor: str | None = None,
        channel: str | None = None,
    ) -> bool:
        """Record ``CorrectiveActionCommitted``."""
        return self._command(
            "CorrectiveActionCommitted",
            customer,
            case,
            at,
            actor,
            channel,
            action=action,
            description=description,
            due=due,
            prevents_recurrence=prevents_recurrence,
        )

    def complete_action(
        self,
        customer: str,
        case: str,
        *,
        action: str,
        evidence: str | None = None,
        at: datetime | None = None,
        actor: str | None = None,
        channel: str | None = None,
    ) -> bool:
        """Record ``CorrectiveActionCompleted``."""
        return self._command(
            "CorrectiveActionCompleted",
            customer,
            case,
            at,
            actor,
            channel,
            action=action,
            evidence=evidence,
        )

    def offer_compensation(
        self,
        customer: str,
        case: str,
        *,
        offer: str,
        kind: str,
        addresses_failure: bool,
        amount: Decimal | int | str | None = None,
        currency: str | None = None,
        at: datetime | None = None,
        actor: str | None = None,
        channel: str | None = None,
    ) -> bool:
        """Record ``CompensationOffered``."""
        return self._command(
            "CompensationOffered",
            customer,
            case,
            at,
            actor,
            channel,
            offer=offer,
            kind=kind,
            amount=amount,
            currency=currency,
            addresses_failure=addresses_failure,
        )

    def accept_compensation(
        self,
        customer: str,
        case: str,
        *,
        offer: str,
        at: datetime | None = None,
        actor: str | None = None,
        channel: str | None = None,
    ) -> bool:
        """Record ``CompensationAccepted``."""
        return self._command(
            "CompensationAccepted", customer, case, at, actor, channel, offer=offer
        )

    def decline_compensation(
        self,
        customer: str,
        case: str,
        *,
        offer: str,
        reason: str | None = None,
        at: datetime | None = None,
        actor: str | None = None,
        channel: str | None = None,
    ) -> bool:
        """Record ``CompensationDeclined``."""
        return self._command(
            "CompensationDeclined", customer, case, at, actor, channel, offer=offer, reason=reason
        )

    def schedule_follow_up(
        self,
        customer: str,
        case: str,
        *,
        follow_up: str,
        due: datetime,
        at: datetime | None = None,
        actor: str | None = None,
        channel: str | None = None,
    ) -> bool:
        """Record ``FollowUpScheduled``."""
        return self._command(
            "FollowUpScheduled", customer, case, at, actor, channel, follow_up=follow_up, due=due
        )

    def complete_follow_up(
        self,
        customer: str,
        case: str,
        *,
        follow_up: str,
        outcome: str,
        at: datetime | None = None,
        actor: str | None = None,
        channel: str | None = None,
    ) -> bool:
        """Record ``FollowUpCompleted``."""
        return self._command(
            "FollowUpCompleted",
            customer,
            case,
            at,
            actor,
            channel,
            follow_up=follow_up,
            outcome=outcome,
        )
