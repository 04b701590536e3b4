"""The engine's side of the key store: moving old keys out, finishing interrupted
erasures, refusing to mint a key over lost ones, and reporting lost keys.

:class:`KeysMixin` is part of :class:`~trustengine.application.engine.Ledger`; the key
store itself is :mod:`trustengine.persistence.keystore`.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, cast
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Repository
from eventsourcing.persistence import ApplicationRecorder, Mapper, PersistenceError
from eventsourcing.utils import get_topic

from trustengine.domain.base import CustomerEvent
from trustengine.domain.customer import Customer
from trustengine.domain.events import CustomerErased
from trustengine.exceptions import KeyStoreError, StoreError
from trustengine.persistence.keymigrate import migrate_postgres, migrate_sqlite
from trustengine.persistence.keystore import KeyStore
from trustengine.persistence.mapper import PydanticMapper
from trustengine.persistence.personal import SEALED, PersonalData
from trustengine.persistence.target import StoreTarget

if TYPE_CHECKING:
    from trustengine.persistence.pgkeys import NewKeys


class KeysMixin:
    """What :class:`~trustengine.application.engine.Ledger` does with its key store."""

    target: StoreTarget
    key_store: KeyStore
    personal: PersonalData
    migrated_keys: int
    recorder: ApplicationRecorder
    mapper: Mapper[UUID]
    repository: Repository[UUID]

    def _decoding(self) -> AbstractContextManager[None]:
        raise NotImplementedError  # pragma: no cover - the application's

    def _move_old_keys(self) -> None:
        """Move the keys of a store made before the key store out of it (once)."""
        try:
            if self.target.path is not None:
                self.migrated_keys = migrate_sqlite(self.target.path, self.key_store)
            elif self.target.backend == "postgres":
                self.migrated_keys = migrate_postgres(self.recorder, self.key_store)
        except (PersistenceError, sqlite3.Error) as error:
            raise StoreError(
                f"cannot move the keys of {self.target.display} into the key store: {error}"
            ) from None

    def _finish_erasures(self) -> None:
        """Finish every erasure a kill interrupted, before anything is read.

        ``erase`` marks the customer *erasing* in the key store before it stores
        ``CustomerErased``, and destroying the key clears the mark: a mark left means the
        process stopped in between. If the event was stored the key is destroyed now; if
        not, nothing was erased and the mark goes. A normal open reads one empty table.
        """
        for id_ in self.key_store.erasing():
            try:
                with self._decoding():
                    customer: Customer = self.repository.get(id_)
            except AggregateNotFoundError:
                self.key_store.unmark(id_)
                continue
            if customer.erased:
                self.personal.forget(id_)
            else:
                self.key_store.unmark(id_)

    def _prepare_keys(
        self, customers: Sequence[Customer], *, inline: bool = False
    ) -> NewKeys | None:
        """Make sure each customer has a key, refusing to make a new one for a customer
        whose stored events are sealed under a key the key store no longer holds (a new
        key would seal new text under one key and leave the old unreadable beside it).

        With ``inline``, the keys of customers with nothing stored are made in memory
        when the key store can take them in the events' own transaction (a PostgreSQL
        key store in the store's database): they are returned, for the caller to pass
        to the save, and forgotten (:meth:`PersonalData.discard`) if the save fails.
        See docs/keys.md, "A new customer's key".
        """
        wanted = self.personal.uncached(c.id for c in customers)
        if not wanted:
            return None
        # A customer whose first pending event is their first has nothing stored, so
        # nothing sealed: their key is made (or found, if a write stopped after making
        # it) by ``prepare`` without a lookup first, one key-store query less a new
        # customer.
        stored_before = {c.id for c in customers if c.pending_events[0].originator_version > 1}
        asked = {i for i in wanted if i in stored_before}
        found = self.key_store.keys(asked, create=False) if asked else {}
        for customer in customers:
            if customer.id in found or customer.id not in asked:
                continue
            if self._has_sealed(customer.id):
                raise KeyStoreError(
                    f"customer {customer.key!r} has sealed personal data but no key in the key "
                    f"store {self.key_store.display}: it was lost or deleted (verify reports "
                    "it); restore the key store from its backup, or give the right --keys"
                )
        minted = None
        if inline:
            new = [i for i in wanted if i not in asked]
            minted = self.key_store.mint(new) if new else None
        if minted is not None:
            found = {**found, **minted[0]}
        self.personal.prepare(wanted, found)
        return None if minted is None else minted[1]

    def _has_sealed(self, id_: UUID) -> bool:
        mapper = cast(PydanticMapper, self.mapper)
        return any(SEALED in mapper.decode_state(s) for s in self.recorder.select_events(id_))

    def lost_keys(self, *, only: UUID | None = None) -> list[str]:
        """A problem for each customer whose sealed data was read, since this engine
        opened, without a key although the customer was never erased: the key was
        deleted from the key store (data loss or tampering), or ``keys`` names the wrong
        one. :func:`~trustengine.integrity.verify.verify` reads every event, so it reports them all;
        ``only`` keeps the one customer :func:`~trustengine.integrity.verify.verify_customer` read.
        """
        erased_topic = get_topic(CustomerErased)
        problems = []
        unkeyed = sorted(self.personal.unkeyed)
        for id_ in unkeyed if only is None else [i for i in unkeyed if i == only]:
            stored = self.recorder.select_events(id_)
            if not stored or any(s.topic == erased_topic for s in stored):
                continue
            with self._decoding():
                first = cast(CustomerEvent, self.mapper.to_domain_event(stored[0]))
            problems.append(
                f"customer {first.customer!r}: their key is missing from the key store "
                f"{self.key_store.display}, though they were never erased: their personal "
                "data cannot be read (a key deleted, or the wrong --keys)"
            )
        return problems


__all__ = [
    "KeysMixin",
]
