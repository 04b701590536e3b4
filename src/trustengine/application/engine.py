"""The ledger: the write side of the ``TrustEngine`` application, and its reads of the store.

Load customers, record events, save, return simple values; read events back. It is
deliberately thin and knows nothing of the read model: :mod:`trustengine.application.engine.facade`
adds the read API on top.  Rules live in :mod:`trustengine.domain`; the contract's JSON face
in :mod:`trustengine.interchange.codec`; scoring in the projections.
"""

from __future__ import annotations

import gc
import os
import random
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
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

from trustengine.application.amending import AmendingMixin
from trustengine.application.commands import CommandsMixin
from trustengine.application.keyed import KeysMixin
from trustengine.domain.base import CustomerEvent
from trustengine.domain.customer import Customer, customer_id
from trustengine.domain.events import CustomerErased
from trustengine.domain.times import parse_duration
from trustengine.exceptions import (
    BatchRejectedError,
    ConcurrencyError,
    CustomerNotFoundError,
    DomainRuleError,
    FutureEventError,
    InvalidEventError,
    InvalidTimeError,
    LockTimeoutError,
    StoreError,
)
from trustengine.interchange.codec import parse_event, parse_line
from trustengine.persistence.atrest import AtRest, FirstEvent, StoreMeta, first_event
from trustengine.persistence.files import create_private
from trustengine.persistence.keystore import KeyStore, open_key_store
from trustengine.persistence.mapper import PydanticMapper
from trustengine.persistence.personal import PersonalData
from trustengine.persistence.recorders import READ_BATCH, ChainReader, Progress
from trustengine.persistence.target import (
    LOCK_TIMEOUT,
    StoreTarget,
    lock_timeout_settings,
    parse_target,
)

EventInput = CustomerEvent | Mapping[str, Any] | str

MAX_ATTEMPTS = 100
"""How many times a write is tried when another writer changed the same customers.

Under heavy contention (several processes writing the same few customers) one attempt can
lose more often than not, so the bound is generous; attempts are cheap and back off."""
MAX_PAUSE = 0.1
"""The longest pause, in seconds, before a retry (the pause is jittered below it)."""
OPEN_ATTEMPTS = 5
"""How many times opening a PostgreSQL store is tried while other processes create it."""
CACHE_SETTINGS = {
    # Commands load customers from an in-process cache fast-forwarded from the store, not
    # by replaying whole histories, and stage their changes on a copy (Customer.clone),
    # which is cheaper than the deep copy eventsourcing would make.
    "AGGREGATE_CACHE_MAXSIZE": "1000",
    "DEEPCOPY_FROM_AGGREGATE_CACHE": "n",
}
FUTURE_TOLERANCE = timedelta(days=1)
"""How far past the store's clock an event's ``at`` may be (clocks differ, zones are
mistyped); an ``at`` later than that is refused, so a mistyped year cannot lock a
customer. A setting: ``TrustEngine(future_tolerance=...)``, ``--future-tolerance``, or the
environment variable :data:`FUTURE_TOLERANCE_ENV` (e.g. ``12h``)."""
FUTURE_TOLERANCE_ENV = "TRUSTENGINE_FUTURE_TOLERANCE"


def default_future_tolerance() -> timedelta:
    """The future tolerance when none is given: ``$TRUSTENGINE_FUTURE_TOLERANCE`` (``1d``,
    ``12h``, ``90m``, ``0``), else :data:`FUTURE_TOLERANCE`."""
    text = os.environ.get(FUTURE_TOLERANCE_ENV)
    if not text:
        return FUTURE_TOLERANCE
    try:
        return parse_duration(text)
    except ValueError as error:
        raise StoreError(f"${FUTURE_TOLERANCE_ENV}: {error}") from None


def utc_now() -> datetime:
    """The recorded time for events stored now."""
    return datetime.now(tz=UTC)


