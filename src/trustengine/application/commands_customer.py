"""The customer-level commands and the amendments: registration, consent, contacts,
satisfaction, erasure, retraction and correction.

See :mod:`trustengine.application.commands` for what every command shares."""

from __future__ import annotations

from datetime import datetime

from pydantic import StrictBool

from trustengine.application.command_base import CommandBase, records
from trustengine.domain.base import Channel, EventId, Key, Text
from trustengine.domain.events import (
    ConsentUpdated,
    ContactUnanswered,
    CustomerContacted,
    CustomerErased,
    CustomerRegistered,
    EventCorrected,
    EventRetracted,
    SatisfactionRecorded,
)
from trustengine.domain.replacement import Replacement
from trustengine.domain.values import (
    Attempts,
    Direction,
    Metric,
    Score,
    Sentiment,
    Tier,
)


class CustomerCommands(CommandBase):
    """The customer-level commands and the amendments."""

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

    # --- amendments: an event entered by mistake, or wrongly -----------------

    @records(EventRetracted)
    def retract(
        self,
        customer: Key,
        event: EventId,
        *,
        reason: Text,
        at: datetime | None = None,
        actor: str | None = None,
        channel: Channel | None = None,
    ) -> bool:
        """Record ``EventRetracted``: the event with id ``event`` stops counting."""
        return self._command(
            EventRetracted, customer, None, at, actor, channel, event=event, reason=reason
        )

    @records(EventCorrected)
    def replace_event(
        self,
        customer: Key,
        event: EventId,
        *,
        replacement: Replacement,
        reason: Text,
        at: datetime | None = None,
        actor: str | None = None,
        channel: Channel | None = None,
    ) -> bool:
        """Record ``EventCorrected``: ``replacement`` (a whole event of the same type)
        counts in the place of the event with id ``event`` (see also ``correct``)."""
        return self._command(
            EventCorrected,
            customer,
            None,
            at,
            actor,
            channel,
            event=event,
            replacement=replacement,
            reason=reason,
        )


__all__ = ["CustomerCommands"]
