"""Behind another writer's lock, reads go on and writes give up after ``--lock-timeout``.

Before this, every PostgreSQL command waited without end: opening a store ran
``CREATE UNIQUE INDEX IF NOT EXISTS``, which queues for a SHARE lock behind a writer's
EXCLUSIVE table lock, so during a large import even ``verify`` and ``seal`` waited.

The commands run in a process of their own with a time limit, so that a regression
fails the test instead of hanging it.
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.conftest import POSTGRES_ADMIN_URL
from tests.examples import event
from trustengine import TrustEngine
from trustengine.exceptions import LockTimeoutError
from trustengine.persistence.target import APPLICATION_NAME

LIMIT = 30.0
"""Seconds a command may take here before the test calls it hung."""
RECORD = ["record", "CustomerContacted", "--customer", "c-9", "--direction", "inbound"]


@contextmanager
def writer_lock(target: str) -> Iterator[Any]:
    """Hold, from a second connection, the lock a writer holds mid-import; yield the
    PostgreSQL connection (None for SQLite)."""
    if target.startswith("postgresql"):
        import psycopg

        schema = parse_qs(urlsplit(target).query)["schema"][0]
        name = f"te-holder-{uuid.uuid4().hex[:8]}"
        with psycopg.connect(POSTGRES_ADMIN_URL, application_name=name) as holder:
            holder.execute(f'LOCK TABLE "{schema}".trustengine_events IN EXCLUSIVE MODE')
            try:
                yield holder
            finally:
                holder.rollback()
        return
    holder = sqlite3.connect(target, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        yield None
    finally:
        holder.execute("ROLLBACK")
        holder.close()


def cli(target: str, *args: str) -> tuple[int, str, str, float]:
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "trustengine", *args, "--db", target],
        capture_output=True,
        text=True,
        timeout=LIMIT,
        check=False,
    )
    return done.returncode, done.stdout, done.stderr, time.monotonic() - started


def filled(target: str) -> str:
    engine = TrustEngine(target)
    try:
        engine.record_many([event("CustomerContacted", at=n, direction="inbound") for n in (0, 1)])
    finally:
        engine.close()
    return target


@pytest.fixture
def store(durable_target: str) -> str:
    return filled(durable_target)


@pytest.mark.parametrize(
    ("command", "stderr"),
    [("verify", ""), ("seal", ""), ("customers", ""), ("export", "")],
)
def test_reading_commands_finish_while_a_writer_holds_its_lock(
    store: str, tmp_path: Path, command: str, stderr: str
) -> None:
    extra = ["--views", str(tmp_path / "views.db")] if command == "customers" else []

    with writer_lock(store):
        code, _out, err, seconds = cli(store, command, *extra)

    assert (code, err) == (0, stderr)
    assert seconds < 10


@pytest.mark.postgres
def test_a_write_behind_a_postgres_lock_gives_up_naming_its_holder(postgres_target: str) -> None:
    store = filled(postgres_target)
    with writer_lock(store) as holder:
        code, out, err, seconds = cli(store, *RECORD, "--lock-timeout", "1")
        pid, name = holder.info.backend_pid, holder.info.parameter_status("application_name")

    schema = parse_qs(urlsplit(store).query)["schema"][0]
    assert (code, out) == (2, "")
    assert err == (
        f"Error: cannot write to {store}: waited 1 s for a lock on trustengine_events, held "
        f"(ExclusiveLock) by pid {pid} ({name}, idle in transaction: LOCK TABLE "
        f'"{schema}".trustengine_events IN EXCLUSIVE MODE); try again when it is done, or '
        "give a longer --lock-timeout\n"
    )
    assert seconds < 10


def test_a_write_behind_an_sqlite_lock_gives_up_after_the_timeout(tmp_path: Path) -> None:
    store = filled(str(tmp_path / "trust.db"))
    with writer_lock(store):
        code, out, err, seconds = cli(store, *RECORD, "--lock-timeout", "1")

    assert (code, out) == (2, "")
    assert err == (
        f"Error: cannot write to {store}: waited 1 s for the lock another writer holds on it "
        "(SQLite does not say which process); try again when it is done, or give a longer "
        "--lock-timeout\n"
    )
    assert seconds < 10


def test_the_library_raises_a_lock_timeout_and_the_write_is_not_retried(store: str) -> None:
    engine = TrustEngine(store, lock_timeout=1)
    try:
        with writer_lock(store):
            started = time.monotonic()
            with pytest.raises(LockTimeoutError, match=r"^cannot write to .*: waited 1 s for "):
                engine.record(event("CustomerContacted", at=5, direction="inbound"))
            seconds = time.monotonic() - started
        stored = engine.record(event("CustomerContacted", at=5, direction="inbound"))
    finally:
        engine.close()

    assert seconds < 5  # eventsourcing's retry of operational errors would make it 10 s
    assert stored


@pytest.mark.postgres
def test_postgres_connections_carry_the_command_name(postgres_target: str) -> None:
    import psycopg

    name = f"trustengine test-{uuid.uuid4().hex[:8]}"
    engine = TrustEngine(postgres_target, env={APPLICATION_NAME: name})
    try:
        engine.record(event("CustomerContacted", direction="inbound"))
        with psycopg.connect(POSTGRES_ADMIN_URL) as admin:
            row = admin.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = %s", (name,)
            ).fetchone()
    finally:
        engine.close()

    assert row is not None and row[0] >= 1


def test_the_lock_timeout_must_be_a_whole_number_of_seconds() -> None:
    with pytest.raises(ValueError, match="whole number of seconds, 1 or more, not 0"):
        TrustEngine(":memory:", lock_timeout=0)
