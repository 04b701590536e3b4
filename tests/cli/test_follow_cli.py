"""``trustengine follow``: a follower process that keeps a views file current, stops
cleanly on SIGINT and SIGTERM, and continues exactly once when started again.

The follower runs as a real process (``sys.executable`` running the CLI's ``main``);
tests wait for what it writes with a deadline, never a fixed sleep.
"""

from __future__ import annotations

import os
import queue
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

import pytest
import sqlite_utils
from click.testing import CliRunner
from tests.conftest import terminate_connections
from tests.readmodel.conftest import dump

from trustengine import TrustEngine
from trustengine.cli import main
from trustengine.readmodel import ReadModel
from trustengine.testing.synth import generate_history

HISTORY = generate_history(20, 300)
"""300 events of 20 customers, in business-time order: any prefix is a valid history."""
CLI = "from trustengine.cli import main; main()"
DEADLINE = 60.0
"""Seconds a test waits for the follower before it fails (it normally takes well under 1)."""


class Follower:
    """A ``trustengine follow`` process, its stdout and stderr collected line by line."""

    def __init__(self, cwd: Path, *args: str, env: dict[str, str] | None = None) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-c", CLI, "follow", *args],
            cwd=cwd,
            env={**os.environ, **(env or {})},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.stdout: queue.Queue[str] = queue.Queue()
        self.stderr: list[str] = []
        assert self.process.stdout is not None and self.process.stderr is not None
        self._readers = [
            threading.Thread(target=self._read, args=(self.process.stdout, self.stdout.put)),
            threading.Thread(target=self._read, args=(self.process.stderr, self.stderr.append)),
        ]
        for reader in self._readers:
            reader.start()

    @staticmethod
    def _read(stream: IO[str], put: Callable[[str], Any]) -> None:
        for line in stream:
            put(line.rstrip("\n"))

    def line(self) -> str:
        """The next line on stdout (fails the test when none comes in time)."""
        try:
            return self.stdout.get(timeout=DEADLINE)
        except queue.Empty:
            pytest.fail(f"the follower printed nothing in {DEADLINE} s; stderr: {self.stderr}")

    def stop(self, signum: int = signal.SIGTERM) -> tuple[int, list[str]]:
        """Send ``signum``; return the exit status and the rest of stdout."""
        self.process.send_signal(signum)
        code = self.process.wait(timeout=DEADLINE)
        for reader in self._readers:
            reader.join(timeout=DEADLINE)
        rest = []
        while not self.stdout.empty():
            rest.append(self.stdout.get())
        return code, rest

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()


@pytest.fixture
def followers(tmp_path: Path) -> Iterator[Callable[..., Follower]]:
    """Start followers in ``tmp_path``; any still running after the test is killed."""
    started: list[Follower] = []

    def start(*args: str, env: dict[str, str] | None = None) -> Follower:
        follower = Follower(tmp_path, *args, env=env)
        started.append(follower)
        return follower

    yield start
    for follower in started:
        follower.kill()


def position(views: Path) -> int:
    """The notification id the views file's tables hold (0 before the first batch)."""
    with sqlite3.connect(f"file:{views}?mode=ro", uri=True, timeout=DEADLINE) as conn:
        row = conn.execute("SELECT notification_id FROM view_tracking").fetchone()
    return int(row[0]) if row else 0


def reaches(views: Path, wanted: int, follower: Follower, *, within: float = DEADLINE) -> float:
    """Wait until the follower's tables hold notification ``wanted``; return how long."""
    started = time.monotonic()
    while (seen := position(views)) < wanted:
        elapsed = time.monotonic() - started
        if elapsed > within or follower.process.poll() is not None:
            pytest.fail(
                f"views at {seen} of {wanted} after {elapsed:.1f} s "
                f"(exit {follower.process.poll()}); stderr: {follower.stderr}"
            )
        time.sleep(0.02)
    return time.monotonic() - started


