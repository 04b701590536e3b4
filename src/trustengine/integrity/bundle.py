"""Proof bundles: one customer's events with the audit paths that tie them to a checkpoint.

A bundle is one JSON object::

    {"format": "trustengine-proof/1", "customer": KEY, "case": CASE or null,
     "checkpoint": {... the signed checkpoint ...},
     "personal_key": BASE64 or null,
     "events": [{"index": I, "position": P, "recorded_at": T, "line": {...},
                 "previous": HEX, "hash": HEX,
                 "stored": {"topic": TOPIC, "stream": ID, "state": BASE64},
                 "path": [HEX, ...]}, ...]}

Each event carries its interchange line (what it says), its recorded time, the bytes the
store holds for it (``stored``) and the chain hash they give after ``previous``. Its leaf
in the checkpoint's tree is leaf ``index`` (notification order, from 0), and ``path`` is
its RFC 9162 audit path to the checkpoint's root, nearest the leaf first.

``personal_key`` is the customer's own key, which opens the personal fields sealed in the
stored bytes, so that a verifier can check the text of the lines too; it opens nothing of
any other customer. It is null for an erased customer, whose personal fields then show as
``[erased]``. A bundle is therefore personal data: keep it as such, and delete it when the
customer is erased.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from eventsourcing.persistence import MapperDeserialisationError

from trustengine.domain.base import CustomerEvent
from trustengine.domain.customer import customer_id
from trustengine.exceptions import CheckpointError, CustomerNotFoundError, StoreError
from trustengine.integrity.checkpoint import Checkpoint
from trustengine.integrity.ledger import Leaf, ledger_tree
from trustengine.interchange.codec import to_contract
from trustengine.persistence.chain import stream_hex

if TYPE_CHECKING:
    from trustengine.application.engine import Ledger

FORMAT = "trustengine-proof/1"


@dataclass(frozen=True)
class Proof:
    """A bundle as built: its JSON-ready fields."""

    fields: dict[str, Any]

    @property
    def events(self) -> int:
        return len(self.fields["events"])


def build_proof(
    engine: Ledger, customer: str, checkpoint: Checkpoint, *, case: str | None = None
) -> Proof:
    """The bundle proving ``customer``'s events (of ``case`` only, when given) were in
    the ledger ``checkpoint`` signed.

    Raises :class:`CheckpointError` when the checkpoint is not of this store's first
    events, and :class:`CustomerNotFoundError` when the checkpoint covers none of the
    customer's (that case's) events.
    """
    stream = customer_id(customer)
    wanted = stream.hex

    def picks(leaf: Leaf) -> bool:
        return stream_hex(leaf.notification.originator_id).replace("-", "") == wanted

    # The checkpoint's tree only: events stored after it are not needed, nor checked.
    store, tree, leaves = ledger_tree(engine, wanted=picks, limit=checkpoint.events)
    _check_matches(checkpoint, store, tree.size, tree.root())
    events = []
    for leaf in leaves:
        event = _decode(engine, leaf)
        if case is not None and event.case != case:
            continue
        events.append(_entry(leaf, event, tree.inclusion_path(leaf.index, checkpoint.events)))
    if not events:
        what = f"customer {customer!r}" + (f" case {case!r}" if case else "")
        raise CustomerNotFoundError(
            f"the checkpoint covers no events of {what} in {engine.target.display}"
        )
    key = engine.personal.store.keys([stream], create=False).get(stream)
    fields = {
        "format": FORMAT,
        "customer": customer,
        "case": case,
        "checkpoint": checkpoint.fields,
        "personal_key": base64.b64encode(key).decode() if key else None,
        "events": events,
    }
    return Proof(fields)


def _check_matches(checkpoint: Checkpoint, store: str, size: int, root: bytes) -> None:
    if size < checkpoint.events:
        raise CheckpointError(
            f"the checkpoint covers {checkpoint.events} events but the store holds {size}: "
            "it is of another store, or this one was truncated"
        )
    if store != checkpoint.store:
        raise CheckpointError(
            "the checkpoint is of another store (or this store's first event was rewritten)"
        )
    if root != checkpoint.root:
        raise CheckpointError(
            f"this store's first {checkpoint.events} events do not give the checkpoint's "
            "root: they were changed since it was signed (run `trustengine verify --against`)"
        )


def _decode(engine: Ledger, leaf: Leaf) -> CustomerEvent:
    try:
        event = engine.mapper.to_domain_event(leaf.notification)
    except MapperDeserialisationError as error:
        raise StoreError(f"cannot read {engine.target.display}: {error}") from None
    assert isinstance(event, CustomerEvent)
    return event


def stored_fields(leaf: Leaf) -> dict[str, str]:
    """The stored record of ``leaf``'s event as a bundle or archive carries it."""
    notification = leaf.notification
    return {
        "topic": notification.topic,
        "stream": stream_hex(notification.originator_id),
        "state": base64.b64encode(notification.state).decode(),
    }


def _entry(leaf: Leaf, event: CustomerEvent, path: list[bytes]) -> dict[str, Any]:
    return {
        "index": leaf.index,
        "position": leaf.notification.originator_version,
        "recorded_at": event.recorded_at.isoformat(),
        "line": to_contract(event),
        "previous": leaf.previous,
        "hash": leaf.hash,
        "stored": stored_fields(leaf),
        "path": [node.hex() for node in path],
    }


__all__ = ["FORMAT", "Proof", "build_proof", "stored_fields"]
