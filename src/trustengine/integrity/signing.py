"""Ed25519 signing keys for checkpoints: made, written and read.

The private key is PEM (PKCS #8, unencrypted) in a file only its owner can read (0600);
the public key is PEM (SubjectPublicKeyInfo) beside it as ``NAME.pub``, for anyone. Both
are what ``openssl`` and other Ed25519 tools read. A key's *fingerprint* is the SHA-256 of
its 32 raw public bytes, in hex: checkpoints name the key that signed them by it.
"""

from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from trustengine.exceptions import CheckpointError

PUBLIC_SUFFIX = ".pub"


def fingerprint(key: Ed25519PublicKey) -> str:
    """SHA-256 of the key's raw 32 bytes, hex."""
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()


def public_path(private: Path) -> Path:
    """Where the public half of the key at ``private`` is written: ``NAME.pub``."""
    return private.with_name(private.name + PUBLIC_SUFFIX)


def write_key_pair(private: Path) -> tuple[Path, str]:
    """Make a new key pair at ``private`` (0600) and ``private.pub``; the public file and
    the fingerprint. Refuses to overwrite either file."""
    public = public_path(private)
    for path in (private, public):
        if path.exists() or path.is_symlink():
            raise CheckpointError(f"{path}: already exists; not overwriting a key")
    if not private.parent.is_dir():
        raise CheckpointError(f"{private}: folder {str(private.parent)!r} does not exist")
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    public_pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    _create(private, pem, 0o600)
    try:
        _create(public, public_pem, 0o644)
    except BaseException:
        private.unlink(missing_ok=True)
        raise
    return public, fingerprint(key.public_key())


def _create(path: Path, data: bytes, mode: int) -> None:
    try:
        handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    except OSError as error:
        raise CheckpointError(f"{path}: cannot create: {error.strerror}") from None
    with os.fdopen(handle, "wb") as out:
        os.fchmod(out.fileno(), mode)  # whatever the umask says
        out.write(data)


def load_private(path: Path) -> Ed25519PrivateKey:
    """The signing key in ``path``; refuses one that others can read."""
    try:
        mode = path.stat().st_mode
        data = path.read_bytes()
    except OSError as error:
        raise CheckpointError(f"{path}: cannot read the signing key: {error.strerror}") from None
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise CheckpointError(
            f"{path}: the signing key can be read by others (mode {stat.S_IMODE(mode):o}): "
            f"chmod 600 {path}"
        )
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError) as error:
        raise CheckpointError(f"{path}: not a PEM private key ({error})") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise CheckpointError(f"{path}: not an Ed25519 key (`trustengine keygen --signing`)")
    return key


def load_public(path: Path) -> Ed25519PublicKey:
    """The public key in ``path`` (PEM)."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise CheckpointError(f"{path}: cannot read the public key: {error.strerror}") from None
    try:
        key = serialization.load_pem_public_key(data)
    except (ValueError, TypeError) as error:
        raise CheckpointError(f"{path}: not a PEM public key ({error})") from None
    if not isinstance(key, Ed25519PublicKey):
        raise CheckpointError(f"{path}: not an Ed25519 public key")
    return key


def signature_holds(key: Ed25519PublicKey, signature: bytes, message: bytes) -> bool:
    """Whether ``signature`` is ``key``'s over ``message``."""
    try:
        key.verify(signature, message)
    except InvalidSignature:
        return False
    return True


__all__ = [
    "fingerprint",
    "load_private",
    "load_public",
    "public_path",
    "signature_holds",
    "write_key_pair",
]
