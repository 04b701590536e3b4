"""Personal data, sealed per customer so that erasing a customer is destroying one key.

Free-text fields that may hold personal data (names, summaries, explanations,
descriptions, comments, evidence, remedy text, messages, reasons) are taken out of each
stored payload and kept, encrypted with AES-GCM under a key of that customer's own, in a
``_sealed`` entry. The keys live apart from the events (their own table). When a customer
is erased, the key is deleted: the ciphertext stays, so the history keeps its shape and the
tamper-evidence chain still verifies, but the fields read back as ``[erased]``.
"""

from __future__ import annotations

import json
import os
from base64 import b64decode, b64encode
from collections.abc import Iterable
from typing import Any, Protocol
from uuid import UUID

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from eventsourcing.popo import POPOApplicationRecorder
from eventsourcing.sqlite import SQLiteApplicationRecorder

PERSONAL_FIELDS = frozenset(
    {
        "name",
        "summary",
        "explanation",
        "description",
        "comment",
        "evidence",
        "remedy_sought",
        "message",
        "reason",
    }
)
ERASED = "[erased]"
SEALED = "_sealed"
CACHE_LIMIT = 10_000
"""How many customers' keys and ciphers are kept in memory at once (oldest go first)."""
_NONCE = 12
_TAG = 16


class KeyStore(Protocol):
    """Where per-customer keys live: created on first write, destroyed on erasure."""

    def keys(self, ids: Iterable[UUID], *, create: bool) -> dict[UUID, bytes]:
        """The keys of ``ids`` that exist (creating the missing ones when ``create``)."""
        ...

    def destroy(self, id_: UUID) -> bool:
        """Delete the key of ``id_`` for good; True if there was one."""
        ...


class PersonalData:
    """Seals and unseals the personal fields of payloads, caching keys per customer."""

    def __init__(self, store: KeyStore) -> None:
        self.store = store
        self._cache: dict[UUID, bytes | None] = {}
        self._ciphers: dict[UUID, AESGCM] = {}

    def prepare(self, ids: Iterable[UUID]) -> None:
        """Make sure each customer in ``ids`` has a key (one round trip for a batch)."""
        missing = [i for i in ids if self._cache.get(i) is None]
        if missing:
            self._cache.update(self.store.keys(missing, create=True))

    def forget(self, id_: UUID) -> bool:
        """Destroy the customer's key, so their personal fields can never be read again."""
        self._cache[id_] = None
        self._ciphers.pop(id_, None)
        return self.store.destroy(id_)

    def _cipher(self, id_: UUID, key: bytes) -> AESGCM:
        cipher = self._ciphers.get(id_)
        if cipher is None:
            if len(self._ciphers) >= CACHE_LIMIT:
                # Bounded, so reading a million-customer store keeps memory flat.
                self._ciphers.pop(next(iter(self._ciphers)))
            cipher = self._ciphers[id_] = AESGCM(key)
        return cipher

    def _key(self, id_: UUID, *, create: bool) -> bytes | None:
        if id_ not in self._cache and len(self._cache) >= CACHE_LIMIT:
            self._cache.pop(next(iter(self._cache)))
        if id_ not in self._cache or (create and self._cache[id_] is None):
            self._cache[id_] = self.store.keys([id_], create=create).get(id_)
        return self._cache[id_]

    def seal(self, id_: UUID, payload: dict[str, Any]) -> dict[str, Any]:
        """Move personal fields of ``payload`` into one encrypted ``_sealed`` entry."""
        personal = {k: payload.pop(k) for k in sorted(PERSONAL_FIELDS & payload.keys())}
        if not personal:
            return payload
        key = self._key(id_, create=True)
        assert key is not None
        nonce = os.urandom(_NONCE)
        # AESGCM appends the tag; the stored layout is nonce, tag, ciphertext.
        sealed = self._cipher(id_, key).encrypt(nonce, json.dumps(personal).encode(), None)
        text, tag = sealed[:-_TAG], sealed[-_TAG:]
        payload[SEALED] = {"fields": list(personal), "data": b64encode(nonce + tag + text).decode()}
        return payload

    def unseal(self, id_: UUID, payload: dict[str, Any]) -> dict[str, Any]:
        """Put personal fields back; ``[erased]`` when the customer's key is gone."""
        sealed = payload.pop(SEALED, None)
        if sealed is None:
            return payload
        key = self._key(id_, create=False)
        if key is None:
            payload.update(dict.fromkeys(sealed["fields"], ERASED))
            return payload
        blob = b64decode(sealed["data"])
        nonce, tag, body = blob[:_NONCE], blob[_NONCE : _NONCE + _TAG], blob[_NONCE + _TAG :]
        try:
            text = self._cipher(id_, key).decrypt(nonce, body + tag, None)
        except InvalidTag:
            raise ValueError("the sealed personal data fails its integrity check") from None
        payload.update(json.loads(text))
        return payload


