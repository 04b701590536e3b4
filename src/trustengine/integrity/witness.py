"""Witnesses: parties who do not answer to the operator countersign checkpoints.

A checkpoint binds the operator only once someone else holds it: whoever holds the
signing key could otherwise sign another ledger's root. A witness who has checked that
the store's ledger extends a checkpoint (``verify --against``) signs the checkpoint's
very message (see :mod:`.checkpoint`) with their own Ed25519 key, and the countersignature
goes into the checkpoint's ``cosignatures`` list as ``{"key": FINGERPRINT, "signature":
BASE64}``. The operator's signature is unchanged by it. A verifier who trusts a witness
checks that witness's countersignature too (``verify-proof --witness KEY.pub``).
"""

from __future__ import annotations

import base64

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from trustengine.integrity.checkpoint import Checkpoint
from trustengine.integrity.signing import fingerprint, signature_holds


def cosign(checkpoint: Checkpoint, key: Ed25519PrivateKey) -> Checkpoint:
    """``checkpoint`` with ``key``'s countersignature (replacing one it had already)."""
    print_ = fingerprint(key.public_key())
    others = [c for c in checkpoint.fields.get("cosignatures", []) if c["key"] != print_]
    signature = base64.b64encode(key.sign(checkpoint.message())).decode()
    mine = {"key": print_, "signature": signature}
    return Checkpoint({**checkpoint.fields, "cosignatures": [*others, mine]})


def cosignature_problem(checkpoint: Checkpoint, key: Ed25519PublicKey) -> str | None:
    """Why the witness with ``key`` does not vouch for ``checkpoint``, or None when they do."""
    print_ = fingerprint(key)
    for entry in checkpoint.fields.get("cosignatures", []):
        if entry["key"] == print_:
            signature = base64.b64decode(entry["signature"])
            if signature_holds(key, signature, checkpoint.message()):
                return None
            return (
                f"witness {print_[:16]}...: the countersignature does not verify: the "
                "checkpoint was edited after it was countersigned"
            )
    return f"witness {print_[:16]}...: has not countersigned this checkpoint"


__all__ = ["cosign", "cosignature_problem"]
