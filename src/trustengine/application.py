"""The ``TrustEngine`` application: load customers, record events, save, return simple values.

It is deliberately thin. Rules live in :mod:`trustengine.domain`; the contract's JSON face
in :mod:`trustengine.interchange`; scoring in the projections.
"""

from __future__ import annotations

import gc
import random
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, ClassVar, cast
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.persistence import (
    IntegrityError,
    MapperDeserialisationError,
    Notification,
    OperationalError,
    PersistenceError,
)

from trustengine.commands import CommandsMixin
from trustengine.domain.base import CustomerEvent
from trustengine.domain.customer import Customer, customer_id
from trustengine.domain.events import CustomerErased
from trustengine.exceptions import (
    BatchRejectedError,
    ConcurrencyError,
    CustomerNotFoundError,
    DomainRuleError,
    InvalidEventError,
    InvalidTimeError,
    StoreError,
)
from trustengine.files import create_private
from trustengine.interchange import parse_event, parse_line
from trustengine.persistence.mapper import PydanticMapper
from trustengine.persistence.personal import PersonalData, key_store_for
from trustengine.persistence.recorders import ChainReader
from trustengine.persistence.target import StoreTarget, parse_target

Progress = Callable[[int], None]
EventInput = CustomerEvent | Mapping[str, Any] | str

MAX_ATTEMPTS = 100
"""How many times a write is tried when another writer changed the same customers.

Under heavy contention (several processes writing the same few customers) one attempt can
lose more often than not, so the bound is generous; attempts are cheap and back off."""
MAX_PAUSE = 0.1
OPEN_ATTEMPTS = 5
"""How many times opening a PostgreSQL store is tried while other processes create it."""
"""The longest pause, in seconds, before a retry (the pause is jittered below it)."""
CACHE_SETTINGS = {
    # Commands load customers from an in-process cache fast-forwarded from the store, not
    # by replaying whole histories, and stage their changes on a copy (Customer.clone),
    # which is cheaper than the deep copy eventsourcing would make.
    "AGGREGATE_CACHE_MAXSIZE": "1000",
    "DEEPCOPY_FROM_AGGREGATE_CACHE": "n",
}
READ_BATCH = 2000


def utc_now() -> datetime:
    """The recorded time for events stored now."""
    return datetime.now(tz=UTC)


