"""Application recorders that keep the tamper-evidence chain beside the events.

Each subclasses eventsourcing's own recorder and writes the events' hashes and the new
head in the same transaction as the events, so the chain can never disagree with what
was committed. They are selected through ``PERSISTENCE_MODULE`` (see :mod:`.target`).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager
from functools import lru_cache
from typing import Any, Protocol, cast, runtime_checkable
from uuid import UUID

from eventsourcing.persistence import Notification, StoredEvent
from eventsourcing.popo import Factory as POPOFactory
from eventsourcing.popo import POPOApplicationRecorder, POPOProcessRecorder
from eventsourcing.sqlite import Factory as SQLiteFactory
from eventsourcing.sqlite import (
    SQLiteApplicationRecorder,
    SQLiteCursor,
    SQLiteProcessRecorder,
    SQLiteTransaction,
)

from trustengine.persistence.chain import GENESIS, Seal, link, norm_stream, stream_hex
from trustengine.persistence.sqlchain import ChainSQL, SQLChain, sqlite_chain_tables, stream_links

Progress = Callable[[int], None]
"""Told how many more events a long read or write has done (a progress bar's callback)."""
READ_BATCH = 2000
"""How many stored events a long read fetches from the store at once."""


@runtime_checkable
class ChainReader(Protocol):
    """What verification reads back from the chain, a part at a time.

    Nothing here returns every stored hash at once: a store's hashes grow with its
    ledger, so :func:`trustengine.integrity.verify.verify` asks for each batch of events' hashes
    as it reads the batch, and a customer's check asks for that customer's.
    """

    def links_between(self, first: int, last: int) -> dict[int, str]:
        """The stored hash of each event stored with a notification id from ``first`` to
        ``last``, by notification id: the hashes of a batch of events, in the batch's
        order, read through the hashes table's key."""
        ...

    def links_count(self) -> int:
        """How many hashes the store holds."""
        ...

    def stream_links(self, stream: UUID | str) -> dict[int, str]:
        """One stream's (one customer's) stored hashes by position, read without the
        others'."""
        ...

    def chain_head(self) -> Seal:
        """The head the store keeps."""
        ...


StreamCursor = tuple[str, int]
"""Where a read stream by stream stands: a stream's key (:meth:`ByStream.stream_key`) and
a position in it; ``("", 0)`` is before every stream."""


@runtime_checkable
class ByStream(Protocol):
    """A recorder that reads its events stream by stream, as well as in stored order (what
    a rebuild in customer order reads: :mod:`trustengine.readmodel.by_customer`)."""

    def select_notifications_by_stream(
        self, after: StreamCursor, stop: int, limit: int
    ) -> list[Notification]:
        """Up to ``limit`` of the events stored with a notification id up to ``stop``,
        ordered by stream (by :meth:`stream_key`), then by position, from just after
        position ``after[1]`` of stream ``after[0]``."""
        ...

    def stream_key(self, stream: UUID | str) -> str:
        """How :meth:`select_notifications_by_stream` names and orders ``stream``."""
        ...


# --- SQLite ------------------------------------------------------------------------------


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _naming(template: str, events_table: str) -> str:
    """``template`` with ``{events}``, ``{hashes}`` and ``{head}`` replaced by the quoted
    names of ``events_table`` and its chain tables: the one place names enter a
    statement; every value is a bound parameter."""
    hashes, head = sqlite_chain_tables(events_table)
    return template.format(events=_quoted(events_table), hashes=_quoted(hashes), head=_quoted(head))


def sqlite_chain_sql(events_table: str) -> ChainSQL:
    """The chain's statements for the events in ``events_table``."""

    def named(template: str) -> str:
        return _naming(template, events_table)

    return ChainSQL(
        chain_state=named(
            "SELECT NULL AS stream, events AS position, head AS hash "
            "FROM {head} WHERE id = 1 UNION ALL "
            "SELECT originator_id, originator_version, hash FROM json_each(?) AS w "
            "JOIN {hashes} ON originator_id = json_extract(w.value, '$[0]') "
            "AND originator_version = json_extract(w.value, '$[1]')"
        ),
        positions=lambda pairs: (json.dumps([[stream_hex(s), p] for s, p in pairs]),),
        read_head=named("SELECT events, head FROM {head} WHERE id = 1"),
        insert_hashes=named(
            "INSERT INTO {hashes} "
            "SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'), "
            "json_extract(value, '$[2]') FROM json_each(?)"
        ),
        links=lambda links: (
            json.dumps(
                [[stream_hex(k.originator_id), k.originator_version, k.hash] for k in links]
            ),
        ),
        write_head=named("INSERT OR REPLACE INTO {head} VALUES (1, ?, ?)"),
        hashes_between=named(
            "SELECT {events}.rowid AS id, hash FROM {events} "
            "JOIN {hashes} USING (originator_id, originator_version) "
            "WHERE {events}.rowid BETWEEN ? AND ?"
        ),
        count_hashes=named("SELECT COUNT(*) AS n FROM {hashes}"),
        stream_hashes=named(
            "SELECT originator_version, hash FROM {hashes} WHERE originator_id = ?"
        ),
        stream=stream_hex,
        stream_state=named(
            "SELECT NULL AS stream, events AS position, head AS hash "
            "FROM {head} WHERE id = 1 UNION ALL "
            "SELECT originator_id, originator_version, hash FROM {hashes} "
            "WHERE originator_id = ? AND originator_version = ?"
        ),
        insert_link=named("INSERT INTO {hashes} VALUES (?, ?, ?)"),
    )


class ChainedSQLiteRecorder(SQLChain, SQLiteApplicationRecorder):
    """SQLite events plus the tables of their chain (:func:`sqlite_chain_tables`: for the
    default events table ``event_hashes`` and ``ledger_head``)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The chain's statements name this recorder's own events table, never another.
        self.chain_sql = sqlite_chain_sql(self.events_table_name)
        self._streams_stored = _naming(
            "SELECT DISTINCT originator_id AS stream FROM {events} "
            "WHERE originator_id IN (SELECT value FROM json_each(?))",
            self.events_table_name,
        )
        self._select_stream = self.select_events_statement + "ORDER BY originator_version ASC "
        self._update_head = _naming(
            "UPDATE {head} SET events = ?, head = ? WHERE id = 1", self.events_table_name
        )

    def streams_stored(self, streams: Sequence[UUID | str]) -> set[UUID | str] | None:
        """Those of ``streams`` that have an event stored, in one query (by the key)."""
        if not streams:
            return set()
        with self.datastore.transaction(commit=False) as c:
            c.execute(self._streams_stored, (json.dumps([stream_hex(s) for s in streams]),))
            return {self.convert_originator_id(row["stream"]) for row in c.fetchall()}

    def construct_create_table_statements(self) -> list[str]:
        return [
            *super().construct_create_table_statements(),
            _naming(
                "CREATE TABLE IF NOT EXISTS {hashes} ("
                "originator_id TEXT, originator_version INTEGER, hash TEXT NOT NULL, "
                "PRIMARY KEY (originator_id, originator_version)) WITHOUT ROWID",
                self.events_table_name,
            ),
            _naming(
                "CREATE TABLE IF NOT EXISTS {head} (id INTEGER PRIMARY KEY CHECK (id = 1), "
                "events INTEGER NOT NULL, head TEXT NOT NULL)",
                self.events_table_name,
            ),
            "CREATE TABLE IF NOT EXISTS store_meta ("
            "name TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID",
        ]

    def read_meta(self) -> dict[str, str]:
        """The rows of ``store_meta`` (see :mod:`.atrest`)."""
        with self.datastore.transaction(commit=False) as c:
            c.execute("SELECT name, value FROM store_meta")
            return {str(row["name"]): str(row["value"]) for row in c.fetchall()}

    def add_meta(self, values: Mapping[str, str]) -> None:
        """Add the rows of ``values`` that ``store_meta`` does not hold yet."""
        with self.datastore.transaction(commit=True) as c:
            c.executemany("INSERT OR IGNORE INTO store_meta VALUES (?, ?)", list(values.items()))

    def insert_events(
        self, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        """eventsourcing's ``insert_events``: the writer's connection from the pool, one
        transaction committed or rolled back (errors raised as eventsourcing's), the
        cursor closed first; here in one frame, not four nested generator context
        managers, which cost a command about as much as its ``INSERT``.

        The statements run on the ``sqlite3`` cursor itself, not eventsourcing's wrapper
        of it (whose methods only pass the call on): an error they raise leaves the
        transaction the same way, and ``SQLiteTransaction`` rolls back and maps it to
        eventsourcing's error as before."""
        pool = self.datastore.pool
        connection = pool.get_connection(is_writer=True)
        try:
            with SQLiteTransaction(connection, commit=True) as cursor:
                bare = cursor.sqlite_cursor
                try:
                    return self._insert_events(cast(SQLiteCursor, bare), stored_events, **kwargs)
                finally:
                    bare.close()
        finally:
            pool.put_connection(connection)

    def select_events(
        self,
        originator_id: UUID | str,
        *,
        gt: int | None = None,
        lte: int | None = None,
        desc: bool = False,
        limit: int | None = None,
    ) -> Sequence[StoredEvent]:
        """eventsourcing's ``select_events``; a whole stream (a customer a command loads)
        read in one frame as :meth:`insert_events` writes, not through the datastore's
        nested context managers: the same reader connection from the pool, the same
        transaction, committing nothing, errors mapped as eventsourcing maps them."""
        if gt is not None or lte is not None or desc or limit is not None:
            return super().select_events(originator_id, gt=gt, lte=lte, desc=desc, limit=limit)
        pool = self.datastore.pool
        connection = pool.get_connection(is_writer=False)
        try:
            with SQLiteTransaction(connection, commit=False) as cursor:
                bare = cursor.sqlite_cursor
                try:
                    bare.execute(self._select_stream, (stream_hex(originator_id),))
                    rows = bare.fetchall()
                finally:
                    bare.close()
        finally:
            pool.put_connection(connection)
        convert = self.convert_originator_id
        return [
            StoredEvent(
                originator_id=convert(row["originator_id"]),
                originator_version=row["originator_version"],
                topic=row["topic"],
                state=row["state"],
            )
            for row in rows
        ]

    def _insert_events(
        self, c: SQLiteCursor, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        if len(stored_events) == 1 and not kwargs and stored_events[0].originator_version > 0:
            return self._insert_command(c, stored_events[0])
        ids = super()._insert_events(c, stored_events, **kwargs)
        self._append_chain(c, stored_events)
        return ids

    def _insert_command(self, c: SQLiteCursor, stored: StoredEvent) -> list[int]:
        """A batch of one event (most commands): :meth:`_append_chain`'s statements for
        one stream without its general steps, and the head row, once there, updated in
        place rather than replaced (a delete and an insert)."""
        position = stored.originator_version
        stream = stream_hex(stored.originator_id)
        c.execute(self.insert_events_statement, (stream, position, stored.topic, stored.state))
        notification_id = int(c.lastrowid)
        sql = self.chain_sql
        c.execute(sql.stream_state, (stream, position - 1))
        rows = c.fetchall()
        (hashed,), head = stream_links(rows, [stored])
        c.execute(sql.insert_link, (stream, position, hashed.hash))
        headless = all(row["stream"] is not None for row in rows)  # the store's first event
        c.execute(sql.write_head if headless else self._update_head, (head.events, head.head))
        return [notification_id]

    def _chain_reading(self) -> AbstractContextManager[SQLiteCursor]:
        return self.datastore.transaction(commit=False)

    def select_notifications_by_stream(
        self, after: StreamCursor, stop: int, limit: int
    ) -> list[Notification]:
        """See :class:`ByStream`: read through the primary key's index (stream, position)."""
        statement = (
            f"SELECT rowid, originator_id, originator_version, topic, state "  # noqa: S608
            f"FROM {_quoted(self.events_table_name)} "
            "WHERE (originator_id, originator_version) > (?, ?) AND rowid <= ? "
            "ORDER BY originator_id, originator_version LIMIT ?"
        )
        with self.datastore.transaction(commit=False) as c:
            c.execute(statement, (*after, stop, limit))
            rows = c.fetchall()
        found: list[Notification] = []
        text: str | None = None
        stream: UUID | str = ""
        uuid = self.datastore.originator_id_type == "uuid"
        for row in rows:
            if row[1] != text:
                # A stream's events come together: its id parsed once, and not kept in
                # the bounded cache, which a walk over every stream would only fill.
                text = str(row[1])
                stream = UUID(text) if uuid else text
            found.append(
                Notification(
                    id=row[0],
                    originator_id=stream,
                    originator_version=row[2],
                    topic=row[3],
                    state=row[4],
                )
            )
        return found

    def stream_key(self, stream: UUID | str) -> str:
        # As eventsourcing stores a stream's id: a UUID's hex digits.
        return stream.hex if isinstance(stream, UUID) else str(stream)

    def convert_originator_id(self, originator_id: str) -> UUID | str:
        # eventsourcing parses the id of every row it reads; a customer's rows share one
        # (immutable) UUID instead, which later lookups by id also find faster.
        if self.datastore.originator_id_type == "uuid":
            return _parsed_uuid(originator_id)
        return originator_id


@lru_cache(maxsize=1 << 16)
def _parsed_uuid(text: str) -> UUID:
    """``UUID(text)``, bounded-cached: a long read meets each customer's id again and again."""
    return UUID(text)


class ChainedSQLiteProcessRecorder(ChainedSQLiteRecorder, SQLiteProcessRecorder):
    """eventsourcing's SQLite process recorder (events with the tracking record of the
    upstream notification they were processed from, in one transaction), chained."""


class ChainedSQLiteFactory(SQLiteFactory):
    application_recorder_class = ChainedSQLiteRecorder
    process_recorder_class = ChainedSQLiteProcessRecorder


# --- memory ------------------------------------------------------------------------------


class ChainedPOPORecorder(POPOApplicationRecorder):
    """In-memory events plus their hashes and head, under the same lock."""

    def __init__(self) -> None:
        super().__init__()
        self._hashes: dict[str, dict[int, str]] = {}
        """Stored hash by stream id (its canonical text), then position."""
        self._head = Seal(0, GENESIS)
        self._meta: dict[str, str] = {}

    def _update_table(self, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Any:
        ids = super()._update_table(stored_events, **kwargs)

        def recorded(stream: UUID | str, position: int) -> str | None:
            return self._hashes.get(norm_stream(str(stream)), {}).get(position)

        links, self._head = link(stored_events, recorded, self._head)
        for k in links:
            stream = norm_stream(str(k.originator_id))
            self._hashes.setdefault(stream, {})[k.originator_version] = k.hash
        return ids

    def links_between(self, first: int, last: int) -> dict[int, str]:
        with self._database_lock:
            found = {}
            for stored in self.select_notifications(first, last - first + 1, stop=last):
                links = self._hashes.get(norm_stream(str(stored.originator_id)), {})
                hashed = links.get(stored.originator_version)
                if hashed is not None:
                    found[stored.id] = hashed
            return found

    def links_count(self) -> int:
        with self._database_lock:
            return sum(len(links) for links in self._hashes.values())

    def stream_links(self, stream: UUID | str) -> dict[int, str]:
        with self._database_lock:
            return dict(self._hashes.get(norm_stream(str(stream)), {}))

    def chain_head(self) -> Seal:
        with self._database_lock:
            return self._head

    def read_meta(self) -> dict[str, str]:
        with self._database_lock:
            return dict(self._meta)

    def select_notifications_by_stream(
        self, after: StreamCursor, stop: int, limit: int
    ) -> list[Notification]:
        found: list[Notification] = []
        with self._database_lock:
            index = self._stored_events_index
            for key in sorted(key for key in index if key >= after[0]):
                for version, at in sorted(index[key].items()):
                    if (key, version) <= after or at >= stop:
                        continue  # at is the notification id less one
                    stored = self._stored_events[at]
                    found.append(
                        Notification(
                            id=at + 1,
                            originator_id=stored.originator_id,
                            originator_version=stored.originator_version,
                            topic=stored.topic,
                            state=stored.state,
                        )
                    )
                    if len(found) == limit:
                        return found
        return found

    def stream_key(self, stream: UUID | str) -> str:
        return str(stream)  # as eventsourcing's in-memory recorder keys its streams

    def add_meta(self, values: Mapping[str, str]) -> None:
        with self._database_lock:
            self._meta = {**values, **self._meta}


class ChainedPOPOProcessRecorder(ChainedPOPORecorder, POPOProcessRecorder):
    """eventsourcing's in-memory process recorder, chained."""


class ChainedPOPOFactory(POPOFactory):
    def application_recorder(self) -> ChainedPOPORecorder:
        return ChainedPOPORecorder()

    def process_recorder(self) -> ChainedPOPOProcessRecorder:
        return ChainedPOPOProcessRecorder()


__all__ = [
    "ByStream",
    "ChainReader",
    "ChainedPOPOFactory",
    "ChainedPOPOProcessRecorder",
    "ChainedPOPORecorder",
    "ChainedSQLiteFactory",
    "ChainedSQLiteProcessRecorder",
    "ChainedSQLiteRecorder",
    "StreamCursor",
    "sqlite_chain_sql",
    "sqlite_chain_tables",
]
