"""The projector: rebuilds are repeatable, interrupted ones resume, catching up is
exactly once, and the position it tracks moves with the rows it writes."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.examples import event
from tests.readmodel.conftest import dump
from trustengine import TrustEngine
from trustengine.exceptions import ReadModelError
from trustengine.readmodel import ReadModel, read_model
from trustengine.readmodel.schema import TABLES

Opener = Callable[..., ReadModel]
ROOT = Path(__file__).resolve().parents[2]


class Interrupted(Exception):
    """Raised from a progress callback to stop a rebuild part-way."""


def stop_after(batches: int) -> Callable[[int], None]:
    calls = []

    def progress(_done: int) -> None:
        calls.append(1)
        if len(calls) == batches:
            raise Interrupted

    return progress


def count(model: ReadModel, table: str) -> int:
    return int(model.db.table(table).count)


def test_rebuilding_twice_gives_identical_tables(
    synth_engine: TrustEngine, read_models: Opener
) -> None:
    model = read_models(synth_engine)
    assert model.rebuild() == 4000
    first = dump(model.db)

    assert model.rebuild() == 4000

    assert dump(model.db) == first
    assert len(first["timeline"]) == 4000
    assert len(first["score_history"]) == 4000
    assert len(first["customers"]) == 200
    assert first["view_tracking"][0][1] == 4000


def test_a_rebuild_stopped_part_way_then_caught_up_equals_a_clean_rebuild(
    synth_engine: TrustEngine, read_models: Opener
) -> None:
    model = read_models(synth_engine, batch_size=300)
    with pytest.raises(Interrupted):
        model.rebuild(progress=stop_after(4))
    assert model.position() == 1200
    assert count(model, "timeline") == 1200
    model.close()

    resumed = read_models(synth_engine, batch_size=300)  # a new process: nothing cached
    assert resumed.catch_up() == 2800
    after_resume = dump(resumed.db)
    resumed.rebuild()

    assert dump(resumed.db) == after_resume


def test_a_rebuild_killed_in_another_process_is_continued_by_the_next_catch_up(
    synth_engine: TrustEngine, sqlite_db: str, read_models: Opener
) -> None:
    script = (
        "import sys, time\n"
        "from trustengine import TrustEngine\n"
        "from trustengine.readmodel import ReadModel\n"
        "model = ReadModel(TrustEngine(sys.argv[1]), batch_size=100)\n"
        "model.rebuild(progress=lambda n: time.sleep(0.05))\n"
    )
    child = subprocess.Popen([sys.executable, "-c", script, sqlite_db], cwd=ROOT)
    model = read_models(synth_engine, batch_size=100)
    try:
        deadline = time.monotonic() + 60
        while model.position() < 1000:
            assert child.poll() is None, "the rebuild ended before it could be killed"
            assert time.monotonic() < deadline
            time.sleep(0.01)
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.wait()
    killed_at = model.position()
    assert 1000 <= killed_at < 4000
    assert count(model, "timeline") == killed_at

    assert model.catch_up() == 4000 - killed_at
    after_resume = dump(model.db)
    model.rebuild()

    assert dump(model.db) == after_resume


def test_catching_up_processes_only_new_events_exactly_once(
    demo_engine: TrustEngine, read_models: Opener
) -> None:
    model = read_models(demo_engine)
    assert model.catch_up() == 83
    assert model.catch_up() == 0
    demo_engine.record_many(
        [
            event(
                "ComplaintFiled",
                "cust-amelia",
                "C-2001",
                at="2026-06-01T09:00:00+00:00",
                category="billing",
                severity=2,
                cause="billing_error",
                summary="Charged twice",
            ),
            event(
                "ComplaintAcknowledged",
                "cust-amelia",
                "C-2001",
                at="2026-06-01T09:10:00+00:00",
                actor="agent-3",
            ),
            event("CustomerRegistered", "cust-new", at="2026-06-01T10:00:00+00:00"),
        ]
    )

    assert model.catch_up() == 3

    assert model.position() == 86
    assert count(model, "timeline") == 86
    assert count(model, "score_history") == 86
    assert count(model, "customers") == 6
    duplicates = model.db.execute(
        "SELECT customer, position FROM timeline GROUP BY customer, position HAVING COUNT(*) > 1"
    ).fetchall()
    assert duplicates == []
    amelia = model.state("cust-amelia")
    assert amelia["events"] == 21
    assert amelia["open_cases"] == 1
    assert [row["type"] for row in model.timeline("cust-amelia")][-2:] == [
        "ComplaintFiled",
        "ComplaintAcknowledged",
    ]
    assert model.catch_up() == 0


def test_two_read_models_of_one_store_never_process_an_event_twice(
    demo_engine: TrustEngine, read_models: Opener
) -> None:
    first = read_models(demo_engine)
    second = read_models(demo_engine)
    assert first.catch_up() == 83
    demo_engine.record(
        event(
            "CustomerContacted",
            "cust-chen",
            at="2026-06-01T09:00:00+00:00",
            direction="inbound",
            sentiment=0.5,
        )
    )

    assert second.catch_up() == 1
    assert first.catch_up() == 0

    assert first.position() == second.position() == 84
    together = dump(first.db)
    first.rebuild()
    assert dump(first.db) == together


def test_states_reread_from_the_table_fold_on_exactly_as_cached_ones(
    synth_engine: TrustEngine, read_models: Opener
) -> None:
    cached = read_models(synth_engine)
    cached.rebuild()
    expected = dump(cached.db)

    evicting = read_models(synth_engine, batch_size=7, cache_size=1)
    evicting.rebuild()

    assert dump(evicting.db) == expected


def test_a_failed_batch_leaves_the_tables_and_position_as_they_were(
    demo_engine: TrustEngine, read_models: Opener, monkeypatch: pytest.MonkeyPatch
) -> None:
    model = read_models(demo_engine, batch_size=50)
    model.catch_up()
    demo_engine.record(
        event(
            "CustomerContacted",
            "cust-chen",
            at="2026-06-01T09:00:00+00:00",
            direction="inbound",
            sentiment=0.5,
        )
    )
    before = dump(model.db)
    projector = model.projector()

    def broken_flush(_buffer: object) -> None:
        # What SQLite raises then: the views database's fault, not the event's, so the
        # batch fails rather than set the event aside.
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(projector, "_flush_states", broken_flush)
    with pytest.raises(ReadModelError, match="database or disk is full"):
        model.catch_up()
    assert dump(model.db) == before
    monkeypatch.undo()

    assert model.catch_up() == 1
    assert model.position() == 84


def test_a_views_file_of_another_store_is_refused(
    tmp_path: Path, demo_engine: TrustEngine, read_models: Opener
) -> None:
    views = str(tmp_path / "views.db")
    read_models(demo_engine, views).catch_up()
    other = TrustEngine(str(tmp_path / "other.db"))
    try:
        with pytest.raises(ReadModelError, match="holds the read model of sqlite:"):
            ReadModel(other, views)
    finally:
        other.close()


def test_a_memory_store_keeps_its_read_model_in_memory(read_models: Opener) -> None:
    engine = TrustEngine(":memory:")
    try:
        engine.record(event("CustomerRegistered", "cust-1", tier="vip"))
        model = read_models(engine)
        assert model.location == ":memory:"
        assert model.catch_up() == 1
        assert model.state("cust-1")["phase"] == "steady"
        with pytest.raises(ReadModelError, match="keeps its read model in memory"):
            ReadModel(engine, "views.db")
    finally:
        engine.close()


def test_a_policy_change_makes_the_next_catch_up_rebuild(
    demo_engine: TrustEngine, read_models: Opener
) -> None:
    model = read_models(demo_engine)
    model.catch_up()
    model.db.execute("UPDATE view_meta SET value = 'old' WHERE key = 'fingerprint'")

    assert model.is_stale()
    assert model.catch_up() == 83
    assert not model.is_stale()
    assert count(model, "timeline") == 83


def test_a_projector_refuses_tables_rebuilt_under_other_policies_meanwhile(
    demo_engine: TrustEngine, read_models: Opener
) -> None:
    first = read_models(demo_engine)
    first.catch_up()
    read_models(demo_engine).rebuild(sla="sla-eu-psd2")
    demo_engine.record(
        event(
            "CustomerContacted",
            "cust-chen",
            at="2026-06-01T09:00:00+00:00",
            direction="inbound",
            sentiment=0.5,
        )
    )

    with pytest.raises(ReadModelError, match="rebuilt under other policies"):
        first.catch_up()
    assert first.position() == 83

    reopened = read_models(demo_engine)
    assert reopened.catch_up() == 1
    assert reopened.state("cust-chen")["sla_policy"] == "sla-eu-psd2"


def test_rebuild_takes_over_a_views_file_of_another_store_when_asked(
    tmp_path: Path, demo_engine: TrustEngine, read_models: Opener
) -> None:
    views = str(tmp_path / "views.db")
    read_models(demo_engine, views).catch_up()
    other = TrustEngine(str(tmp_path / "other.db"))
    try:
        other.record(event("CustomerRegistered", "cust-other"))
        adopted = read_models(other, views, adopt=True)

        assert adopted.rebuild() == 1

        assert [row[0] for row in adopted.db.execute("SELECT customer FROM customers")] == [
            "cust-other"
        ]
        assert read_models(other, views).catch_up() == 0
    finally:
        other.close()


def test_tables_of_the_same_names_that_are_not_a_read_model_are_never_touched(
    tmp_path: Path, demo_engine: TrustEngine
) -> None:
    views = tmp_path / "app.db"
    with sqlite3.connect(views) as conn:
        conn.execute("CREATE TABLE customers (id INTEGER PRIMARY KEY, email TEXT)")
        conn.execute("INSERT INTO customers VALUES (1, 'ana@example.com')")

    with pytest.raises(ReadModelError, match="customers that are not a trustengine read model"):
        ReadModel(demo_engine, str(views), adopt=True)

    with sqlite3.connect(views) as conn:
        assert conn.execute("SELECT * FROM customers").fetchall() == [(1, "ana@example.com")]


def test_a_store_locked_by_another_writer_is_a_read_model_error_not_a_crash(
    demo_engine: TrustEngine,
    sqlite_db: str,
    read_models: Opener,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("trustengine.readmodel.location.LOCK_TIMEOUT", 0.1)
    model = read_models(demo_engine)
    blocker = sqlite3.connect(sqlite_db, isolation_level=None)
    try:
        blocker.execute("BEGIN IMMEDIATE")
        with pytest.raises(ReadModelError, match=f"read model {sqlite_db}: database is locked"):
            model.catch_up()
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()

    assert model.catch_up() == 83


def test_a_views_file_of_the_previous_version_is_rebuilt_not_misread(
    demo_engine: TrustEngine, read_models: Opener, monkeypatch: pytest.MonkeyPatch
) -> None:
    model = read_models(demo_engine)
    model.catch_up()
    expected = dump(model.db)
    # What version 1 left behind: no satisfaction table, and its own fingerprint.
    with monkeypatch.context() as patch:
        patch.setattr(read_model, "VIEWS_VERSION", "1")
        patch.setattr(read_model, "TABLES", tuple(s for s in TABLES if s.name != "satisfaction"))
        read_model.fingerprint.cache_clear()
        meta = model.meta()
        old = read_model.fingerprint(meta["policy"], meta["sla_policy"])
    read_model.fingerprint.cache_clear()
    model.db.execute("DROP TABLE satisfaction")
    model.db.execute("UPDATE view_meta SET value = ? WHERE key = 'fingerprint'", (old,))
    model.close()

    reopened = read_models(demo_engine)

    assert reopened.is_stale()
    assert reopened.catch_up() == 83
    assert not reopened.is_stale()
    assert count(reopened, "satisfaction") == 5
    assert dump(reopened.db) == expected
