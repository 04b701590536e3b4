"""The key store: per-customer erasure keys, kept apart from the events.

A copy of the event store alone must reveal no personal text, so the keys that seal it
live somewhere else, backed up on their own terms (see README, "What to back up"):

- an SQLite store ``trustengine.db`` keeps them in ``trustengine.keys`` beside it (the
  store's path with its suffix replaced by ``.keys``), created mode 0600;
- a PostgreSQL store keeps them in a schema of their own in the same database,
  ``<store schema>_keys`` (``public_keys`` for a store in ``public``; a name too long for
  PostgreSQL is shortened with a hash, see :func:`keys_schema`), so that a dump of the
  store's schema leaves them out;
- a ``:memory:`` store keeps them in memory;
- ``keys`` given explicitly (``--keys TARGET``) names another SQLite file or a
  ``postgresql://`` URL (its ``?schema=``, else ``<store schema>_keys``).

With encryption at rest (a cipher key), every customer key is wrapped with AES key wrap
(RFC 3394) under a key-encryption key derived from the cipher key by HKDF with a label of
its own, so the cipher key itself is never used for two purposes. The key store records
whether it wraps, and a check value of the key-encryption key, and once it holds a key
it is only opened as it was made.

Erasure is two steps in two stores (record ``CustomerErased``, destroy the key), so it
is made safe against a kill between them: the customer is first marked *erasing* in the
key store; destroying the key clears the mark in the same transaction. Opening a store
finishes any marked erasure (see :meth:`trustengine.TrustEngine._finish_erasures`),
which costs one query of an empty table on a normal open.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Protocol
from uuid import UUID

from trustengine.exceptions import KeyStoreError
from trustengine.persistence.files import create_private
from trustengine.persistence.pgnames import IDENTIFIER_BYTES, derived_name
from trustengine.persistence.target import StoreTarget, parse_target

if TYPE_CHECKING:
    from trustengine.persistence.pgkeys import NewKeys

KEY_SIZE = 32
KEYS_SUFFIX = ".keys"
_KEK_LABEL = b"trustengine key store: key-encryption key v1"
_CHECKED_TEXT = b"trustengine: this key-encryption key opens this key store"
WRAPPING = "wrapping"
KEK_CHECK = "kek_check"
AES_KW = "aes-kw"
NONE = "none"


class KeyStore(Protocol):
    """Where per-customer keys live: created on first write, destroyed on erasure."""

    display: str
    """Where the keys are, as it can be shown to a person."""

    def keys(self, ids: Iterable[UUID], *, create: bool) -> dict[UUID, bytes]:
        """The keys of ``ids`` that exist (creating the missing ones when ``create``)."""
        ...

    def destroy(self, id_: UUID) -> bool:
        """Delete the key of ``id_`` for good (and its erasing mark); True if there was one."""
        ...

    def mark_erasing(self, ids: Iterable[UUID]) -> None:
        """Note, durably, that ``ids`` are about to be erased."""
        ...

    def erasing(self) -> list[UUID]:
        """The customers marked erasing whose erasure did not finish."""
        ...

    def unmark(self, id_: UUID) -> None:
        """Drop the erasing mark of ``id_`` (its erasure was never recorded)."""
        ...

    def add(self, keys: dict[UUID, bytes]) -> None:
        """Store ``keys`` as they are, keeping any key already there (migration)."""
        ...

    def mint(self, ids: Iterable[UUID]) -> tuple[dict[UUID, bytes], NewKeys] | None:
        """New keys for ``ids`` to be stored in the events' own transaction, or None when
        this key store cannot be written there (only a PostgreSQL key store in the event
        store's database can: see docs/keys.md, "A new customer's key")."""
        ...

    def close(self) -> None:
        """Give the connection back."""
        ...


def derive_kek(cipher_key: str) -> bytes:
    """The key-encryption key for a store encrypted under ``cipher_key`` (base64)."""
    # Here, not above: a key store without wrapping is opened without cryptography.
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_KEK_LABEL).derive(
        base64.b64decode(cipher_key)
    )


