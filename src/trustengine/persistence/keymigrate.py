"""Moving the keys of a store made before the key store out of the store, once.

Stores made by earlier versions kept the per-customer keys in a table of their own
(``customer_keys`` in the SQLite file; ``<events table>_customer_keys`` in PostgreSQL).
On open, those keys are copied into the key store (a key already there is kept), and
only once that is committed is the old table dropped. On SQLite the drop runs with
``secure_delete`` (the freed pages are zeroed), then the file is vacuumed and its
write-ahead log checkpointed and truncated, so the bytes are gone from the file; a kill
part-way leaves the table to be moved again on the next open. PostgreSQL unlinks a dropped
table's file; its WAL (and any archive or backup of it) still holds the keys.
"""

from __future__ import annotations

import sqlite3
from contextlib import suppress
from pathlib import Path
from uuid import UUID

from trustengine.persistence.keystore import KeyStore

OLD_TABLE = "customer_keys"


def migrate_sqlite(path: Path, keys: KeyStore) -> int:
    """Move the old in-store key table of the SQLite store at ``path``; how many keys."""
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        found = conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (OLD_TABLE,)
        ).fetchone()
        if found is None:
            return 0
        rows = conn.execute(f"SELECT originator_id, key FROM {OLD_TABLE}").fetchall()  # noqa: S608 (a constant)
        keys.add({UUID(row[0]): bytes(row[1]) for row in rows})
        conn.execute("PRAGMA secure_delete = ON")
        conn.execute(f"DROP TABLE {OLD_TABLE}")
        with suppress(sqlite3.OperationalError):
            # Another connection is reading: secure_delete already zeroed the freed pages.
            conn.execute("VACUUM")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return len(rows)
    finally:
        conn.close()


def migrate_postgres(recorder: object, keys: KeyStore) -> int:
    """Move the old in-store key table of a PostgreSQL store; how many keys."""
    from psycopg.sql import SQL, Identifier

    from trustengine.persistence.postgres import ChainedPostgresRecorder

    assert isinstance(recorder, ChainedPostgresRecorder)
    datastore = recorder.datastore
    table = SQL("{}.{}").format(
        Identifier(datastore.schema), Identifier(recorder.events_table_name + "_" + OLD_TABLE)
    )
    with datastore.transaction(commit=False) as curs:
        curs.execute(
            "SELECT to_regclass(format('%%I.%%I', %s::text, %s::text)) AS found",
            (datastore.schema, recorder.events_table_name + "_" + OLD_TABLE),
        )
        row = curs.fetchone()
        if row is None or row["found"] is None:
            return 0
        curs.execute(SQL("SELECT originator_id, key FROM {}").format(table))
        moved = {UUID(str(r["originator_id"])): bytes(r["key"]) for r in curs.fetchall()}
    keys.add(moved)
    with datastore.transaction(commit=True) as curs:
        curs.execute(SQL("DROP TABLE IF EXISTS {}").format(table))
    return len(moved)


__all__ = ["migrate_postgres", "migrate_sqlite"]
