"""The Merkle tree of RFC 9162 (Certificate Transparency 2.0, the hashing of RFC 6962).

Hashes are SHA-256. A leaf's hash is ``SHA-256(0x00 || data)`` and an inner node's
``SHA-256(0x01 || left || right)``; the tree of ``n`` leaves splits at ``k``, the largest
power of two below ``n``, so the left subtree is always complete and the tree of the first
``m`` leaves is a part of the tree of the first ``n``. The empty tree's root is SHA-256 of
the empty string. Inclusion proofs (audit paths, §2.1.3) show that one leaf is in a tree
with a given root; consistency proofs (§2.1.4) show that a tree of ``m`` leaves is the
first ``m`` leaves of a tree of ``n``.

:class:`RootBuilder` computes a root from leaves given one at a time, keeping only one
hash per set bit of the count (at most 64). :class:`Tree` holds the 32-byte leaf hashes
(never the leaves' data) to make proofs.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()
"""The root of the empty tree (RFC 9162 §2.1.1)."""


def leaf_hash(data: bytes) -> bytes:
    """The hash of a leaf whose data is ``data``."""
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """The hash of an inner node over its two children's hashes."""
    return hashlib.sha256(b"\x01" + left + right).digest()


def split(n: int) -> int:
    """The largest power of two smaller than ``n`` (``n`` at least 2)."""
    return 1 << ((n - 1).bit_length() - 1)


class RootBuilder:
    """The root of a tree whose leaf hashes are added in order, in constant memory.

    It keeps the roots of the complete subtrees the leaves so far make (one per set bit of
    the count, largest first); two of the same size merge as soon as they exist. The root
    folds them from the smallest: that is the RFC's split, since each complete subtree is
    the left part of what follows it.
    """

    def __init__(self) -> None:
        self.size = 0
        self._stack: list[tuple[int, bytes]] = []

    def add(self, leaf: bytes) -> None:
        """Add the next leaf, by its leaf hash (see :func:`leaf_hash`)."""
        self.size += 1
        size, hashed = 1, leaf
        while self._stack and self._stack[-1][0] == size:
            left_size, left = self._stack.pop()
            size, hashed = left_size + size, node_hash(left, hashed)
        self._stack.append((size, hashed))

    def root(self) -> bytes:
        """The root of the tree of every leaf added so far."""
        if not self._stack:
            return EMPTY_ROOT
        hashed = self._stack[-1][1]
        for _, left in reversed(self._stack[:-1]):
            hashed = node_hash(left, hashed)
        return hashed


