"""Archives: the stored records exactly as the store holds them, with their recorded time,
chain hashes and a checkpoint, so that a restored store is the same ledger.

An archive is JSON Lines. The first line describes it::

    {"format": "trustengine-archive/1", "store": HEX, "events": N, "root": HEX,
     "checkpoint": {... a signed checkpoint ...} or null}

and each further line is one stored event, in notification order::

    {"index": I, "position": P, "type": NAME, "recorded_at": T,
     "previous": HEX, "hash": HEX, "stored": {"topic": ..., "stream": ..., "state": BASE64}}

The stored bytes are kept as they are: personal fields stay sealed under the customers'
keys (which an archive never holds) and an encrypted store's payloads stay encrypted
under its cipher key. Restoring writes those same bytes, so every chain hash, the head,
the Merkle root and the store's id come out as they were, and proofs made from either
store hold against the same checkpoints. An export that dropped recorded times and
re-recorded the facts could not: it would be another ledger.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any
from uuid import UUID

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from eventsourcing.persistence import MapperDeserialisationError, StoredEvent

from trustengine.domain.base import CustomerEvent
from trustengine.exceptions import ArchiveError, CheckpointError, OutputFileError
from trustengine.integrity.bundle import stored_fields
from trustengine.integrity.checkpoint import Checkpoint
from trustengine.integrity.consistency import check_consistency
from trustengine.integrity.ledger import ledger_root, store_id, walk
from trustengine.integrity.merkle import RootBuilder, leaf_hash
from trustengine.persistence.chain import GENESIS, event_hash
from trustengine.persistence.files import whole_file

if TYPE_CHECKING:
    from trustengine.application.engine import Ledger

FORMAT = "trustengine-archive/1"


@dataclass(frozen=True)
class ArchiveSummary:
    """What an archive holds: how many events, the store's id and the root over them."""

    events: int
    store: str
    root: str
    checkpoint: Checkpoint | None


def export_archive(
    engine: Ledger,
    path: Path,
    *,
    checkpoint: Checkpoint | None = None,
    progress: Callable[[int], None] | None = None,
) -> ArchiveSummary:
    """Write the store's archive to ``path``, whole or not at all.

    ``checkpoint``, when given, must be one this ledger extends (it is checked as
    ``verify --against`` does); it goes into the archive beside the archive's own root.
    """
    if checkpoint is not None:
        found = check_consistency(engine, checkpoint)
        if not found.ok:
            raise CheckpointError(f"--checkpoint: {found.problems[0]}")
    tree = ledger_root(engine)
    header = {
        "format": FORMAT,
        "store": tree.store,
        "events": tree.size,
        "root": tree.root.hex(),
        "checkpoint": checkpoint.fields if checkpoint else None,
    }

    def write(out: IO[str]) -> None:
        out.write(json.dumps(header, ensure_ascii=True) + "\n")
        # Only the events the root covers: any stored meanwhile wait for the next archive.
        for leaf in walk(engine, limit=tree.size):
            try:
                event = engine.mapper.to_domain_event(leaf.notification)
            except MapperDeserialisationError as error:
                raise ArchiveError(f"cannot read event #{leaf.notification.id}: {error}") from None
            assert isinstance(event, CustomerEvent)
            record = {
                "index": leaf.index,
                "position": leaf.notification.originator_version,
                "type": event.type_name,
                "recorded_at": event.recorded_at.isoformat(),
                "previous": leaf.previous,
                "hash": leaf.hash,
                "stored": stored_fields(leaf),
            }
            out.write(json.dumps(record, ensure_ascii=True) + "\n")
            if progress is not None:
                progress(1)

    _write_whole(path, write)
    return ArchiveSummary(tree.size, tree.store, tree.root.hex(), checkpoint)


def _write_whole(path: Path, write: Callable[[IO[str]], None]) -> None:
    # An archive holds sealed personal text: private, and whole or not at all.
    try:
        with whole_file(path, private=True) as out:
            write(out)
    except OutputFileError as error:
        raise ArchiveError(str(error)) from None


