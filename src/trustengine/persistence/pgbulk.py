"""The PostgreSQL side of :mod:`.bulk`: one transaction, the table lock first, chunks after.

Kept apart so that the embedded store needs no PostgreSQL driver.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from eventsourcing.persistence import ApplicationRecorder, OperationalError, StoredEvent
from psycopg.errors import LockNotAvailable

from trustengine.persistence.bulk import Insert
from trustengine.persistence.postgres import SLICE_EVENTS, ChainedPostgresRecorder, lock_timed_out


@contextmanager
def postgres_bulk(recorder: ApplicationRecorder) -> Iterator[Insert]:
    """A transaction on ``recorder``'s connection: lock and NOTIFY, then each chunk's
    ``INSERT`` statements (of at most :data:`SLICE_EVENTS` events) and chain links, as
    :meth:`ChainedPostgresRecorder._insert_chained` does for one batch."""
    assert isinstance(recorder, ChainedPostgresRecorder)
    try:
        with (
            recorder.datastore.get_connection() as conn,
            conn.transaction(),
            conn.cursor() as curs,
        ):
            curs.execute(recorder._lock_and_notify)

            def insert(events: Sequence[StoredEvent]) -> None:
                for start in range(0, len(events), SLICE_EVENTS):
                    rows = [
                        recorder.construct_pg_stored_event(
                            e.originator_id, e.originator_version, e.topic, e.state
                        )
                        for e in events[start : start + SLICE_EVENTS]
                    ]
                    curs.execute(recorder.insert_events_statement, (rows,))
                    curs.fetchall()
                recorder._append_chain(curs, events)

            yield insert
    except OperationalError as error:
        if isinstance(error.__cause__, LockNotAvailable):
            raise lock_timed_out(recorder.datastore, recorder.events_table_name) from None
        raise


__all__ = ["postgres_bulk"]
