"""Commitments: promises, corrective actions, compensation and follow-ups, made and
settled.

See :mod:`trustengine.application.commands` for what every command shares."""

from __future__ import annotations

from datetime import datetime

from pydantic import StrictBool

from trustengine.application.command_base import CommandBase, records
from trustengine.domain.base import Channel, Instant, Key, Text
from trustengine.domain.events import (
    CompensationAccepted,
    CompensationDeclined,
    CompensationOffered,
    CorrectiveActionCommitted,
    CorrectiveActionCompleted,
    FollowUpCompleted,
    FollowUpScheduled,
    PromiseBroken,
    PromiseKept,
    PromiseMade,
)
from trustengine.domain.values import (
    Amount,
    CompensationKind,
    Currency,
    Outcome,
)


class CommitmentCommands(CommandBase):
    """Commitments."""

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


__all__ = ["CommitmentCommands"]