class Ledger(KeysMixin, CommandsMixin, AmendingMixin, Application[UUID]):
    """The customer trust ledger over one store (``db``: a ``--db`` target string): the write
    side and the store's events, without the read model (that is
    :class:`~trustengine.application.facade.TrustEngine`).

    ``cipher_key`` opens an encrypted store (and makes a new store encrypted); a store is
    only opened as it was made (see :mod:`trustengine.persistence.atrest`). A write waits
    at most ``lock_timeout`` seconds for another connection's lock, then raises
    :class:`~trustengine.exceptions.LockTimeoutError`; reads never wait behind a writer.
    The ``env`` setting ``POSTGRES_APPLICATION_NAME`` names PostgreSQL connections.

    ``keys`` is where the per-customer erasure keys live, apart from the events (see
    :mod:`trustengine.persistence.keystore`; by default ``trustengine.keys`` beside
    ``trustengine.db``). ``views`` is where the read model lives (see
    :mod:`trustengine.readmodel.location`; for PostgreSQL a local SQLite file). Writing:
    :mod:`trustengine.application.commands` and :meth:`record`; reading:
    :mod:`trustengine.application.reading`.
    One engine may serve many threads.

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
        lock_timeout: int = LOCK_TIMEOUT,
        views: str | None = None,
        keys: str | None = None,
        future_tolerance: timedelta | None = None,
    ) -> None:
        self.future_tolerance = (
            default_future_tolerance() if future_tolerance is None else future_tolerance
        )
        """How far past the clock an event's ``at`` may be (see :data:`FUTURE_TOLERANCE`)."""
        self.target: StoreTarget = parse_target(db, cipher_key=cipher_key)
        lock_settings = lock_timeout_settings(lock_timeout)
        self.lock_timeout = lock_timeout
        """Seconds a write waits for another connection's lock before it gives up."""
        self._open_reading(views)
        self.clock = clock
        self._has_events = False
        self.conflicts = 0
        """How many writes had to be retried because another writer got there first."""
        self.stamped: datetime | None = None
        """The time the last ``at_now`` write gave its events (None before one)."""
        settings = {**CACHE_SETTINGS, **self.target.env, **lock_settings, **(env or {})}
        self._write_lock = threading.RLock()
        self._wrote_last: dict[UUID, int] = {}
        """Customers whose cached copy is the one this engine saved last, with its version:
        their next command skips the fast-forward read (see :meth:`_load`)."""
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
        except (PersistenceError, OSError, sqlite3.DatabaseError) as error:
            # sqlite3.DatabaseError: the file is something else (text, an image, garbage).
            raise StoreError(f"cannot open store {self.target.display}: {error}") from None
        self.migrated_keys = 0
        """How many keys this open moved out of an old store into the key store."""
        try:
            self.at_rest = AtRest(
                cast(StoreMeta, self.recorder),
                self.target.env.get("CIPHER_KEY"),
                self.target.display,
                self._first_event,
            )
            self.key_store: KeyStore = open_key_store(
                self.target,
                keys,
                cipher_key=self.target.env.get("CIPHER_KEY"),
                lock_timeout=lock_timeout,
            )
            self.personal = PersonalData(self.key_store)
            cast(PydanticMapper, self.mapper).personal = self.personal
            self._move_old_keys()
            self._finish_erasures()
        except BaseException:
            self.close()  # refused: give the connections back
            raise

    def _open_reading(self, views: str | None) -> None:
        """Where a subclass that reads remembers its read model (the ledger has none)."""

    def _close_reading(self) -> None:
        """Where a subclass that reads closes its read model."""

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
        mapper = cast(PydanticMapper, self.mapper)
        kept = (mapper.to_domain_event_until(record, as_of) for record in stored)
        events = [cast(CustomerEvent, event) for event in kept if event is not None]
        return events or [cast(CustomerEvent, mapper.to_domain_event(stored[0]))]

    def _first_event(self) -> FirstEvent:
        first = self.recorder.select_notifications(1, 1)
        return first_event(first[0].state if first else None, self.mapper.cipher)

    def close(self) -> None:
        """Close the read model (if a read opened it), the key store and the store."""
        self._close_reading()
        key_store = getattr(self, "key_store", None)
        if key_store is not None:
            key_store.close()
        super().close()

    def _open(self, settings: dict[str, str]) -> None:
        # Processes starting together race to create the tables and functions, and
        # PostgreSQL refuses concurrent "CREATE OR REPLACE FUNCTION" ("tuple concurrently
        # updated"); the tables exist once either wins, so a short retry suffices.
        for attempt in range(1, OPEN_ATTEMPTS + 1):
            try:
                super().__init__(env=settings)
                return
            except PersistenceError:
                if attempt == OPEN_ATTEMPTS or self.target.backend != "postgres":
                    raise
                time.sleep(random.uniform(0.05, 0.2 * attempt))  # noqa: S311 (jitter, not crypto)

    # --- writing -------------------------------------------------------------------

    def record(self, event: EventInput, *, at_now: bool = False) -> bool:
        """Record one event (a model or a contract-shaped dict).

        Returns False, storing nothing, when the very same fact is already stored. Raises
        :class:`InvalidEventError` or a :class:`DomainRuleError` when it is not acceptable.

        With ``at_now`` the event happened now: its time is read from the clock as it is
        written (a dict may leave ``at`` out; any ``at`` given is replaced), see
        :attr:`stamped`.
        """
        draft = _as_draft(event, at_now=at_now)
        try:
            return self._write([draft], at_now=at_now) == 1
        except BatchRejectedError as rejected:
            raise rejected.causes[0] from None

    def record_many(
        self,
        events: Iterable[EventInput],
        *,
        progress: Progress | None = None,
        at_now: bool = False,
    ) -> int:
        """Record a batch all or nothing; return how many events were new.

        Every item is checked first; if any is bad, :class:`BatchRejectedError` lists each
        (by 1-based position) and nothing is stored. Facts already stored are skipped, so
        recording the same batch twice stores nothing the second time. ``at_now`` is as
        for :meth:`record`, for every event of the batch.
        """
        return self.record_numbered(enumerate(events, start=1), progress=progress, at_now=at_now)

    def record_numbered(
        self,
        items: Iterable[tuple[int, EventInput]],
        *,
        progress: Progress | None = None,
        erased: list[int] | None = None,
        at_now: bool = False,
    ) -> int:
        """Like :meth:`record_many`, with each item's position given (e.g. a line number).

        An item may also be one JSON Lines line (a ``str``). Given an ``erased`` list,
        items for a customer who is erased are skipped instead of refused (re-importing
        an export that holds them), and their positions are appended to it.
        """
        with _gc_paused():
            return self._record_numbered(items, progress=progress, erased=erased, at_now=at_now)

    def check_numbered(
        self,
        items: Iterable[tuple[int, EventInput]],
        *,
        erased: list[int] | None = None,
        at_now: bool = False,
    ) -> list[tuple[int, CustomerEvent]]:
        """Check a batch exactly as :meth:`record_numbered` would, storing nothing.

        Returns the items as events, to record without parsing them again; raises
        :class:`BatchRejectedError` listing every bad item.
        """
        drafts, positions, problems, causes = _parse_numbered(items, at_now=at_now)
        try:
            self._stage(drafts, positions, None if at_now else self.clock(), skipped=erased)
        except BatchRejectedError as rejected:
            problems.extend(rejected.problems)
            causes.extend(rejected.causes)
        if problems:
            raise BatchRejectedError(problems, causes)
        return list(zip(positions, drafts, strict=True))

    def _record_numbered(
        self,
        items: Iterable[tuple[int, EventInput]],
        *,
        progress: Progress | None,
        erased: list[int] | None,
        at_now: bool,
    ) -> int:
        drafts, positions, problems, causes = _parse_numbered(items, at_now=at_now)
        if problems:
            # Check the good ones too, so that one pass reports every bad item.
            try:
                skip: list[int] | None = [] if erased is not None else None
                self._stage(drafts, positions, self.clock(), skipped=skip)
            except BatchRejectedError as rejected:
                problems.extend(rejected.problems)
                causes.extend(rejected.causes)
            raise BatchRejectedError(problems, causes)
        return self._write(drafts, positions, progress=progress, erased=erased, at_now=at_now)

    def _write(
        self,
        drafts: Sequence[CustomerEvent],
        positions: Sequence[int] | None = None,
        *,
        progress: Progress | None = None,
        erased: list[int] | None = None,
        at_now: bool = False,
    ) -> int:
        positions = positions or range(1, len(drafts) + 1)
        with self._write_lock:
            for attempt in range(1, MAX_ATTEMPTS + 1):
                skipped: list[int] | None = [] if erased is not None else None
                # "Now" is read at each attempt, once the customers are loaded: a time read
                # before another writer's event landed would be earlier than that event.
                now = None if at_now else self.clock()
                trusted: list[UUID] = []
                try:
                    customers, stored = self._stage(
                        drafts, positions, now, progress, skipped=skipped, trusted=trusted
                    )
                except BatchRejectedError:
                    if not trusted:
                        raise
                    # Staged on customers as this engine last saved them: another writer
                    # may have changed them since, so the refusal is checked again on
                    # customers fast-forwarded to the store before it stands.
                    self._distrust(trusted)
                    skipped = [] if erased is not None else None
                    now = None if at_now else self.clock()
                    customers, stored = self._stage(drafts, positions, now, skipped=skipped)
                if not stored:
                    _extend(erased, skipped)
                    return 0
                erasing = [c.id for c in customers if _erased_now(c)]
                try:
                    self.at_rest.settle()
                    self._prepare_keys(customers)
                    if erasing:
                        # Marked first: a kill after the save leaves the mark, and the next
                        # open destroys the key (see _finish_erasures).
                        self.key_store.mark_erasing(erasing)
                    self.save(*customers)
                except IntegrityError:
                    # Another writer appended to one of these customers first: reload, recheck.
                    self.conflicts += 1
                    self._distrust(c.id for c in customers)
                    pause = min(MAX_PAUSE, 0.005 * 2**attempt)
                    time.sleep(random.uniform(0, pause))  # noqa: S311 (jitter, not crypto)
                    continue
                except OperationalError as error:
                    if "database is locked" in str(error):  # SQLite's busy timeout ran out
                        raise LockTimeoutError(
                            f"cannot write to {self.target.display}: waited "
                            f"{self.lock_timeout} s for the lock another "
                            "writer holds on it (SQLite does not say which process); try again "
                            "when it is done, or give a longer --lock-timeout"
                        ) from None
                    raise StoreError(f"cannot write to {self.target.display}: {error}") from None
                except LockTimeoutError as error:
                    raise LockTimeoutError(
                        f"cannot write to {self.target.display}: {error}"
                    ) from None
                for id_ in erasing:
                    self.personal.forget(id_)
                self._keep_saved(customers, erasing)
                _extend(erased, skipped)
                return stored
        raise ConcurrencyError(
            f"other writers kept changing these customers; gave up after {MAX_ATTEMPTS} tries"
        )

    def _stage(
        self,
        drafts: Sequence[CustomerEvent],
        positions: Sequence[int],
        now: datetime | None,
        progress: Progress | None = None,
        *,
        skipped: list[int] | None = None,
        trusted: list[UUID] | None = None,
    ) -> tuple[list[Customer], int]:
        """Apply drafts to copies of the current customers; raise if any breaks a rule.

        ``now`` is the recorded time; None means the events happened now, so the clock
        is read after every customer is loaded and gives both times. With a ``skipped``
        list, a draft for an erased customer is left out (its position appended there)
        instead of breaking the rule that they take nothing. Given a ``trusted`` list, a
        customer this engine saved last is taken from the cache as it was saved, without
        the fast-forward read, and its id appended there.
        """
        customers: dict[str, Customer] = {}
        problems: list[tuple[int, str]] = []
        causes: list[Exception] = []
        empty_store = self._store_is_empty()
        stored = 0
        for draft in drafts:
            if draft.customer not in customers:
                customers[draft.customer] = self._load(
                    draft.customer, draft.timestamp, empty_store, trusted
                )
        if now is None:
            now = self.stamped = self.clock()
            drafts = [draft.model_copy(update={"timestamp": now}) for draft in drafts]
        try:
            latest = now + self.future_tolerance
        except OverflowError:  # a tolerance of timedelta.max: anything goes
            latest = datetime.max.replace(tzinfo=UTC)
        for position, draft in zip(positions, drafts, strict=True):
            customer = customers[draft.customer]
            if customer.has_recorded(draft):
                continue
            if _latest(draft) > latest:
                future = _in_the_future(draft, now, self.future_tolerance)
                problems.append((position, _describe(future)))
                causes.append(future)
                continue
            if skipped is not None and customer.erased:
                skipped.append(position)
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

    def _load(
        self, key: str, first_at: datetime, empty_store: bool, trusted: list[UUID] | None
    ) -> Customer:
        if empty_store:
            return Customer.new(key, first_at)
        id_ = customer_id(key)
        if trusted is not None:
            own = self._own_copy(id_)
            if own is not None:
                trusted.append(id_)
                return own.clone()
        try:
            with self._decoding():
                cached: Customer = self.repository.get(id_, projector_func=_replay)
        except AggregateNotFoundError:
            return Customer.new(key, first_at)  # a customer the store has never seen
        # The cached customer, fast-forwarded to the store, stays pristine: commands are
        # staged on a copy, so a rejected or conflicting write leaves no trace.
        return cached.clone()

    def _own_copy(self, id_: UUID) -> Customer | None:
        """The cached customer if it is the very one this engine saved last, else None.

        Skipping the fast-forward read is safe: if another writer has appended since, the
        save fails on the customer's next version (unique in the store), the customer is
        distrusted and the write retried on a fast-forwarded copy (see :meth:`_write`).
        """
        version = self._wrote_last.get(id_)
        cache = self.repository.cache
        if version is None or cache is None:
            return None
        try:
            cached = cast(Customer | None, cache.get(id_))
        except KeyError:  # evicted since
            del self._wrote_last[id_]
            return None
        if cached is None or cached.version != version:
            return None
        return cached

    def _keep_saved(self, customers: Sequence[Customer], erasing: Sequence[UUID]) -> None:
        """Put the customers just saved into the aggregate cache, so the next command does
        not read back and decode the events this engine itself wrote.

        eventsourcing caches saved aggregates only when fast-forwarding is off. An erased
        customer is left to the store (its next load reads what the erasure left).
        """
        cache = self.repository.cache
        if cache is None:
            return
        maxsize: int | None = getattr(cache, "maxsize", None)  # None: an unbounded cache
        if maxsize is not None and len(self._wrote_last) > 2 * maxsize + len(customers):
            # Bounded by the cache: a customer forgotten here is only fast-forwarded again.
            self._wrote_last = {k: v for k, v in self._wrote_last.items() if k in cache.cache}
        for customer in customers:
            if customer.id in erasing:
                self._wrote_last.pop(customer.id, None)
                continue
            cache.put(customer.id, customer)
            self._wrote_last[customer.id] = customer.version

    def _distrust(self, ids: Iterable[UUID]) -> None:
        for id_ in ids:
            self._wrote_last.pop(id_, None)

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


