"""The projector's side of :mod:`.problems`: reading each stored event with care, and
holding back the later events of a customer once one of theirs is set aside.

A stored event that does not decode is set aside unless nothing in the store decodes:
then the store is unreadable as a whole (an encrypted store opened without its key, or
with another), and setting every event aside would empty the read model for good, so
the error is raised as before.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

import sqlite_utils
from eventsourcing.persistence import (
    ApplicationRecorder,
    Mapper,
    MapperDeserialisationError,
    Notification,
)

from trustengine.domain.base import CustomerEvent
from trustengine.readmodel.by_customer import InStoredOrder
from trustengine.readmodel.problems import (
    event_type,
    held_streams,
    is_event_fault,
    one_line,
    set_aside,
    stream_of,
)

NAME_LOOKUPS = 50
"""How many events of a stream are read to name the customer of one that does not decode."""

Erasure = tuple[str, UUID, int]
"""An erasure to apply to the tables: customer, stream and position of CustomerErased."""


def decode_error(error: Exception) -> str:
    """What the problem row says of an event that does not decode (the mapper's message
    names the event, which the row names already)."""
    text = str(error)
    marker = "does not decode: "
    if isinstance(error, MapperDeserialisationError) and marker in text:
        return marker + one_line(text.split(marker, 1)[1])
    return marker + one_line(error)


class SetAside:
    """Which streams are held back, and how an event is read or set aside."""

    def __init__(
        self, db: sqlite_utils.Database, recorder: ApplicationRecorder, mapper: Mapper[Any]
    ) -> None:
        self.db = db
        self.recorder = recorder
        self.mapper = mapper
        self.held: dict[str, tuple[int, int]] = {}
        """Stream -> (notification id, position) of its first event set aside."""
        self.readable = False
        """Whether an event of the store has decoded with this mapper."""
        self.tracked = 0
        """The tracked position the batch started from."""
        self.strict = False
        """Raise :class:`~.by_customer.InStoredOrder` at an event that does not decode
        (a rebuild in customer order leaves that judgement to one in stored order)."""

    def load(self, tracked: int) -> None:
        """Read the held streams from the table (at the start of each batch attempt)."""
        self.held = held_streams(self.db)
        self.tracked = tracked

    def decode(
        self, notification: Notification, batch: Sequence[Notification], erasures: list[Erasure]
    ) -> CustomerEvent | None:
        """The event ``notification`` holds, to fold; None when it is set aside (it does
        not decode, or its customer is held back). An erasure set aside still goes to
        ``erasures``: the customer's text must go from the tables all the same."""
        try:
            event = self.mapper.to_domain_event(notification)
            if not isinstance(event, CustomerEvent):
                raise TypeError(f"not a customer event ({notification.topic})")
        except Exception as error:
            if not is_event_fault(error):
                raise
            if self.strict:
                raise InStoredOrder(f"event {notification.id} does not decode") from error
            if isinstance(error, MapperDeserialisationError):
                self._check_readable(error, batch)
            customer = self._customer_of(notification)
            self.fail(notification, customer, decode_error(error))
            if customer is not None and event_type(notification.topic) == "CustomerErased":
                erasures.append(_erasure(notification, customer))
            return None
        self.readable = True
        if self.held and self.hold(notification, event.customer):
            if event.type_name == "CustomerErased":
                erasures.append(_erasure(notification, event.customer))
            return None
        return event

    def hold(self, notification: Notification, customer: str | None) -> bool:
        """Set ``notification`` aside if its stream is held back; whether it was."""
        first = self.held.get(stream_of(notification))
        if first is None:
            return False
        reason = f"held back: event {first[0]} (position {first[1]}) could not be projected"
        set_aside(self.db, notification, customer, reason, held_by=first[0])
        return True

    def fail(self, notification: Notification, customer: str | None, error: str) -> None:
        """Set ``notification`` aside as not projectable, and hold back its stream."""
        set_aside(self.db, notification, customer, error)
        self.held.setdefault(
            stream_of(notification), (notification.id, notification.originator_version)
        )

    def _check_readable(self, error: Exception, batch: Sequence[Notification]) -> None:
        if self.readable:
            return
        tracked = self.tracked
        probes = list(self.recorder.select_notifications(tracked, 1)) if tracked else []
        for probe in [*probes, *batch]:
            try:
                self.mapper.to_domain_event(probe)
            except MapperDeserialisationError:
                continue
            self.readable = True
            return
        raise error

    def _customer_of(self, notification: Notification) -> str | None:
        """The customer of an event that does not decode, from its payload if that is
        readable, else from another event of its stream; None when none can be read."""
        decode_state = getattr(self.mapper, "decode_state", None)
        try:
            customer = decode_state(notification).get("customer") if decode_state else None
            if isinstance(customer, str):
                return customer
        except (MapperDeserialisationError, AttributeError):
            pass
        stream = self.recorder.select_events(notification.originator_id, limit=NAME_LOOKUPS)
        for stored in stream:
            try:
                event = self.mapper.to_domain_event(stored)
            except MapperDeserialisationError:
                continue
            if isinstance(event, CustomerEvent):
                return event.customer
        return None


def _erasure(notification: Notification, customer: str) -> Erasure:
    stream = notification.originator_id
    uuid = stream if isinstance(stream, UUID) else UUID(str(stream))
    return (customer, uuid, notification.originator_version)
