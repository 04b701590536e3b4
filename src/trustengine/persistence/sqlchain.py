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
from typing import TYPE_CHECKING, Any, Protocol
from uuid import UUID

from trustengine.persistence.chain import GENESIS, ChainLink, Seal, link, norm_stream

if TYPE_CHECKING:
    from eventsourcing.persistence import StoredEvent

CHAIN_SLICE = 2000
"""Hashes per insert statement, so no statement's parameters grow with the batch."""
SMALL_BATCH = 8
"""Up to this many hashes, a store with :attr:`ChainSQL.insert_link` inserts them one
row at a time (a command's batch); a larger batch goes in statements of
:data:`CHAIN_SLICE`."""


def sqlite_chain_tables(events_table: str) -> tuple[str, str]:
    """The hashes and head tables that keep the chain of ``events_table``.

    The default events table keeps the names every store has had (``event_hashes`` and
    ``ledger_head``); another events table gets tables named after it, so two events
    tables in one file never share, nor mix, one chain.
    """
    if events_table == "stored_events":
        return "event_hashes", "ledger_head"
    return f"{events_table}_hashes", f"{events_table}_head"


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

    chain_state: Any
    """(``positions`` of the streams asked about) → the head, as a row whose ``stream`` is
    NULL, ``position`` the event count and ``hash`` the head (none before the first
    event), and beside it the ``stream``, ``position`` and ``hash`` of asked-about events
    (``hash`` NULL, or no row, for one not recorded): what appending needs, in one round
    trip."""
    positions: Callable[[Sequence[tuple[UUID | str, int]]], tuple[object, ...]]
    """(stream, position) pairs as :attr:`chain_state`'s parameters."""
    read_head: Any
    """() → the head row, ``events`` and ``head``, when there is one."""
    insert_hashes: Any
    """(``links`` of some events): record those events' hashes, in one statement."""
    links: Callable[[Sequence[ChainLink]], tuple[object, ...]]
    """Events' hashes as :attr:`insert_hashes`'s parameters."""
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
    stream_state: Any = None
    """(stream, position) → what :attr:`chain_state` gives for that one pair, by the
    hashes table's key and without building a list of pairs: a command's batch is one
    customer's. None: :attr:`chain_state` is used for every batch."""
    insert_link: Any = None
    """(stream, position, hash) of one event, run once per event of a small batch, in
    place of :attr:`insert_hashes` (whose parameters cost more to build and read than a
    command's one row). None: :attr:`insert_hashes` is used for every batch."""
    links_and_head: Any = None
    """(``links`` of some events, then events and head): :attr:`insert_hashes` and
    :attr:`write_head` as one statement, for a store where each is a round trip.
    None: the two are run one after the other."""


def one_stream(stored_events: Sequence[StoredEvent]) -> bool:
    """Whether ``stored_events`` (not empty) continue one stream, so that
    :attr:`ChainSQL.stream_state` tells all their chain needs."""
    first = stored_events[0]
    return first.originator_version > 0 and all(
        s.originator_id == first.originator_id for s in stored_events
    )


def stream_links(rows: Any, stored_events: Sequence[StoredEvent]) -> tuple[list[ChainLink], Seal]:
    """The links and new head of one stream's events, from the rows
    :attr:`ChainSQL.stream_state` gave for them."""
    head, previous = Seal(0, GENESIS), None
    for row in rows:
        if row["stream"] is None:
            head = Seal(int(row["position"]), str(row["hash"]))
        elif row["hash"] is not None:
            previous = str(row["hash"])
    return link(stored_events, lambda _stream, _position: previous, head)


def _canonical(stream: UUID | str) -> str:
    """:func:`norm_stream` without its cache for a UUID (whose text is canonical already):
    appending a batch of new customers would otherwise fill the cache with each of them."""
    if isinstance(stream, UUID):
        return str(stream)
    return norm_stream(str(stream))


