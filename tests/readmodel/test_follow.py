"""The Follower: catches a read model up whenever woken, exactly once, until stopped.

Most tests inject the stop event and the wait function, so they run without real time:
the wait function is where "meanwhile, another engine stored events" happens.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlite_utils
from eventsourcing.persistence import OperationalError, ProgrammingError

from tests.conftest import terminate_connections
from tests.readmodel.conftest import dump
from trustengine import TrustEngine
from trustengine.readmodel import ReadModel
from trustengine.readmodel.follow import Follower
from trustengine.testing.synth import generate_history

HISTORY = generate_history(20, 300)
"""300 events of 20 customers, in business-time order: any prefix is a valid history."""

Tables = dict[str, list[tuple[Any, ...]]]


@pytest.fixture
def engines(tmp_path: Path) -> Iterator[Callable[[str], TrustEngine]]:
    opened: list[TrustEngine] = []

    def open_engine(target: str) -> TrustEngine:
        engine = TrustEngine(target)
        opened.append(engine)
        return engine

    yield open_engine
    for engine in reversed(opened):
        engine.close()


@pytest.fixture
def store(tmp_path: Path) -> str:
    return str(tmp_path / "trust.db")


def tables(db: sqlite_utils.Database) -> Tables:
    """Every read-model table's rows but ``view_meta``'s (which names where it was built)."""
    out = dump(db)
    del out["view_meta"]
    return out


def rebuilt(engine: TrustEngine, views: Path) -> Tables:
    """The tables of a clean rebuild of ``engine``'s whole store into ``views``."""
    with ReadModel(engine, str(views)) as fresh:
        fresh.rebuild()
        return tables(fresh.db)


def test_a_follower_catches_up_each_time_it_is_woken_until_stopped(
    engines: Callable[[str], TrustEngine], store: str, tmp_path: Path
) -> None:
    writer, reader = engines(store), engines(store)
    writer.record_many(HISTORY[:100])
    stop = threading.Event()
    later = [HISTORY[100:200], HISTORY[200:]]
    waits: list[float] = []
    batches: list[tuple[int, int]] = []

    def wait(timeout: float) -> None:
        waits.append(timeout)
        if later:
            writer.record_many(later.pop(0))
        else:
            stop.set()

    with ReadModel(reader) as model:
        follower = Follower(
            model, poll=7, stop=stop, wait=wait, on_batch=lambda n, p: batches.append((n, p))
        )
        processed = follower.run()
        followed = tables(model.db)

    assert processed == 300
    assert waits == [7, 7, 7]
    assert batches == [(100, 100), (100, 200), (100, 300)]
    assert followed == rebuilt(reader, tmp_path / "fresh.db")


def test_a_follower_told_to_stop_mid_backlog_finishes_its_batch_and_the_next_continues(
    engines: Callable[[str], TrustEngine], store: str, tmp_path: Path
) -> None:
    writer, reader = engines(store), engines(store)
    writer.record_many(HISTORY)
    stop = threading.Event()

    with ReadModel(reader, batch_size=40) as model:
        first = Follower(model, stop=stop, wait=lambda _t: None, on_batch=lambda _n, _p: stop.set())
        assert first.run() == 40
        assert model.position() == 40
    with ReadModel(reader, batch_size=40) as model:
        second = Follower(model, stop=threading.Event(), wait=lambda _t: None)
        assert second.catch_up() == 260
        assert second.catch_up() == 0
        followed = tables(model.db)

    assert followed == rebuilt(reader, tmp_path / "fresh.db")


def test_a_follower_stopped_before_it_runs_processes_nothing(
    engines: Callable[[str], TrustEngine], store: str
) -> None:
    engines(store).record_many(HISTORY[:10])
    stop = threading.Event()
    stop.set()

    with ReadModel(engines(store)) as model:
        assert Follower(model, stop=stop, wait=lambda _t: None).run() == 0
        assert model.position() == 0


def failing(engine: TrustEngine, errors: list[Exception]) -> None:
    """Make the engine's store raise ``errors`` one by one, then work again."""
    real = engine.recorder.max_notification_id

    def max_notification_id() -> int | None:
        if errors:
            raise errors.pop(0)
        return real()

    engine.recorder.max_notification_id = max_notification_id  # type: ignore[method-assign]


def test_an_unreachable_store_is_retried_with_growing_pauses_and_said_on_the_log(
    engines: Callable[[str], TrustEngine], store: str
) -> None:
    reader = engines(store)
    engines(store).record_many(HISTORY[:50])
    failing(reader, [OperationalError("server closed the connection"), OperationalError("gone")])
    stop, lines = threading.Event(), []

    with ReadModel(reader) as model:
        follower = Follower(
            model, stop=stop, wait=lambda _t: stop.set(), log=lines.append, retry_delays=(0, 0.001)
        )
        assert follower.run() == 50

    assert lines == [
        "cannot reach the store (server closed the connection); retrying in 0 s",
        "cannot reach the store (gone); retrying in 0.001 s",
        "the store is reachable again; following",
    ]


