"""Whether opening an SQLite store would write anything or refuse it, told with plain sqlite3.

Opening a store (:class:`~trustengine.application.engine.Ledger`) does more than read
when there is something to do or to refuse: it creates a missing table, records the
encryption marker of a store made before markers (:mod:`.atrest`), moves the keys of a
store made before the key store (:mod:`.keymigrate`), creates the key store or settles
the wrapping of an empty one, finishes an erasure a kill interrupted (:mod:`.keystore`),
and refuses a cipher key that does not open the store or its key store, or the lack of
one. A command that only reads what the file already holds may do without the engine
when none of that applies, and :func:`is_settled` tells: it reads the store's and the key
store's tables and metadata, and changes nothing. It says False whenever anything is
left to do or to refuse, and whenever it cannot tell (another backend, a file that is
not a store, a locked or unreadable file), so that the engine does it, or refuses, in its
own words.
"""

from __future__ import annotations

import hmac
import sqlite3
from pathlib import Path

from trustengine.exceptions import KeyStoreError, StoreTargetError
from trustengine.persistence.atrest import AES_GCM, ENCRYPTION, KEY_CHECK, PLAIN, key_check
from trustengine.persistence.keymigrate import OLD_TABLE
from trustengine.persistence.keystore import KEY_TABLES, Wrapping, derive_kek, key_store_target
from trustengine.persistence.sqlchain import sqlite_chain_tables
from trustengine.persistence.target import StoreTarget, parse_target

EVENTS_TABLE = "stored_events"
"""The table of an SQLite store's events (eventsourcing's, for an application's events)."""
STORE_TABLES = (EVENTS_TABLE, *sqlite_chain_tables(EVENTS_TABLE), "store_meta")
"""The tables opening an SQLite store creates when they are missing."""


def existing(path: Path) -> sqlite3.Connection:
    """A connection to the SQLite file at ``path``, which it never creates; what is asked
    here only reads. (Not ``mode=ro``: a read-only connection leaves the ``-wal`` and
    ``-shm`` files behind, where closing the last connection removes them, as the
    engine's do.)"""
    return sqlite3.connect(f"{path.resolve().as_uri()}?mode=rw", uri=True)


def tables(conn: sqlite3.Connection) -> set[str]:
    """The names of the tables the file of ``conn`` holds."""
    rows = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
    return {str(row[0]) for row in rows}


def in_wal(conn: sqlite3.Connection) -> bool:
    """Whether the file of ``conn`` is in write-ahead-log mode (opening sets it, else)."""
    row = conn.execute("PRAGMA journal_mode").fetchone()
    return row is not None and str(row[0]).lower() == "wal"


def is_settled(target: StoreTarget, keys: str | None = None) -> bool:
    """Whether opening the SQLite store ``target`` (with its cipher key, if any, and the
    key store ``keys``, else its default) would read it and nothing more: every table
    there, its marker matching the key, no old key table to move, the key store there
    with keys wrapped as the key says, and no erasure to finish."""
    if target.backend != "sqlite" or target.path is None or not target.path.is_file():
        return False
    cipher_key = target.env.get("CIPHER_KEY")
    try:
        conn = existing(target.path)
        try:
            found = tables(conn)
            if not set(STORE_TABLES) <= found or OLD_TABLE in found or not in_wal(conn):
                return False
            meta = dict(conn.execute("SELECT name, value FROM store_meta").fetchall())
        finally:
            conn.close()
    except sqlite3.Error:
        return False
    if not _opens(meta, cipher_key):
        return False
    return _keys_settled(target, keys, cipher_key)


def _opens(meta: dict[str, str], cipher_key: str | None) -> bool:
    """Whether the store's marker ``meta`` says it opens with ``cipher_key`` (as
    :class:`~trustengine.persistence.atrest.AtRest` checks it; no marker: it records one)."""
    if meta.get(ENCRYPTION) == PLAIN:
        return cipher_key is None
    if meta.get(ENCRYPTION) == AES_GCM and cipher_key is not None:
        return hmac.compare_digest(str(meta.get(KEY_CHECK, "")), key_check(cipher_key))
    return False


def _keys_settled(target: StoreTarget, keys: str | None, cipher_key: str | None) -> bool:
    """Whether the key store opens as it is (an SQLite file, not the store itself, with
    its tables and at least one key, wrapped as ``cipher_key`` says) with no erasure
    marked in it (see :func:`~trustengine.persistence.keystore.open_key_store`)."""
    text = key_store_target(target, keys)
    try:
        where = parse_target(text) if text else None
    except StoreTargetError:
        return False
    if where is None or where.path is None or not where.path.is_file():
        return False
    assert target.path is not None
    if where.path.resolve() == target.path.resolve():
        return False
    try:
        conn = existing(where.path)
        try:
            if not set(KEY_TABLES) <= tables(conn) or not in_wal(conn):
                return False
            if conn.execute("SELECT 1 FROM customer_keys LIMIT 1").fetchone() is None:
                return False  # an empty key store takes the wrapping of the next open
            if conn.execute("SELECT 1 FROM erasing LIMIT 1").fetchone() is not None:
                return False  # an erasure to finish
            meta = dict(conn.execute("SELECT name, value FROM key_meta").fetchall())
        finally:
            conn.close()
    except sqlite3.Error:
        return False
    kek = derive_kek(cipher_key) if cipher_key is not None else None
    try:
        Wrapping(kek, where.display).check({str(k): str(v) for k, v in meta.items()})
    except KeyStoreError:
        return False
    return True


__all__ = ["EVENTS_TABLE", "STORE_TABLES", "existing", "in_wal", "is_settled", "tables"]
