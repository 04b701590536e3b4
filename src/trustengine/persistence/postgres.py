"""The PostgreSQL recorder that keeps the tamper-evidence chain beside the events.

Kept apart from :mod:`.recorders` so that the embedded store needs no PostgreSQL driver.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager
from typing import Any
from uuid import UUID

import psycopg
from eventsourcing.persistence import InterfaceError, OperationalError, StoredEvent
from eventsourcing.postgres import Factory as PostgresFactory
from eventsourcing.postgres import (
    PostgresApplicationRecorder,
    PostgresDatastore,
    PostgresProcessRecorder,
)
from eventsourcing.utils import Environment, EnvType, retry
from psycopg import Cursor
from psycopg.errors import LockNotAvailable
from psycopg.rows import DictRow
from psycopg.sql import SQL, Identifier

from trustengine.exceptions import LockTimeoutError
from trustengine.persistence.pgnames import derived_name
from trustengine.persistence.pgwrite import SLICE_EVENTS, CommandWrites, Ready, insert_keys
from trustengine.persistence.sqlchain import ChainSQL, SQLChain
from trustengine.persistence.target import APPLICATION_NAME


class ChainedPostgresRecorder(CommandWrites, SQLChain, PostgresApplicationRecorder):
    """PostgreSQL events plus ``<table>_hashes`` and ``<table>_head`` (see
    :func:`derived_name`), written while the events table is locked, so heads are folded
    in notification order.

    It writes without psycopg's pipeline mode (see :meth:`insert_events`), in slices of
    :data:`SLICE_EVENTS`.
    """

    def __init__(
        self,
        datastore: PostgresDatastore,
        *,
        events_table_name: str = "stored_events",
        **kwargs: Any,
    ) -> None:
        super().__init__(datastore, events_table_name=events_table_name, **kwargs)
        schema = Identifier(self.datastore.schema)
        parts = ("_hashes", "_head", "_meta")
        names = {part: derived_name(events_table_name, part) for part in parts}
        hashes = SQL("{}.{}").format(schema, Identifier(names["_hashes"]))
        head = SQL("{}.{}").format(schema, Identifier(names["_head"]))
        meta = SQL("{}.{}").format(schema, Identifier(names["_meta"]))
        id_type = Identifier(self.datastore.originator_id_type)
        self._own_tables = {
            # The stream id column has the events table's type: uuid, or text.
            names["_hashes"]: SQL(
                "CREATE TABLE IF NOT EXISTS {} (originator_id {} NOT NULL, "
                "originator_version bigint NOT NULL, hash text NOT NULL, "
                "PRIMARY KEY (originator_id, originator_version))"
            ).format(hashes, id_type),
            names["_head"]: SQL(
                "CREATE TABLE IF NOT EXISTS {} (id integer PRIMARY KEY CHECK (id = 1), "
                "events bigint NOT NULL, head text NOT NULL)"
            ).format(head),
            names["_meta"]: SQL(
                "CREATE TABLE IF NOT EXISTS {} (name text PRIMARY KEY, value text NOT NULL)"
            ).format(meta),
        }
        self.sql_create_statements.extend(self._own_tables.values())
        self._read_meta = SQL("SELECT name, value FROM {}").format(meta)
        self._add_meta = SQL("INSERT INTO {} VALUES (%s, %s) ON CONFLICT DO NOTHING").format(meta)
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
            stream_state=SQL(
                "SELECT NULL::{id_type} AS stream, events AS position, head AS hash "
                "FROM {head} WHERE id = 1 UNION ALL "
                "SELECT originator_id, originator_version, hash FROM {hashes} "
                "WHERE originator_id = %s AND originator_version = %s"
            ).format(id_type=id_type, head=head, hashes=hashes),
            # Each statement is a round trip: a command's hashes and head go in one.
            links_and_head=SQL(
                "WITH added AS (INSERT INTO {hashes} "
                "SELECT * FROM unnest(%s::{id_type}[], %s::bigint[], %s::text[])) "
                "INSERT INTO {head} VALUES (1, %s, %s) ON CONFLICT (id) "
                "DO UPDATE SET events = EXCLUDED.events, head = EXCLUDED.head"
            ).format(hashes=hashes, id_type=id_type, head=head),
        )

        self._streams_stored = SQL(
            "SELECT w.stream FROM unnest(%s::{}[]) AS w(stream) "
            "WHERE EXISTS (SELECT FROM {}.{} WHERE originator_id = w.stream)"
        ).format(id_type, schema, Identifier(events_table_name))

        # The table lock, its timeout and the NOTIFY in one simple-protocol round trip.
        self._lock_and_notify = SQL("; ").join(
            [*self.lock_table_statements, SQL("NOTIFY {}").format(Identifier(self.channel_name))]
        )
        self._ready: Ready | None = None
        """The write's statements as bytes (see :meth:`_writing`)."""

    def create_table(self) -> None:
        """Create what is missing, and nothing when the store's tables all exist.

        eventsourcing's statements include ``CREATE UNIQUE INDEX IF NOT EXISTS`` on the
        events table, which takes a SHARE lock before it finds the index there: every
        command, reading or not, waited at open behind a writer's table lock.
        """
        with self.datastore.transaction(commit=False) as curs:
            curs.execute(
                "SELECT tablename FROM pg_catalog.pg_tables "
                "WHERE schemaname = %s AND tablename = ANY(%s)",
                (self.datastore.schema, [self.events_table_name, *self._own_tables]),
            )
            found = {str(row["tablename"]) for row in curs.fetchall()}
        if self.events_table_name not in found:
            super().create_table()
            return
        missing = [sql for name, sql in self._own_tables.items() if name not in found]
        if missing:
            with self.datastore.transaction(commit=True) as curs:
                for statement in missing:
                    curs.execute(statement)
        self.datastore.register_type_adapters()

    def streams_stored(self, streams: Sequence[UUID | str]) -> set[UUID | str] | None:
        """Those of ``streams`` that have an event stored, in one query (by the key); None
        for a store whose stream ids are text (how a uuid is spelt there is the driver's)."""
        if self.datastore.originator_id_type != "uuid":
            return None
        if not streams:
            return set()
        with self.datastore.transaction(commit=False) as curs:
            curs.execute(self._streams_stored, (list(streams),))
            return {row["stream"] for row in curs.fetchall()}

    def read_meta(self) -> dict[str, str]:
        """The rows of ``<table>_meta`` (see :mod:`.atrest`)."""
        with self.datastore.transaction(commit=False) as curs:
            curs.execute(self._read_meta)
            return {str(row["name"]): str(row["value"]) for row in curs.fetchall()}

    def add_meta(self, values: Mapping[str, str]) -> None:
        """Add the rows of ``values`` that ``<table>_meta`` does not hold yet."""
        with self.datastore.transaction(commit=True) as curs:
            curs.executemany(self._add_meta, list(values.items()))

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def insert_events(
        self, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        """Insert ``stored_events`` and their chain; see :meth:`_insert_chained`.

        Waiting longer than the lock timeout for the table lock raises
        :class:`LockTimeoutError` naming who holds it, and is not retried.
        """
        try:
            return self._insert_chained(stored_events, **kwargs)
        except OperationalError as error:
            if isinstance(error.__cause__, LockNotAvailable):
                raise lock_timed_out(self.datastore, self.events_table_name) from None
            raise

    def _insert_chained(
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

        ``new_keys`` (:class:`~.pgkeys.NewKeys`, from the key store's ``mint``) are new
        customers' keys, inserted in the same transaction (docs/keys.md).

        eventsourcing's hook :meth:`_insert_events` runs first in the transaction, as
        eventsourcing runs it: a process recorder writes its tracking record there, so
        the record commits with the events, or alone when there are none. A batch of one
        customer's events with no tracking record (a command, where the hook has nothing
        to write) goes in fewer round trips, see :meth:`_insert_command`.
        """
        ids: list[int] = []
        new_keys = kwargs.pop("new_keys", None)
        with self.datastore.get_connection() as conn:
            ready = self._writing(conn)
            state = None
            if kwargs.get("tracking") is None and not set(kwargs) - {"tracking"}:
                state = self._stream_state(ready, stored_events)
            if state is not None:
                return self._insert_command(conn, ready, state, stored_events, new_keys)
            with conn.transaction(), conn.cursor() as curs:
                self._insert_events(curs, stored_events, **kwargs)
                if not stored_events:
                    return ids
                curs.execute(ready.lock_and_notify)
                if new_keys is not None:
                    # New customers' keys, committed with their events (docs/keys.md).
                    curs.execute(insert_keys(new_keys.table), (new_keys.ids, new_keys.wrapped))
                for start in range(0, len(stored_events), SLICE_EVENTS):
                    part = stored_events[start : start + SLICE_EVENTS]
                    curs.execute(ready.insert, (self._rows(part),))
                    ids.extend(int(row["notification_id"]) for row in curs.fetchall())
                self._append_chain(curs, stored_events)
        return ids

    def _chain_reading(self) -> AbstractContextManager[Cursor[DictRow]]:
        return self.datastore.transaction(commit=False)


class ChainedPostgresProcessRecorder(ChainedPostgresRecorder, PostgresProcessRecorder):
    """eventsourcing's PostgreSQL process recorder (events with the tracking record of
    the upstream notification they were processed from, in one transaction), chained."""

    def create_table(self) -> None:
        # All of eventsourcing's steps, tracking table included: the shortcut that
        # :meth:`ChainedPostgresRecorder.create_table` takes knows only the events' tables.
        PostgresProcessRecorder.create_table(self)


class ChainedPostgresFactory(PostgresFactory):
    """eventsourcing's factory, with our connections named and their lock waits bounded.

    ``POSTGRES_LOCK_TIMEOUT`` (seconds) bounds the insert's table lock, as in
    eventsourcing, and here every other statement's lock waits too (the session's
    ``lock_timeout``); ``POSTGRES_APPLICATION_NAME`` names the connections.
    """

    application_recorder_class = ChainedPostgresRecorder
    process_recorder_class = ChainedPostgresProcessRecorder

    def __init__(self, env: Environment | EnvType | None) -> None:
        super().__init__(env)
        kwargs = self.datastore.pool.kwargs
        assert isinstance(kwargs, dict)
        # A fallback: $PGAPPNAME, libpq's own setting, still wins.
        kwargs["fallback_application_name"] = self.env.get(APPLICATION_NAME) or "trustengine"
        seconds = int(self.env.get(self.POSTGRES_LOCK_TIMEOUT) or "0")
        if seconds > 0:
            kwargs["options"] = f"-c lock_timeout={seconds * 1000}"


def lock_timed_out(datastore: PostgresDatastore, table: str) -> LockTimeoutError:
    """The error for a lock wait on ``table`` that timed out, naming who holds a lock on it
    (read from ``pg_locks`` and ``pg_stat_activity`` on a connection of its own)."""
    waited = f"waited {datastore.lock_timeout} s for a lock on {table}"
    try:
        with datastore.transaction(commit=False) as curs:
            curs.execute(
                "SELECT a.pid, a.application_name, a.state, a.query, l.mode "
                "FROM pg_catalog.pg_locks l JOIN pg_catalog.pg_stat_activity a ON a.pid = l.pid "
                "JOIN pg_catalog.pg_class c ON c.oid = l.relation "
                "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
                "WHERE l.granted AND l.pid <> pg_backend_pid() AND n.nspname = %s "
                "AND c.relname = %s AND l.mode <> 'AccessShareLock' "
                "ORDER BY a.xact_start NULLS LAST LIMIT 1",
                (datastore.schema, table),
            )
            row = curs.fetchone()
    except (InterfaceError, OperationalError):
        row = None
    if row is None:
        return LockTimeoutError(f"{waited}; its holder has let go since: try again")
    query = " ".join(str(row["query"] or "").split())
    if len(query) > 160:
        query = query[:159] + "…"
    name = row["application_name"] or "no application_name"
    return LockTimeoutError(
        f"{waited}, held ({row['mode']}) by pid {row['pid']} ({name}, {row['state']}: "
        f"{query}); try again when it is done, or give a longer --lock-timeout"
    )


def connection_settings(env: Mapping[str, str]) -> dict[str, Any]:
    """The ``psycopg.connect`` keyword arguments for the server ``env`` names."""
    return {
        "dbname": env["POSTGRES_DBNAME"],
        "host": env["POSTGRES_HOST"],
        "port": env["POSTGRES_PORT"],
        "user": env["POSTGRES_USER"],
        "password": env.get("POSTGRES_PASSWORD") or None,
        "connect_timeout": int(env.get("POSTGRES_CONNECT_TIMEOUT", "5")),
        "fallback_application_name": env.get(APPLICATION_NAME) or "trustengine",
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


__all__ = [
    "SLICE_EVENTS",
    "ChainedPostgresFactory",
    "ChainedPostgresProcessRecorder",
    "ChainedPostgresRecorder",
    "Listener",
    "connection_settings",
    "lock_timed_out",
    "probe",
]