class Tree:
    """A tree over leaf hashes kept 32 bytes each in one buffer; it makes proofs.

    Subtree hashes computed for one proof are remembered for the next, so the proofs of
    many leaves of one tree cost about one pass over it.
    """

    def __init__(self, leaves: bytes | bytearray | Iterable[bytes] = b"") -> None:
        if isinstance(leaves, bytes | bytearray):
            self._leaves = bytes(leaves)
        else:
            self._leaves = b"".join(leaves)
        if len(self._leaves) % HASH_SIZE:
            raise ValueError("leaf hashes must be 32 bytes each")
        self.size = len(self._leaves) // HASH_SIZE
        self._memo: dict[tuple[int, int], bytes] = {}

    def leaf(self, index: int) -> bytes:
        """The hash of leaf ``index`` (0-based)."""
        return self._leaves[index * HASH_SIZE : (index + 1) * HASH_SIZE]

    def root(self, size: int | None = None) -> bytes:
        """The root of the tree of the first ``size`` leaves (all by default)."""
        size = self.size if size is None else size
        self._check_size(size)
        return EMPTY_ROOT if size == 0 else self._hash(0, size)

    def _check_size(self, size: int) -> None:
        if not 0 <= size <= self.size:
            raise ValueError(f"a tree of {self.size} leaves has no subtree of {size}")

    def _hash(self, start: int, end: int) -> bytes:
        """The hash of the subtree over leaves ``start`` to ``end`` (excluded)."""
        if end - start == 1:
            return self.leaf(start)
        found = self._memo.get((start, end))
        if found is None:
            k = split(end - start)
            found = node_hash(self._hash(start, start + k), self._hash(start + k, end))
            # Only subtrees of 64 leaves or more are kept: memory stays a small fraction
            # of the leaves' own.
            if end - start >= 64:
                self._memo[start, end] = found
        return found

    def inclusion_path(self, index: int, size: int | None = None) -> list[bytes]:
        """The audit path of leaf ``index`` in the tree of the first ``size`` leaves,
        nearest the leaf first (RFC 9162 §2.1.3.1)."""
        size = self.size if size is None else size
        self._check_size(size)
        if not 0 <= index < size:
            raise ValueError(f"leaf {index} is not in a tree of {size} leaves")
        path: list[bytes] = []
        start, end = 0, size
        while end - start > 1:
            k = split(end - start)
            if index < start + k:
                path.append(self._hash(start + k, end))
                end = start + k
            else:
                path.append(self._hash(start, start + k))
                start += k
        path.reverse()
        return path

    def consistency_proof(self, old: int, new: int | None = None) -> list[bytes]:
        """The proof that the tree of the first ``old`` leaves is the start of the tree
        of the first ``new`` (RFC 9162 §2.1.4.1); empty when ``old`` is 0 or ``new``."""
        new = self.size if new is None else new
        self._check_size(new)
        if not 0 <= old <= new:
            raise ValueError(f"a tree of {old} leaves cannot precede one of {new}")
        if old in (0, new):
            return []
        return self._subproof(old, 0, new, complete=True)

    def _subproof(self, m: int, start: int, end: int, *, complete: bool) -> list[bytes]:
        n = end - start
        if m == n:
            return [] if complete else [self._hash(start, end)]
        k = split(n)
        if m <= k:
            left = self._subproof(m, start, start + k, complete=complete)
            return [*left, self._hash(start + k, end)]
        right = self._subproof(m - k, start + k, end, complete=False)
        return [*right, self._hash(start, start + k)]


def root_from_path(index: int, size: int, leaf: bytes, path: Sequence[bytes]) -> bytes | None:
    """The root that the audit ``path`` of leaf ``index`` (hash ``leaf``) in a tree of
    ``size`` leaves leads to, or None when the path cannot belong to such a leaf
    (RFC 9162 §2.1.3.2). Compare the result with the root the proof is against."""
    if not 0 <= index < size:
        return None
    fn, sn, hashed = index, size - 1, leaf
    for sibling in path:
        if sn == 0:
            return None
        if fn & 1 or fn == sn:
            hashed = node_hash(sibling, hashed)
            if not fn & 1:
                while fn and not fn & 1:
                    fn, sn = fn >> 1, sn >> 1
        else:
            hashed = node_hash(hashed, sibling)
        fn, sn = fn >> 1, sn >> 1
    return hashed if sn == 0 else None


def consistent(
    old: int, new: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> bool:
    """Whether ``proof`` shows that the tree of ``old`` leaves with root ``old_root`` is
    the start of the tree of ``new`` leaves with root ``new_root`` (RFC 9162 §2.1.4.2)."""
    if not 0 <= old <= new:
        return False
    if old == new:
        return not proof and old_root == new_root
    if old == 0:
        return not proof
    path = list(proof)
    if old & (old - 1) == 0:  # a power of two: the old root is itself the first node
        path.insert(0, old_root)
    if not path:
        return False
    fn, sn = old - 1, new - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            if not fn & 1:
                while fn and not fn & 1:
                    fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and fr == old_root and sr == new_root


__all__ = [
    "EMPTY_ROOT",
    "HASH_SIZE",
    "RootBuilder",
    "Tree",
    "consistent",
    "leaf_hash",
    "node_hash",
    "root_from_path",
    "split",
]
