"""Stores the audit tests read: the bundled demo under a fixed recorded-time clock, and
small histories of their own."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any

from trustengine import TrustEngine, customer_id
from trustengine.interchange.jsonl import import_lines

RECORDED = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
"""The recorded time of every demo event: the golden files must not depend on the day
the tests run."""
DEMO_CUSTOMERS = ("cust-amelia", "cust-boris", "cust-chen", "cust-dara", "cust-esme")


def demo_lines() -> list[str]:
    text = resources.files("trustengine").joinpath("data/demo.jsonl").read_text("utf-8")
    return text.splitlines()


def demo_store(path: Path, clock: Callable[[], datetime] = lambda: RECORDED) -> str:
    """An SQLite store at ``path`` holding the demo history, every event recorded at
    :data:`RECORDED`."""
    engine = TrustEngine(str(path), clock=clock)
    try:
        import_lines(engine, demo_lines(), name="demo.jsonl")
    finally:
        engine.close()
    return str(path)


class Clock:
    """A recorded-time clock the test moves by hand."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def store_with(path: Path, batches: Sequence[tuple[datetime, list[dict[str, Any]]]]) -> str:
    """An SQLite store at ``path`` with each batch of events recorded at its own time."""
    clock = Clock(RECORDED)
    engine = TrustEngine(str(path), clock=clock)
    try:
        for recorded, events in batches:
            clock.now = recorded
            engine.record_many(events)
    finally:
        engine.close()
    return str(path)


def edit_payload(path: str, customer: str, position: int, old: bytes, new: bytes) -> None:
    """Change bytes of one stored event's payload behind the engine's back."""
    where = (customer_id(customer).hex, position)
    with sqlite3.connect(path) as conn:
        (state,) = conn.execute(
            "SELECT state FROM stored_events WHERE originator_id = ? AND originator_version = ?",
            where,
        ).fetchone()
        assert old in bytes(state), f"{old!r} is not in the payload"
        conn.execute(
            "UPDATE stored_events SET state = ? WHERE originator_id = ? AND originator_version = ?",
            (bytes(state).replace(old, new, 1), *where),
        )


def delete_event(path: str, customer: str, position: int) -> None:
    """Delete one stored event behind the engine's back."""
    with sqlite3.connect(path) as conn:
        conn.execute(
            "DELETE FROM stored_events WHERE originator_id = ? AND originator_version = ?",
            (customer_id(customer).hex, position),
        )