def test_a_stop_during_a_retry_pause_ends_the_run_at_once(
    engines: Callable[[str], TrustEngine], store: str
) -> None:
    reader = engines(store)
    stop = threading.Event()

    def unreachable() -> int | None:
        stop.set()
        raise OperationalError("connection refused")

    reader.recorder.max_notification_id = unreachable  # type: ignore[method-assign]
    with ReadModel(reader) as model:
        follower = Follower(model, stop=stop, wait=lambda _t: None, retry_delays=(3600,))
        assert follower.run() == 0


def test_an_error_that_retrying_cannot_mend_ends_the_run(
    engines: Callable[[str], TrustEngine], store: str
) -> None:
    reader = engines(store)
    failing(reader, [ProgrammingError('relation "trustengine_events" does not exist')])

    with ReadModel(reader) as model, pytest.raises(ProgrammingError):
        Follower(model, wait=lambda _t: None).run()


def test_on_sqlite_the_follower_polls_and_a_stop_ends_its_wait(
    engines: Callable[[str], TrustEngine], store: str
) -> None:
    stop = threading.Event()
    with ReadModel(engines(store)) as model, Follower(model, stop=stop) as follower:
        follower.open()
        assert follower.mode == "poll"
        threading.Timer(0.05, stop.set).start()
        started = time.monotonic()
        follower.wait(3600)
        assert time.monotonic() - started < 60


def test_a_poll_interval_must_be_positive(
    engines: Callable[[str], TrustEngine], store: str
) -> None:
    with ReadModel(engines(store)) as model, pytest.raises(ValueError, match="positive"):
        Follower(model, poll=0)


# --- PostgreSQL: LISTEN/NOTIFY ---------------------------------------------------------


@pytest.mark.postgres
def test_on_postgresql_a_write_elsewhere_wakes_the_follower_long_before_its_poll(
    engines: Callable[[str], TrustEngine], postgres_target: str, tmp_path: Path
) -> None:
    writer, reader = engines(postgres_target), engines(postgres_target)
    views = str(tmp_path / "views.db")
    with ReadModel(reader, views) as model, Follower(model, poll=3600) as follower:
        follower.open()
        assert follower.mode == "listen"
        assert follower.catch_up() == 0
        writer.record_many(HISTORY[:25])
        started = time.monotonic()
        follower.wait(3600)
        woken_after = time.monotonic() - started
        assert follower.catch_up() == 25
    assert woken_after < 60


@pytest.mark.postgres
def test_a_listener_hears_each_insert_once_however_many_events_it_stored(
    engines: Callable[[str], TrustEngine], postgres_target: str
) -> None:
    from trustengine.persistence.postgres import Listener

    writer = engines(postgres_target)
    listener = Listener(writer.target.env, writer.recorder.channel_name)  # type: ignore[attr-defined]
    try:
        assert listener.wait(0) is False
        writer.record_many(HISTORY[:30])
        assert listener.wait(60) is True
        assert listener.wait(0) is False
    finally:
        listener.close()


@pytest.mark.postgres
def test_a_lost_listen_connection_is_reopened_and_said_on_the_log(
    engines: Callable[[str], TrustEngine],
    postgres_target: str,
    postgres_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    writer, reader = engines(postgres_target), engines(postgres_target)
    tag = f"te-follow-{uuid.uuid4().hex[:12]}"
    monkeypatch.setenv("PGAPPNAME", tag)  # libpq names the connections opened from here on
    lines: list[str] = []
    with (
        ReadModel(reader, str(tmp_path / "views.db")) as model,
        Follower(model, poll=3600, log=lines.append, retry_delays=(0,)) as follower,
    ):
        follower.open()
        assert terminate_connections(postgres_url, tag) == 1
        follower.wait(3600)  # notices the loss, listens again, and wakes to catch up
        writer.record_many(HISTORY[:5])
        follower.wait(3600)  # woken by the new connection
        assert follower.catch_up() == 5

    assert len(lines) == 2
    assert lines[0].startswith("lost the LISTEN connection (")
    assert lines[0].endswith("); polling every 3600 s, listening again in 0 s")
    assert lines[1] == "listening for new events again"


@pytest.mark.postgres
def test_views_followed_on_postgresql_equal_a_clean_rebuild(
    engines: Callable[[str], TrustEngine], postgres_target: str, tmp_path: Path
) -> None:
    writer, reader = engines(postgres_target), engines(postgres_target)
    stop = threading.Event()
    later = [HISTORY[:150], HISTORY[150:]]

    def wait(_timeout: float) -> None:
        if later:
            writer.record_many(later.pop(0))
        else:
            stop.set()

    with ReadModel(reader, str(tmp_path / "views.db")) as model:
        assert Follower(model, stop=stop, wait=wait).run() == 300
    views = sqlite_utils.Database(tmp_path / "views.db")
    followed = tables(views)
    views.close()

    assert followed == rebuilt(reader, tmp_path / "fresh.db")
