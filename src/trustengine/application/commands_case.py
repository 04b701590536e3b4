"""The case lifecycle: a complaint filed, acknowledged, answered, escalated, handed off,
resolved, closed and reopened, and the service levels it missed.

See :mod:`trustengine.application.commands` for what every command shares."""

from __future__ import annotations

from datetime import datetime

from pydantic import StrictBool

from trustengine.application.command_base import CommandBase, keyword_only_since, records
from trustengine.domain.base import Channel, Instant, Key, Text
from trustengine.domain.events import (
    ApologyIssued,
    CaseAwaitingCustomer,
    CaseClosed,
    CaseEscalated,
    CaseReassigned,
    CaseReopened,
    CaseResumed,
    ComplaintAcknowledged,
    ComplaintFiled,
    JustificationGiven,
    ResolutionConfirmed,
    ResolutionProposed,
    SlaBreached,
)
from trustengine.domain.values import (
    AwaitingOn,
    Cause,
    Clock,
    Level,
    Severity,
)


class CaseCommands(CommandBase):
    """The case lifecycle."""

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
    @keyword_only_since("at", "actor", "channel")
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


__all__ = ["CaseCommands"]
