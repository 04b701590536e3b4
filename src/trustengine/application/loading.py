"""Loading customers to stage a write on, and keeping the ones this engine saved.

:class:`LoadingMixin` is part of :class:`~trustengine.application.engine.Ledger`: a command
loads each customer from the aggregate cache fast-forwarded from the store (or, when this
engine saved it last, as it was saved) and stages its change on a copy.
"""

from __future__ import annotations

from collections.abc import Container, Iterable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Literal, cast
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError

from trustengine.application.drafts import replay
from trustengine.application.parts import LedgerParts
from trustengine.domain.base import CustomerEvent
from trustengine.domain.customer import Customer, customer_id
from trustengine.persistence.eventstore import note_erasure

if TYPE_CHECKING:
    from contextlib import AbstractContextManager


class LoadingMixin(LedgerParts):
    """The customers a write stages on, and the cache of those it saved."""

    _absent: Container[UUID] = frozenset()
    """Customers a streamed import, holding the store's lock, found the store has no
    event of (see ``StreamingMixin._record_spooled``): loaded without a query."""

    if TYPE_CHECKING:  # provided by the store's reads

        def _decoding(self) -> AbstractContextManager[None]: ...

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
        if id_ in self._absent:  # asked already: the store has never seen them
            return Customer.blank(id_, key, first_at)
        uncached = self._read_uncached(id_)
        if uncached is not None:
            return uncached.clone() if uncached else Customer.new(key, first_at)
        try:
            with self._decoding():
                cached: Customer = self.repository.get(id_, projector_func=replay)
        except AggregateNotFoundError:
            return Customer.new(key, first_at)  # a customer the store has never seen
        # The cached customer, fast-forwarded to the store, stays pristine: commands are
        # staged on a copy, so a rejected or conflicting write leaves no trace.
        return cached.clone()

    def _read_uncached(self, id_: UUID) -> Customer | Literal[False] | None:
        """A customer the aggregate cache does not hold, read from the store and cached
        as ``Repository.get`` does on a miss, in one call instead of its five layers
        (a new customer's command pays this read, finding nothing): False when the store
        has no event of theirs, None when the repository must do it (a cached customer
        to fast-forward, or snapshots)."""
        repository = self.repository
        cache = repository.cache
        if cache is None or repository.snapshot_store is not None or id_ in cache.cache:
            return None
        stored = self.recorder.select_events(id_)
        if not stored:
            return False
        note_erasure(self.personal, stored)  # as the repository's event store would
        with self._decoding():
            events = cast(list[CustomerEvent], [self.mapper.to_domain_event(s) for s in stored])
            customer = replay(None, events)
        if customer is None:  # pragma: no cover - a stream of events replays to a customer
            return False
        cache.put(id_, customer)
        return customer

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


__all__ = ["LoadingMixin"]
