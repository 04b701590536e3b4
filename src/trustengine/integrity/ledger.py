"""The ledger as the Merkle tree sees it: one leaf per stored event, in notification order.

A leaf's data is the event's chain hash (:func:`trustengine.persistence.chain.event_hash`,
its 32 bytes), which covers the customer's previous hash, the event type, the customer's
stream id, the position and the stored payload bytes, recorded time included. Erasing a
customer destroys their key but leaves every stored byte as it was, so erasure changes no
leaf: an erased customer's events stay in the tree, and old proofs still hold.

Each walk recomputes every chain hash from the stored bytes and checks it against the
hash the store recorded, so a tree is never built over hashes that no longer match their
events. Events are read a batch at a time; what is kept from batch to batch is each
customer's last hash, and the 32-byte leaf hashes only when proofs are wanted.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from eventsourcing.persistence import Notification

from trustengine.exceptions import LedgerMismatchError
from trustengine.integrity.merkle import RootBuilder, Tree, leaf_hash
from trustengine.persistence.chain import GENESIS, event_hash, norm_stream
from trustengine.persistence.recorders import READ_BATCH

if TYPE_CHECKING:
    from trustengine.application.engine import Ledger


@dataclass(frozen=True)
class Leaf:
    """One stored event's place in the tree."""

    index: int
    """0-based, in the order the store recorded the events (notification order)."""
    notification: Notification
    previous: str
    """The chain hash of the customer's event before it (``GENESIS`` for the first)."""
    hash: str
    """Its own chain hash, hex: the leaf's data."""


def walk(
    engine: Ledger,
    *,
    batch: int = READ_BATCH,
    limit: int | None = None,
    strict: bool = True,
) -> Iterator[Leaf]:
    """Every stored event as a leaf, in notification order (the first ``limit`` only,
    when given). Raises :class:`LedgerMismatchError` at the first event whose stored
    hash is missing or does not match its bytes (run ``trustengine verify``), unless not
    ``strict``: then the leaves are the hashes the bytes give, whatever was recorded."""
    last: dict[str, str] = {}
    index, start = 0, 1
    while limit is None or index < limit:
        notifications = engine.recorder.select_notifications(start, batch)
        if not notifications:
            return
        stored = (
            engine.chain.links_between(notifications[0].id, notifications[-1].id) if strict else {}
        )
        for notification in notifications:
            if limit is not None and index >= limit:
                return
            stream = norm_stream(str(notification.originator_id))
            previous = last.get(stream, GENESIS)
            hashed = event_hash(previous, notification)
            if strict and stored.get(notification.id) != hashed:
                raise LedgerMismatchError(
                    f"event #{notification.id} (stream {stream} position "
                    f"{notification.originator_version}) does not match its recorded hash: "
                    "run `trustengine verify`"
                )
            last[stream] = hashed
            yield Leaf(index, notification, previous, hashed)
            index += 1
        start = notifications[-1].id + 1


@dataclass(frozen=True)
class LedgerTree:
    """The store's tree: its size, root and (the first leaf's hash) the store's id."""

    store: str
    size: int
    root: bytes


def store_id(first_hash: str) -> str:
    """The store's id: the chain hash of the first event it recorded.

    It never changes as the ledger grows, needs no table of its own, and a store restored
    from an archive has the same one; rewriting the first event changes it.
    """
    return first_hash


def ledger_root(
    engine: Ledger, *, limit: int | None = None, progress: Callable[[int], None] | None = None
) -> LedgerTree:
    """The root over every stored event (the first ``limit``), in constant memory."""
    builder = RootBuilder()
    first = ""
    for leaf in walk(engine, limit=limit):
        if not first:
            first = leaf.hash
        builder.add(leaf_hash(bytes.fromhex(leaf.hash)))
        if progress is not None:
            progress(1)
    return LedgerTree(store_id(first), builder.size, builder.root())


def ledger_tree(
    engine: Ledger,
    *,
    wanted: Callable[[Leaf], bool] | None = None,
    strict: bool = True,
    limit: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> tuple[str, Tree, list[Leaf]]:
    """The store's id, its tree (of the first ``limit`` events; leaf hashes only) and the
    leaves ``wanted`` picks, with their events: what proofs are made from (``strict`` as
    for :func:`walk`)."""
    hashes = bytearray()
    picked: list[Leaf] = []
    first = ""
    for leaf in walk(engine, strict=strict, limit=limit):
        if progress is not None:
            progress(1)
        if not first:
            first = leaf.hash
        hashes += leaf_hash(bytes.fromhex(leaf.hash))
        if wanted is not None and wanted(leaf):
            picked.append(leaf)
    return store_id(first), Tree(hashes), picked


__all__ = ["Leaf", "LedgerTree", "ledger_root", "ledger_tree", "store_id", "walk"]
