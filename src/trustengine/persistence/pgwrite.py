"""PostgreSQL: a command's write in three round trips, its statements composed once.

:class:`CommandWrites` is part of
:class:`~trustengine.persistence.postgres.ChainedPostgresRecorder`. On this store every
statement is a round trip to the server, and psycopg composes an ``sql.Composed``
statement again on every ``execute``: so the write statements are composed once, and a
command (one customer's events) has a write of its own, with the same rows, hashes, head
and lock order as the general one.
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, NamedTuple
from uuid import UUID

import psycopg
from eventsourcing.persistence import StoredEvent
from psycopg import Connection, Cursor
from psycopg.pq import TransactionStatus
from psycopg.rows import DictRow
from psycopg.sql import SQL

from trustengine.persistence.sqlchain import ChainSQL, one_stream, stream_links

if TYPE_CHECKING:
    from eventsourcing.postgres import PostgresDatastore
    from psycopg.sql import Composed

    from trustengine.persistence.pgkeys import NewKeys

SLICE_EVENTS = 2000
"""Events per ``INSERT`` statement: a big batch is sent as several statements of at most
this many (about 0.5 MB each) in its one transaction, not as one statement of its size."""


class Ready(NamedTuple):
    """A recorder's write statements, composed (see :meth:`ChainedPostgresRecorder._writing`)."""

    lock_and_notify: bytes
    insert: bytes
    chained_insert: bytes
    """(hashes' ``links``, events and head, the events' rows): the events inserted with
    their hashes and the new head, returning their notification ids."""
    chain: ChainSQL


def as_bytes(statement: Any, curs: Cursor[DictRow] | Connection[DictRow]) -> bytes:
    """``statement`` (an ``sql.Composable``, or already text or bytes) as the bytes sent."""
    if isinstance(statement, bytes):
        return statement
    if isinstance(statement, str):
        return statement.encode()
    return bytes(statement.as_bytes(curs))


class CommandWrites:
    """The recorder's write statements as bytes, and a command's write."""

    chain_sql: ChainSQL
    datastore: PostgresDatastore
    insert_events_statement: Composed
    _lock_and_notify: Composed
    _ready: Ready | None

    if TYPE_CHECKING:  # eventsourcing's recorder

        def construct_pg_stored_event(
            self, originator_id: Any, originator_version: int, topic: str, state: bytes
        ) -> Any: ...

    def _insert_command(
        self,
        conn: Connection[DictRow],
        ready: Ready,
        state: bytes,
        stored_events: Sequence[StoredEvent],
        new_keys: NewKeys | None = None,
    ) -> list[int]:
        """:meth:`_insert_chained` for a batch of one customer's events (a command's),
        in three round trips: ``BEGIN``, the lock, the NOTIFY and the chain's state in
        one; the events, their hashes and the new head in one statement; ``COMMIT``.
        psycopg's ``transaction()`` would send the ``BEGIN`` alone. The connection is in
        autocommit mode (eventsourcing's), so the transaction is the server's, ended here
        by ``COMMIT`` or, on any error, ``ROLLBACK``. A new customer's key
        (``new_keys``) goes in the events' statement too (docs/keys.md)."""
        with conn.cursor() as curs:
            try:
                curs.execute(b"BEGIN; " + ready.lock_and_notify + b"; " + state)
                while curs.nextset():
                    pass
                links, head = stream_links(curs.fetchall(), stored_events)
                params = (*ready.chain.links(links), head.events, head.head)
                if new_keys is None:
                    curs.execute(ready.chained_insert, (*params, self._rows(stored_events)))
                else:
                    curs.execute(
                        keyed(new_keys.table, ready.chained_insert),
                        (new_keys.ids, new_keys.wrapped, *params, self._rows(stored_events)),
                    )
                ids = [int(row["notification_id"]) for row in curs.fetchall()]
                curs.execute(b"COMMIT")
            except BaseException:
                if conn.info.transaction_status != TransactionStatus.IDLE:
                    # The error raised is the one that stopped the write, not the
                    # rollback's (a broken connection is the pool's to drop).
                    with contextlib.suppress(psycopg.Error):
                        conn.rollback()
                raise
        return ids

    def _rows(self, stored_events: Sequence[StoredEvent]) -> list[Any]:
        return [
            self.construct_pg_stored_event(e.originator_id, e.originator_version, e.topic, e.state)
            for e in stored_events
        ]

    def _writing(self, curs: Cursor[DictRow] | Connection[DictRow]) -> Ready:
        """The write's statements, composed to bytes once.

        psycopg composes an ``sql.Composed`` statement again on every ``execute`` (about
        a quarter of a command's CPU by cProfile); bytes it sends as they are. Composed
        with the first write's cursor, so quoting follows that connection's settings.
        """
        if self._ready is None:
            sql = self.chain_sql
            self._ready = Ready(
                lock_and_notify=as_bytes(self._lock_and_notify, curs),
                insert=as_bytes(self.insert_events_statement, curs),
                chained_insert=as_bytes(
                    SQL("WITH added AS ({}), moved AS ({}) {}").format(
                        sql.insert_hashes, sql.write_head, self.insert_events_statement
                    ),
                    curs,
                ),
                chain=dataclasses.replace(
                    sql,
                    chain_state=as_bytes(sql.chain_state, curs),
                    insert_hashes=as_bytes(sql.insert_hashes, curs),
                    write_head=as_bytes(sql.write_head, curs),
                    stream_state=as_bytes(sql.stream_state, curs),
                    links_and_head=as_bytes(sql.links_and_head, curs),
                ),
            )
        return self._ready

    def _stream_state(self, ready: Ready, stored_events: Sequence[StoredEvent]) -> bytes | None:
        """The chain-state query of a batch of one customer's events as a statement with
        its values written in (a uuid and a number, so nothing to quote), to go with the
        lock in one round trip; None for any other batch."""
        if not stored_events:
            return None
        first = stored_events[0]
        if (
            len(stored_events) > SLICE_EVENTS
            or self.datastore.originator_id_type != "uuid"
            or not isinstance(first.originator_id, UUID)
            or not one_stream(stored_events)
        ):
            return None
        stream = b"'%s'::uuid" % str(first.originator_id).encode()
        return bytes(ready.chain.stream_state) % (stream, b"%d" % (first.originator_version - 1))

    def _chain_writing(self, cursor: Any) -> ChainSQL:
        return self._writing(cursor).chain


def insert_keys(table: bytes) -> bytes:
    """The statement that inserts new customers' keys (ids, wrapped keys) into ``table``:
    a plain ``INSERT``, so a key already there fails the write (docs/keys.md)."""
    return b"INSERT INTO " + table + b" SELECT * FROM unnest(%s::uuid[], %s::bytea[])"


def keyed(table: bytes, chained_insert: bytes) -> bytes:
    """``chained_insert`` (a ``WITH ...`` statement) with the keys' insert as its first
    data-modifying part, so the keys cost the command no round trip of their own."""
    assert chained_insert.startswith(b"WITH ")
    return b"WITH keyed AS (" + insert_keys(table) + b"), " + chained_insert[len(b"WITH ") :]


__all__ = ["SLICE_EVENTS", "CommandWrites", "Ready", "as_bytes", "insert_keys", "keyed"]
