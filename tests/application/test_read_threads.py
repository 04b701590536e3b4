"""One engine shared by the threads of a web app: reads and writes at once, no errors.

Eight threads share one :class:`TrustEngine` and do 2,000 operations in all, a fifth of
them writes. Every read catches the read model up first, so reads race each other's
catch-ups as well as the writes; afterwards the read model must hold every event exactly
once: the same rows as a read model rebuilt from scratch.
"""

from __future__ import annotations

import threading
import traceback
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from trustengine import ReadModel, TrustEngine

THREADS = 8
OPERATIONS = 2000
START = datetime(2026, 3, 1, 9, tzinfo=UTC)


def _seed(engine: TrustEngine, key: str) -> None:
    engine.file_complaint(
        key,
        "C-1",
        category="delivery",
        severity=2,
        cause="broken_promise",
        summary="Parcel late",
        at=START,
    )


def _work(engine: TrustEngine, worker: int) -> Callable[[int], object]:
    key = f"cust-{worker}"

    def operation(n: int) -> object:
        kind = n % 5
        if kind == 0:
            at = START + timedelta(minutes=n + 1)
            return engine.contact(key, direction="outbound", summary=f"call {n}", at=at)
        if kind == 1:
            return engine.state(key)
        if kind == 2:
            return engine.timeline(key)
        if kind == 3:
            return engine.case(key, "C-1") if n % 2 else engine.customers(limit=5)
        return engine.due(at=START + timedelta(days=2))

    return operation


def _hammer(engine: TrustEngine) -> tuple[int, list[str]]:
    errors: list[str] = []
    done = [0]
    lock = threading.Lock()
    start = threading.Barrier(THREADS)

    def run(worker: int) -> None:
        operation = _work(engine, worker)
        start.wait()
        for n in range(OPERATIONS // THREADS):
            try:
                operation(n)
            except Exception:  # every error counts, whatever it is
                with lock:
                    errors.append(traceback.format_exc(limit=3))
            with lock:
                done[0] += 1

    threads = [threading.Thread(target=run, args=(worker,)) for worker in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    return done[0], errors


def _check_exactly_once(engine: TrustEngine, rebuilt_views: Path) -> None:
    engine.catch_up()
    with engine.read_model() as model:
        rows = model.db.execute("SELECT count(*) FROM timeline").fetchone()[0]
    stored = engine.recorder.max_notification_id()
    writes = THREADS * len(range(0, OPERATIONS // THREADS, 5))
    assert stored == THREADS + writes
    assert rows == stored
    for worker in range(THREADS):
        key = f"cust-{worker}"
        assert engine.state(key).events == len(engine.history(key))
    with ReadModel(engine, str(rebuilt_views)) as fresh:
        fresh.rebuild()
        assert engine.customers().model_dump(mode="json") == fresh.customers()
        assert (
            engine.timeline("cust-3").model_dump(mode="json")[-1]["summary"]
            == (fresh.timeline("cust-3")[-1]["summary"])
        )


def _shared_engine_sees_no_errors(target: str, tmp_path: Path) -> None:
    engine = TrustEngine(target)
    try:
        for worker in range(THREADS):
            _seed(engine, f"cust-{worker}")
        done, errors = _hammer(engine)

        assert done == OPERATIONS
        assert errors == [], f"{len(errors)} errors, the first:\n{errors[0]}"
        _check_exactly_once(engine, tmp_path / "rebuilt-views.db")
    finally:
        engine.close()


def test_one_engine_shared_by_8_threads_does_2000_reads_and_writes_without_an_error(
    tmp_path: Path,
) -> None:
    _shared_engine_sees_no_errors(str(tmp_path / "trust.db"), tmp_path)


@pytest.mark.postgres
def test_one_postgres_engine_shared_by_8_threads_reads_and_writes_without_an_error(
    postgres_target: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRUSTENGINE_VIEWS", str(tmp_path / "views.db"))
    _shared_engine_sees_no_errors(postgres_target, tmp_path)


def test_threads_reading_a_memory_store_share_its_one_read_model() -> None:
    engine = TrustEngine(":memory:")
    try:
        _seed(engine, "cust-0")
        found: list[int] = []
        errors: list[BaseException] = []

        def read() -> None:
            try:
                found.append(engine.state("cust-0").events)
            except BaseException as error:  # collected for the assertion
                errors.append(error)

        threads = [threading.Thread(target=read) for _ in range(THREADS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

        assert errors == []
        assert found == [1] * THREADS
    finally:
        engine.close()
