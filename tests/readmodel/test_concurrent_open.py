"""Processes opening a store's read model for the first time at once all get it: none
takes another's half-made tables for a foreign file."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

from tests.examples import case_opened
from trustengine import TrustEngine

OPENERS = 6


def _open(
    db: str, barrier: multiprocessing.synchronize.Barrier, errors: multiprocessing.Queue
) -> None:  # type: ignore[type-arg]
    engine = TrustEngine(db)
    try:
        barrier.wait(timeout=30)
        engine.customers()
    except Exception as error:
        errors.put(f"{type(error).__name__}: {error}")
    finally:
        engine.close()


def test_processes_creating_one_read_model_at_once_all_read_it(tmp_path: Path) -> None:
    context = multiprocessing.get_context("spawn")
    for round_ in range(3):
        db = str(tmp_path / f"trust-{round_}.db")
        engine = TrustEngine(db)
        engine.record(case_opened())
        engine.close()
        barrier = context.Barrier(OPENERS)
        errors = context.Queue()
        openers = [
            context.Process(target=_open, args=(db, barrier, errors)) for _ in range(OPENERS)
        ]
        for opener in openers:
            opener.start()
        for opener in openers:
            opener.join(timeout=60)

        assert [opener.exitcode for opener in openers] == [0] * OPENERS
        found = [errors.get() for _ in range(errors.qsize())] if not errors.empty() else []
        assert found == []