class Wrapping:
    """Wraps and unwraps customer keys under a key-encryption key (or passes them on)."""

    def __init__(self, kek: bytes | None, where: str) -> None:
        self.kek = kek
        self.where = where

    def meta(self) -> dict[str, str]:
        """The metadata rows a key store made with this wrapping holds."""
        if self.kek is None:
            return {WRAPPING: NONE}
        check = hmac.new(self.kek, _CHECKED_TEXT, hashlib.sha256).hexdigest()
        return {WRAPPING: AES_KW, KEK_CHECK: check}

    def check(self, found: dict[str, str]) -> None:
        """Refuse a key store made with another wrapping, or another cipher key."""
        wanted = self.meta()
        if found.get(WRAPPING) != wanted[WRAPPING]:
            if wanted[WRAPPING] == NONE:
                raise KeyStoreError(
                    f"the key store {self.where} wraps its keys: give --cipher-key-file"
                )
            raise KeyStoreError(
                f"the key store {self.where} does not wrap its keys, but the store is "
                "encrypted: it is not this store's key store (check --keys)"
            )
        if not hmac.compare_digest(found.get(KEK_CHECK, ""), wanted.get(KEK_CHECK, "")):
            raise KeyStoreError(
                f"the key store {self.where} was made under another cipher key (check --keys)"
            )

    def wrap(self, key: bytes) -> bytes:
        if self.kek is None:
            return key
        from cryptography.hazmat.primitives.keywrap import aes_key_wrap

        return aes_key_wrap(self.kek, key)

    def unwrap(self, stored: bytes) -> bytes:
        if self.kek is None:
            return stored
        from cryptography.hazmat.primitives.keywrap import InvalidUnwrap, aes_key_unwrap

        try:
            return aes_key_unwrap(self.kek, stored)
        except InvalidUnwrap:
            raise KeyStoreError(
                f"a key in the key store {self.where} does not unwrap: it was changed"
            ) from None


class MemoryKeyStore:
    """Keys of an in-memory store (wrapped too, so memory dumps hold no bare keys)."""

    def __init__(self, wrapping: Wrapping | None = None) -> None:
        self.display = ":memory:"
        self._wrapping = wrapping or Wrapping(None, self.display)
        self._keys: dict[UUID, bytes] = {}
        self._erasing: set[UUID] = set()

    def keys(self, ids: Iterable[UUID], *, create: bool) -> dict[UUID, bytes]:
        found = {}
        for id_ in ids:
            if create and id_ not in self._keys:
                self._keys[id_] = self._wrapping.wrap(os.urandom(KEY_SIZE))
            if id_ in self._keys:
                found[id_] = self._wrapping.unwrap(self._keys[id_])
        return found

    def destroy(self, id_: UUID) -> bool:
        self._erasing.discard(id_)
        return self._keys.pop(id_, None) is not None

    def mark_erasing(self, ids: Iterable[UUID]) -> None:
        self._erasing.update(ids)

    def erasing(self) -> list[UUID]:
        return sorted(self._erasing)

    def unmark(self, id_: UUID) -> None:
        self._erasing.discard(id_)

    def add(self, keys: dict[UUID, bytes]) -> None:
        for id_, key in keys.items():
            self._keys.setdefault(id_, self._wrapping.wrap(key))

    def mint(self, ids: Iterable[UUID]) -> None:
        return None  # a key made here costs no commit: nothing to save

    def close(self) -> None:
        pass


KEY_TABLES = ("customer_keys", "erasing", "key_meta")
"""The tables of an SQLite key store: the keys, the erasures marked, the wrapping."""
_SQLITE_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS customer_keys "
    "(originator_id TEXT PRIMARY KEY, key BLOB NOT NULL) WITHOUT ROWID",
    "CREATE TABLE IF NOT EXISTS erasing (originator_id TEXT PRIMARY KEY) WITHOUT ROWID",
    "CREATE TABLE IF NOT EXISTS key_meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)",
)


