"""Personal data, sealed per customer so that erasing a customer is destroying one key.

Free-text fields that may hold personal data (names, summaries, explanations,
descriptions, comments, evidence, remedy text, messages, reasons) are taken out of each
stored payload and kept, encrypted with AES-GCM under a key of that customer's own, in a
``_sealed`` entry. The keys live apart from the events, in the key store
(:mod:`trustengine.persistence.keystore`). When a customer
is erased, the key is deleted: the ciphertext stays, so the history keeps its shape and the
tamper-evidence chain still verifies, but the fields read back as ``[erased]``.
"""

from __future__ import annotations

import json
import os
from base64 import b64decode, b64encode
from collections.abc import Iterable, Sequence
from itertools import islice
from typing import Any, Protocol
from uuid import UUID

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM, AESSIV
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from eventsourcing.persistence import Notification
from eventsourcing.utils import get_topic

from trustengine.domain.events import CustomerErased

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
_TEXT_LABEL = b"trustengine read model: personal text v1"
ERASED_TOPIC = get_topic(CustomerErased)
"""The stored topic of ``CustomerErased``: a reader that meets it drops the key it holds."""
_ABSENT = object()


class KeySource(Protocol):
    """What sealing needs of a key store (:class:`~.keystore.KeyStore` is one)."""

    def keys(self, ids: Iterable[UUID], *, create: bool) -> dict[UUID, bytes]:
        """The keys of ``ids`` that exist (creating the missing ones when ``create``)."""
        ...

    def destroy(self, id_: UUID) -> bool:
        """Delete the key of ``id_`` for good; True if there was one."""
        ...


