"""Follower lag: how long ``trustengine follow`` takes to carry a write into its read model.

Used by ``postgres_bench.py``. The benchmark process writes batches at a steady rate into
a PostgreSQL store while ``trustengine follow`` runs as a child process; a watcher thread
polls the follower's views file (``view_tracking.notification_id``) and, for every batch,
records the time from the moment its write committed (``record_many`` returned) to the
moment the tracked position reached the batch's last notification id.
"""

from __future__ import annotations

import signal
import sqlite3
import statistics
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from common import percentile

from trustengine.application.facade import TrustEngine

POLL_SECONDS = 0.001
"""How often the watcher reads the tracked position: the resolution of every lag."""
CATCH_UP_TIMEOUT = 60.0
"""How long the follower may take to start, or to catch up after the last write."""


@dataclass
class LagRun:
    """One steady-load run: a lag per written batch, and how the writing went."""

    lags_ms: list[float] = field(default_factory=list)
    write_ms: list[float] = field(default_factory=list)
    events: int = 0
    seconds: float = 0.0
    exit_code: int | None = None

    @property
    def rate(self) -> float:
        """Events per second actually written (below the asked rate if writes fell behind)."""
        return self.events / self.seconds if self.seconds else 0.0

    def summary(self) -> dict[str, float]:
        return {
            "p50": percentile(self.lags_ms, 0.5),
            "p95": percentile(self.lags_ms, 0.95),
            "max": max(self.lags_ms),
            "write_p50": statistics.median(self.write_ms),
        }


class Watcher(threading.Thread):
    """Polls the views file's tracked position and resolves pending writes it has passed."""

    def __init__(self, views: Path) -> None:
        super().__init__(daemon=True)
        self.views = views
        self.pending: deque[tuple[int, float]] = deque()
        """(last notification id of a batch, perf_counter when its write returned)."""
        self.lags_ms: list[float] = []
        self.position = 0
        self.done = threading.Event()

    def run(self) -> None:
        conn: sqlite3.Connection | None = None
        while not self.done.is_set():
            try:
                if conn is None:
                    conn = sqlite3.connect(f"file:{self.views}?mode=ro", uri=True)
                row = conn.execute("SELECT max(notification_id) FROM view_tracking").fetchone()
            except sqlite3.Error:  # the follower has not created the file or tables yet
                row = None
            now = time.perf_counter()
            if row and row[0] is not None:
                self.position = int(row[0])
                while self.pending and self.pending[0][0] <= self.position:
                    _, written = self.pending.popleft()
                    self.lags_ms.append((now - written) * 1000)
            time.sleep(POLL_SECONDS)
        if conn is not None:
            conn.close()

    def drain(self, follower: subprocess.Popen[bytes], errors: Path) -> None:
        """Wait until every pending write is tracked; fail if the follower died or stalled."""
        deadline = time.perf_counter() + CATCH_UP_TIMEOUT
        while self.pending:
            if follower.poll() is not None:
                raise SystemExit(
                    f"trustengine follow exited with {follower.returncode}:\n"
                    + errors.read_text(encoding="utf-8", errors="replace")
                )
            if time.perf_counter() > deadline:
                raise SystemExit(
                    f"trustengine follow did not reach event {self.pending[-1][0]} within "
                    f"{CATCH_UP_TIMEOUT:.0f} s (it is at {self.position})"
                )
            time.sleep(0.01)


def follow_command() -> list[str]:
    """``trustengine`` beside this interpreter, or the same CLI through ``python -c``."""
    script = Path(sys.executable).with_name("trustengine")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "from trustengine.cli import main; main()"]


def measure_lag(
    url: str,
    history: Sequence[dict[str, Any]],
    *,
    rate: float,
    batch: int,
    folder: Path,
) -> LagRun:
    """Start a follower on ``url``, write ``history`` at ``rate`` events/s in batches, stop
    the follower with SIGTERM; the first batch only warms up and is not counted."""
    views = folder / "views.db"
    result = LagRun()
    engine = TrustEngine(url)  # creates the tables before the follower opens the store
    errors = folder / "follow.err"
    with errors.open("wb") as err:
        follower = subprocess.Popen(
            [*follow_command(), "follow", "--db", url, "--views", str(views)],
            stdout=subprocess.DEVNULL,
            stderr=err,
        )
    watcher = Watcher(views)
    watcher.start()
    try:
        engine.record_many(history[:batch])
        watcher.pending.append((_last_id(engine), time.perf_counter()))
        watcher.drain(follower, errors)
        watcher.lags_ms.clear()
        interval = batch / rate
        start = time.perf_counter()
        for due, offset in enumerate(range(batch, len(history), batch)):
            delay = start + due * interval - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            began = time.perf_counter()
            result.events += engine.record_many(history[offset : offset + batch])
            written = time.perf_counter()
            result.write_ms.append((written - began) * 1000)
            watcher.pending.append((_last_id(engine), written))
        # The last batch owns a whole interval too: the rate is the one actually held.
        slots = len(result.write_ms) * interval
        result.seconds = max(time.perf_counter() - start, slots)
        watcher.drain(follower, errors)
        result.lags_ms = list(watcher.lags_ms)
    finally:
        watcher.done.set()
        watcher.join()
        result.exit_code = _stop(follower)
        engine.close()
    return result


def _last_id(engine: TrustEngine) -> int:
    # The only writer: the newest notification id is the last event of this batch.
    last = engine.recorder.max_notification_id()
    assert last is not None
    return last


def _stop(follower: subprocess.Popen[bytes]) -> int | None:
    """SIGTERM, as a service manager would; the exit status, or None if it had to be killed."""
    if follower.poll() is not None:
        return follower.returncode
    follower.send_signal(signal.SIGTERM)
    try:
        return follower.wait(timeout=30)
    except subprocess.TimeoutExpired:
        follower.kill()
        follower.wait()
        return None
