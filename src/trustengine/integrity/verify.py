"""Verification of the stored ledger: every event decodes, validates, sits in order, and
matches the tamper-evidence chain.

It recomputes every event's chained hash from the stored bytes, compares each with the
hash stored beside it, folds them into the head and compares that with the store's head
and, when given, with a seal kept elsewhere. Problems name the customer, the position
and what is wrong.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from uuid import UUID

from eventsourcing.persistence import MapperDeserialisationError, Notification

from trustengine.domain.base import CustomerEvent
from trustengine.domain.customer import customer_id
from trustengine.exceptions import CustomerNotFoundError
from trustengine.persistence.chain import (
    GENESIS,
    Seal,
    advance_head,
    chained_hash,
    event_hash,
    norm_stream,
    stream_hex,
)
from trustengine.persistence.recorders import READ_BATCH, Progress

if TYPE_CHECKING:
    from trustengine.application.engine import Ledger


@dataclass
class VerifyReport:
    """The outcome of :func:`verify`: ``ok`` when ``problems`` is empty."""

    events: int = 0
    problems: list[str] = field(default_factory=list)
    head: Seal | None = None
    """The head recomputed from the stored events."""

    @property
    def ok(self) -> bool:
        return not self.problems

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "events": self.events,
            "problems": list(self.problems),
            "head": str(self.head) if self.head else None,
        }


@dataclass(slots=True)
class _Stream:
    """What the walk keeps of one stream (one customer) between its events."""

    name: str
    """How problems name the stream: the customer, once one of its events decoded."""
    version: int = 0
    """The position of the stream's last event walked."""
    hash: str = GENESIS
    """The hash recomputed for the stream's last event walked."""
    customer: str | None = None
    """The customer key the stream's id was checked against (so once per stream)."""
    named: bool = False
    hex: str = ""
    """The stream id as the chain hashes it (:func:`stream_hex`), once it was a UUID."""


@dataclass
class _Walk:
    against: Seal | None
    links: dict[int, str] = field(default_factory=dict)
    """The stored hashes of the batch being checked, by notification id."""
    streams: dict[str, _Stream] = field(default_factory=dict)
    head: str = GENESIS
    count: int = 0
    mark: int = 0
    """How many events the store's head covered when the walk began."""
    head_at_mark: str | None = None
    """The recomputed head after ``mark`` events (None until the walk gets there)."""


def verify(
    engine: Ledger,
    *,
    against: Seal | None = None,
    progress: Progress | None = None,
    batch: int = READ_BATCH,
) -> VerifyReport:
    """Read every stored event and report each one that does not check out.

    Events are read ``batch`` at a time in the order the store recorded them, each batch
    with its own events' stored hashes, so memory does not grow with the ledger: what is
    kept from batch to batch is a customer's last position, hash and name. The report is
    the same whatever the batch size.
    """
    if batch < 1:
        raise ValueError(f"batch must be at least 1, not {batch}")
    report = VerifyReport()
    reader = engine.chain
    # The head and the hashes are read before the walk: events stored while it runs are
    # walked too (or come after it), and must not look like tampering.
    start_head = reader.chain_head()
    walk = _Walk(against=against, mark=start_head.events)
    if walk.mark == 0:
        walk.head_at_mark = GENESIS
    recorded = reader.links_count()
    for notifications in engine.notification_batches(size=batch):
        walk.links = reader.links_between(notifications[0].id, notifications[-1].id)
        # The batch's customers' keys in one read, not one read per customer.
        engine.personal.preload_batch(notifications)
        for notification in notifications:
            report.events += 1
            if progress is not None:
                progress(1)
            _check(engine, walk, notification, report.problems)
    report.head = Seal(walk.count, walk.head)
    report.problems.extend(engine.lost_keys())  # the walk read every sealed payload
    stored_head = reader.chain_head()
    if not _head_holds(walk, start_head, stored_head):
        report.problems.append(
            f"store head: the store records {stored_head.events} events with head "
            f"{stored_head.head[:16]}..., but the events recompute to {walk.count} with head "
            f"{walk.head[:16]}...: events were removed, added or reordered"
        )
    unseen = recorded - walk.count
    if unseen > 0:
        report.problems.append(
            f"chain: {unseen} recorded hash(es) have no stored event: events were deleted"
        )
    if against is not None and against.events > walk.count:
        report.problems.append(
            f"seal: it covers {against.events} events but the store holds {walk.count}: "
            "the ledger was truncated"
        )
    return report