class SQLChain(ABC):
    """The chain's writes and reads over :class:`ChainSQL` statements; a recorder mixin.

    The recorder calls :meth:`_append_chain` inside the transaction that inserts the
    events, so the hashes and head commit or roll back with them.
    """

    chain_sql: ChainSQL

    @abstractmethod
    def _chain_reading(self) -> AbstractContextManager[Cursor]:
        """A cursor in a transaction of its own that commits nothing."""

    def _chain_writing(self, cursor: Cursor) -> ChainSQL:
        """The statements :meth:`_append_chain` runs on ``cursor``: :attr:`chain_sql`, or
        a copy a store has made ready to send once for all (see the PostgreSQL one)."""
        return self.chain_sql

    def _append_chain(self, cursor: Cursor, stored_events: Sequence[StoredEvent]) -> None:
        """Record the hashes of ``stored_events``, just inserted, and the new head.

        One query reads the head and the previous hash of every stream the batch
        continues, then the hashes go in a statement per :data:`CHAIN_SLICE`: the
        statements do not grow in number with the batch's customers or events.
        """
        if not stored_events:  # e.g. only a tracking record: the chain is as it was
            return
        sql = self._chain_writing(cursor)
        if sql.stream_state is not None and one_stream(stored_events):
            self._append_stream(cursor, sql, stored_events)
            return
        self._write_links(cursor, sql, *self._linked(cursor, sql, stored_events))

    def _linked(
        self, cursor: Cursor, sql: ChainSQL, stored_events: Sequence[StoredEvent]
    ) -> tuple[list[ChainLink], Seal]:
        """The links and new head of ``stored_events`` (not empty), just inserted: the head
        and the previous hash of every stream the batch continues read in one query."""
        wanted: dict[str, tuple[UUID | str, int]] = {}
        last: object = None
        for stored in stored_events:
            if stored.originator_id is last:
                continue  # the same stream as the event before: asked for already
            last = stored.originator_id
            key = _canonical(stored.originator_id)
            if key not in wanted:
                wanted[key] = (stored.originator_id, stored.originator_version - 1)
        # A stream may start at position 0 (an aggregate's INITIAL_VERSION), so its
        # position 1 asks for the hash at 0 too.
        asked = [(stream, position) for stream, position in wanted.values() if position >= 0]
        cursor.execute(sql.chain_state, sql.positions(asked))
        head, found = Seal(0, GENESIS), {}
        for row in cursor.fetchall():
            if row["stream"] is None:
                head = Seal(int(row["position"]), str(row["hash"]))
            elif row["hash"] is not None:
                found[_canonical(row["stream"]), int(row["position"])] = str(row["hash"])

        def recorded(stream: UUID | str, position: int) -> str | None:
            return found.get((_canonical(stream), position))

        return link(stored_events, recorded, head)

    def _append_stream(
        self, cursor: Cursor, sql: ChainSQL, stored_events: Sequence[StoredEvent]
    ) -> None:
        """:meth:`_append_chain` for a batch of one stream (a command's): the head and the
        hash before the batch in one lookup by the key, the same links and head after."""
        first = stored_events[0]
        cursor.execute(
            sql.stream_state,
            (sql.stream(first.originator_id), first.originator_version - 1),
        )
        self._write_links(cursor, sql, *stream_links(cursor.fetchall(), stored_events))

    def _write_links(
        self, cursor: Cursor, sql: ChainSQL, links: Sequence[ChainLink], head: Seal
    ) -> None:
        if sql.insert_link is not None and len(links) <= SMALL_BATCH:
            for k in links:  # one execute a row: a command's one row costs no list
                cursor.execute(
                    sql.insert_link, (sql.stream(k.originator_id), k.originator_version, k.hash)
                )
        elif sql.links_and_head is not None and len(links) <= CHAIN_SLICE:
            cursor.execute(sql.links_and_head, (*sql.links(links), head.events, head.head))
            return
        else:
            for start in range(0, len(links), CHAIN_SLICE):
                cursor.execute(sql.insert_hashes, sql.links(links[start : start + CHAIN_SLICE]))
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


__all__ = [
    "CHAIN_SLICE",
    "SMALL_BATCH",
    "ChainSQL",
    "Cursor",
    "SQLChain",
    "one_stream",
    "sqlite_chain_tables",
    "stream_links",
]