class MemoryKeyStore:
    """Keys of an in-memory store."""

    def __init__(self) -> None:
        self._keys: dict[UUID, bytes] = {}

    def keys(self, ids: Iterable[UUID], *, create: bool) -> dict[UUID, bytes]:
        found = {}
        for id_ in ids:
            if create and id_ not in self._keys:
                self._keys[id_] = os.urandom(32)
            if id_ in self._keys:
                found[id_] = self._keys[id_]
        return found

    def destroy(self, id_: UUID) -> bool:
        return self._keys.pop(id_, None) is not None


class SQLiteKeyStore:
    """Keys in their own table, ``customer_keys``, of the SQLite store.

    Deleting uses ``secure_delete`` and then checkpoints and truncates the write-ahead
    log, so the key's bytes do not survive in the file or its WAL.
    """

    def __init__(self, recorder: SQLiteApplicationRecorder) -> None:
        self.datastore = recorder.datastore
        with self.datastore.transaction(commit=True) as c:
            c.execute(
                "CREATE TABLE IF NOT EXISTS customer_keys "
                "(originator_id TEXT PRIMARY KEY, key BLOB NOT NULL) WITHOUT ROWID"
            )

    def keys(self, ids: Iterable[UUID], *, create: bool) -> dict[UUID, bytes]:
        wanted = [i.hex for i in ids]
        found: dict[UUID, bytes] = {}
        with self.datastore.transaction(commit=create) as c:
            if create:
                # Write first: a WAL reader that later tries to write can fail at once with
                # "database is locked" when another writer got in between.
                c.executemany(
                    "INSERT OR IGNORE INTO customer_keys VALUES (?, ?)",
                    [(i, os.urandom(32)) for i in wanted],
                )
            for start in range(0, len(wanted), 500):
                chunk = wanted[start : start + 500]
                marks = ",".join("?" * len(chunk))
                query = (
                    f"SELECT originator_id, key FROM customer_keys WHERE originator_id IN ({marks})"  # noqa: S608 (only placeholders are interpolated)
                )
                c.execute(query, chunk)
                found.update({UUID(row[0]): bytes(row[1]) for row in c.fetchall()})
        return found

    def destroy(self, id_: UUID) -> bool:
        with self.datastore.transaction(commit=True) as c:
            c.execute("PRAGMA secure_delete = ON")
            c.execute("DELETE FROM customer_keys WHERE originator_id = ?", (id_.hex,))
            c.execute("SELECT changes()")
            deleted = bool(c.fetchone()[0])
        with self.datastore.get_connection(commit=True) as conn:
            conn.cursor().execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return deleted


def key_store_for(recorder: object) -> KeyStore:
    """The key store that belongs beside ``recorder``'s events."""
    if isinstance(recorder, SQLiteApplicationRecorder):
        return SQLiteKeyStore(recorder)
    if isinstance(recorder, POPOApplicationRecorder):
        return MemoryKeyStore()
    from trustengine.persistence.postgres import ChainedPostgresRecorder, PostgresKeyStore

    if isinstance(recorder, ChainedPostgresRecorder):
        return PostgresKeyStore(recorder)
    raise TypeError(f"no key store for {type(recorder).__name__}")
