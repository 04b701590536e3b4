"""A bulk import's chunks into SQLite (persistence/bulk.py, one ``executemany`` a table):
the very rows, notification ids, hashes and head the recorder's own insert stores, and
nothing of a failed one."""

from __future__ import annotations

import random
import sqlite3
import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from eventsourcing.persistence import IntegrityError, StoredEvent

from trustengine import TrustEngine
from trustengine.persistence.bulk import bulk_insert

TOPIC = "trustengine.domain.events:CustomerContacted"


def stored_events(count: int, streams: int, seed: int, after: dict[uuid.UUID, int]) -> list[Any]:
    """``count`` events over ``streams`` streams, each stream's versions following ``after``
    (updated), with payloads of random bytes (every byte value, empty ones too); a
    stream's events now one after another, now interleaved with others'."""
    rng = random.Random(seed)  # noqa: S311 - test data, not secrets
    ids = [uuid.UUID(int=rng.getrandbits(128)) for _ in range(streams)]
    events = []
    stream = ids[0]
    for _ in range(count):
        if rng.random() < 0.6:
            stream = rng.choice(ids)
        version = after[stream] = after.get(stream, 0) + 1
        state = bytes(rng.getrandbits(8) for _ in range(rng.randrange(0, 300)))
        events.append(StoredEvent(stream, version, TOPIC, state))
    return events


def everything(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the events, hashes and head tables, in notification id or key order."""
    queries = {
        "events": "SELECT rowid, * FROM stored_events ORDER BY rowid",
        "hashes": "SELECT * FROM event_hashes ORDER BY 1, 2",
        "head": "SELECT * FROM ledger_head",
    }
    with sqlite3.connect(path) as db:
        return {name: db.execute(query).fetchall() for name, query in queries.items()}


def chunks(events: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(events), size):
        yield events[start : start + size]


def test_bulk_chunks_store_the_rows_ids_hashes_and_head_the_recorder_stores(
    tmp_path: Path,
) -> None:
    bulk, one_by_one = (
        TrustEngine(str(tmp_path / "bulk.db")),
        TrustEngine(str(tmp_path / "insert.db")),
    )
    try:
        versions: dict[uuid.UUID, int] = {}
        first = stored_events(2500, 40, seed=1, after=versions)
        second = stored_events(1500, 60, seed=2, after=versions)  # continues some streams
        for batch in (first, second):
            with bulk_insert(bulk.recorder) as insert:
                for chunk in chunks(batch, 700):
                    insert(chunk)
            for chunk in chunks(batch, 700):
                one_by_one.recorder.insert_events(chunk)
    finally:
        bulk.close()
        one_by_one.close()
    ours, theirs = everything(tmp_path / "bulk.db"), everything(tmp_path / "insert.db")
    assert len(ours["events"]) == len(ours["hashes"]) == 4000
    assert [row[0] for row in ours["events"]] == list(range(1, 4001))
    assert ours["head"][0][1] == 4000
    assert ours == theirs


def test_a_bulk_chunk_with_a_taken_position_leaves_nothing_of_the_import(
    tmp_path: Path,
) -> None:
    path = tmp_path / "store.db"
    engine = TrustEngine(str(path))
    try:
        versions: dict[uuid.UUID, int] = {}
        before = stored_events(300, 10, seed=3, after=versions)
        engine.recorder.insert_events(before)
        kept = everything(path)
        batch = stored_events(900, 10, seed=4, after=versions)
        taken = StoredEvent(before[0].originator_id, before[0].originator_version, TOPIC, b"")
        with pytest.raises(IntegrityError), bulk_insert(engine.recorder) as insert:
            insert(batch[:450])
            insert([*batch[450:800], taken, *batch[800:]])  # a position already stored
        assert everything(path) == kept
        with bulk_insert(engine.recorder) as insert:  # the store still takes it all
            insert(batch[:450])
            insert(batch[450:])
        assert len(everything(path)["events"]) == 1200
        assert engine.chain.chain_head().events == 1200
    finally:
        engine.close()
