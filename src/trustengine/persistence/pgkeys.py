"""Per-customer keys in a PostgreSQL schema of their own (see :mod:`.keystore`).

PostgreSQL never overwrites a row in place: a ``DELETE`` leaves the old tuple in the heap
until ``VACUUM`` reuses its space, and the bytes stay in the write-ahead log. So a key is
destroyed by first overwriting it with zero bytes (``UPDATE``), then deleting the row, in
one transaction. PostgreSQL's MVCC still writes the zeros as a new row version: the old
version, with the key, stays in the heap as a dead tuple until ``VACUUM`` frees its space
and a later write reuses it (``VACUUM FULL`` of the keys table rewrites it at once), and
the write-ahead log holds the key as it was inserted. What this cannot reach, and README
says so: dead tuples not yet overwritten, WAL segments (and archived WAL), base backups and
dumps taken while the key existed, and replicas. With encryption at rest each of those
holds the key only wrapped under the key-encryption key, which lives in no database.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable, Mapping
from typing import Any, NamedTuple
from uuid import UUID

from psycopg.sql import SQL, Identifier

from trustengine.exceptions import KeyStoreError
from trustengine.persistence.keystore import KEY_SIZE, Wrapping
from trustengine.persistence.pgkeyschema import settle_cut_schema


class NewKeys(NamedTuple):
    """New customers' keys to insert in the events' own transaction (see
    :meth:`PostgresKeyStore.mint` and docs/keys.md, "A new customer's key")."""

    table: bytes
    """The key table, qualified and quoted, as the statement's text."""
    ids: list[UUID]
    wrapped: list[bytes]
    """Each key as the table stores it (wrapped under the key-encryption key when the
    store is encrypted at rest)."""


