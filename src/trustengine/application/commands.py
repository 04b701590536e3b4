"""Typed commands, one per event type, for code that embeds trustengine.

Each takes the contract's values as the domain types them (:mod:`trustengine.domain.values`:
``Cause``, ``Tier``, ``Clock`` ...), builds the event model itself and hands it to
:meth:`TrustEngine.record`, so the typed API and the JSON face share one path of validation
(the same door, :mod:`trustengine.domain.door`, and the same words for a refusal) and of
rules. The keys come first and may be positional: ``customer``, then ``case`` (for a
case's event), then the id of the commitment the event makes or settles; everything else
is keyword-only. ``at`` defaults to now (read as the event is written); every command
returns True when it stored a new event and False when the same fact was already stored.
"""

from __future__ import annotations

import functools
import warnings
from abc import ABC, abstractmethod
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeVar, cast

from pydantic import StrictBool

from trustengine.domain.base import Channel, CustomerEvent, Instant, Key, Text
from trustengine.domain.events import (
    ApologyIssued,
    CaseAwaitingCustomer,
    CaseClosed,
    CaseEscalated,
    CaseReassigned,
    CaseReopened,
    CaseResumed,
    CompensationAccepted,
    CompensationDeclined,
    CompensationOffered,
    ComplaintAcknowledged,
    ComplaintFiled,
    ConsentUpdated,
    ContactUnanswered,
    CorrectiveActionCommitted,
    CorrectiveActionCompleted,
    CustomerContacted,
    CustomerErased,
    CustomerRegistered,
    FollowUpCompleted,
    FollowUpScheduled,
    JustificationGiven,
    PromiseBroken,
    PromiseKept,
    PromiseMade,
    ResolutionConfirmed,
    ResolutionProposed,
    SatisfactionRecorded,
    SlaBreached,
)
from trustengine.domain.values import (
    Amount,
    Attempts,
    AwaitingOn,
    Cause,
    Clock,
    CompensationKind,
    Currency,
    Direction,
    Level,
    Metric,
    Outcome,
    Score,
    Sentiment,
    Severity,
    Tier,
)
from trustengine.interchange.codec import build_event

F = TypeVar("F", bound=Callable[..., bool])


def records(event_type: type[CustomerEvent]) -> Callable[[F], F]:
    """Mark a command method as the one that records ``event_type`` (a test holds every
    event type to exactly one, its parameters to the model's fields)."""

    def mark(method: F) -> F:
        method.records = event_type  # type: ignore[attr-defined]  # a marker for introspection
        return method

    return mark


def _keyword_only_since(*names: str) -> Callable[[F], F]:
    """Accept ``names``, once positional, by position still, with a DeprecationWarning."""

    def decorate(method: F) -> F:
        @functools.wraps(method)
        def wrapper(self: Any, customer: str, case: str, *args: Any, **kwargs: Any) -> bool:
            if args:
                if len(args) > len(names):
                    raise TypeError(
                        f"{method.__name__}() takes customer, case and at most "
                        f"{len(names)} more by position"
                    )
                given = names[: len(args)]
                warnings.warn(
                    f"{method.__name__}(): give {', '.join(given)} by keyword "
                    "(positional use is deprecated)",
                    DeprecationWarning,
                    stacklevel=2,
                )
                for name, value in zip(given, args, strict=True):
                    if name in kwargs:
                        raise TypeError(f"{method.__name__}() got {name!r} twice")
                    kwargs[name] = value
            return method(self, customer, case, **kwargs)

        return cast(F, wrapper)

    return decorate


