"""Whether a store is encrypted at rest, recorded in the store, and a check of its key.

A store keeps two rows in a small metadata table created with it: ``encryption``
(``aes-gcm`` or ``none``) and, when encrypted, ``key_check``, an HMAC-SHA256 under the
store's key of a constant text. So a store is opened only as it was made: an encrypted one
without a key, or with another key, and a plain one with a key, are refused before
anything is read or written (a payload written under the wrong key, or in the clear
among ciphertext, could never be read back beside the rest).

The marker is written with the first event. A store made before markers existed gets one
on its first open, from its first stored event: if that decodes as plain JSON the store is
plain; if the given key decrypts it, the store is encrypted under that key; otherwise it is
encrypted under a key not given, and the open is refused without writing anything.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Literal, Protocol

from trustengine.exceptions import (
    StoreEncryptedError,
    StoreNotEncryptedError,
    WrongCipherKeyError,
)

if TYPE_CHECKING:
    from eventsourcing.persistence import Cipher

ENCRYPTION = "encryption"
KEY_CHECK = "key_check"
AES_GCM = "aes-gcm"
PLAIN = "none"
_CHECKED_TEXT = b"trustengine: this key opens this store"

FirstEvent = Literal["empty", "plain", "opens", "sealed"]
"""What the first stored event says: no event, JSON in the clear, decrypted by the given
key, or ciphertext the given key (if any) does not open."""


class StoreMeta(Protocol):
    """The store's metadata table, as a recorder offers it."""

    def read_meta(self) -> dict[str, str]:
        """Every metadata row, by name."""
        ...

    def add_meta(self, values: Mapping[str, str]) -> None:
        """Add the rows of ``values`` whose names the table does not hold yet, in one
        transaction (a row already there, e.g. written by another process, is kept)."""
        ...


def key_check(key: str) -> str:
    """The check value of a cipher key (base64, as the settings hold it)."""
    return hmac.new(base64.b64decode(key), _CHECKED_TEXT, hashlib.sha256).hexdigest()


def first_event(state: bytes | None, cipher: Cipher | None) -> FirstEvent:
    """Classify the stored payload of a store's first event (None: there is none)."""
    if state is None:
        return "empty"
    if cipher is not None:
        try:
            cipher.decrypt(state)
        except ValueError:
            pass
        else:
            return "opens"
    try:
        decoded = json.loads(state)
    except ValueError:
        return "sealed"
    return "plain" if isinstance(decoded, dict) else "sealed"


def marker(key: str | None) -> dict[str, str]:
    """The metadata rows of a store encrypted under ``key`` (None: not encrypted)."""
    if key is None:
        return {ENCRYPTION: PLAIN}
    return {ENCRYPTION: AES_GCM, KEY_CHECK: key_check(key)}


class AtRest:
    """Checks a store's encryption marker against the key it is opened with."""

    def __init__(
        self,
        meta: StoreMeta,
        key: str | None,
        where: str,
        first: Callable[[], FirstEvent],
    ) -> None:
        self.meta = meta
        self.key = key
        self.where = where
        self.settled = False
        """Whether the store has a marker and it matches the key (checked once)."""
        found = meta.read_meta()
        if ENCRYPTION not in found:
            seen = first()
            if seen == "empty":
                return  # the first write records the marker
            if seen == "sealed":
                self._refuse({ENCRYPTION: AES_GCM})
            # A store from before markers: record what its first event shows.
            meta.add_meta(marker(None if seen == "plain" else key))
            found = meta.read_meta()
        self._check(found)

    def settle(self) -> None:
        """Before a write: make sure the store has a marker, and that it matches."""
        if not self.settled:
            self.meta.add_meta(marker(self.key))
            self._check(self.meta.read_meta())

    def _check(self, found: Mapping[str, str]) -> None:
        if found.get(ENCRYPTION) == PLAIN and self.key is None:
            self.settled = True
            return
        if (
            found.get(ENCRYPTION) == AES_GCM
            and self.key is not None
            and hmac.compare_digest(found.get(KEY_CHECK, ""), key_check(self.key))
        ):
            self.settled = True
            return
        self._refuse(found)

    def _refuse(self, found: Mapping[str, str]) -> None:
        where = f"(store {self.where})"
        if found.get(ENCRYPTION) == PLAIN:
            raise StoreNotEncryptedError(
                f"this store is not encrypted: give it no cipher key {where}"
            )
        if self.key is None:
            raise StoreEncryptedError(f"this store is encrypted: give --cipher-key-file {where}")
        raise WrongCipherKeyError(f"this key does not open the store {where}")


__all__ = [
    "AES_GCM",
    "ENCRYPTION",
    "KEY_CHECK",
    "PLAIN",
    "AtRest",
    "FirstEvent",
    "StoreMeta",
    "first_event",
    "key_check",
    "marker",
]