class PostgresKeyStore:
    """Keys in ``<schema>.customer_keys``, erasing marks in ``<schema>.erasing``.

    ``same_database`` says that the event store is in the same database (the default
    ``<store schema>_keys``), so that a new customer's key can be inserted in the events'
    own transaction (:meth:`mint`) instead of a commit of its own. ``cut`` is the key
    schema an older version gave the store when its name is too long, and the store's
    schema (see :mod:`.pgkeyschema`).
    """

    def __init__(
        self,
        env: Mapping[str, str],
        schema: str,
        wrapping: Wrapping,
        display: str,
        *,
        lock_timeout: float = 30,
        same_database: bool = False,
        cut: tuple[str | None, str] | None = None,
    ) -> None:
        import psycopg

        from trustengine.persistence.postgres import connection_settings

        self.schema = schema
        self.display = f"{display.split('?', 1)[0]} (schema {schema})"
        wrapping.where = self.display
        self._wrapping = wrapping
        self._lock = threading.RLock()
        try:
            self._conn = psycopg.connect(**connection_settings(env), autocommit=False)
            # A write waits for another's lock as long as the store's writes do.
            self._conn.execute(f"SET lock_timeout = {int(lock_timeout * 1000)}")
            self._conn.commit()
        except psycopg.Error as error:
            raise KeyStoreError(f"cannot open key store {self.display}: {error}") from None
        self._keys = SQL("{}.customer_keys").format(Identifier(schema))
        self._erasing = SQL("{}.erasing").format(Identifier(schema))
        meta = SQL("{}.key_meta").format(Identifier(schema))
        try:
            with self._lock, self._conn.transaction():
                old, owner = cut if cut is not None else (None, "")
                if old is not None:
                    # The name an older version cut (and locks while creating it) first.
                    self._conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (old,))
                    settle_cut_schema(self._conn, schema, old, owner)
                # Processes starting together may race to create the schema: one lock.
                self._conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (schema,))
                self._conn.execute(SQL("CREATE SCHEMA IF NOT EXISTS {}").format(Identifier(schema)))
                self._conn.execute(
                    SQL(
                        "CREATE TABLE IF NOT EXISTS {} (originator_id uuid PRIMARY KEY, "
                        "key bytea NOT NULL)"
                    ).format(self._keys)
                )
                self._conn.execute(
                    SQL("CREATE TABLE IF NOT EXISTS {} (originator_id uuid PRIMARY KEY)").format(
                        self._erasing
                    )
                )
                self._conn.execute(
                    SQL(
                        "CREATE TABLE IF NOT EXISTS {} (name text PRIMARY KEY, value text NOT NULL)"
                    ).format(meta)
                )
                if (
                    self._conn.execute(
                        SQL("SELECT 1 FROM {} LIMIT 1").format(self._keys)
                    ).fetchone()
                    is None
                ):
                    self._conn.execute(SQL("DELETE FROM {}").format(meta))
                for name, value in wrapping.meta().items():
                    self._conn.execute(
                        SQL("INSERT INTO {} VALUES (%s, %s) ON CONFLICT DO NOTHING").format(meta),
                        (name, value),
                    )
                found = dict(self._conn.execute(SQL("SELECT name, value FROM {}").format(meta)))
        except psycopg.Error as error:
            self._conn.close()
            raise KeyStoreError(f"cannot open key store {self.display}: {error}") from None
        except KeyStoreError:  # a cut schema that cannot be settled (see .pgkeyschema)
            self._conn.close()
            raise
        try:
            wrapping.check(found)
        except KeyStoreError:
            self._conn.close()
            raise
        # Composed once: psycopg composes an sql.Composed again on every execute.
        # (ids, new keys, ids) -> the id and key of each id: the new key of each id that
        # had none (the INSERT's rows), the stored key of each that had one (read from the
        # statement's snapshot, which the INSERT's own rows are not in).
        self._create_keys = (
            SQL(
                "WITH added AS (INSERT INTO {keys} SELECT * FROM unnest(%s::uuid[], %s::bytea[]) "
                "ON CONFLICT DO NOTHING RETURNING originator_id, key) "
                "SELECT originator_id, key FROM added UNION ALL "
                "SELECT originator_id, key FROM {keys} WHERE originator_id = ANY(%s)"
            )
            .format(keys=self._keys)
            .as_bytes(self._conn)
        )
        self._select_keys = (
            SQL("SELECT originator_id, key FROM {} WHERE originator_id = ANY(%s)")
            .format(self._keys)
            .as_bytes(self._conn)
        )
        self._table = self._keys.as_bytes(self._conn) if same_database else None

    def mint(self, ids: Iterable[UUID]) -> tuple[dict[UUID, bytes], NewKeys] | None:
        """New keys for ``ids``, stored nowhere yet: the keys, and the rows for the
        event store's recorder to insert in the events' transaction, where an existing
        key of one of them makes the whole write fail (and be retried, see
        :meth:`trustengine.application.keyed.KeysMixin._prepare_keys`). None when the
        event store is not in this database."""
        if self._table is None:
            return None
        keys = {id_: os.urandom(KEY_SIZE) for id_ in ids}
        wrapped = [self._wrapping.wrap(key) for key in keys.values()]
        return keys, NewKeys(self._table, list(keys), wrapped)

    def _run(self, statement: Any, params: Any = None, *, many: bool = False) -> list[Any]:
        import psycopg

        with self._lock:
            try:
                with self._conn.transaction(), self._conn.cursor() as curs:
                    if many:
                        curs.executemany(statement, params)
                        return []
                    curs.execute(statement, params)
                    return curs.fetchall() if curs.description else [curs.rowcount]
            except psycopg.Error as error:
                raise KeyStoreError(f"key store {self.display}: {error}") from None

    def keys(self, ids: Iterable[UUID], *, create: bool) -> dict[UUID, bytes]:
        import psycopg

        wanted = list(ids)
        with self._lock:
            try:
                with self._conn.transaction(), self._conn.cursor() as curs:
                    if create:
                        # The new keys and the ones already there in one statement.
                        made = [self._wrapping.wrap(os.urandom(KEY_SIZE)) for _ in wanted]
                        curs.execute(self._create_keys, (wanted, made, wanted))
                    else:
                        curs.execute(self._select_keys, (wanted,))
                    rows = curs.fetchall()
                    if create and len(rows) < len(wanted):
                        # A key another writer was inserting as the statement began: the
                        # insert waited for it and left it, and the statement could not
                        # see it; a read now does.
                        curs.execute(self._select_keys, (wanted,))
                        rows = curs.fetchall()
            except psycopg.Error as error:
                raise KeyStoreError(f"key store {self.display}: {error}") from None
        return {UUID(str(row[0])): self._wrapping.unwrap(bytes(row[1])) for row in rows}

    def destroy(self, id_: UUID) -> bool:
        import psycopg

        with self._lock:
            try:
                with self._conn.transaction():
                    # Overwrite in place first, so the row the DELETE leaves behind (until
                    # VACUUM) holds zeros, not the key.
                    self._conn.execute(
                        SQL(
                            "UPDATE {} SET key = decode(repeat('00', octet_length(key)), 'hex') "
                            "WHERE originator_id = %s"
                        ).format(self._keys),
                        (id_,),
                    )
                    deleted = self._conn.execute(
                        SQL("DELETE FROM {} WHERE originator_id = %s").format(self._keys), (id_,)
                    ).rowcount
                    self._conn.execute(
                        SQL("DELETE FROM {} WHERE originator_id = %s").format(self._erasing),
                        (id_,),
                    )
            except psycopg.Error as error:
                raise KeyStoreError(f"key store {self.display}: {error}") from None
        return deleted > 0

    def mark_erasing(self, ids: Iterable[UUID]) -> None:
        self._run(
            SQL("INSERT INTO {} VALUES (%s) ON CONFLICT DO NOTHING").format(self._erasing),
            [(i,) for i in ids],
            many=True,
        )

    def erasing(self) -> list[UUID]:
        rows = self._run(SQL("SELECT originator_id FROM {}").format(self._erasing))
        return [UUID(str(row[0])) for row in rows]

    def unmark(self, id_: UUID) -> None:
        self._run(SQL("DELETE FROM {} WHERE originator_id = %s").format(self._erasing), (id_,))

    def add(self, keys: dict[UUID, bytes]) -> None:
        self._run(
            SQL("INSERT INTO {} VALUES (%s, %s) ON CONFLICT DO NOTHING").format(self._keys),
            [(i, self._wrapping.wrap(k)) for i, k in keys.items()],
            many=True,
        )

    def close(self) -> None:
        with self._lock:
            self._conn.close()


__all__ = ["NewKeys", "PostgresKeyStore"]