def write(target: str, events: list[dict[str, object]]) -> int:
    """Store ``events`` from an engine of this process; return the newest notification id."""
    engine = TrustEngine(target)
    try:
        engine.record_many(events)
        return engine.recorder.max_notification_id() or 0
    finally:
        engine.close()


def rows(views: Path) -> dict[str, list[tuple[Any, ...]]]:
    db = sqlite_utils.Database(views)
    try:
        out = dump(db)
    finally:
        db.close()
    del out["view_meta"]  # it names the store as the views file was told it
    return out


def rebuilt(target: str, views: Path) -> dict[str, list[tuple[Any, ...]]]:
    engine = TrustEngine(target)
    try:
        with ReadModel(engine, str(views)) as fresh:
            fresh.rebuild()
    finally:
        engine.close()
    return rows(views)


# --- PostgreSQL ---------------------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_events_stored_elsewhere_reach_the_views_at_once_and_a_signal_stops_it_cleanly(
    followers: Callable[..., Follower], postgres_target: str, tmp_path: Path, signum: int
) -> None:
    views = tmp_path / "views.db"
    write(postgres_target, HISTORY[:50])
    display = TrustEngine(postgres_target)
    store = display.target.display
    display.close()

    # A poll of an hour: only a notification can wake it in time.
    follower = followers("--db", postgres_target, "--views", str(views), "--poll", "3600")
    assert follower.line() == (
        f"Following {store} into {views} from notification 0 "
        "(LISTEN/NOTIFY and a poll every 3600 s)."
    )
    reaches(views, 50, follower)
    newest = write(postgres_target, HISTORY[50:120])
    reaches(views, newest, follower)
    code, rest = follower.stop(signum)

    assert code == 0
    assert rest == [f"Stopped at notification {newest} (120 events processed)."]
    assert follower.stderr == []


@pytest.mark.postgres
def test_a_restarted_follower_continues_exactly_once(
    followers: Callable[..., Follower], postgres_target: str, tmp_path: Path
) -> None:
    views = tmp_path / "views.db"
    args = ("--db", postgres_target, "--views", str(views), "--poll", "3600")
    first = followers(*args)
    first.line()
    reaches(views, write(postgres_target, HISTORY[:100]), first)
    assert first.stop()[0] == 0
    stopped_at = write(postgres_target, HISTORY[100:200])  # stored while nobody follows

    second = followers(*args)
    assert second.line().endswith(" from notification 100 (LISTEN/NOTIFY and a poll every 3600 s).")
    reaches(views, stopped_at, second)
    newest = write(postgres_target, HISTORY[200:])
    reaches(views, newest, second)
    code, rest = second.stop()

    assert (code, rest) == (0, [f"Stopped at notification {newest} (200 events processed)."])
    assert rows(views) == rebuilt(postgres_target, tmp_path / "fresh.db")


@pytest.mark.postgres
@pytest.mark.parametrize("how", ["notifications-dropped", "no-listen"])
def test_without_notifications_the_poll_still_catches_up(
    followers: Callable[..., Follower],
    postgres_target: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    how: str,
) -> None:
    from trustengine.persistence.postgres import ChainedPostgresRecorder

    # This process's engines store events without the NOTIFY, as if it were lost.
    monkeypatch.setattr(ChainedPostgresRecorder, "_notify_channel", lambda _self, _curs: None)
    views = tmp_path / "views.db"
    extra = ["--no-listen"] if how == "no-listen" else []
    follower = followers(
        "--db", postgres_target, "--views", str(views), "--poll", "0.5", *extra, "-v"
    )
    mode = "a poll" if how == "no-listen" else "LISTEN/NOTIFY and a poll"
    assert follower.line().endswith(f" from notification 0 ({mode} every 0.5 s).")
    newest = write(postgres_target, HISTORY[:40])
    reaches(views, newest, follower)
    code, rest = follower.stop()

    assert (code, rest) == (0, [f"Stopped at notification {newest} (40 events processed)."])
    assert follower.stderr == [f"40 events, now at notification {newest}"]


