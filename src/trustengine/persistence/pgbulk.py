"""The PostgreSQL side of :mod:`.bulk`: one transaction, the table lock first, chunks after.

A chunk's events and their hashes go in by ``COPY ... FROM STDIN`` in binary format: the
rows are streamed as they are, where an ``INSERT`` of ``unnest`` over an array of
eventsourcing's composite type had psycopg build and send each chunk as one array
parameter (a fifth of a bulk import's CPU by cProfile). The rows, their order and so
their notification ids (the table's ``bigserial`` default, taken in row order under the
table lock), the hashes, the head and the ``NOTIFY`` are the very ones the ``INSERT``
path stores, all in the one transaction: a failure anywhere leaves nothing.

Kept apart so that the embedded store needs no PostgreSQL driver.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from eventsourcing.persistence import ApplicationRecorder, OperationalError, StoredEvent
from psycopg import Cursor
from psycopg.errors import LockNotAvailable
from psycopg.rows import DictRow
from psycopg.sql import SQL, Composed, Identifier

from trustengine.persistence.bulk import Insert
from trustengine.persistence.pgnames import derived_name
from trustengine.persistence.postgres import SLICE_EVENTS, ChainedPostgresRecorder, lock_timed_out

EVENT_TYPES = ("uuid", "int8", "text", "bytea")
"""The binary COPY's column types: an events row (``originator_id`` a uuid)."""
HASH_TYPES = ("uuid", "int8", "text")
"""The binary COPY's column types: a hashes row."""


@contextmanager
def postgres_bulk(recorder: ApplicationRecorder) -> Iterator[Insert]:
    """A transaction on ``recorder``'s connection: lock and NOTIFY, then each chunk's
    events and chain links by ``COPY`` (or, for a store whose stream ids are text, by
    ``INSERT`` statements of at most :data:`SLICE_EVENTS` events, as
    :meth:`ChainedPostgresRecorder._insert_chained` does for one batch)."""
    assert isinstance(recorder, ChainedPostgresRecorder)
    copying = recorder.datastore.originator_id_type == "uuid"
    statements = copy_statements(recorder)
    try:
        with (
            recorder.datastore.get_connection() as conn,
            conn.transaction(),
            conn.cursor() as curs,
        ):
            curs.execute(recorder._lock_and_notify)

            def insert(events: Sequence[StoredEvent]) -> None:
                if not events:
                    return
                if copying:
                    copy_chunk(recorder, curs, events, statements)
                    return
                for start in range(0, len(events), SLICE_EVENTS):
                    curs.execute(
                        recorder.insert_events_statement,
                        (recorder._rows(events[start : start + SLICE_EVENTS]),),
                    )
                    curs.fetchall()
                recorder._append_chain(curs, events)

            yield insert
    except OperationalError as error:
        if isinstance(error.__cause__, LockNotAvailable):
            raise lock_timed_out(recorder.datastore, recorder.events_table_name) from None
        raise


def copy_statements(recorder: ChainedPostgresRecorder) -> tuple[Composed, Composed]:
    """The ``COPY`` statements of ``recorder``'s events and of their hashes (binary)."""
    schema = Identifier(recorder.datastore.schema)
    table = recorder.events_table_name
    columns = "originator_id, originator_version"
    return (
        SQL("COPY {}.{} ({}, topic, state) FROM STDIN (FORMAT BINARY)").format(
            schema, Identifier(table), SQL(columns)
        ),
        SQL("COPY {}.{} ({}, hash) FROM STDIN (FORMAT BINARY)").format(
            schema, Identifier(derived_name(table, "_hashes")), SQL(columns)
        ),
    )


def copy_chunk(
    recorder: ChainedPostgresRecorder,
    curs: Cursor[DictRow],
    events: Sequence[StoredEvent],
    statements: tuple[Composed, Composed],
) -> None:
    """``events`` (not empty, ids uuids) and their chain links written by ``COPY`` in the
    open transaction (``statements``: :func:`copy_statements`), and the new head: what
    :meth:`SQLChain._append_chain` writes."""
    copy_events, copy_hashes = statements
    with curs.copy(copy_events) as copy:
        copy.set_types(EVENT_TYPES)
        write = copy.write_row
        for e in events:
            write((e.originator_id, e.originator_version, e.topic, e.state))
    sql = recorder._chain_writing(curs)
    links, head = recorder._linked(curs, sql, events)
    with curs.copy(copy_hashes) as copy:
        copy.set_types(HASH_TYPES)
        write = copy.write_row
        for k in links:
            write((k.originator_id, k.originator_version, k.hash))
    params: tuple[Any, ...] = (head.events, head.head)
    curs.execute(sql.write_head, params)


__all__ = ["EVENT_TYPES", "HASH_TYPES", "copy_chunk", "copy_statements", "postgres_bulk"]