def _head_holds(walk: _Walk, start: Seal, end: Seal) -> bool:
    """Whether the store's head, read before (``start``) and after (``end``) the walk,
    agrees with the recomputed one: the first ``start.events`` events give ``start``'s
    head, and ``end`` covers exactly the walked events, or more that were stored after the
    walk ended. A head that covers fewer events than are stored, or another history, is
    tampering."""
    if walk.head_at_mark != start.head:
        return False
    if end.events == walk.count:
        return end.head == walk.head
    return end.events > walk.count


def _check(engine: Ledger, walk: _Walk, notification: Notification, problems: list[str]) -> None:
    originator = notification.originator_id
    # A UUID's text is already the canonical spelling; anything else is normalised.
    stream = str(originator) if isinstance(originator, UUID) else norm_stream(str(originator))
    version = notification.originator_version
    kept = walk.streams.get(stream)
    if kept is None:
        kept = walk.streams[stream] = _Stream(stream)
    expected = kept.version + 1
    kept.version = version
    if version != expected:
        problems.append(
            f"{_at(kept.name, version, notification)}: follows position {expected - 1}: "
            "events missing or reordered"
        )
    try:
        event = engine.mapper.to_domain_event(notification)
    except MapperDeserialisationError as error:
        problems.append(f"{_at(kept.name, version, notification)}: does not decode: {error}")
    else:
        if isinstance(event, CustomerEvent):
            if not kept.named:
                kept.name, kept.named = f"customer {event.customer!r}", True
            # The stream's id is derived from the customer's key: checked once per key.
            if kept.customer != event.customer:
                if str(customer_id(event.customer)) == stream:
                    kept.customer = event.customer
                else:
                    problems.append(
                        f"{_at(kept.name, version, notification)}: names a customer whose id "
                        "is not this stream's"
                    )
        else:
            problems.append(
                f"{_at(kept.name, version, notification)}: not a customer event "
                f"({notification.topic})"
            )
    if isinstance(originator, UUID):
        # Every UUID spelling of this stream is the same UUID: its hex is worked out once.
        text = kept.hex or originator.hex
        kept.hex = text
    else:
        text = stream_hex(originator)
    hashed = kept.hash = chained_hash(
        kept.hash, notification.topic, text, version, notification.state
    )
    recorded = walk.links.get(notification.id)
    if recorded is None:
        problems.append(
            f"{_at(kept.name, version, notification)}: no chain hash recorded: "
            "inserted outside the engine"
        )
    elif recorded != hashed:
        problems.append(
            f"{_at(kept.name, version, notification)}: hash mismatch: its type, time, payload "
            "or position was changed"
        )
    walk.count += 1
    walk.head = advance_head(walk.head, hashed)
    if walk.count == walk.mark:
        walk.head_at_mark = walk.head
    sealed = walk.against
    if sealed is not None and walk.count == sealed.events and walk.head != sealed.head:
        problems.append(
            f"seal: the first {walk.count} events do not match the sealed head: "
            "history before the seal was changed"
        )


def _at(name: str, version: int, notification: Notification) -> str:
    """Where a problem is, as a problem names it (made only when there is one)."""
    return f"{name} position {version} (event #{notification.id})"


@dataclass
class CustomerVerification:
    """The outcome of :func:`verify_customer`: one customer's stored events checked.

    ``decoded`` holds the events that decode, in position order, so that a report on the
    customer can still be made (and show what is wrong) when some do not.
    """

    customer: str
    events: int = 0
    problems: list[str] = field(default_factory=list)
    decoded: list[CustomerEvent] = field(default_factory=list, repr=False)

    @property
    def ok(self) -> bool:
        return not self.problems

    def as_dict(self) -> dict[str, Any]:
        return {
            "customer": self.customer,
            "ok": self.ok,
            "events": self.events,
            "problems": list(self.problems),
        }


