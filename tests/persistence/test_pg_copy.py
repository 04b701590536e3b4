"""A bulk import's chunks into PostgreSQL by COPY (persistence/pgbulk.py): the very rows,
notification ids, hashes and head the INSERT path stores, and nothing of a failed one."""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator, Sequence
from typing import Any

import psycopg
import pytest
from eventsourcing.persistence import IntegrityError, StoredEvent
from psycopg import sql

from trustengine import TrustEngine
from trustengine.persistence.bulk import bulk_insert

pytestmark = pytest.mark.postgres

TOPIC = "trustengine.domain.events:CustomerContacted"


def stored_events(count: int, streams: int, seed: int, after: dict[uuid.UUID, int]) -> list[Any]:
    """``count`` events over ``streams`` streams, each stream's versions following ``after``
    (updated), with payloads of random bytes (every byte value, empty ones too)."""
    rng = random.Random(seed)  # noqa: S311 - test data, not secrets
    ids = [uuid.UUID(int=rng.getrandbits(128)) for _ in range(streams)]
    events = []
    for _ in range(count):
        stream = rng.choice(ids)
        version = after[stream] = after.get(stream, 0) + 1
        state = bytes(rng.getrandbits(8) for _ in range(rng.randrange(0, 300)))
        events.append(StoredEvent(stream, version, TOPIC, state))
    return events


def everything(engine: TrustEngine) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the events, hashes and head tables, in notification id or key order."""
    recorder: Any = engine.recorder
    schema, table = recorder.datastore.schema, recorder.events_table_name
    queries = {
        "events": f'SELECT notification_id, originator_id, originator_version, topic, state FROM "{schema}"."{table}" ORDER BY notification_id',  # noqa: E501, S608
        "hashes": f'SELECT originator_id, originator_version, hash FROM "{schema}"."{table}_hashes" ORDER BY 1, 2',  # noqa: E501, S608
        "head": f'SELECT id, events, head FROM "{schema}"."{table}_head"',  # noqa: S608
    }
    found = {}
    with recorder.datastore.transaction(commit=False) as cursor:
        for name, query in queries.items():
            cursor.execute(query)
            found[name] = [
                tuple(bytes(v) if isinstance(v, memoryview) else v for v in row.values())
                for row in cursor.fetchall()
            ]
    return found


def chunks(events: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(events), size):
        yield events[start : start + size]


@pytest.fixture
def two_stores(postgres_url: str) -> Iterator[tuple[TrustEngine, TrustEngine]]:
    """Two engines, each on a fresh schema of its own (dropped after, key stores too)."""
    names = [f"te_copy_{uuid.uuid4().hex}" for _ in range(2)]
    engines = [TrustEngine(f"{postgres_url}?schema={name}") for name in names]
    try:
        yield engines[0], engines[1]
    finally:
        for engine in engines:
            engine.close()
        with psycopg.connect(postgres_url, autocommit=True) as admin:
            for name in names:
                for schema in (name, f"{name}_keys"):
                    admin.execute(
                        sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema))
                    )


def test_copied_chunks_store_the_rows_ids_hashes_and_head_the_insert_path_stores(
    two_stores: tuple[TrustEngine, TrustEngine],
) -> None:
    copied, inserted = two_stores
    versions: dict[uuid.UUID, int] = {}
    first = stored_events(2500, 40, seed=1, after=versions)
    second = stored_events(1500, 60, seed=2, after=versions)  # continues some streams
    for batch in (first, second):
        with bulk_insert(copied.recorder) as insert:
            for chunk in chunks(batch, 700):
                insert(chunk)
        for chunk in chunks(batch, 700):
            inserted.recorder.insert_events(chunk)
    ours, theirs = everything(copied), everything(inserted)
    assert len(ours["events"]) == len(ours["hashes"]) == 4000
    assert [row[0] for row in ours["events"]] == list(range(1, 4001))
    assert ours == theirs
    assert copied.chain.chain_head().events == 4000


def test_a_chunk_that_fails_mid_copy_leaves_nothing_of_the_import(postgres_target: str) -> None:
    engine = TrustEngine(postgres_target)
    try:
        versions: dict[uuid.UUID, int] = {}
        before = stored_events(300, 10, seed=3, after=versions)
        engine.recorder.insert_events(before)
        kept = everything(engine)
        batch = stored_events(900, 10, seed=4, after=versions)
        taken = StoredEvent(before[0].originator_id, before[0].originator_version, TOPIC, b"")
        with pytest.raises(IntegrityError), bulk_insert(engine.recorder) as insert:
            insert(batch[:450])
            insert([*batch[450:800], taken, *batch[800:]])  # a position already stored
        assert everything(engine) == kept
        bad = StoredEvent(batch[0].originator_id, batch[0].originator_version, TOPIC, "x")  # type: ignore[arg-type]
        with pytest.raises(Exception, match="bytes"), bulk_insert(engine.recorder) as insert:
            insert(batch[:450])
            insert([*batch[450:600], bad, *batch[600:]])  # a row COPY cannot send
        assert everything(engine) == kept
        with bulk_insert(engine.recorder) as insert:  # the store still takes it all
            insert(batch[:450])
            insert(batch[450:])
        assert len(everything(engine)["events"]) == 1200
    finally:
        engine.close()