class PersonalData:
    """Seals and unseals the personal fields of payloads, caching keys per customer."""

    def __init__(self, store: KeySource) -> None:
        self.store = store
        self._cache: dict[UUID, bytes | None] = {}
        self._ciphers: dict[UUID, AESGCM] = {}
        self._texts: dict[UUID, AESSIV] = {}
        self.unkeyed: set[UUID] = set()
        """Customers whose sealed fields were read without a key (erased, or the key was
        lost: :func:`trustengine.persistence.keycheck.missing_keys` tells which)."""

    def uncached(self, ids: Iterable[UUID]) -> list[UUID]:
        """Those of ``ids`` whose key is not in memory."""
        return [i for i in ids if self._cache.get(i) is None]

    def prepare(self, ids: Iterable[UUID], found: dict[UUID, bytes] | None = None) -> None:
        """Make sure each customer in ``ids`` has a key (one round trip for a batch);
        ``found`` are keys already read."""
        wanted = list(ids)
        self._make_room(len(wanted), keep=set(wanted))
        if found:
            self._cache.update(found)
        missing = self.uncached(wanted)
        if missing:
            self._cache.update(self.store.keys(missing, create=True))

    def preload(self, ids: Iterable[UUID]) -> None:
        """Read the keys of those of ``ids`` not in memory, in one round trip, creating
        none: what a reader does before unsealing a batch of many customers' events. A
        customer without a key (erased) is remembered as such, as :meth:`unseal` would."""
        cache = self._cache
        missing = list(dict.fromkeys([i for i in ids if i not in cache]))
        if not missing:
            return
        found = self.store.keys(missing, create=False)
        self._make_room(len(missing), keep=set(missing))
        for id_ in missing:
            cache[id_] = found.get(id_)

    def preload_batch(self, notifications: Sequence[Notification]) -> None:
        """:meth:`preload` the keys of a batch of stored events, having first dropped,
        with :meth:`erased`, the key of each customer whose ``CustomerErased`` is in it:
        the whole batch then reads as a reader opened after the erasure would read it."""
        erased = [
            n.originator_id
            for n in notifications
            if n.topic == ERASED_TOPIC and isinstance(n.originator_id, UUID)
        ]
        if erased:
            self.erased(erased)
        self.preload(customer_ids(notifications))

    def erased(self, ids: Iterable[UUID]) -> None:
        """Drop from memory the keys of customers whose erasure the store records,
        destroying nothing (the eraser does): their fields read ``[erased]`` from now on,
        even when another engine erased them after this one cached the key. Each is
        remembered as keyless, so reading them asks the key store nothing. See
        docs/keys.md, "Erased by another process"."""
        wanted = [i for i in dict.fromkeys(ids) if self._cache.get(i, b"") is not None]
        if not wanted:
            return
        self._make_room(len(wanted), keep=set(wanted))
        for id_ in wanted:
            self._cache[id_] = None
            self._ciphers.pop(id_, None)
            self._texts.pop(id_, None)

    def _make_room(self, count: int, *, keep: set[UUID]) -> None:
        """Drop the oldest cached keys (not those in ``keep``) so that ``count`` more fit
        within :data:`CACHE_LIMIT`: an import of many customers keeps memory flat."""
        excess = len(self._cache) + count - CACHE_LIMIT
        if excess <= 0:
            return
        old = list(islice((i for i in self._cache if i not in keep), excess))
        for id_ in old:
            del self._cache[id_]

    def discard(self, ids: Iterable[UUID]) -> None:
        """Drop the cached keys and ciphers of ``ids`` from memory, destroying nothing:
        keys made for a write that failed (the store may hold another, or none), or
        customers a reader is done with (a rebuild customer by customer, after each
        batch)."""
        for id_ in ids:
            self._cache.pop(id_, None)
            self._ciphers.pop(id_, None)
            self._texts.pop(id_, None)

    def forget(self, id_: UUID) -> bool:
        """Destroy the customer's key, so their personal fields can never be read again."""
        self._cache[id_] = None
        self._ciphers.pop(id_, None)
        self._texts.pop(id_, None)
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
        # One lookup when the key is in memory (a UUID hashes and compares in Python).
        key = self._cache.get(id_, _ABSENT)
        if key is not _ABSENT and (key is not None or not create):
            return key  # type: ignore[return-value]  # not _ABSENT: bytes or None
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
            self.unkeyed.add(id_)
            payload.update(dict.fromkeys(sealed["fields"], ERASED))
            return payload
        blob = b64decode(sealed["data"])
        nonce, tag, body = blob[:_NONCE], blob[_NONCE : _NONCE + _TAG], blob[_NONCE + _TAG :]
        try:
            text = self._cipher(id_, key).decrypt(nonce, body + tag, None)
        except InvalidTag:
            raise ValueError("the sealed personal data fails its integrity check") from None
        payload.update(json.loads(_utf8(text)))
        return payload

    # --- text in the read model -------------------------------------------------------

    def _text_cipher(self, id_: UUID) -> AESSIV | None:
        cipher = self._texts.get(id_)
        if cipher is None:
            key = self._key(id_, create=False)
            if key is None:
                return None
            if len(self._texts) >= CACHE_LIMIT:
                self._texts.pop(next(iter(self._texts)))
            # A key of its own, derived with another label: the event key seals with
            # random nonces, this one deterministically.
            sub = HKDF(hashes.SHA256(), 64, salt=None, info=_TEXT_LABEL).derive(key)
            cipher = self._texts[id_] = AESSIV(sub)
        return cipher

    def seal_text(self, id_: UUID, text: str) -> str | None:
        """``text`` sealed under the customer's key for a read-model column (None when
        the customer has no key: erased, or never had personal text).

        Deterministic (AES-SIV), so a rebuild writes the same bytes and ``verify --views``
        can compare rows; equal texts of one customer give equal tokens, nothing more.
        """
        cipher = self._text_cipher(id_)
        if cipher is None:
            return None
        return b64encode(cipher.encrypt(text.encode(), None)).decode()

    def open_text(self, id_: UUID, token: str) -> str:
        """The text :meth:`seal_text` sealed; ``[erased]`` when the key is gone."""
        cipher = self._text_cipher(id_)
        if cipher is None:
            return ERASED
        try:
            return cipher.decrypt(b64decode(token), None).decode()
        except (InvalidTag, ValueError):
            raise ValueError("sealed text in the read model fails its integrity check") from None


def _utf8(data: bytes) -> bytes | str:
    """``data`` as text when it is UTF-8 (as :meth:`PersonalData.seal` writes it), which
    spares ``json.loads`` its probe of the encoding; else as it is."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data


def customer_ids(notifications: Sequence[Notification]) -> list[UUID]:
    """The customer ids of a batch of stored events, each once, for :meth:`PersonalData.preload`
    (a stream that is not a UUID has no key); told apart by their number, which hashes
    faster than a UUID does."""
    ids: dict[int, UUID] = {}
    for notification in notifications:
        id_ = notification.originator_id
        if isinstance(id_, UUID):
            ids[id_.int] = id_
    return list(ids.values())


__all__ = [
    "CACHE_LIMIT",
    "ERASED",
    "ERASED_TOPIC",
    "PERSONAL_FIELDS",
    "SEALED",
    "KeySource",
    "PersonalData",
    "customer_ids",
]