class SQLiteKeyStore:
    """Keys in an SQLite file of their own (mode 0600).

    The connection runs with ``secure_delete`` (a deleted key's bytes are zeroed in the
    file) and each erasure ends with ``wal_checkpoint(TRUNCATE)``, so the bytes do not
    survive in the write-ahead log either (when another reader holds the log open, the
    next erasure or checkpoint empties it).
    """

    def __init__(self, path: Path, wrapping: Wrapping, *, lock_timeout: float = 30) -> None:
        self.path = path
        self.display = str(path)
        self._wrapping = wrapping
        self._lock = threading.RLock()
        create_private(path)
        try:
            self._conn = sqlite3.connect(
                path, timeout=lock_timeout, isolation_level=None, check_same_thread=False
            )
            self._conn.execute("PRAGMA secure_delete = ON")
            self._conn.execute("PRAGMA journal_mode = WAL")
            with self._write() as c:
                for statement in _SQLITE_SCHEMA:
                    c.execute(statement)
                # The wrapping is settled by the first key: an empty key store takes
                # this open's (as an empty store takes the kind of its first write).
                if c.execute("SELECT 1 FROM customer_keys LIMIT 1").fetchone() is None:
                    c.execute("DELETE FROM key_meta")
                c.executemany(
                    "INSERT OR IGNORE INTO key_meta VALUES (?, ?)", wrapping.meta().items()
                )
                found = dict(c.execute("SELECT name, value FROM key_meta").fetchall())
        except sqlite3.Error as error:
            raise KeyStoreError(f"cannot open key store {self.display}: {error}") from None
        try:
            wrapping.check(found)
        except KeyStoreError:
            self.close()
            raise

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Cursor]:
        with self._lock:
            c = self._conn.cursor()
            c.execute("BEGIN IMMEDIATE")
            try:
                yield c
            except BaseException:
                c.execute("ROLLBACK")
                raise
            c.execute("COMMIT")

    def keys(self, ids: Iterable[UUID], *, create: bool) -> dict[UUID, bytes]:
        asked = list(ids)
        wanted = [i.hex for i in asked]
        found: dict[UUID, bytes] = {}
        if create and len(wanted) == 1:
            # A new customer's key (a command's): one statement, its own transaction
            # (committed as the explicit ones are), and the insert says whether the key
            # made here is the one stored, so it is read back only when it is not.
            key = os.urandom(KEY_SIZE)
            with self._lock:
                made = self._conn.execute(
                    "INSERT OR IGNORE INTO customer_keys VALUES (?, ?)",
                    (wanted[0], self._wrapping.wrap(key)),
                ).rowcount
            if made == 1:
                return {asked[0]: key}
        elif create:
            with self._write() as c:
                c.executemany(
                    "INSERT OR IGNORE INTO customer_keys VALUES (?, ?)",
                    [(i, self._wrapping.wrap(os.urandom(KEY_SIZE))) for i in wanted],
                )
        with self._lock:
            for start in range(0, len(wanted), 500):
                chunk = wanted[start : start + 500]
                marks = ",".join("?" * len(chunk))
                query = (
                    f"SELECT originator_id, key FROM customer_keys WHERE originator_id IN ({marks})"  # noqa: S608 (only placeholders are interpolated)
                )
                rows = self._conn.execute(query, chunk).fetchall()
                found.update({UUID(row[0]): self._wrapping.unwrap(bytes(row[1])) for row in rows})
        return found

    def destroy(self, id_: UUID) -> bool:
        with self._write() as c:
            c.execute("DELETE FROM customer_keys WHERE originator_id = ?", (id_.hex,))
            deleted = c.rowcount > 0
            c.execute("DELETE FROM erasing WHERE originator_id = ?", (id_.hex,))
        with self._lock:
            self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return deleted

    def mark_erasing(self, ids: Iterable[UUID]) -> None:
        with self._write() as c:
            c.executemany("INSERT OR IGNORE INTO erasing VALUES (?)", [(i.hex,) for i in ids])

    def erasing(self) -> list[UUID]:
        with self._lock:
            rows = self._conn.execute("SELECT originator_id FROM erasing").fetchall()
        return [UUID(row[0]) for row in rows]

    def unmark(self, id_: UUID) -> None:
        with self._write() as c:
            c.execute("DELETE FROM erasing WHERE originator_id = ?", (id_.hex,))

    def add(self, keys: dict[UUID, bytes]) -> None:
        with self._write() as c:
            c.executemany(
                "INSERT OR IGNORE INTO customer_keys VALUES (?, ?)",
                [(i.hex, self._wrapping.wrap(k)) for i, k in keys.items()],
            )

    def mint(self, ids: Iterable[UUID]) -> None:
        return None  # the keys never share a file, so never a transaction, with the events

    def close(self) -> None:
        with self._lock:
            self._conn.close()