@pytest.mark.postgres
def test_a_dropped_connection_is_said_on_stderr_and_following_goes_on(
    followers: Callable[..., Follower], postgres_target: str, postgres_url: str, tmp_path: Path
) -> None:
    views = tmp_path / "views.db"
    tag = f"te-follow-{uuid.uuid4().hex[:12]}"
    follower = followers(
        "--db", postgres_target, "--views", str(views), "--poll", "3600", env={"PGAPPNAME": tag}
    )
    follower.line()
    reaches(views, write(postgres_target, HISTORY[:30]), follower)
    assert terminate_connections(postgres_url, tag) >= 1  # the LISTEN connection at least
    newest = write(postgres_target, HISTORY[30:60])
    reaches(views, newest, follower)
    code, rest = follower.stop()

    assert (code, rest) == (0, [f"Stopped at notification {newest} (60 events processed)."])
    assert follower.stderr[0].startswith("lost the LISTEN connection (")
    assert "listening for new events again" in follower.stderr


# --- SQLite -------------------------------------------------------------------------------


def test_on_sqlite_it_polls_and_stops_cleanly(
    followers: Callable[..., Follower], tmp_path: Path
) -> None:
    store = tmp_path / "trust.db"
    write(str(store), HISTORY[:10])
    follower = followers("--db", str(store), "--poll", "0.1")
    assert follower.line() == (
        f"Following {store} into {store} from notification 0 (a poll every 0.1 s)."
    )
    newest = write(str(store), HISTORY[10:90])
    reaches(store, newest, follower)
    code, rest = follower.stop(signal.SIGINT)

    assert (code, rest) == (0, [f"Stopped at notification {newest} (90 events processed)."])
    assert follower.stderr == []


# --- In process: --once, usage and errors ---------------------------------------------------


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["follow", *args])
    return result.exit_code, result.output


def test_once_catches_up_and_exits(tmp_path: Path) -> None:
    store = str(tmp_path / "trust.db")
    write(store, HISTORY[:83])

    assert invoke("--db", store, "--once") == (
        0,
        f"Caught up 83 events from {store} into {store}; now at notification 83.\n",
    )
    write(store, HISTORY[83:84])
    assert invoke("--db", store, "--once", "-v") == (
        0,
        "1 event, now at notification 84\n"
        f"Caught up 1 event from {store} into {store}; now at notification 84.\n",
    )


def test_a_memory_store_is_refused_unless_once() -> None:
    assert invoke("--db", ":memory:") == (
        2,
        "Error: a :memory: store has no other writers to follow: give an SQLite file or a "
        "postgresql:// URL, or --once\n",
    )
    assert invoke("--db", ":memory:", "--once") == (
        0,
        "Caught up 0 events from :memory: into memory; now at notification 0.\n",
    )


def test_an_unreachable_server_is_one_line_and_exit_2() -> None:
    code, output = invoke("--db", "postgresql://postgres@127.0.0.1:1/test")

    assert code == 2
    assert output.startswith(
        "Error: cannot open store postgresql://postgres@127.0.0.1:1/test: connection to "
        'server at "127.0.0.1", port 1 failed: '
    )
    assert output.count("\n") == 1


def test_a_views_file_in_a_missing_folder_is_one_line_and_exit_2(tmp_path: Path) -> None:
    store = str(tmp_path / "trust.db")
    missing = tmp_path / "nowhere"

    assert invoke("--db", store, "--views", str(missing / "v.db")) == (
        2,
        f"Error: views file {str(missing / 'v.db')!r}: folder {str(missing)!r} does not exist\n",
    )


def test_a_poll_of_zero_seconds_is_refused() -> None:
    code, output = invoke("--poll", "0")

    assert code == 2
    assert "Invalid value for '--poll'" in output


def test_help_explains_the_wake_up_and_ends_with_an_example() -> None:
    code, output = invoke("--help")

    assert code == 0
    assert "LISTEN/NOTIFY" in output
    assert "--no-listen" in output
    assert "Example: trustengine follow --db postgresql://" in output