class CommandsMixin(ABC):
    """The typed command methods of :class:`~trustengine.application.engine.Ledger`."""

    clock: Callable[[], datetime]

    @abstractmethod
    def record(self, event: Any, *, at_now: bool = False) -> bool:
        """Record one contract-shaped event (implemented by the application); with
        ``at_now`` its time is read from the clock as it is written."""

    def _command(
        self,
        event_type: type[CustomerEvent],
        customer: str,
        case: str | None,
        at: datetime | None,
        actor: str | None,
        channel: str | None,
        **data: Any,
    ) -> bool:
        # None means "not given", as a missing key does on the JSON face: the model's
        # default applies.
        given = {name: value for name, value in data.items() if value is not None}
        envelope = {"customer": customer, "case": case, "actor": actor, "channel": channel}
        given.update((name, value) for name, value in envelope.items() if value is not None)
        # Without ``at`` the wall clock stands in, so that the event validates; the write
        # replaces it with the engine's clock as it stores the event (reading that clock
        # here would spend a reading the write is owed).
        given["timestamp"] = datetime.now(tz=UTC) if at is None else at
        return self.record(build_event(event_type, given), at_now=at is None)

    # --- customer-level -----------------------------------------------------

    @records(CustomerRegistered)
    def register_customer(
        self,
        customer: Key,
        *,
        name: Text | None = None,
        tier: Tier = "standard",
        calendar: Key | None = None,
        at: datetime | None = None,
        actor: str | None = None,
        channel: Channel | None = None,
    ) -> bool:
        """Record ``CustomerRegistered`` (``calendar``: a calendar key of the SLA policy)."""
        return self._command(
            CustomerRegistered,
            customer,
            None,
            at,
            actor,
            channel,
            name=name,
            tier=tier,
            calendar=calendar,
        )

    @records(ConsentUpdated)
    def update_consent(
        self,
        customer: Key,
        *,
        email: StrictBool | None = None,
        sms: StrictBool | None = None,
        phone: StrictBool | None = None,
        marketing: StrictBool | None = None,
        at: datetime | None = None,
        actor: str | None = None,
        channel: Channel | None = None,
    ) -> bool:
        """Record ``ConsentUpdated``."""
        return self._command(
            ConsentUpdated,
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

    @records(CustomerContacted)
    def contact(
        self,
        customer: Key,
        case: Key | None = None,
        *,
        direction: Direction,
        sentiment: Sentiment | None = None,
        summary: Text | None = None,
        at: datetime | None = None,
        actor: str | None = None,
        channel: Channel | None = None,
    ) -> bool:
        """Record ``CustomerContacted``."""
        return self._command(
            CustomerContacted,
            customer,
            case,
            at,
            actor,
            channel,
            direction=direction,
            sentiment=sentiment,
            summary=summary,
        )

    @records(ContactUnanswered)
    def contact_unanswered(
        self,
        customer: Key,
        case: Key | None = None,
        *,
        attempts: Attempts = 1,
        at: datetime | None = None,
        actor: str | None = None,
        channel: Channel | None = None,
    ) -> bool:
        """Record ``ContactUnanswered``."""
        return self._command(
            ContactUnanswered, customer, case, at, actor, channel, attempts=attempts
        )

    @records(SatisfactionRecorded)
    def record_satisfaction(
        self,
        customer: Key,
        case: Key | None = None,
        *,
        metric: Metric,
        score: Score,
        comment: Text | None = None,
        at: datetime | None = None,
        actor: str | None = None,
        channel: Channel | None = None,
    ) -> bool:
        """Record ``SatisfactionRecorded`` (csat 1-5 or nps 0-10)."""
        return self._command(
            SatisfactionRecorded,
            customer,
            case,
            at,
            actor,
            channel,
            metric=metric,
            score=score,
            comment=comment,
        )

    @records(CustomerErased)
    def erase_customer(
        self,
        customer: Key,
        *,
        legal_basis: Text,
        at: datetime | None = None,
        actor: str | None = None,
        channel: Channel | None = None,
    ) -> bool:
        """Record ``CustomerErased``."""
        return self._command(
            CustomerErased, customer, None, at, actor, channel, legal_basis=legal_basis
        )

    # --- case lifecycle -----------------------------------------------------

    @records(ComplaintFiled)
    def file_complaint(
        self,
        customer: Key,
        case: Key,
        *,
        category: Key,
        severity: Severity,
        cause: Cause,
        summary: Text,
        remedy_sought: Text | None = None,
        received: Instant | None = None,
        at: datetime | None = None,
        actor: str | None = None,
        channel: Channel | None = None,
    ) -> bool:
        """Record ``ComplaintFiled``, which opens ``case`` (``received``: when the business
        received it, if later; its clocks start there)."""
        return self._command(
            ComplaintFiled,
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
            received=received,
        )

    @records(ComplaintAcknowledged)
    def acknowledge(
        self,
        customer: Key,
        case: Key,
        *,
        message: Text | None = None,
        at: datetime | None = None,
        actor: str | None = None,
        channel: Channel | None = None,
    ) -> bool:
        """Record ``ComplaintAcknowledged``: the first response."""
        return self._command(
            ComplaintAcknowledged, customer, case, at, actor, channel, message=message
        )

    @records(ApologyIssued)
    def apologize(
        self,
        customer: Key,
        case: Key,
        *,
        accepts_responsibility: StrictBool,
        explanation: Text | None = None,
        at: datetime | None = None,
        actor: str | None = None,
        channel: Channel | None = None,
    ) -> bool:
        """Record ``ApologyIssued``."""
        return self._command(
            ApologyIssued,
            customer,
            case,
            at,
            actor,
            channel,
            accepts_responsibility=accepts_responsibility,
            explanation=explanation,
        )

    @records(JustificationGiven)
    def justify(
        self,
        customer: Key,
        case: Key,
        *,
        summary: Text,
        at: datetime | None = None,
        actor: str | None = None,
        channel: Channel | None = None,
    ) -> bool:
        """Record ``JustificationGiven`` (defending instead of solving)."""
        return self._command(
            JustificationGiven, customer, case, at, actor, channel, summary=summary
        )

    @records(CaseEscalated)
    def escalate(
        self,
        customer: Key,
        case: Key,
        *,
        level: Level,
        reason: Text,
        at: datetime | None = None,
        actor: str | None = None,
        channel: Channel | None = None,
    ) -> bool:
        """Record ``CaseEscalated``."""
        return self._command(
            CaseEscalated, customer, case, at, actor, channel, level=level, reason=reason
        )

    @records(CaseReassigned)
    def reassign(
        self,
        customer: Key,
        case: Key,
        *,
        owner: Key,
        reason: Text | None = None,
        at: datetime | None = None,
        actor: str | None = None,
        channel: Channel | None = None,
    ) -> bool:
        """Record ``CaseReassigned``: a hand-off."""
        return self._command(
            CaseReassigned, customer, case, at, actor, channel, owner=owner, reason=reason
        )

    @records(ResolutionProposed)
    def propose_resolution(
        self,
        customer: Key,
        case: Key,
        *,
        summary: Text,
        at: datetime | None = None,
        actor: str | None = None,
        channel: Channel | None = None,
    ) -> bool:
        """Record ``ResolutionProposed``."""
        return self._command(
            ResolutionProposed, customer, case, at, actor, channel, summary=summary
        )

    @records(ResolutionConfirmed)
    @_keyword_only_since("at", "actor", "channel")
    def confirm_resolution(
        self,
        customer: Key,
        case: Key,
        *,
        at: datetime | None = None,
        actor: str | None = None,
        channel: Channel | None = None,
    ) -> bool:
        """Record ``ResolutionConfirmed``: the customer says it is solved."""
        return self._command(ResolutionConfirmed, customer, case, at, actor, channel)

    @records(CaseClosed)
    def close_case(
        self,
        customer: Key,
        case: Key,
        *,
        confirmed_by_customer: StrictBool,
        reason: Text | None = None,
        at: datetime | None = None,
        actor: str | None = None,
        channel: Channel | None = None,
    ) -> bool:
        """Record ``CaseClosed``."""
        return self._command(
            CaseClosed,
            customer,
            case,
            at,
            actor,
            channel,
            confirmed_by_customer=confirmed_by_customer,
            reason=reason,
        )

    @records(CaseReopened)
    def reopen_case(
        self,
        customer: Key,
        case: Key,
        *,
        reason: Text,
        at: datetime | None = None,
        actor: str | None = None,
        channel: Channel | None = None,
    ) -> bool:
        """Record ``CaseReopened``."""
        return self._command(CaseReopened, customer, case, at, actor, channel, reason=reason)

    @records(CaseAwaitingCustomer)
    def await_customer(
        self,
        customer: Key,
        case: Key,
        *,
        reason: Text,
        on: AwaitingOn = "customer",
        at: datetime | None = None,
        actor: str | None = None,
        channel: Channel | None = None,
    ) -> bool:
        """Record ``CaseAwaitingCustomer``: the case waits on the customer (or a third
        party), and the clocks the SLA policy pauses stop."""
        return self._command(
            CaseAwaitingCustomer, customer, case, at, actor, channel, reason=reason, on=on
        )

    @records(CaseResumed)
    def resume_case(
        self,
        customer: Key,
        case: Key,
        *,
        at: datetime | None = None,
        actor: str | None = None,
        channel: Channel | None = None,
    ) -> bool:
        """Record ``CaseResumed``: the wait is over."""
        return self._command(CaseResumed, customer, case, at, actor, channel)

    @records(SlaBreached)
    def breach_sla(
        self,
        customer: Key,
        case: Key,
        *,
        clock: Clock,
        due: Instant,
        at: datetime | None = None,
        actor: str | None = None,
        channel: Channel | None = None,
    ) -> bool:
        """Record ``SlaBreached``."""
        return self._command(SlaBreached, customer, case, at, actor, channel, clock=clock, due=due)

    # --- commitments --------------------------------------------------------

    @records(PromiseMade)
    def make_promise(
        self,
        customer: Key,
        case: Key,
        promise: Key,
        *,
        description: Text,
        due: Instant,
        at: datetime | None = None,
        actor: str | None = None,
        channel: Channel | None = None,
    ) -> bool:
        """Record ``PromiseMade``."""
        return self._command(
            PromiseMade,
            customer,
            case,
            at,
            actor,
            channel,
            promise=promise,
            description=description,
            due=due,
        )

    @records(PromiseKept)
    def keep_promise(
        self,
        customer: Key,
        case: Key,
        promise: Key,
        *,
        at: datetime | None = None,
        actor: str | None = None,
        channel: Channel | None = None,
    ) -> bool:
        """Record ``PromiseKept``."""
        return self._command(PromiseKept, customer, case, at, actor, channel, promise=promise)

    @records(PromiseBroken)
    def break_promise(
        self,
        customer: Key,
        case: Key,
        promise: Key,
        *,
        reason: Text | None = None,
        at: datetime | None = None,
        actor: str | None = None,
        channel: Channel | None = None,
    ) -> bool:
        """Record ``PromiseBroken``."""
        return self._command(
            PromiseBroken, customer, case, at, actor, channel, promise=promise, reason=reason
        )

    @records(CorrectiveActionCommitted)
    def commit_action(
        self,
        customer: Key,
        case: Key,
        action: Key,
        *,
        description: Text,
        due: Instant,
        prevents_recurrence: StrictBool = False,
        at: datetime | None = None,
        actor: str | None = None,
        channel: Channel | None = None,
    ) -> bool:
        """Record ``CorrectiveActionCommitted``."""
        return self._command(
            CorrectiveActionCommitted,
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

    @records(CorrectiveActionCompleted)
    def complete_action(
        self,
        customer: Key,
        case: Key,
        action: Key,
        *,
        evidence: Text | None = None,
        at: datetime | None = None,
        actor: str | None = None,
        channel: Channel | None = None,
    ) -> bool:
        """Record ``CorrectiveActionCompleted``."""
        return self._command(
            CorrectiveActionCompleted,
            customer,
            case,
            at,
            actor,
            channel,
            action=action,
            evidence=evidence,
        )

    @records(CompensationOffered)
    def offer_compensation(
        self,
        customer: Key,
        case: Key,
        offer: Key,
        *,
        kind: CompensationKind,
        addresses_failure: StrictBool,
        amount: Amount | int | str | None = None,
        currency: Currency | None = None,
        at: datetime | None = None,
        actor: str | None = None,
        channel: Channel | None = None,
    ) -> bool:
        """Record ``CompensationOffered``; ``amount`` may be a ``Decimal``, an int or plain
        decimal text (``"15.00"``), as on the JSON face."""
        return self._command(
            CompensationOffered,
            customer,
            case,
            at,
            actor,
            channel,
            offer=offer,
            kind=kind,
            addresses_failure=addresses_failure,
            amount=amount,
            currency=currency,
        )

    @records(CompensationAccepted)
    def accept_compensation(
        self,
        customer: Key,
        case: Key,
        offer: Key,
        *,
        at: datetime | None = None,
        actor: str | None = None,
        channel: Channel | None = None,
    ) -> bool:
        """Record ``CompensationAccepted``."""
        return self._command(CompensationAccepted, customer, case, at, actor, channel, offer=offer)

    @records(CompensationDeclined)
    def decline_compensation(
        self,
        customer: Key,
        case: Key,
        offer: Key,
        *,
        reason: Text | None = None,
        at: datetime | None = None,
        actor: str | None = None,
        channel: Channel | None = None,
    ) -> bool:
        """Record ``CompensationDeclined``."""
        return self._command(
            CompensationDeclined, customer, case, at, actor, channel, offer=offer, reason=reason
        )

    @records(FollowUpScheduled)
    def schedule_follow_up(
        self,
        customer: Key,
        case: Key,
        follow_up: Key,
        *,
        due: Instant,
        at: datetime | None = None,
        actor: str | None = None,
        channel: Channel | None = None,
    ) -> bool:
        """Record ``FollowUpScheduled``."""
        return self._command(
            FollowUpScheduled, customer, case, at, actor, channel, follow_up=follow_up, due=due
        )

    @records(FollowUpCompleted)
    def complete_follow_up(
        self,
        customer: Key,
        case: Key,
        follow_up: Key,
        *,
        outcome: Outcome,
        at: datetime | None = None,
        actor: str | None = None,
        channel: Channel | None = None,
    ) -> bool:
        """Record ``FollowUpCompleted``."""
        return self._command(
            FollowUpCompleted,
            customer,
            case,
            at,
            actor,
            channel,
            follow_up=follow_up,
            outcome=outcome,
        )