def default_keys(store: StoreTarget) -> str:
    """Where ``store``'s keys live when ``--keys`` is not given (see the module)."""
    if store.backend == "memory":
        return ":memory:"
    if store.path is not None:
        path = store.path.with_suffix(KEYS_SUFFIX)
        if path == store.path:  # the store itself ends in .keys
            path = store.path.with_name(store.path.name + KEYS_SUFFIX)
        return str(path)
    return ""  # PostgreSQL: the store's own database, see open_key_store


def key_store_target(store: StoreTarget, keys: str | None = None) -> str:
    """The ``--keys`` text of ``store``'s key store: ``keys`` when given (not blank), else
    :func:`default_keys` (empty for a PostgreSQL store: its own database)."""
    return keys.strip() if keys is not None and keys.strip() else default_keys(store)


KEYS_SCHEMA_SUFFIX = "_keys"


def store_schema(store: StoreTarget) -> str:
    """The PostgreSQL schema of ``store``'s events."""
    return store.env.get("POSTGRES_SCHEMA") or "public"


def keys_schema(store: StoreTarget) -> str:
    """The default PostgreSQL schema of a PostgreSQL store's keys: ``<schema>_keys``, or
    when that is longer than PostgreSQL keeps, a name made unique by a hash
    (:func:`~.pgnames.derived_name`; see docs/keys.md, "The key schema's name")."""
    return derived_name(store_schema(store), KEYS_SCHEMA_SUFFIX)


def cut_keys_schema(store: StoreTarget) -> str | None:
    """The key schema that versions before the hashed names gave ``store`` when
    ``<schema>_keys`` is too long (cut to fit, so shared by every schema with the same
    first bytes); None when the name fits, and so never changed."""
    base = store_schema(store)
    if len((base + KEYS_SCHEMA_SUFFIX).encode()) <= IDENTIFIER_BYTES:
        return None
    room = IDENTIFIER_BYTES - len(KEYS_SCHEMA_SUFFIX.encode())
    return base.encode()[:room].decode(errors="ignore") + KEYS_SCHEMA_SUFFIX


def open_key_store(
    store: StoreTarget,
    keys: str | None = None,
    *,
    cipher_key: str | None = None,
    lock_timeout: float = 30,
) -> KeyStore:
    """Open (creating when missing) the key store of ``store``; ``keys`` overrides where."""
    text = key_store_target(store, keys)
    kek = derive_kek(cipher_key) if cipher_key is not None else None
    if not text:  # a PostgreSQL store's default: a schema of its own, same database
        from trustengine.persistence.pgkeys import PostgresKeyStore

        return PostgresKeyStore(
            store.env,
            keys_schema(store),
            Wrapping(kek, ""),
            store.display,
            lock_timeout=lock_timeout,
            same_database=True,
            cut=(cut_keys_schema(store), store_schema(store)),
        )
    target = parse_target(text)
    if target.backend == "memory":
        return MemoryKeyStore(Wrapping(kek, ":memory:"))
    if target.backend == "postgres":
        from trustengine.persistence.pgkeys import PostgresKeyStore

        named = target.env.get("POSTGRES_SCHEMA")
        return PostgresKeyStore(
            target.env,
            named or keys_schema(store),
            Wrapping(kek, ""),
            target.display,
            lock_timeout=lock_timeout,
            cut=None if named else (cut_keys_schema(store), store_schema(store)),
        )
    assert target.path is not None
    if store.path is not None and target.path.resolve() == store.path.resolve():
        raise KeyStoreError(
            f"--keys {text} is the store itself: the keys must live apart from the events"
        )
    return SQLiteKeyStore(target.path, Wrapping(kek, target.display), lock_timeout=lock_timeout)


__all__ = [
    "KEYS_SCHEMA_SUFFIX",
    "KEY_TABLES",
    "KeyStore",
    "MemoryKeyStore",
    "SQLiteKeyStore",
    "Wrapping",
    "cut_keys_schema",
    "default_keys",
    "derive_kek",
    "key_store_target",
    "keys_schema",
    "open_key_store",
    "store_schema",
]
