"""Correcting what was entered wrongly: find an event by id, and correct it by its changes.

:class:`AmendingMixin` is part of :class:`~trustengine.application.engine.TrustEngine`. The
typed commands ``retract`` and ``replace_event`` (:mod:`trustengine.application.commands`) record
``EventRetracted`` and ``EventCorrected``; :meth:`AmendingMixin.correct` builds the
replacement from the event as it stands and the fields that change. The rules they keep
are the aggregate's (:mod:`trustengine.domain.amend`).
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from eventsourcing.application import AggregateNotFoundError

from trustengine.domain.base import CustomerEvent, parse_event_id
from trustengine.domain.customer import Customer, customer_id
from trustengine.domain.events import EventCorrected
from trustengine.exceptions import EventNotFoundError, InvalidEventError
from trustengine.interchange.codec import build_event

_PLACEMENT = frozenset({"originator_id", "originator_version", "recorded_at"})


class AmendingMixin:
    """Finding stored events by id, and correcting them by the fields that change."""

    @abstractmethod
    def history(self, customer: str) -> list[CustomerEvent]:
        """One customer's events in arrival order (implemented by the reading side)."""

    @abstractmethod
    def replace_event(
        self,
        customer: str,
        event: str,
        *,
        replacement: CustomerEvent,
        reason: str,
        at: datetime | None = None,
        actor: str | None = None,
        channel: Any = None,
    ) -> bool:
        """Record ``EventCorrected`` (the typed command)."""

    def customer_of(self, event: str) -> str:
        """The key of the customer whose history holds the event with id ``event``.

        Raises :class:`EventNotFoundError` when no customer of the store has it.
        """
        parsed = parse_event_id(event)
        if parsed is None:
            raise InvalidEventError(
                f"{event!r} is not an event id: a customer id, ':' and a version, as "
                "export shows it",
                field="event",
            )
        repository = self.repository  # type: ignore[attr-defined]  # the Application's
        try:
            with self._decoding():  # type: ignore[attr-defined]  # the application's
                found: Customer = repository.get(parsed[0])
        except AggregateNotFoundError:
            found = None  # type: ignore[assignment]
        if found is None or parsed[1] > found.version:
            raise EventNotFoundError(f"the store holds no event {event}")
        return found.key

    def stored_event(self, customer: str, event: str) -> CustomerEvent:
        """The event with id ``event`` as it now stands: its latest correction's
        replacement if it was corrected, else as it was stored."""
        parsed = parse_event_id(event)
        if parsed is None or parsed[0] != customer_id(customer):
            raise EventNotFoundError(f"customer {customer!r} has no event {event}")
        current: CustomerEvent | None = None
        for stored in self.history(customer):
            if stored.originator_version == parsed[1]:
                current = stored
            elif isinstance(stored, EventCorrected) and stored.event == event:
                current = stored.replacement
        if current is None:
            raise EventNotFoundError(f"customer {customer!r} has no event {event}")
        return current

    def correct(
        self,
        customer: str,
        event: str,
        *,
        reason: str,
        actor: str | None = None,
        changes: Mapping[str, Any] | None = None,
        **more: Any,
    ) -> bool:
        """Correct the event with id ``event``: the same event with ``changes`` and
        ``more`` (its data fields by name, and ``at``, ``case``, ``channel``; a change to
        None drops an optional field) counts in its place. The correction is recorded
        now, by ``actor``, for ``reason``; a data field named ``reason`` or ``actor``
        changes through ``changes``.

        Raises :class:`InvalidEventError` for a change the event's type does not take,
        and the rule's error when the corrected history would break one.
        """
        current = self.stored_event(customer, event)
        fields = {
            name: value
            for name, value in current.__dict__.items()
            if name not in _PLACEMENT and value is not None
        }
        for given, value in {**(changes or {}), **more}.items():
            name = "timestamp" if given == "at" else given
            if value is None:
                fields.pop(name, None)
            else:
                fields[name] = value
        replacement = build_event(type(current), fields)
        return self.replace_event(
            customer, event, replacement=replacement, reason=reason, actor=actor
        )


__all__ = ["AmendingMixin"]
