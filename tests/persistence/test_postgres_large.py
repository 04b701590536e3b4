"""Large all-or-nothing batches into PostgreSQL: stored whole, in order, and never hung.

One ``INSERT`` of some 20,000 events sent through psycopg's pipeline could leave client
and server waiting on each other for ever; the recorder now sends a big batch in slices
inside one transaction. Each import runs in a child process under a timeout, so a hang
fails its test instead of stalling the run.
"""

from __future__ import annotations

import subprocess
import sys
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from eventsourcing.persistence import IntegrityError, StoredEvent

from trustengine import TrustEngine
from trustengine.exceptions import BatchRejectedError
from trustengine.integrity.verify import verify
from trustengine.persistence.chain import GENESIS, Seal
from trustengine.persistence.postgres import SLICE_EVENTS
from trustengine.testing.synth import generate_history

pytestmark = pytest.mark.postgres

EVENTS, CUSTOMERS = 30_000, 1500
IMPORT_TIMEOUT = 180  # seconds; the import itself takes a few here

IMPORT = """
import sys
from trustengine import TrustEngine
from trustengine.testing.synth import generate_history

engine = TrustEngine(sys.argv[1])
print(engine.record_many(generate_history(int(sys.argv[3]), int(sys.argv[2]))))
engine.close()
"""


def stored_rows(engine: TrustEngine) -> dict[str, Any]:
    """What the events table holds: how many rows, distinct keys and notification ids."""
    recorder: Any = engine.recorder
    table = f'"{recorder.datastore.schema}"."{recorder.events_table_name}"'
    with recorder.datastore.transaction(commit=False) as cursor:
        cursor.execute(
            f"SELECT COUNT(*) AS n, "  # noqa: S608 - identifiers of our own test schema
            f"COUNT(DISTINCT (originator_id, originator_version)) AS keys, "
            f"MIN(notification_id) AS first, MAX(notification_id) AS last FROM {table}"
        )
        return dict(cursor.fetchone())


@pytest.mark.parametrize("attempt", [1, 2, 3])
def test_one_batch_of_thirty_thousand_events_is_stored_whole_with_gapless_ids(
    postgres_target: str, attempt: int
) -> None:
    try:
        done = subprocess.run(
            [sys.executable, "-c", IMPORT, postgres_target, str(EVENTS), str(CUSTOMERS)],
            capture_output=True,
            text=True,
            timeout=IMPORT_TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"import {attempt} of {EVENTS} events hung for {IMPORT_TIMEOUT} s")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == str(EVENTS)

    engine = TrustEngine(postgres_target)
    try:
        assert stored_rows(engine) == {"n": EVENTS, "keys": EVENTS, "first": 1, "last": EVENTS}
        assert engine.chain.links_count() == EVENTS
        assert engine.chain.chain_head().events == EVENTS
        assert verify(engine).ok
    finally:
        engine.close()


@pytest.fixture
def pg_engine(postgres_target: str) -> Iterator[TrustEngine]:
    engine = TrustEngine(postgres_target)
    yield engine
    engine.close()


def test_a_batch_failing_its_rules_past_the_first_slice_stores_nothing(
    pg_engine: TrustEngine,
) -> None:
    batch: list[dict[str, Any]] = list(generate_history(200, 3 * SLICE_EVENTS))
    batch[-1] = {**batch[-1], "type": "NoSuchEvent"}

    with pytest.raises(BatchRejectedError):
        pg_engine.record_many(batch)

    assert stored_rows(pg_engine)["n"] == 0
    assert pg_engine.chain.links_count() == 0


def test_a_conflict_in_the_last_slice_rolls_back_the_slices_already_inserted(
    pg_engine: TrustEngine,
) -> None:
    recorder: Any = pg_engine.recorder
    stream = uuid.uuid4()
    events = [
        StoredEvent(stream, version, "tests:Event", b"{}")
        for version in range(1, 2 * SLICE_EVENTS + 2)
    ]
    clash = StoredEvent(stream, 1, "tests:Event", b"{}")  # the first event's key again

    with pytest.raises(IntegrityError):
        recorder.insert_events([*events, clash])

    assert stored_rows(pg_engine)["n"] == 0
    assert pg_engine.chain.links_count() == 0
    assert pg_engine.chain.chain_head() == Seal(0, GENESIS)
    ids = recorder.insert_events(events)
    assert len(ids) == len(events) == len(set(ids))
    assert list(ids) == list(range(ids[0], ids[0] + len(events)))
    assert stored_rows(pg_engine)["n"] == len(events)
    assert pg_engine.chain.links_count() == len(events)
