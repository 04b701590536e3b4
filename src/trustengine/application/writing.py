"""Writing: record events all or nothing, checked against the rules on staged copies.

:class:`WritingMixin` is part of :class:`~trustengine.application.engine.Ledger`. A batch is
parsed into drafts (:mod:`trustengine.application.drafts`), staged on copies of the current
customers (:mod:`trustengine.application.loading`), and saved in one transaction, retried
when another writer changed the same customers first.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, cast
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import IntegrityError, OperationalError

from trustengine.application.drafts import (
    EventInput,
    as_draft,
    describe,
    erased_now,
    extend,
    gc_paused,
    in_the_future,
    latest_time,
    parse_numbered,
)
from trustengine.application.parts import LedgerParts
from trustengine.domain.base import CustomerEvent
from trustengine.domain.customer import Customer, customer_id
from trustengine.exceptions import (
    BatchRejectedError,
    ConcurrencyError,
    CustomerNotFoundError,
    DomainRuleError,
    InvalidEventError,
    LockTimeoutError,
)
from trustengine.persistence.recorders import Progress
from trustengine.persistence.write_errors import write_failure

if TYPE_CHECKING:
    from collections.abc import Iterator
    from contextlib import contextmanager

    from eventsourcing.persistence import Recording

    from trustengine.domain.base import Channel, Key, Text
    from trustengine.persistence.pgkeys import NewKeys


MAX_ATTEMPTS = 100
"""How many times a write is tried when another writer changed the same customers.

Under heavy contention (several processes writing the same few customers) one attempt can
lose more often than not, so the bound is generous; attempts are cheap and back off."""
MAX_PAUSE = 0.1
"""The longest pause, in seconds, before a retry (the pause is jittered below it)."""


class WritingMixin(LedgerParts):
    """``record``, ``record_many``, ``record_numbered``, ``check_numbered`` and ``erase``."""

    _known_empty = False

    if TYPE_CHECKING:  # provided by the other parts of the ledger

        def _load(
            self, key: str, first_at: datetime, empty_store: bool, trusted: list[UUID] | None
        ) -> Customer: ...

        def _keep_saved(self, customers: Sequence[Customer], erasing: Sequence[UUID]) -> None: ...

        def _distrust(self, ids: Iterable[UUID]) -> None: ...

        def _prepare_keys(
            self, customers: Sequence[Customer], *, inline: bool = False
        ) -> NewKeys | None: ...

        @contextmanager
        def _decoding(self) -> Iterator[None]: ...

        def erase_customer(
            self,
            customer: Key,
            *,
            legal_basis: Text,
            at: datetime | None = None,
            actor: str | None = None,
            channel: Channel | None = None,
        ) -> bool: ...

    def record(self, event: EventInput, *, at_now: bool = False) -> bool:
        """Record one event (a model or a contract-shaped dict).

        Returns False, storing nothing, when the very same fact is already stored. Raises
        :class:`InvalidEventError` or a :class:`DomainRuleError` when it is not acceptable.

        With ``at_now`` the event happened now: its time is read from the clock as it is
        written (a dict may leave ``at`` out; any ``at`` given is replaced), see
        :attr:`stamped`.
        """
        draft = as_draft(event, at_now=at_now)
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
        with gc_paused():
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
        drafts, positions, problems, causes = parse_numbered(items, at_now=at_now)
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
        drafts, positions, problems, causes = parse_numbered(items, at_now=at_now)
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
        # New customers' keys go in the events' transaction where the key store allows
        # (docs/keys.md); after a write refused for a conflict, in commits of their own.
        inline = True
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
                    extend(erased, skipped)
                    return 0
                erasing = [c.id for c in customers if erased_now(c)]
                new_keys = None
                try:
                    try:
                        self.at_rest.settle()
                        new_keys = self._prepare_keys(customers, inline=inline)
                        if erasing:
                            # Marked first: a kill after the save leaves the mark, and the
                            # next open destroys the key (see _finish_erasures).
                            self.key_store.mark_erasing(erasing)
                        if new_keys is None:
                            self.save(*customers)
                        else:
                            self.save(*customers, new_keys=new_keys)
                    except BaseException as error:
                        if new_keys is not None:
                            # Not stored with the events: what the store holds now (another
                            # writer's key, or none) is read again at the next attempt,
                            # whose keys take commits of their own (they find a key that
                            # is there already instead of failing on it again).
                            self.personal.discard(new_keys.ids)
                            inline = not isinstance(error, IntegrityError)
                        raise
                except IntegrityError:
                    # Another writer appended to one of these customers first: reload, recheck.
                    self.conflicts += 1
                    self._distrust(c.id for c in customers)
                    pause = min(MAX_PAUSE, 0.005 * 2**attempt)
                    time.sleep(random.uniform(0, pause))  # noqa: S311 (jitter, not crypto)
                    continue
                except (OperationalError, LockTimeoutError) as error:
                    raise write_failure(self.target.display, self.lock_timeout, error) from None
                for id_ in erasing:
                    self.personal.forget(id_)
                self._keep_saved(customers, erasing)
                extend(erased, skipped)
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
            if latest_time(draft) > latest:
                future = in_the_future(draft, now, self.future_tolerance)
                problems.append((position, describe(future)))
                causes.append(future)
                continue
            if skipped is not None and customer.erased:
                skipped.append(position)
                continue
            try:
                customer.record(draft, recorded_at=now)
            except (DomainRuleError, InvalidEventError) as error:
                problems.append((position, describe(error)))
                causes.append(error)
                continue
            stored += 1
            if progress is not None:
                progress(1)
        if problems:
            raise BatchRejectedError(problems, causes)
        return [c for c in customers.values() if c.pending_events], stored

    def save(self, *objs: Any, **kwargs: Any) -> list[Recording[UUID]]:
        """``Application.save`` for customers, without its per-aggregate checks against
        eventsourcing's runtime protocols (85 us a command on Python 3.11 by cProfile, 7%).

        The same steps otherwise: the pending events put in one transaction, the saved
        customers cached when fast-forwarding is off, the ``_notify`` and ``notify``
        hooks called. Anything else (events, other aggregates, tracking, snapshotting
        turned on in ``env``) goes to eventsourcing's own. ``new_keys`` (new customers'
        keys, see docs/keys.md) go to the recorder with the events either way.
        """
        new_keys = kwargs.pop("new_keys", None)
        if kwargs or self.snapshots is not None or any(type(o) is not Customer for o in objs):
            if new_keys is not None:
                kwargs["new_keys"] = new_keys  # passed on to the recorder's insert
            return super().save(*objs, **kwargs)
        customers = cast(tuple[Customer, ...], objs)
        events = [event for customer in customers for event in customer.collect_events()]
        if new_keys is None:
            recordings = self.events.put(events)
        else:
            recordings = self.events.put(events, new_keys=new_keys)
        cache = self.repository.cache
        if cache and not self.repository.fastforward:
            for customer in customers:
                cache.put(customer.id, customer)
        self._notify(recordings)
        self.notify(events)  # type: ignore[arg-type]  # eventsourcing's deprecated hook
        return recordings

    def _store_is_empty(self) -> bool:
        if self._known_empty:  # a streamed import holds the lock on a store it found empty
            return True
        # Events are never deleted: once the store has one, skip the query for good.
        if not self._has_events:
            self._has_events = bool(self.recorder.max_notification_id())
        return not self._has_events

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


__all__ = ["MAX_ATTEMPTS", "MAX_PAUSE", "WritingMixin"]