def check_times(as_of: datetime | None, as_known_at: datetime | None) -> None:
    for name, moment in (("as_of", as_of), ("as_known_at", as_known_at)):
        if moment is not None and moment.tzinfo is None:
            raise InvalidTimeError(f"{name} {moment.isoformat()} has no offset: add one")


def _extend(target: list[int] | None, items: list[int] | None) -> None:
    if target is not None and items:
        target.extend(items)


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


def _parse_numbered(
    items: Iterable[tuple[int, EventInput]], *, at_now: bool = False
) -> tuple[list[CustomerEvent], list[int], list[tuple[int, str]], list[Exception]]:
    """The items as events with their positions, and the problems of those that are not."""
    drafts: list[CustomerEvent] = []
    positions: list[int] = []
    problems: list[tuple[int, str]] = []
    causes: list[Exception] = []
    for position, item in items:
        try:
            drafts.append(_as_draft(item, at_now=at_now))
        except InvalidEventError as error:
            problems.append((position, str(error)))
            causes.append(error)
        else:
            positions.append(position)
    return drafts, positions, problems, causes


def _as_draft(event: EventInput, *, at_now: bool = False) -> CustomerEvent:
    if isinstance(event, CustomerEvent):
        return event
    if at_now and isinstance(event, Mapping):
        # A stand-in so the event validates; the write replaces it with the clock's time.
        event = {**event, "at": utc_now()}
    if isinstance(event, str):
        return parse_line(event)
    return parse_event(event)


