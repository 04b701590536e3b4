"""The PostgreSQL recorder that keeps the tamper-evidence chain beside the events.

Kept apart from :mod:`.recorders` so that the embedded store needs no PostgreSQL driver.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from contextlib import AbstractContextManager
from typing import Any
from uuid import UUID

from eventsourcing.persistence import InterfaceError, OperationalError, StoredEvent
from eventsourcing.postgres import Factory as PostgresFactory
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore
from eventsourcing.utils import retry
from psycopg import Cursor
from psycopg.rows import DictRow
from psycopg.sql import SQL, Identifier

from trustengine.persistence.sqlchain import ChainSQL, SQLChain

SLICE_EVENTS = 2000
"""Events per ``INSERT`` statement: a big batch is sent as several statements of at most
this many (about 0.5 MB each) in its one transaction, not as one statement of its size."""


class ChainedPostgresRecorder(SQLChain, PostgresApplicationRecorder):
    """PostgreSQL events plus ``<table>_hashes`` and ``<table>_head``, written while the
    events table is locked, so heads are folded in notification order.

    It writes without psycopg's pipeline mode (see :meth:`insert_events`), in slices of
    :data:`SLICE_EVENTS`.
    """

    def __init__(
        self, datastore: PostgresDatastore, *, events_table_name: str = "stored_events"
    ) -> None:
        super().__init__(datastore, events_table_name=events_table_name)
        schema = Identifier(self.datastore.schema)
        hashes = SQL("{}.{}").format(schema, Identifier(events_table_name + "_hashes"))
        head = SQL("{}.{}").format(schema, Identifier(events_table_name + "_head"))
        id_type = Identifier(self.datastore.originator_id_type)
        self.sql_create_statements.append(
            SQL(
                "CREATE TABLE IF NOT EXISTS {} (originator_id uuid NOT NULL, "
                "originator_version bigint NOT NULL, hash text NOT NULL, "
                "PRIMARY KEY (originator_id, originator_version))"
            ).format(hashes)
        )
        self.sql_create_statements.append(
            SQL(
                "CREATE TABLE IF NOT EXISTS {} (id integer PRIMARY KEY CHECK (id = 1), "
                "events bigint NOT NULL, head text NOT NULL)"
            ).format(head)
        )
        self.chain_sql = ChainSQL(
            # A subquery per pair: one index lookup each, where a join may scan every hash.
            chain_state=SQL(
                "SELECT NULL::{id_type} AS stream, events AS position, head AS hash "
                "FROM {head} WHERE id = 1 UNION ALL "
                "SELECT w.stream, w.position, (SELECT hash FROM {hashes} "
                "WHERE originator_id = w.stream AND originator_version = w.position) "
                "FROM unnest(%s::{id_type}[], %s::bigint[]) AS w(stream, position)"
            ).format(id_type=id_type, head=head, hashes=hashes),
            positions=lambda pairs: ([s for s, _ in pairs], [p for _, p in pairs]),
            read_head=SQL("SELECT events, head FROM {} WHERE id = 1").format(head),
            insert_hashes=SQL(
                "INSERT INTO {} SELECT * FROM unnest(%s::{}[], %s::bigint[], %s::text[])"
            ).format(hashes, id_type),
            links=lambda links: (
                [k.originator_id for k in links],
                [k.originator_version for k in links],
                [k.hash for k in links],
            ),
            write_head=SQL(
                "INSERT INTO {} VALUES (1, %s, %s) ON CONFLICT (id) "
                "DO UPDATE SET events = EXCLUDED.events, head = EXCLUDED.head"
            ).format(head),
            hashes_between=SQL(
                "SELECT notification_id AS id, hash FROM {} "
                "JOIN {} USING (originator_id, originator_version) "
                "WHERE notification_id BETWEEN %s AND %s"
            ).format(SQL("{}.{}").format(schema, Identifier(events_table_name)), hashes),
            count_hashes=SQL("SELECT COUNT(*) AS n FROM {}").format(hashes),
            stream_hashes=SQL(
                "SELECT originator_version, hash FROM {} WHERE originator_id = %s"
            ).format(hashes),
            stream=lambda stream: stream,
        )

        # The table lock, its timeout and the NOTIFY in one simple-protocol round trip.
        self._lock_and_notify = SQL("; ").join(
            [*self.lock_table_statements, SQL("NOTIFY {}").format(Identifier(self.channel_name))]
        )

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def insert_events(
        self, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        """Insert ``stored_events`` and their chain in one transaction; their notification ids.

        Replaces eventsourcing's, which sends the lock, the NOTIFY and one ``INSERT`` of the
        whole batch in a psycopg pipeline and then calls ``Pipeline.sync()``. With a
        parameter of several MB (some 20,000 events) that sync can return to reading
        before libpq has sent the rest of the statement (psycopg 3.3.9), so client and
        server wait on each other for ever. Here every statement is sent and answered in
        turn, and the batch goes as ``INSERT`` statements of at most :data:`SLICE_EVENTS` events,
        all inside the one transaction: still all or nothing, still under the table lock
        taken first (notification ids gapless and in commit order), still notifying
        listeners on commit. Its own statements also take the place of the database
        function eventsourcing can be set to use, so the chain is written either way.
        """
        if not stored_events:
            return []
        ids: list[int] = []
        with (
            self.datastore.get_connection() as conn,
            conn.transaction(),
            conn.cursor() as curs,
        ):
            curs.execute(self._lock_and_notify)
            for start in range(0, len(stored_events), SLICE_EVENTS):
                part = stored_events[start : start + SLICE_EVENTS]
                rows = [
                    self.construct_pg_stored_event(
                        e.originator_id, e.originator_version, e.topic, e.state
                    )
                    for e in part
                ]
                curs.execute(self.insert_events_statement, (rows,))
                ids.extend(int(row["notification_id"]) for row in curs.fetchall())
            self._append_chain(curs, stored_events)
        return ids

    def _chain_reading(self) -> AbstractContextManager[Cursor[DictRow]]:
        return self.datastore.transaction(commit=False)


class ChainedPostgresFactory(PostgresFactory):
    application_recorder_class = ChainedPostgresRecorder


class PostgresKeyStore:
    """Per-customer keys in their own table, ``<events table>_customer_keys``."""

    def __init__(self, recorder: ChainedPostgresRecorder) -> None:
        self.datastore = recorder.datastore
        self._table = SQL("{}.{}").format(
            Identifier(recorder.datastore.schema),
            Identifier(recorder.events_table_name + "_customer_keys"),
        )
        with self.datastore.transaction(commit=True) as curs:
            curs.execute(
                SQL(
                    "CREATE TABLE IF NOT EXISTS {} "
                    "(originator_id uuid PRIMARY KEY, key bytea NOT NULL)"
                ).format(self._table)
            )

    def keys(self, ids: Iterable[UUID], *, create: bool) -> dict[UUID, bytes]:
        wanted = list(ids)
        with self.datastore.transaction(commit=create) as curs:
            if create:
                curs.executemany(
                    SQL("INSERT INTO {} VALUES (%s, %s) ON CONFLICT DO NOTHING").format(
                        self._table
                    ),
                    [(i, os.urandom(32)) for i in wanted],
                )
            curs.execute(
                SQL("SELECT originator_id, key FROM {} WHERE originator_id = ANY(%s)").format(
                    self._table
                ),
                (wanted,),
            )
            return {UUID(str(row["originator_id"])): bytes(row["key"]) for row in curs.fetchall()}

    def destroy(self, id_: UUID) -> bool:
        with self.datastore.transaction(commit=True) as curs:
            curs.execute(SQL("DELETE FROM {} WHERE originator_id = %s").format(self._table), (id_,))
            return bool(curs.rowcount)


def connection_settings(env: Mapping[str, str]) -> dict[str, Any]:
    """The ``psycopg.connect`` keyword arguments for the server ``env`` names."""
    return {
        "dbname": env["POSTGRES_DBNAME"],
        "host": env["POSTGRES_HOST"],
        "port": env["POSTGRES_PORT"],
        "user": env["POSTGRES_USER"],
        "password": env.get("POSTGRES_PASSWORD") or None,
        "connect_timeout": int(env.get("POSTGRES_CONNECT_TIMEOUT", "5")),
    }


def _reason(error: Exception) -> str:
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    reason = "; ".join(lines) or type(error).__name__
    return reason.removeprefix("connection failed: ").replace("FATAL:  ", "")


def probe(env: dict[str, str]) -> None:
    """Connect once to the server ``env`` names, creating the schema it names if missing;
    raise ``OSError`` saying why it failed.

    eventsourcing's pool would only say it "couldn't get a connection"; the server's own
    reason (refused, unknown role, unknown database, bad password) is what a person needs.
    """
    import psycopg

    try:
        with psycopg.connect(**connection_settings(env), autocommit=True) as connection:
            schema = env.get("POSTGRES_SCHEMA")
            if schema:
                # Like the tables, a schema named in the target is created on first use.
                connection.execute(SQL("CREATE SCHEMA IF NOT EXISTS {}").format(Identifier(schema)))
    except psycopg.Error as error:
        raise OSError(_reason(error)) from None


class Listener:
    """A connection of its own that LISTENs for the store's insert notifications.

    eventsourcing's recorder (which :class:`ChainedPostgresRecorder` extends) sends
    ``NOTIFY <channel>`` inside each insert transaction, so it is delivered on commit; the
    channel is the recorder's ``channel_name`` (its events table's name). Channels belong
    to the database, not the schema: a store in another schema with the same table name
    wakes a listener too, which costs its follower one empty catch-up. The connection is
    in autocommit mode, as notifications reach a session only between transactions.
    Errors, when connecting or while waiting, are raised as ``OSError`` with the reason.
    """

    def __init__(self, env: Mapping[str, str], channel: str) -> None:
        import psycopg

        try:
            self._conn = psycopg.connect(**connection_settings(env), autocommit=True)
        except psycopg.Error as error:
            raise OSError(_reason(error)) from None
        try:
            self._conn.execute(SQL("LISTEN {}").format(Identifier(channel)))
        except psycopg.Error as error:
            self._conn.close()
            raise OSError(_reason(error)) from None

    def wait(self, timeout: float) -> bool:
        """Block up to ``timeout`` seconds for a notification; whether one came.

        Every notification already received is consumed, so a burst of inserts wakes the
        caller once.
        """
        import psycopg

        try:
            came = any(True for _ in self._conn.notifies(timeout=timeout, stop_after=1))
            if came:  # drain the rest of the burst without waiting
                deque(self._conn.notifies(timeout=0), maxlen=0)
        except psycopg.Error as error:
            first = next((line for line in str(error).splitlines() if line.strip()), "")
            raise OSError(first.strip() or type(error).__name__) from None
        return came

    def close(self) -> None:
        """Close the connection (the server forgets the LISTEN with it)."""
        self._conn.close()
