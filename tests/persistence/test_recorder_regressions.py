"""Regression tests for what eventsourcing's own test cases found in our recorders
(tests/persistence/upstream): each fault, alone, on the smallest store that shows it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal
from uuid import uuid4

import pytest
from eventsourcing.persistence import IntegrityError, StoredEvent, Tracking
from eventsourcing.postgres import PostgresDatastore
from eventsourcing.sqlite import SQLiteDatastore
from hypothesis import given
from hypothesis import strategies as st

from tests.persistence.upstream.chaincheck import chain_problems
from trustengine.persistence.chain import Seal
from trustengine.persistence.pgnames import IDENTIFIER_BYTES, derived_name
from trustengine.persistence.recorders import ChainedSQLiteRecorder, sqlite_chain_tables
from trustengine.persistence.target import parse_target


def events(stream: Any, versions: range, topic: str = "t") -> list[StoredEvent]:
    return [StoredEvent(stream, v, topic, f"state {v}".encode()) for v in versions]


# --- SQLite: the chain follows the recorder's own events table ---------------------------


def test_a_custom_events_table_alone_in_its_file_verifies(tmp_path: Path) -> None:
    recorder = ChainedSQLiteRecorder(
        SQLiteDatastore(str(tmp_path / "s.db")), events_table_name="custom_events"
    )
    recorder.create_table()
    recorder.insert_events(events(uuid4(), range(1, 4)))

    assert len(recorder.links_between(1, 3)) == 3
    assert chain_problems(recorder) == []


def test_a_custom_events_table_keeps_a_chain_apart_from_the_default_tables(
    tmp_path: Path,
) -> None:
    datastore = SQLiteDatastore(str(tmp_path / "s.db"))
    default = ChainedSQLiteRecorder(datastore)
    custom = ChainedSQLiteRecorder(datastore, events_table_name="custom_events")
    default.create_table()
    custom.create_table()
    default.insert_events(events(uuid4(), range(1, 3), "default"))
    mine = events(uuid4(), range(1, 4), "custom")
    custom.insert_events(mine)

    assert custom.chain_head().events == 3
    assert default.chain_head().events == 2
    assert set(custom.links_between(1, 10)) == {1, 2, 3}
    by_position = custom.stream_links(mine[0].originator_id)
    assert custom.links_between(1, 10) == {n: by_position[n] for n in (1, 2, 3)}
    assert chain_problems(custom) == []
    assert chain_problems(default) == []


def test_the_default_events_table_keeps_the_chain_tables_every_store_has() -> None:
    assert sqlite_chain_tables("stored_events") == ("event_hashes", "ledger_head")
    assert sqlite_chain_tables("custom_events") == ("custom_events_hashes", "custom_events_head")


# --- PostgreSQL: names within 63 bytes ---------------------------------------------------

postgres_only = pytest.mark.postgres


def test_a_derived_name_that_fits_is_the_table_name_and_its_suffix() -> None:
    assert derived_name("trustengine_events", "_hashes") == "trustengine_events_hashes"


def test_long_derived_names_are_cut_to_63_bytes_and_stay_apart() -> None:
    limit = IDENTIFIER_BYTES
    table = "e" * 61  # PostgreSQL itself would name its hashes and head tables both e..._h
    names = {derived_name(table, suffix) for suffix in ("_hashes", "_head", "_meta")}
    assert len(names) == 3
    assert all(len(name.encode()) == limit for name in names)
    assert derived_name(table, "_head").endswith("_head")


@given(st.text(min_size=1, max_size=90).filter(lambda t: "\x00" not in t))
def test_every_derived_name_fits_ends_with_its_suffix_and_differs_by_suffix(table: str) -> None:
    limit = IDENTIFIER_BYTES
    hashes, head = derived_name(table, "_hashes"), derived_name(table, "_head")
    assert len(hashes.encode()) <= limit and len(head.encode()) <= limit
    assert hashes.endswith("_hashes") and head.endswith("_head")
    assert hashes != head


@pytest.fixture
def pg_settings(postgres_target: str) -> dict[str, str]:
    return parse_target(postgres_target).env


@pytest.fixture
def pg_datastore(pg_settings: dict[str, str]) -> Iterator[Any]:
    made: list[PostgresDatastore] = []

    def datastore(originator_id_type: Literal["uuid", "text"] = "uuid") -> PostgresDatastore:
        s = pg_settings
        made.append(
            PostgresDatastore(
                s["POSTGRES_DBNAME"],
                s["POSTGRES_HOST"],
                s["POSTGRES_PORT"],
                s["POSTGRES_USER"],
                s["POSTGRES_PASSWORD"],
                schema=s["POSTGRES_SCHEMA"],
                originator_id_type=originator_id_type,
            )
        )
        return made[-1]

    yield datastore
    for store in made:
        store.close()


@postgres_only
def test_a_61_byte_events_table_gets_separate_hashes_and_head_tables(pg_datastore: Any) -> None:
    from trustengine.persistence.postgres import ChainedPostgresRecorder

    recorder = ChainedPostgresRecorder(pg_datastore(), events_table_name="e" * 61)
    recorder.create_table()
    recorder.insert_events(events(uuid4(), range(1, 4)))

    assert recorder.chain_head().events == 3
    assert chain_problems(recorder) == []


@postgres_only
def test_a_table_named_like_anothers_cut_hashes_table_keeps_its_own_chain(
    pg_datastore: Any,
) -> None:
    from trustengine.persistence.postgres import ChainedPostgresRecorder

    first = "x" * 56 + "_evts"  # 61 bytes: PostgreSQL would cut its hashes table to ...
    second = first + "_h"  # ... this, another events table's name
    datastore = pg_datastore()
    recorders = [ChainedPostgresRecorder(datastore, events_table_name=n) for n in (first, second)]
    for recorder in recorders:
        recorder.create_table()
    recorders[0].insert_events(events(uuid4(), range(1, 3)))
    recorders[1].insert_events(events(uuid4(), range(1, 4)))

    assert [r.chain_head().events for r in recorders] == [2, 3]
    assert [chain_problems(r) for r in recorders] == [[], []]


# --- PostgreSQL: text stream ids -------------------------------------------------------


@postgres_only
def test_text_stream_ids_are_chained_on_postgres(pg_datastore: Any) -> None:
    from trustengine.persistence.postgres import ChainedPostgresRecorder

    recorder = ChainedPostgresRecorder(pg_datastore("text"))
    recorder.create_table()
    recorder.insert_events(events("order-1", range(1, 3)) + events("order-2", range(1, 2)))
    recorder.insert_events(events("order-1", range(3, 4)))

    assert recorder.chain_head().events == 4
    assert sorted(recorder.stream_links("order-1")) == [1, 2, 3]
    assert chain_problems(recorder) == []


# --- PostgreSQL: eventsourcing's insert hook, and so tracking records, kept -------------


@postgres_only
def test_the_process_recorder_commits_its_tracking_record_with_chained_events(
    pg_datastore: Any,
) -> None:
    from trustengine.persistence.postgres import ChainedPostgresProcessRecorder

    recorder = ChainedPostgresProcessRecorder(pg_datastore())
    recorder.create_table()
    recorder.insert_events(events(uuid4(), range(1, 3)), tracking=Tracking("upstream", 7))
    assert recorder.max_tracking_id("upstream") == 7
    recorder.insert_events([], tracking=Tracking("upstream", 8))
    assert recorder.max_tracking_id("upstream") == 8

    refused = events(uuid4(), range(1, 2))
    with pytest.raises(IntegrityError):  # a tracking record repeated: nothing is stored
        recorder.insert_events(refused, tracking=Tracking("upstream", 8))
    assert recorder.select_events(refused[0].originator_id) == []
    assert recorder.chain_head().events == 2
    assert chain_problems(recorder) == []


@postgres_only
def test_insert_events_runs_eventsourcings_hook_inside_its_transaction(
    pg_datastore: Any,
) -> None:
    from trustengine.persistence.postgres import ChainedPostgresRecorder

    seen: list[tuple[int, dict[str, Any]]] = []

    class Hooked(ChainedPostgresRecorder):
        def _insert_events(self, curs: Any, stored_events: Any, **kwargs: Any) -> None:
            seen.append((len(stored_events), kwargs))
            curs.execute("SELECT 1")  # the insert's own cursor, in its transaction

    recorder = Hooked(pg_datastore())
    recorder.create_table()
    recorder.insert_events(events(uuid4(), range(1, 3)), tracking=Tracking("up", 1))

    assert seen == [(2, {"tracking": Tracking("up", 1)})]
    assert recorder.chain_head() != Seal(0, "0" * 64)


# --- Every backend: a stream that starts at position 0 ---------------------------------


@pytest.mark.parametrize(
    "backend", ["memory", "sqlite", pytest.param("postgres", marks=postgres_only)]
)
def test_a_stream_from_position_0_chains_its_next_batch_to_that_event(
    backend: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    from trustengine.persistence.recorders import ChainedPOPORecorder

    recorder: Any
    if backend == "memory":
        recorder = ChainedPOPORecorder()
    elif backend == "sqlite":
        recorder = ChainedSQLiteRecorder(SQLiteDatastore(str(tmp_path / "s.db")))
    else:
        from trustengine.persistence.postgres import ChainedPostgresRecorder

        recorder = ChainedPostgresRecorder(request.getfixturevalue("pg_datastore")())
    getattr(recorder, "create_table", lambda: None)()
    stream = uuid4()
    recorder.insert_events(events(stream, range(0, 1)))
    recorder.insert_events(events(stream, range(1, 3)))

    assert chain_problems(recorder) == []
