"""One transaction that takes a large write a chunk at a time: all of it commits, or none.

:func:`bulk_insert` opens a write transaction on the store and yields a function that
inserts a chunk of stored events (and their links of the tamper-evidence chain) into it;
the transaction commits when the block ends and rolls back when it raises, so a large
import holds one chunk of records at a time and still stores all of it or nothing.

The store's write lock is taken first, before anything else happens in the block: on
SQLite ``BEGIN IMMEDIATE``, on PostgreSQL the events table's lock eventsourcing's own
insert takes (with the ``NOTIFY`` that tells listeners on commit). Whatever the block
reads of the store after that (through other connections: what is committed) cannot
change under it, since no other writer can commit until it ends; a kill leaves an
uncommitted transaction, which the store discards.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from uuid import UUID

from eventsourcing.persistence import (
    ApplicationRecorder,
    IntegrityError,
    OperationalError,
    StoredEvent,
)
from eventsourcing.sqlite import SQLiteCursor

from trustengine.persistence.recorders import ChainedSQLiteRecorder

Insert = Callable[[Sequence[StoredEvent]], None]
"""Inserts one chunk of stored events into the open transaction."""


@contextmanager
def bulk_insert(recorder: ApplicationRecorder) -> Iterator[Insert]:
    """A write transaction on ``recorder``'s store, a chunk of events at a time.

    Raises eventsourcing's :class:`IntegrityError` when an event's position is taken and
    its :class:`OperationalError` when the lock cannot be had (SQLite: "database is
    locked"); on PostgreSQL a lock wait past the timeout raises
    :class:`~trustengine.exceptions.LockTimeoutError`. An in-memory store has no
    transaction: its chunks are kept and inserted together at the end.
    """
    if (
        isinstance(recorder, ChainedSQLiteRecorder)
        and not recorder.datastore.pool.is_sqlite_memory_mode
    ):
        with _sqlite(recorder) as insert:
            yield insert
        return
    if type(recorder).__module__.endswith(".postgres"):
        from trustengine.persistence.pgbulk import postgres_bulk

        with postgres_bulk(recorder) as insert:
            yield insert
        return
    kept: list[StoredEvent] = []
    yield kept.extend
    if kept:
        recorder.insert_events(kept)


@contextmanager
def _sqlite(recorder: ChainedSQLiteRecorder) -> Iterator[Insert]:
    with recorder.datastore.get_connection(commit=True) as conn:
        raw: sqlite3.Connection = conn._sqlite_conn
        cursor = conn.cursor()
        try:
            cursor.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as error:
            raise OperationalError(error) from error

        def insert(events: Sequence[StoredEvent]) -> None:
            try:
                _insert_chunk(recorder, cursor, events)
            except sqlite3.IntegrityError as error:
                raise IntegrityError(error) from error
            except sqlite3.OperationalError as error:
                raise OperationalError(error) from error

        try:
            yield insert
        except BaseException:
            raw.rollback()
            raise
        try:
            raw.commit()
        except sqlite3.OperationalError as error:
            raw.rollback()
            raise OperationalError(error) from error


def _insert_chunk(
    recorder: ChainedSQLiteRecorder, cursor: SQLiteCursor, events: Sequence[StoredEvent]
) -> None:
    """What the recorder's ``_insert_events`` does with a chunk (the rows, then their
    hashes and the head), each table by one ``executemany``: the same rows, in the same
    order (so the same notification ids), without eventsourcing's statement a row and
    the hashes' JSON array (the recorder keeps those for a command's few rows)."""
    if not events:
        return
    cursor.executemany(
        recorder.insert_events_statement,
        [
            (
                s.originator_id.hex if isinstance(s.originator_id, UUID) else s.originator_id,
                s.originator_version,
                s.topic,
                s.state,
            )
            for s in events
        ],
    )
    sql = recorder.chain_sql
    if sql.insert_link is None:  # not SQLite's statements: the recorder's own way
        recorder._append_chain(cursor, events)
        return
    links, head = recorder._linked(cursor, sql, events)
    cursor.executemany(
        sql.insert_link,
        [(sql.stream(k.originator_id), k.originator_version, k.hash) for k in links],
    )
    cursor.execute(sql.write_head, (head.events, head.head))


__all__ = ["Insert", "bulk_insert"]
