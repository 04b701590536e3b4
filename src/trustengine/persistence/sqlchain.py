"""The tamper-evidence chain kept in SQL tables: its steps written once, for every SQL store.

SQLite and PostgreSQL keep the same two tables, one hash per event keyed by (stream id,
position) and one row holding the head, and take the same steps on them. Only the SQL
spelling, the placeholder style and how a stream id is passed differ, so a
:class:`ChainSQL` holds one store's statements and :class:`SQLChain`, mixed into that
store's recorder, runs them: a change to how the chain is written or read is made here,
once, and cannot drift between the stores.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any, Protocol
from uuid import UUID

from eventsourcing.persistence import StoredEvent

from trustengine.persistence.chain import GENESIS, Seal, link


class Cursor(Protocol):
    """The part of a DB-API cursor the chain uses. Rows must be readable by column name,
    as ``sqlite3.Row`` and psycopg's ``dict_row`` (what eventsourcing sets up) are."""

    def execute(self, query: Any, params: Any = ..., /) -> object: ...

    def executemany(self, query: Any, params_seq: Any, /) -> object: ...

    def fetchone(self) -> Any: ...

    def fetchall(self) -> Any: ...


@dataclass(frozen=True)
class ChainSQL:
    """One store's statements for the chain tables; parameters are positional, and the
    result columns are named as each statement's note says."""

    previous_hash: Any
    """(stream, position) → that event's ``hash``, when recorded."""
    read_head: Any
    """() → the head row, ``events`` and ``head``, when there is one."""
    insert_hash: Any
    """(stream, position, hash): record one event's hash."""
    write_head: Any
    """(events, head): record the head, replacing the one before."""
    hashes_between: Any
    """(first, last notification id) → ``id`` (the notification id) and ``hash`` of each
    event stored in that range that has a hash, each looked up by the hashes table's
    key."""
    count_hashes: Any
    """() → ``n``, how many hashes the table holds."""
    stream_hashes: Any
    """(stream) → ``originator_version`` and ``hash`` of each of its events, read by the
    table's key, so one customer costs what its own events cost."""
    stream: Callable[[UUID | str], object]
    """A stream id as the store's ``originator_id`` columns hold it."""


class SQLChain(ABC):
    """The chain's writes and reads over :class:`ChainSQL` statements; a recorder mixin.

    The recorder calls :meth:`_append_chain` inside the transaction that inserts the
    events, so the hashes and head commit or roll back with them.
    """

    chain_sql: ChainSQL

    @abstractmethod
    def _chain_reading(self) -> AbstractContextManager[Cursor]:
        """A cursor in a transaction of its own that commits nothing."""

    def _append_chain(self, cursor: Cursor, stored_events: Sequence[StoredEvent]) -> None:
        """Record the hashes of ``stored_events``, just inserted, and the new head."""
        sql = self.chain_sql

        def recorded(stream: UUID | str, position: int) -> str | None:
            cursor.execute(sql.previous_hash, (sql.stream(stream), position))
            row = cursor.fetchone()
            return str(row["hash"]) if row else None

        links, head = link(stored_events, recorded, self._read_head(cursor))
        cursor.executemany(
            sql.insert_hash,
            [(sql.stream(k.originator_id), k.originator_version, k.hash) for k in links],
        )
        cursor.execute(sql.write_head, (head.events, head.head))

    def _read_head(self, cursor: Cursor) -> Seal:
        cursor.execute(self.chain_sql.read_head)
        row = cursor.fetchone()
        return Seal(int(row["events"]), str(row["head"])) if row else Seal(0, GENESIS)

    def links_between(self, first: int, last: int) -> dict[int, str]:
        """The stored hash of each event stored with a notification id from ``first`` to
        ``last``, by notification id."""
        with self._chain_reading() as cursor:
            cursor.execute(self.chain_sql.hashes_between, (first, last))
            return {int(r["id"]): str(r["hash"]) for r in cursor.fetchall()}

    def links_count(self) -> int:
        """How many hashes the store holds."""
        with self._chain_reading() as cursor:
            cursor.execute(self.chain_sql.count_hashes)
            return int(cursor.fetchone()["n"])

    def stream_links(self, stream: UUID | str) -> dict[int, str]:
        """One stream's (one customer's) stored hashes by position."""
        with self._chain_reading() as cursor:
            cursor.execute(self.chain_sql.stream_hashes, (self.chain_sql.stream(stream),))
            return {int(r["originator_version"]): str(r["hash"]) for r in cursor.fetchall()}

    def chain_head(self) -> Seal:
        """The head the store keeps."""
        with self._chain_reading() as cursor:
            return self._read_head(cursor)
