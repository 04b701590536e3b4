"""The ledger: the write side of the ``TrustEngine`` application, and its reads of the store.

Load customers, record events, save, return simple values; read events back. It is
deliberately thin and knows nothing of the read model: :mod:`trustengine.application.facade`
adds the read API on top.  Rules live in :mod:`trustengine.domain`; the contract's JSON face
in :mod:`trustengine.interchange.codec`; scoring in the projections.
"""

from __future__ import annotations

import random
import sqlite3
import threading
import time
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import ClassVar, cast
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.persistence import EventStore, PersistenceError

from trustengine.application.amending import AmendingMixin
from trustengine.application.commands import CommandsMixin
from trustengine.application.drafts import EventInput, utc_now
from trustengine.application.keyed import KeysMixin
from trustengine.application.loading import LoadingMixin
from trustengine.application.stored import StoreReadsMixin, check_times
from trustengine.application.streaming import StreamingMixin
from trustengine.application.tolerance import (
    FUTURE_TOLERANCE,
    FUTURE_TOLERANCE_ENV,
    default_future_tolerance,
)
from trustengine.application.writing import WritingMixin
from trustengine.exceptions import StoreError
from trustengine.persistence.atrest import AtRest, StoreMeta
from trustengine.persistence.eventstore import ErasureAwareEventStore
from trustengine.persistence.files import create_private
from trustengine.persistence.keystore import KeyStore, open_key_store
from trustengine.persistence.mapper import PydanticMapper
from trustengine.persistence.personal import PersonalData
from trustengine.persistence.target import (
    LOCK_TIMEOUT,
    StoreTarget,
    lock_timeout_settings,
    parse_target,
)

OPEN_ATTEMPTS = 5
"""How many times opening a PostgreSQL store is tried while other processes create it."""
CACHE_SETTINGS = {
    # Commands load customers from an in-process cache fast-forwarded from the store, not
    # by replaying whole histories, and stage their changes on a copy (Customer.clone),
    # which is cheaper than the deep copy eventsourcing would make.
    "AGGREGATE_CACHE_MAXSIZE": "1000",
    "DEEPCOPY_FROM_AGGREGATE_CACHE": "n",
}


class Ledger(
    WritingMixin,
    StreamingMixin,
    LoadingMixin,
    StoreReadsMixin,
    KeysMixin,
    CommandsMixin,
    AmendingMixin,
    Application[UUID],
):
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

    def construct_event_store(self) -> EventStore[UUID]:
        """An event store that drops an erased customer's cached key before decoding
        their stream (:mod:`trustengine.persistence.eventstore`)."""
        return ErasureAwareEventStore(mapper=self.mapper, recorder=self.recorder)

    def _open_reading(self, views: str | None) -> None:
        """Where a subclass that reads remembers its read model (the ledger has none)."""

    def _close_reading(self) -> None:
        """Where a subclass that reads closes its read model."""

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


__all__ = [
    "CACHE_SETTINGS",
    "FUTURE_TOLERANCE",
    "FUTURE_TOLERANCE_ENV",
    "OPEN_ATTEMPTS",
    "EventInput",
    "Ledger",
    "check_times",
    "default_future_tolerance",
    "utc_now",
]
