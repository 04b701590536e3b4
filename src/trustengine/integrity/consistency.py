"""That the ledger now extends a checkpoint's: nothing before it was rewritten, only added.

The tree of the store's events is rebuilt from the stored bytes (each event's chain hash
recomputed, whatever hash is recorded beside it), an RFC 9162 consistency proof is made
from it between the checkpoint's size and the current size, and the proof is checked
against the checkpoint's root and the current root. Rewriting any event the checkpoint
covers changes its leaf, so no proof can join the two roots, even when every stored hash
and the head were recomputed to match.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from trustengine.integrity.checkpoint import Checkpoint
from trustengine.integrity.ledger import ledger_tree
from trustengine.integrity.merkle import consistent

if TYPE_CHECKING:
    from trustengine.application.engine import Ledger


@dataclass
class Consistency:
    """The outcome of :func:`check_consistency`: ``ok`` when ``problems`` is empty."""

    checkpoint: Checkpoint
    events: int = 0
    root: bytes = b""
    proof: list[bytes] = field(default_factory=list)
    signed: bool = False
    """Whether the checkpoint's signature was checked (and held)."""
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "checkpoint": {"events": self.checkpoint.events, "root": self.checkpoint.root.hex()},
            "events": self.events,
            "root": self.root.hex(),
            "proof": [node.hex() for node in self.proof],
            "signature_checked": self.signed,
            "problems": list(self.problems),
        }


def check_consistency(
    engine: Ledger,
    checkpoint: Checkpoint,
    *,
    key: Ed25519PublicKey | None = None,
    progress: Callable[[int], None] | None = None,
) -> Consistency:
    """Prove (or fail to) that the store's ledger extends ``checkpoint``'s, and check the
    checkpoint's signature with ``key`` when given."""
    result = Consistency(checkpoint)
    if key is not None:
        problem = checkpoint.signature_problem(key)
        if problem:
            result.problems.append(f"checkpoint {problem}")
        else:
            result.signed = True
    store, tree, _ = ledger_tree(engine, strict=False, progress=progress)
    result.events, result.root = tree.size, tree.root()
    old = checkpoint.events
    if store != checkpoint.store:
        result.problems.append(
            "checkpoint: it is of another store, or this store's first event was rewritten"
        )
    if tree.size < old:
        result.problems.append(
            f"checkpoint: it covers {old} events but the store holds {tree.size}: "
            "the ledger was truncated"
        )
        return result
    result.proof = tree.consistency_proof(old, tree.size)
    if not consistent(old, tree.size, checkpoint.root, result.root, result.proof):
        result.problems.append(
            f"checkpoint: the ledger does not extend it: the first {old} events no longer "
            "give its root, so history before it was rewritten"
        )
    return result


__all__ = ["Consistency", "check_consistency"]
