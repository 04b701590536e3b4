"""Signed checkpoints: the ledger's Merkle root at a moment, signed with Ed25519.

A checkpoint is one JSON object::

    {"format": "trustengine-checkpoint/1", "store": HEX, "events": N, "root": HEX,
     "time": "2026-12-01T09:00:00+00:00", "key": HEX, "signature": BASE64}

``store`` is the store's id (the chain hash of its first event), ``events`` how many
events the tree covers, ``root`` the RFC 9162 root over them in notification order,
``time`` when it was signed (UTC), ``key`` the signing key's fingerprint (SHA-256 of its
raw public bytes). ``signature`` is the Ed25519 signature (base64, 64 bytes) over the
*message*: every other field of the object as JSON with its keys sorted, no whitespace and
only ASCII, encoded as UTF-8 (RFC 8785 canonical JSON, for these strings and integers).
``jq -cjS 'del(.signature, .cosignatures)' CHECKPOINT.json`` prints exactly those bytes.
Witnesses countersign the same bytes (see :mod:`.witness`) into ``cosignatures``.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from trustengine.exceptions import CheckpointError
from trustengine.integrity.ledger import LedgerTree
from trustengine.integrity.signing import fingerprint, signature_holds

FORMAT = "trustengine-checkpoint/1"
_HEX_FIELDS = ("store", "root", "key")


UNSIGNED = ("signature", "cosignatures")
"""The fields no signature covers: the signatures themselves."""


def canonical(fields: dict[str, Any]) -> bytes:
    """The bytes a checkpoint's signature (and each witness's countersignature) covers:
    ``fields`` without ``signature`` and ``cosignatures``."""
    rest = {name: value for name, value in fields.items() if name not in UNSIGNED}
    return json.dumps(rest, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


@dataclass(frozen=True)
class Checkpoint:
    """A checkpoint as written, with every field it carries (see the module)."""

    fields: dict[str, Any]

    @property
    def store(self) -> str:
        return str(self.fields["store"])

    @property
    def events(self) -> int:
        return int(self.fields["events"])

    @property
    def root(self) -> bytes:
        return bytes.fromhex(self.fields["root"])

    @property
    def key(self) -> str:
        return str(self.fields["key"])

    @property
    def time(self) -> str:
        return str(self.fields["time"])

    def message(self) -> bytes:
        return canonical(self.fields)

    def signature(self) -> bytes:
        return base64.b64decode(self.fields["signature"], validate=True)

    def to_json(self) -> str:
        return json.dumps(self.fields, indent=2, ensure_ascii=True) + "\n"

    def signature_problem(self, key: Ed25519PublicKey) -> str | None:
        """Why ``key`` does not vouch for this checkpoint, or None when it does."""
        if fingerprint(key) != self.key:
            return (
                f"signature: the checkpoint names key {self.key[:16]}..., but the public "
                f"key given is {fingerprint(key)[:16]}...: wrong key"
            )
        if not signature_holds(key, self.signature(), self.message()):
            return "signature: does not verify: the checkpoint was edited after it was signed"
        return None

    @classmethod
    def from_dict(cls, fields: Any, where: str) -> Checkpoint:
        """Check the shape of a checkpoint read from ``where``."""
        if not isinstance(fields, dict):
            raise CheckpointError(f"{where}: a checkpoint is a JSON object")
        for name in ("format", "store", "events", "root", "time", "key", "signature"):
            if name not in fields:
                raise CheckpointError(f"{where}: the checkpoint has no {name!r}")
        if fields["format"] != FORMAT:
            raise CheckpointError(f"{where}: format {fields['format']!r} is not {FORMAT!r}")
        for name in _HEX_FIELDS:
            if not _is_hex(fields[name]):
                raise CheckpointError(f"{where}: {name!r} is not 64 hex digits")
        events = fields["events"]
        if not isinstance(events, int) or isinstance(events, bool) or events < 1:
            raise CheckpointError(f"{where}: 'events' is not a positive integer")
        if not isinstance(fields["time"], str):
            raise CheckpointError(f"{where}: 'time' is not a string")
        if not _is_signature(fields["signature"]):
            raise CheckpointError(f"{where}: 'signature' is not base64 of 64 bytes")
        cosignatures = fields.get("cosignatures", [])
        if not isinstance(cosignatures, list) or not all(
            isinstance(c, dict) and _is_hex(c.get("key")) and _is_signature(c.get("signature"))
            for c in cosignatures
        ):
            raise CheckpointError(
                f"{where}: 'cosignatures' is not a list of {{key, signature}} objects"
            )
        return cls(dict(fields))

    @classmethod
    def load(cls, path: Path) -> Checkpoint:
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as error:
            raise CheckpointError(f"{path}: cannot read: {error.strerror}") from None
        except UnicodeDecodeError:
            raise CheckpointError(f"{path}: not UTF-8 text") from None
        try:
            fields = json.loads(text)
        except json.JSONDecodeError as error:
            raise CheckpointError(f"{path}:{error.lineno}: not valid JSON: {error.msg}") from None
        return cls.from_dict(fields, str(path))


def _is_signature(value: Any) -> bool:
    try:
        return len(base64.b64decode(str(value), validate=True)) == 64
    except (binascii.Error, ValueError):
        return False


def _is_hex(value: Any) -> bool:
    return (
        isinstance(value, str) and len(value) == 64 and all(c in "0123456789abcdef" for c in value)
    )


def sign(tree: LedgerTree, key: Ed25519PrivateKey, now: datetime | None = None) -> Checkpoint:
    """A checkpoint of ``tree``, signed with ``key`` at ``now`` (UTC; default now)."""
    if tree.size == 0:
        raise CheckpointError("the store holds no events: there is nothing to sign")
    moment = (now or datetime.now(tz=UTC)).astimezone(UTC)
    fields: dict[str, Any] = {
        "format": FORMAT,
        "store": tree.store,
        "events": tree.size,
        "root": tree.root.hex(),
        "time": moment.isoformat(timespec="seconds"),
        "key": fingerprint(key.public_key()),
    }
    fields["signature"] = base64.b64encode(key.sign(canonical(fields))).decode()
    return Checkpoint(fields)


__all__ = ["FORMAT", "UNSIGNED", "Checkpoint", "canonical", "sign"]
