"""Seals a third party can check: the ledger's Merkle tree, signed checkpoints, inclusion
and consistency proofs, and archives that keep them.

- :mod:`.merkle`: the RFC 9162 tree, its roots and proofs, over 32-byte leaf hashes;
- :mod:`.ledger`: the store's events as leaves (their chain hashes, in notification order);
- :mod:`.signing`: Ed25519 key pairs for checkpoints;
- :mod:`.checkpoint`: signed checkpoints and the exact bytes their signature covers;
- :mod:`.bundle` and :mod:`.proofcheck`: one customer's proof bundle, made and checked;
- :mod:`.consistency`: that the ledger now extends a checkpoint's;
- :mod:`.archive`: export and restore of the stored records, hashes and checkpoint.
"""

from __future__ import annotations

from trustengine.integrity.checkpoint import Checkpoint, sign
from trustengine.integrity.ledger import LedgerTree, ledger_root
from trustengine.integrity.merkle import EMPTY_ROOT, RootBuilder, Tree

__all__ = ["EMPTY_ROOT", "Checkpoint", "LedgerTree", "RootBuilder", "Tree", "ledger_root", "sign"]