class TrustEngine(CommandsMixin, Application[UUID]):
    """The customer trust ledger over one store (``db``: a ``--db`` target string).

    >>> engine = TrustEngine(":memory:")
    >>> engine.file_complaint("cust-1", "C-1", category="delivery", severity=2,
    ...                       cause="broken_promise", summary="Parcel late")
    1
    """

    name = "TrustEngine"
    env: ClassVar[dict[str, str]] = {}

    def __init__(
        self,
        db: str | None = None,
        *,
        cipher_key: str | None = None,
        env: Mapping[str, str] | None = None,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self.target: StoreTarget = parse_target(db, cipher_key=cipher_key)
        self.clock = clock
        self._has_events = False
        self.conflicts = 0
        """How many writes had to be retried because another writer got there first."""
        settings = {**CACHE_SETTINGS, **self.target.env, **(env or {})}
        self._write_lock = threading.RLock()
        try:
            if self.target.backend == "postgres":
                try:
                    from trustengine.persistence.postgres import probe
                except ImportError as error:
                    raise StoreError(
                        f"PostgreSQL needs its driver ({error.name} is missing): "
                        "pip install 'trustengine[postgres]'"
                    ) from None

                probe(settings)
            if self.target.path is not None:
                # SQLite would make the file with the umask (0644): it holds personal
                # data, so it is made 0600 first, and its -wal and -shm files follow it.
                create_private(self.target.path)
            self._open(settings)
        except (PersistenceError, OSError) as error:
            raise StoreError(f"cannot open store {self.target.display}: {error}") from None
        cast(PydanticMapper, self.mapper).personal = self.personal

    def _open(self, settings: dict[str, str]) -> None:
        # Processes starting together race to create the tables and functions, and
        # PostgreSQL refuses concurrent "CREATE OR REPLACE FUNCTION" ("tuple concurrently
        # updated"); the tables exist once either wins, so a short retry suffices.
        for attempt in range(1, OPEN_ATTEMPTS + 1):
            try:
                super().__init__(env=settings)
                self.personal = PersonalData(key_store_for(self.recorder))
                return
            except PersistenceError:
                if attempt == OPEN_ATTEMPTS or self.target.backend != "postgres":
                    raise
                time.sleep(random.uniform(0.05, 0.2 * attempt))  # noqa: S311 (jitter, not crypto)

    # --- writing -------------------------------------------------------------------

    def record(self, event: EventInput) -> bool:
        """Record one event (a model or a contract-shaped dict).

        Returns False, storing nothing, when the very same fact is already stored. Raises
        :class:`InvalidEventError` or a :class:`DomainRuleError` when it is not acceptable.
        """
        draft = _as_draft(event)
        try:
            return self._write([draft]) == 1
        except BatchRejectedError as rejected:
            raise rejected.causes[0] from None

    def record_many(self, events: Iterable[EventInput], *, progress: Progress | None = None) -> int:
        """Record a batch all or nothing; return how many events were new.

        Every item is checked first; if any is bad, :class:`BatchRejectedError` lists each
        (by 1-based position) and nothing is stored. Facts already stored are skipped, so
        recording the same batch twice stores nothing the second time.
        """
        return self.record_numbered(enumerate(events, start=1), progress=progress)

    def record_numbered(
        self, items: Iterable[tuple[int, EventInput]], *, progress: Progress | None = None
    ) -> int:
        """Like :meth:`record_many`, with each item's position given (e.g. a line number).

        An item may also be one JSON Lines line (a ``str``).
        """
        with _gc_paused():
            return self._record_numbered(items, progress=progress)

    def _record_numbered(
        self, items: Iterable[tuple[int, EventInput]], *, progress: Progress | None
    ) -> int:
        drafts: list[CustomerEvent] = []
        positions: list[int] = []
        problems: list[tuple[int, str]] = []
        causes: list[Exception] = []
        for position, item in items:
            try:
                drafts.append(_as_draft(item))
            except InvalidEventError as error:
                problems.append((position, str(error)))
                causes.append(error)
            else:
                positions.append(position)
        if problems:
            # Check the good ones too, so that one pass reports every bad item.
            try:
                self._stage(drafts, positions, self.clock())
            except BatchRejectedError as rejected:
                problems.extend(rejected.problems)
                causes.extend(rejected.causes)
            raise BatchRejectedError(problems, causes)
        return self._write(drafts, positions, progress=progress)

    def _write(
        self,
        drafts: Sequence[CustomerEvent],
        positions: Sequence[int] | None = None,
        *,
        progress: Progress | None = None,
    ) -> int:
        positions = positions or range(1, len(drafts) + 1)
        with self._write_lock:
            for attempt in range(1, MAX_ATTEMPTS + 1):
                customers, stored = self._stage(drafts, positions, self.clock(), progress)
                if not stored:
                    return 0
                erased = [c.id for c in customers if _erased_now(c)]
                try:
                    self.personal.prepare(customer.id for customer in customers)
                    self.save(*customers)
                except IntegrityError:
                    # Another writer appended to one of these customers first: reload, recheck.
                    self.conflicts += 1
                    pause = min(MAX_PAUSE, 0.005 * 2**attempt)
                    time.sleep(random.uniform(0, pause))  # noqa: S311 (jitter, not crypto)
                    continue
                except OperationalError as error:
                    raise StoreError(f"cannot write to {self.target.display}: {error}") from None
                for id_ in erased:
                    self.personal.forget(id_)
                return stored
        raise ConcurrencyError(
            f"other writers kept changing these customers; gave up after {MAX_ATTEMPTS} tries"
        )

    def _stage(
        self,
        drafts: Sequence[CustomerEvent],
        positions: Sequence[int],
        now: datetime,
        progress: Progress | None = None,
    ) -> tuple[list[Customer], int]:
        """Apply drafts to copies of the current customers; raise if any breaks a rule."""
        customers: dict[str, Customer] = {}
        problems: list[tuple[int, str]] = []
        causes: list[Exception] = []
        empty_store = self._store_is_empty()
        stored = 0
        for position, draft in zip(positions, drafts, strict=True):
            customer = customers.get(draft.customer)
            if customer is None:
                customer = self._load(draft.customer, draft.timestamp, empty_store)
                customers[draft.customer] = customer
            if customer.has_recorded(draft):
                continue
            try:
                customer.record(draft, recorded_at=now)
            except (DomainRuleError, InvalidEventError) as error:
                problems.append((position, _describe(error)))
                causes.append(error)
                continue
            stored += 1
            if progress is not None:
                progress(1)
        if problems:
            raise BatchRejectedError(problems, causes)
        return [c for c in customers.values() if c.pending_events], stored

    def _store_is_empty(self) -> bool:
        # Events are never deleted: once the store has one, skip the query for good.
        if not self._has_events:
            self._has_events = bool(self.recorder.max_notification_id())
        return not self._has_events

    def _load(self, key: str, first_at: datetime, empty_store: bool) -> Customer:
        if empty_store:
            return Customer.new(key, first_at)
        try:
            with self._decoding():
                cached: Customer = self.repository.get(customer_id(key), projector_func=_replay)
        except AggregateNotFoundError:
            return Customer.new(key, first_at)  # a customer the store has never seen
        # The cached customer, fast-forwarded to the store, stays pristine: commands are
        # staged on a copy, so a rejected or conflicting write leaves no trace.
        return cached.clone()

    def erase(
        self,
        customer: str,
        *,
        legal_basis: str,
        at: datetime | None = None,
        actor: str | None = None,
    ) -> bool:
        """Erase a customer's personal data: record ``CustomerErased`` and destroy their key.

        Returns False when they were already erased (the key is destroyed again, in case
        an earlier erasure stopped between recording and destroying).
        """
        try:
            with self._decoding():
                current: Customer = self.repository.get(customer_id(customer))
        except AggregateNotFoundError:
            raise CustomerNotFoundError(
                f"no customer {customer!r} in {self.target.display}"
            ) from None
        if current.erased:
            self.personal.forget(current.id)
            return False
        return self.erase_customer(customer, legal_basis=legal_basis, at=at, actor=actor)

    # --- reading -------------------------------------------------------------------

    def history(
        self,
        customer: str,
        *,
        as_of: datetime | None = None,
        as_known_at: datetime | None = None,
    ) -> list[CustomerEvent]:
        """One customer's events, oldest first.

        ``as_of`` keeps events whose business time is at or before it; ``as_known_at``
        keeps events the store had recorded by then. Raises :class:`CustomerNotFoundError`
        when the customer has no events at all.
        """
        for name, moment in (("as_of", as_of), ("as_known_at", as_known_at)):
            if moment is not None and moment.tzinfo is None:
                raise InvalidTimeError(f"{name} {moment.isoformat()} has no offset: add one")
        with self._decoding():
            events = cast(list[CustomerEvent], list(self.events.get(customer_id(customer))))
        if not events:
            raise CustomerNotFoundError(f"no customer {customer!r} in {self.target.display}")
        return [
            event
            for event in events
            if (as_of is None or event.timestamp <= as_of)
            and (as_known_at is None or event.recorded_at <= as_known_at)
        ]

    @property
    def chain(self) -> ChainReader:
        """The store's tamper-evidence chain: every event's stored hash, and the head."""
        return cast(ChainReader, self.recorder)

    def notifications(self, *, start: int = 1) -> Iterator[Notification]:
        """Every stored event record in the order it was stored, read in bulk."""
        while True:
            batch = self.recorder.select_notifications(start, READ_BATCH)
            if not batch:
                return
            yield from batch
            start = batch[-1].id + 1

    def all_events(self) -> Iterator[CustomerEvent]:
        """Every stored event, decoded, in the order the store recorded them."""
        for notification in self.notifications():
            with self._decoding():
                event = self.mapper.to_domain_event(notification)
            yield cast(CustomerEvent, event)

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


def _erased_now(customer: Customer) -> bool:
    return any(isinstance(event, CustomerErased) for event in customer.pending_events)


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector for the length of a batch.

    A batch allocates several long-lived objects per event (drafts, recorded events,
    stored records) and next to no reference cycles; with the collector on, its repeated
    passes over the growing heap cost a quarter to a third of a large import.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _replay(customer: Customer | None, events: Iterable[CustomerEvent]) -> Customer | None:
    """eventsourcing's default projector without its per-event ``isinstance`` check
    against a runtime Protocol, which costs about 16 us an event on Python 3.11."""
    for event in events:
        customer = event.mutate(customer)
    return customer


def _as_draft(event: EventInput) -> CustomerEvent:
    if isinstance(event, CustomerEvent):
        return event
    if isinstance(event, str):
        return parse_line(event)
    return parse_event(event)


def _describe(error: Exception) -> str:
    if isinstance(error, DomainRuleError):
        return f"{error} (rule: {error.rule})"
    return str(error)
