"""The event store an engine reads customers through: one that notices erasures.

A customer erased by another engine (another process) after this one cached their key
must read ``[erased]`` here too. Their stream ends with ``CustomerErased``, so whenever a
read of the stream holds that event, the key is dropped from memory
(:meth:`~trustengine.persistence.personal.PersonalData.erased`) before any of it is
decoded: a string comparison per stored event, no key-store read. See docs/keys.md,
"Erased by another process".
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any
from uuid import UUID

from eventsourcing.persistence import EventStore, StoredEvent

from trustengine.persistence.personal import ERASED_TOPIC, PersonalData


def note_erasure(personal: PersonalData | None, stored: Sequence[StoredEvent]) -> None:
    """Drop the key of the customer of ``stored`` (one stream) if it holds their erasure."""
    if personal is None:
        return
    for record in stored:
        if record.topic == ERASED_TOPIC and isinstance(record.originator_id, UUID):
            personal.erased([record.originator_id])
            return


class ErasureAwareEventStore(EventStore[UUID]):
    """eventsourcing's event store, dropping an erased customer's key before it decodes
    their stream (history, and every customer the repository loads or fast-forwards)."""

    def get(
        self,
        originator_id: UUID,
        *,
        gt: int | None = None,
        lte: int | None = None,
        desc: bool = False,
        limit: int | None = None,
    ) -> Iterator[Any]:
        stored = self.recorder.select_events(
            originator_id=originator_id, gt=gt, lte=lte, desc=desc, limit=limit
        )
        note_erasure(getattr(self.mapper, "personal", None), stored)
        return map(self.mapper.to_domain_event, stored)


__all__ = ["ErasureAwareEventStore", "note_erasure"]