def read_archive(
    lines: Iterable[str], name: str, *, key: Ed25519PublicKey | None = None
) -> tuple[ArchiveSummary, list[StoredEvent]]:
    """Read and check an archive: every record's hash recomputes from its bytes after the
    customer's previous one, the root over them is the header's, and the checkpoint (its
    signature too, with ``key``) covers the first of them. Raises :class:`ArchiveError`
    naming ``name:LINE`` and what is wrong."""
    numbered = enumerate(lines, start=1)
    header = _header(next(numbered, (1, "")), name)
    checkpoint = None
    if header["checkpoint"] is not None:
        try:
            checkpoint = Checkpoint.from_dict(header["checkpoint"], f"{name}:1: checkpoint")
        except CheckpointError as error:
            raise ArchiveError(str(error)) from None
        if key is not None:
            problem = checkpoint.signature_problem(key)
            if problem:
                raise ArchiveError(f"{name}:1: checkpoint {problem}")
    builder, first = RootBuilder(), ""
    stored: list[StoredEvent] = []
    last: dict[str, tuple[int, str]] = {}
    checkpoint_root: bytes | None = None
    for number, text in numbered:
        if not text.strip():
            continue
        where = f"{name}:{number}"
        event, previous, hashed = _record(text, where, len(stored))
        stream = str(event.originator_id)
        position, expected = last.get(stream, (0, GENESIS))
        if event.originator_version != position + 1:
            raise ArchiveError(f"{where}: position {event.originator_version} follows {position}")
        if previous != expected or event_hash(expected, event) != hashed:
            raise ArchiveError(f"{where}: its bytes do not give its hash after the one before")
        last[stream] = (event.originator_version, hashed)
        first = first or hashed
        stored.append(event)
        builder.add(leaf_hash(bytes.fromhex(hashed)))
        if checkpoint is not None and builder.size == checkpoint.events:
            checkpoint_root = builder.root()
    summary = ArchiveSummary(builder.size, store_id(first), builder.root().hex(), checkpoint)
    if (summary.events, summary.root, summary.store) != (
        header["events"],
        header["root"],
        header["store"],
    ):
        raise ArchiveError(
            f"{name}: its {summary.events} events do not give the count, root and store id "
            "its first line states: events were added, removed or changed"
        )
    if checkpoint is not None and (
        checkpoint.store != summary.store or checkpoint_root != checkpoint.root
    ):
        raise ArchiveError(f"{name}:1: the checkpoint is not of this archive's first events")
    return summary, stored


def _header(first: tuple[int, str], name: str) -> dict[str, Any]:
    try:
        header = json.loads(first[1])
    except ValueError:
        header = None
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise ArchiveError(f"{name}:1: not an archive (its first line has no format {FORMAT!r})")
    for field in ("store", "events", "root", "checkpoint"):
        if field not in header:
            raise ArchiveError(f"{name}:1: the archive's first line has no {field!r}")
    return header


def _record(text: str, where: str, index: int) -> tuple[StoredEvent, str, str]:
    try:
        record = json.loads(text.rstrip("\r\n"))
    except json.JSONDecodeError as error:
        raise ArchiveError(
            f"{where}: not valid JSON: {error.msg} at column {error.colno}"
        ) from None
    try:
        stored = record["stored"]
        event = StoredEvent(
            originator_id=UUID(hex=str(stored["stream"])),
            originator_version=int(record["position"]),
            topic=str(stored["topic"]),
            state=base64.b64decode(str(stored["state"]), validate=True),
        )
        previous, hashed = str(record["previous"]), str(record["hash"])
        bytes.fromhex(hashed)
    except (ValueError, KeyError, TypeError, binascii.Error) as error:
        reason = f"{type(error).__name__}: {error}"
        raise ArchiveError(f"{where}: not an archived event ({reason})") from None
    if record.get("index") != index:
        raise ArchiveError(f"{where}: is event {record.get('index')}, expected {index}: reordered")
    return event, previous, hashed


def restore_archive(
    engine: Ledger, summary: ArchiveSummary, stored: list[StoredEvent], name: str
) -> int:
    """Write the checked records of an archive into ``engine``'s store, which must be
    empty, in one transaction; how many. Each must decode with this store's settings
    (the same cipher key as the store it came from)."""
    held = engine.chain.chain_head().events or engine.recorder.max_notification_id() or 0
    if held:
        raise ArchiveError(
            f"{engine.target.display} is not empty ({held} events): "
            f"an archive is restored only into an empty store"
        )
    for index, event in enumerate(stored):
        try:
            engine.mapper.to_domain_event(event)
        except MapperDeserialisationError as error:
            raise ArchiveError(
                f"{name}: event {index} does not decode with this store's settings "
                f"(the same --cipher-key-file as the archived store?): {error}"
            ) from None
    if stored:
        engine.recorder.insert_events(stored)
    restored = ledger_root(engine)
    if restored.root.hex() != summary.root:  # pragma: no cover - the recorders' own chain
        raise ArchiveError(f"{name}: the restored store's root differs from the archive's")
    return len(stored)


__all__ = ["FORMAT", "ArchiveSummary", "export_archive", "read_archive", "restore_archive"]
