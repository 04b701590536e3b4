"""The store's events read back: one customer's history, the notification log, the chain.

:class:`StoreReadsMixin` is part of :class:`~trustengine.application.engine.Ledger`; the
read model's questions are :mod:`trustengine.application.reading`.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import TYPE_CHECKING, cast
from uuid import UUID

from eventsourcing.persistence import MapperDeserialisationError, Notification

from trustengine.application.parts import LedgerParts
from trustengine.domain.base import CustomerEvent
from trustengine.domain.customer import customer_id
from trustengine.exceptions import CustomerNotFoundError, InvalidTimeError, StoreError
from trustengine.persistence.atrest import FirstEvent, first_event
from trustengine.persistence.eventstore import note_erasure
from trustengine.persistence.mapper import PydanticMapper
from trustengine.persistence.recorders import READ_BATCH, ChainReader

if TYPE_CHECKING:
    pass


class StoreReadsMixin(LedgerParts):
    """Reads of the event store itself (no read model)."""

    def history(
        self,
        customer: str,
        *,
        as_of: datetime | None = None,
        as_known_at: datetime | None = None,
    ) -> list[CustomerEvent]:
        """One customer's events, oldest first, decoded from the store.

        ``as_of`` keeps events whose business time is at or before it; ``as_known_at``
        keeps events the store had recorded by then. Raises :class:`CustomerNotFoundError`
        when the customer has no events at all.
        """
        check_times(as_of, as_known_at)
        engine = self
        with engine._decoding():
            if as_of is None:
                events = cast(list[CustomerEvent], list(engine.events.get(customer_id(customer))))
            else:
                events = self._history_until(customer_id(customer), as_of)
        if not events:
            raise CustomerNotFoundError(f"no customer {customer!r} in {engine.target.display}")
        return [
            event
            for event in events
            if (as_of is None or event.timestamp <= as_of)
            and (as_known_at is None or event.recorded_at <= as_known_at)
        ]

    def _history_until(self, id_: UUID, as_of: datetime) -> list[CustomerEvent]:
        """A customer's events, those whose payload says they are after ``as_of`` left
        undecoded; an empty history raises as an unknown customer, not as "nothing by
        then" (the caller tells the two apart by the whole history)."""
        stored = self.recorder.select_events(id_)
        if not stored:
            return []
        note_erasure(self.personal, stored)  # erased by another engine: drop the key first
        mapper = cast(PydanticMapper, self.mapper)
        kept = (mapper.to_domain_event_until(record, as_of) for record in stored)
        events = [cast(CustomerEvent, event) for event in kept if event is not None]
        return events or [cast(CustomerEvent, mapper.to_domain_event(stored[0]))]

    def _first_event(self) -> FirstEvent:
        first = self.recorder.select_notifications(1, 1)
        return first_event(first[0].state if first else None, self.mapper.cipher)

    # --- the whole store ------------------------------------------------------------

    @property
    def chain(self) -> ChainReader:
        """The store's tamper-evidence chain: every event's stored hash, and the head."""
        return cast(ChainReader, self.recorder)

    def notification_batches(
        self, *, start: int = 1, size: int = READ_BATCH
    ) -> Iterator[Sequence[Notification]]:
        """Every stored event record in the order it was stored, ``size`` at a time."""
        while batch := self.recorder.select_notifications(start, size):
            yield batch
            start = batch[-1].id + 1

    def notifications(self, *, start: int = 1) -> Iterator[Notification]:
        """Every stored event record in the order it was stored, read in bulk."""
        for batch in self.notification_batches(start=start):
            yield from batch

    def all_events(self) -> Iterator[CustomerEvent]:
        """Every stored event, decoded, in the order the store recorded them.

        Read a batch at a time; the batch's keys are read in one query before it is
        decoded (not one query per customer once the key cache is full)."""
        decode = self.mapper.to_domain_event
        for batch in self.notification_batches():
            self.personal.preload_batch(batch)
            with self._decoding():
                events = [cast(CustomerEvent, decode(n)) for n in batch]
            yield from events

    @contextmanager
    def _decoding(self) -> Iterator[None]:
        try:
            yield
        except MapperDeserialisationError as error:
            hint = (
                " (is the store encrypted with another key?)"
                if "CIPHER_TOPIC" in self.target.env
                else " (is the store encrypted? give its cipher key)"
            )
            raise StoreError(f"cannot read {self.target.display}: {error}{hint}") from None


def check_times(as_of: datetime | None, as_known_at: datetime | None) -> None:
    for name, moment in (("as_of", as_of), ("as_known_at", as_known_at)):
        if moment is not None and moment.tzinfo is None:
            raise InvalidTimeError(f"{name} {moment.isoformat()} has no offset: add one")


__all__ = ["StoreReadsMixin", "check_times"]
