"""Tamper evidence: each stored event's hash is chained to its customer's previous one.

An event's hash covers the previous hash of the same customer, the event type (topic),
the customer's stream id, the position, and the stored payload bytes (which hold the
business time, the recorded time and every field; ciphertext when encryption is on). The
store also keeps a running *head*: a hash folded over every event hash in the order the
store recorded them, with the event count. Editing a byte, deleting, inserting or
reordering events breaks a hash; truncating the tail breaks the head; and a head sealed
elsewhere (``trustengine seal``) proves nothing before it changed, even if someone
rewrote every hash after the fact.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING
from uuid import UUID

if TYPE_CHECKING:  # for types only: a seal is read and checked without eventsourcing
    from eventsourcing.persistence import StoredEvent

GENESIS = "0" * 64
"""The 'previous hash' of a customer's first event, and the head of an empty store."""


def stream_hex(stream: UUID | str) -> str:
    """A stream id as stored: a UUID's 32 hex digits, any other id as it is."""
    return stream.hex if isinstance(stream, UUID) else stream


@lru_cache(maxsize=1 << 16)
def norm_stream(stream: str) -> str:
    """One spelling of a stream id for lookups: the UUID's canonical text.

    Cached (bounded): a walk over the store asks again for every event of a customer.
    """
    try:
        return str(UUID(stream))
    except ValueError:
        return stream


def event_hash(previous: str, stored: StoredEvent) -> str:
    """The chained hash of ``stored``, following the customer's ``previous`` hash."""
    return chained_hash(
        previous,
        stored.topic,
        stream_hex(stored.originator_id),
        stored.originator_version,
        stored.state,
    )


def chained_hash(previous: str, topic: str, stream_text: str, version: int, state: bytes) -> str:
    """:func:`event_hash` from its parts, ``stream_text`` being :func:`stream_hex` of the
    stream id (a walk over many events of one stream works it out once)."""
    # The same bytes as updating part by part, each followed by the separator, in one go.
    digest = hashlib.sha256(f"{previous}\x1f{topic}\x1f{stream_text}\x1f{version}\x1f".encode())
    digest.update(state)
    return digest.hexdigest()


def advance_head(head: str, hash_: str) -> str:
    """The store's head after one more event (hash ``hash_``)."""
    return hashlib.sha256(f"{head}\x1f{hash_}".encode()).hexdigest()


@dataclass(frozen=True)
class Seal:
    """A store's head at some moment: how many events, and the running hash over them."""

    events: int
    head: str

    def __str__(self) -> str:
        return f"{self.events}:{self.head}"

    @classmethod
    def parse(cls, text: str) -> Seal:
        """Read a seal printed by ``trustengine seal`` (``COUNT:HEAD``)."""
        count, _, head = text.strip().partition(":")
        if not count.isdigit() or len(head) != 64 or any(c not in "0123456789abcdef" for c in head):
            raise ValueError(f"{text!r} is not a seal: expected COUNT:HEAD as `seal` prints it")
        return cls(int(count), head)


Recorded = Callable[[UUID | str, int], str | None]
"""Reads a stored hash: ``recorded(stream id, position)``, None when there is none."""


@dataclass(frozen=True)
class ChainLink:
    """The stored hash of one event."""

    originator_id: UUID | str
    originator_version: int
    hash: str


def link(
    stored_events: Sequence[StoredEvent], recorded: Recorded, head: Seal
) -> tuple[list[ChainLink], Seal]:
    """Hash a batch in insertion order, each stream's first event following the hash
    ``recorded`` gives for its previous position, and fold the hashes into ``head``."""
    previous: dict[str, str] = {}
    links = []
    count, running = head.events, head.head
    sha256 = hashlib.sha256
    # A batch holds a customer's events one after another: while the stream id is the
    # same object, its text, hex and previous hash are the ones worked out for it last
    # (the same values :func:`event_hash` would work out again for every event).
    stream: object = None
    key = text = last = ""
    for stored in stored_events:
        originator_id = stored.originator_id
        version = stored.originator_version
        if originator_id is not stream or stream is None:
            if stream is not None:
                previous[key] = last
            key = str(originator_id)
            text = stream_hex(originator_id)
            if key in previous:
                last = previous[key]
            else:
                found = recorded(originator_id, version - 1) if version > 0 else None
                last = found or GENESIS
            stream = originator_id
        # chained_hash and advance_head, inline: the same bytes hashed.
        digest = sha256(f"{last}\x1f{stored.topic}\x1f{text}\x1f{version}\x1f".encode())
        digest.update(stored.state)
        last = digest.hexdigest()
        links.append(ChainLink(originator_id, version, last))
        count, running = count + 1, sha256(f"{running}\x1f{last}".encode()).hexdigest()
    return links, Seal(count, running)


__all__ = [
    "GENESIS",
    "ChainLink",
    "Recorded",
    "Seal",
    "advance_head",
    "chained_hash",
    "event_hash",
    "link",
    "norm_stream",
    "stream_hex",
]