def verify_customer(engine: Ledger, customer: str) -> CustomerVerification:
    """Check one customer's stored events as :func:`verify` checks every event.

    Each must decode and name this customer, the positions must run 1, 2, 3... without a
    gap, each must match its hash chained to the previous event's recorded hash, and
    every hash recorded for the customer must have its event.

    The customer's own chain cannot show that its *last* events are gone (deleted with
    their hashes, the chain left is whole) nor that events were moved in the store's
    order, so the recorded hashes of the whole ledger are also folded, in the order the
    store recorded their events, into the store's running head (see
    :func:`ledger_head_problems`): that reads one short hash per event and decodes no
    payload. Raises :class:`CustomerNotFoundError` when the customer has no stored events.
    """
    stream_id = customer_id(customer)
    stored_events = engine.recorder.select_events(stream_id)
    if not stored_events:
        raise CustomerNotFoundError(f"no customer {customer!r} in {engine.target.display}")
    links = engine.chain.stream_links(stream_id)
    result = CustomerVerification(customer)
    problems = result.problems
    last_version, last_hash = 0, GENESIS
    for stored in stored_events:
        result.events += 1
        version = stored.originator_version
        where = f"customer {customer!r} position {version}"
        if version != last_version + 1:
            problems.append(
                f"{where}: follows position {last_version}: events missing or reordered"
            )
        last_version = version
        try:
            event = engine.mapper.to_domain_event(stored)
        except MapperDeserialisationError as error:
            problems.append(f"{where}: does not decode: {error}")
        else:
            if not isinstance(event, CustomerEvent) or event.customer != customer:
                problems.append(f"{where}: is not an event of this customer ({stored.topic})")
            else:
                result.decoded.append(event)
        hashed = event_hash(last_hash, stored)
        recorded = links.pop(version, None)
        if recorded is None:
            problems.append(f"{where}: no chain hash recorded: inserted outside the engine")
        elif recorded != hashed:
            problems.append(
                f"{where}: hash mismatch: its type, time, payload or position was changed"
            )
        # The next event is checked against this one's recorded hash, so a changed event
        # is named alone rather than with every later one; the store's head (see
        # verify) still catches hashes rewritten to match.
        last_hash = recorded or hashed
    if links:
        missing = ", ".join(str(version) for version in sorted(links))
        problems.append(
            f"customer {customer!r}: position(s) {missing} have a recorded hash but no "
            "stored event: events were deleted"
        )
    problems.extend(ledger_head_problems(engine))
    problems.extend(engine.lost_keys(only=stream_id))  # its sealed payloads were read
    return result


def ledger_head_problems(engine: Ledger, *, batch: int = READ_BATCH) -> list[str]:
    """Whether the recorded hashes, folded in the order the store recorded their events,
    give the store's running head: one line per problem, none when they do.

    Only the hashes table and the events' keys are read, no payload, so this costs far
    less than :func:`verify`; it proves that no recorded event was removed from the
    ledger, added to it or moved in it since the head was written, and with each event's
    hash checked against its bytes (as :func:`verify_customer` does for one customer),
    that those events are the ones the head covers. An event stored without a hash is
    not in the fold: :func:`verify` (and the customer's own check) names it.
    """
    reader = engine.chain
    # As in verify: read the head first, so that events stored meanwhile are no problem.
    start = reader.chain_head()
    count, head = 0, GENESIS
    head_at_mark = GENESIS if start.events == 0 else None
    last = engine.recorder.max_notification_id() or 0
    for first in range(1, last + 1, batch):
        links = reader.links_between(first, min(first + batch - 1, last))
        for notification_id in sorted(links):
            count += 1
            head = advance_head(head, links[notification_id])
            if count == start.events:
                head_at_mark = head
    end = reader.chain_head()
    walk = _Walk(against=None, head=head, count=count, mark=start.events)
    walk.head_at_mark = head_at_mark
    if _head_holds(walk, start, end):
        return []
    return [
        f"store head: the store records {end.events} events with head {end.head[:16]}..., "
        f"but the recorded hashes fold to {count} with head {head[:16]}...: events were "
        "removed, added or reordered in the ledger, so this record may be incomplete: "
        "run trustengine verify"
    ]


__all__ = [
    "CustomerVerification",
    "VerifyReport",
    "ledger_head_problems",
    "verify",
    "verify_customer",
]