def _latest(draft: CustomerEvent) -> datetime:
    """The latest business time ``draft`` gives: its own, or its replacement's."""
    replacement = getattr(draft, "replacement", None)
    if isinstance(replacement, CustomerEvent) and replacement.timestamp > draft.timestamp:
        return replacement.timestamp
    return draft.timestamp


def _in_the_future(draft: CustomerEvent, now: datetime, tolerance: timedelta) -> FutureEventError:
    return FutureEventError(
        f"{draft.type_name} at {_latest(draft).isoformat()} is in the future: the store's "
        f"clock says {now.isoformat()}, and an event may be at most {_span(tolerance)} ahead "
        "of it (--future-tolerance)"
    )


def _span(duration: timedelta) -> str:
    """``1 day``, ``12 hours``, ``90 minutes``, ``0 seconds``: a tolerance in words."""
    seconds = int(duration.total_seconds())
    for size, unit in ((86400, "day"), (3600, "hour"), (60, "minute"), (1, "second")):
        if seconds % size == 0 and (seconds or size == 1):
            count = seconds // size
            return f"{count} {unit}{'' if count == 1 else 's'}"
    return str(duration)


def _describe(error: Exception) -> str:
    if isinstance(error, DomainRuleError):
        return f"{error} (rule: {error.rule})"
    return str(error)
