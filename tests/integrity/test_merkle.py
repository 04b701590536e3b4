"""The Merkle tree follows RFC 9162: checked against a plain recursive reading of the RFC's
definitions, the RFC's empty-tree hash, and the reference roots of CT's test leaves."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from trustengine.integrity.merkle import (
    EMPTY_ROOT,
    RootBuilder,
    Tree,
    consistent,
    leaf_hash,
    node_hash,
    root_from_path,
)

# --- the RFC's definitions, read as literally as possible (RFC 9162 §2.1) -------------


def ref_mth(data: list[bytes]) -> bytes:
    n = len(data)
    if n == 0:
        return hashlib.sha256(b"").digest()
    if n == 1:
        return hashlib.sha256(b"\x00" + data[0]).digest()
    k = 1
    while k * 2 < n:
        k *= 2
    return hashlib.sha256(b"\x01" + ref_mth(data[:k]) + ref_mth(data[k:])).digest()


def ref_path(m: int, data: list[bytes]) -> list[bytes]:
    n = len(data)
    if n == 1:
        return []
    k = 1
    while k * 2 < n:
        k *= 2
    if m < k:
        return [*ref_path(m, data[:k]), ref_mth(data[k:])]
    return [*ref_path(m - k, data[k:]), ref_mth(data[:k])]


def ref_subproof(m: int, data: list[bytes], complete: bool) -> list[bytes]:
    n = len(data)
    if m == n:
        return [] if complete else [ref_mth(data)]
    k = 1
    while k * 2 < n:
        k *= 2
    if m <= k:
        return [*ref_subproof(m, data[:k], complete), ref_mth(data[k:])]
    return [*ref_subproof(m - k, data[k:], False), ref_mth(data[:k])]


def ref_proof(m: int, data: list[bytes]) -> list[bytes]:
    return [] if m in (0, len(data)) else ref_subproof(m, data, True)


def leaves_of(data: list[bytes]) -> Tree:
    return Tree(leaf_hash(d) for d in data)


DATA = [f"event {i}".encode() for i in range(70)]

# The eight leaves of Certificate Transparency's reference tests and the roots of their
# first 1..8 (certificate-transparency, merkle tree tests).
CT_LEAVES = [
    b"",
    b"\x00",
    b"\x10",
    b"\x20\x21",
    b"\x30\x31",
    b"\x40\x41\x42\x43",
    bytes(range(0x50, 0x58)),
    bytes(range(0x60, 0x70)),
]
CT_ROOTS = [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]


def test_the_empty_tree_hash_is_sha256_of_the_empty_string() -> None:
    assert EMPTY_ROOT.hex() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    assert RootBuilder().root() == EMPTY_ROOT
    assert Tree().root() == EMPTY_ROOT


def test_leaves_and_nodes_are_hashed_with_the_rfc_prefixes() -> None:
    assert leaf_hash(b"a") == hashlib.sha256(b"\x00a").digest()
    left, right = b"L" * 32, b"R" * 32
    assert node_hash(left, right) == hashlib.sha256(b"\x01" + left + right).digest()
    # A leaf's hash is never an inner node's over the same bytes: no second preimages.
    assert leaf_hash(b"L" * 32 + b"R" * 32) != node_hash(b"L" * 32, b"R" * 32)


@pytest.mark.parametrize("size", range(1, 9))
def test_the_roots_of_ct_s_reference_leaves(size: int) -> None:
    builder = RootBuilder()
    for data in CT_LEAVES[:size]:
        builder.add(leaf_hash(data))

    assert builder.root().hex() == CT_ROOTS[size - 1]
    assert ref_mth(CT_LEAVES[:size]).hex() == CT_ROOTS[size - 1]


@pytest.mark.parametrize("size", range(71))
def test_the_streamed_root_and_the_tree_s_root_are_the_rfc_s(size: int) -> None:
    builder = RootBuilder()
    for data in DATA[:size]:
        builder.add(leaf_hash(data))

    assert builder.size == size
    assert builder.root() == ref_mth(DATA[:size])
    assert leaves_of(DATA).root(size) == ref_mth(DATA[:size])


def test_a_non_power_of_two_tree_splits_at_the_largest_power_of_two_below() -> None:
    a, b, c = (leaf_hash(x) for x in (b"a", b"b", b"c"))

    assert Tree([a, b, c]).root() == node_hash(node_hash(a, b), c)
    assert Tree([a, b, c]).root() != node_hash(a, node_hash(b, c))


@pytest.mark.parametrize("size", range(1, 34))
def test_every_audit_path_is_the_rfc_s_and_leads_to_the_root(size: int) -> None:
    tree = leaves_of(DATA[:size])
    root = ref_mth(DATA[:size])

    for index in range(size):
        path = tree.inclusion_path(index)
        assert path == ref_path(index, DATA[:size])
        assert root_from_path(index, size, leaf_hash(DATA[index]), path) == root


def test_an_audit_path_fails_for_another_leaf_index_or_size() -> None:
    tree = leaves_of(DATA[:13])
    root, path = tree.root(), tree.inclusion_path(5)
    leaf = leaf_hash(DATA[5])

    assert root_from_path(5, 13, leaf, path) == root
    assert root_from_path(4, 13, leaf, path) != root
    assert root_from_path(5, 14, leaf, path) != leaves_of(DATA[:14]).root()
    assert root_from_path(5, 13, leaf_hash(b"forged"), path) != root
    assert root_from_path(5, 13, leaf, [*path[:-1], b"\x00" * 32]) != root
    assert root_from_path(5, 13, leaf, path[:-1]) != root
    assert root_from_path(13, 13, leaf, path) is None


@pytest.mark.parametrize("new", range(1, 26))
def test_every_consistency_proof_is_the_rfc_s_and_checks_out(new: int) -> None:
    tree = leaves_of(DATA[:new])

    for old in range(new + 1):
        proof = tree.consistency_proof(old)
        assert proof == ref_proof(old, DATA[:new])
        assert consistent(old, new, ref_mth(DATA[:old]), ref_mth(DATA[:new]), proof)


def test_a_consistency_proof_fails_when_the_old_tree_was_rewritten() -> None:
    new = leaves_of(DATA[:20])
    rewritten = [*DATA[:3], b"forged", *DATA[4:20]]
    proof = leaves_of(rewritten).consistency_proof(7)

    assert not consistent(7, 20, ref_mth(DATA[:7]), ref_mth(rewritten), proof)
    assert not consistent(7, 20, ref_mth(DATA[:7]), new.root(), proof)
    assert not consistent(7, 20, ref_mth(DATA[:7]), new.root(), new.consistency_proof(6))
    assert not consistent(8, 20, ref_mth(DATA[:8]), new.root(), [])
    assert not consistent(9, 7, ref_mth(DATA[:9]), new.root(), [])


@given(st.lists(st.binary(max_size=8), min_size=1, max_size=40), st.data())
def test_any_tree_s_proofs_agree_with_the_rfc(leaves: list[bytes], data: st.DataObject) -> None:
    tree = leaves_of(leaves)
    n = len(leaves)
    index = data.draw(st.integers(0, n - 1))
    old = data.draw(st.integers(0, n))

    assert tree.root() == ref_mth(leaves)
    assert root_from_path(index, n, leaf_hash(leaves[index]), tree.inclusion_path(index)) == (
        ref_mth(leaves)
    )
    assert consistent(old, n, ref_mth(leaves[:old]), tree.root(), tree.consistency_proof(old))
