"""Whole-process measurements: a command's wall time, CPU time and peak RSS, from the kernel.

The CPU time and peak RSS of a finished child come from ``os.wait4`` (the child's own
``rusage``: user + system seconds, ``ru_maxrss``), so they count the interpreter's start-up
and imports as a user running the command pays them. Linux carries a parent's peak RSS
across fork and exec into the child's ``ru_maxrss``, so a driver that measures RSS this way
must itself stay small: this module imports only the standard library.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["Measured", "Runs", "child_env", "cli", "measure", "run_json"]

_ENV: dict[str, str] = {}


def child_env(pycache: Path) -> None:
    """Let measured children keep compiled bytecode in ``pycache`` (outside the source tree).

    With ``PYTHONDONTWRITEBYTECODE`` set, every ``trustengine`` process would compile its
    modules from source again, a cost an installed package does not pay; the children get
    a bytecode cache of their own instead, warmed by a first, untimed run.
    """
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(pycache)
    _ENV.clear()
    _ENV.update(env)


@dataclass(frozen=True)
class Measured:
    """One finished child: wall seconds, CPU seconds (user + system), peak RSS in MiB."""

    wall: float
    cpu: float
    rss_mb: float


@dataclass
class Runs:
    """Repeated measurements of one scenario, reported as medians."""

    name: str
    items: int = 1
    runs: list[Measured] = field(default_factory=list)

    @property
    def wall(self) -> float:
        return statistics.median(r.wall for r in self.runs)

    @property
    def cpu(self) -> float:
        return statistics.median(r.cpu for r in self.runs)

    @property
    def rss_mb(self) -> float:
        return max(r.rss_mb for r in self.runs)

    def per_item_us(self, cpu_offset: float = 0.0) -> float:
        """Median CPU microseconds per item, less ``cpu_offset`` seconds (a start-up cost)."""
        return (self.cpu - cpu_offset) / self.items * 1e6

    def describe(self) -> str:
        walls = ", ".join(f"{r.wall:.3f}" for r in self.runs)
        return (
            f"{self.name}: wall {self.wall:.3f} s (runs {walls}), CPU {self.cpu:.3f} s, "
            f"peak RSS {self.rss_mb:.0f} MiB"
        )


def cli() -> list[str]:
    """The ``trustengine`` command of this interpreter's environment."""
    script = Path(sys.executable).with_name("trustengine")
    return [str(script)] if script.exists() else [sys.executable, "-m", "trustengine"]


def measure(
    argv: Sequence[str],
    *,
    ok: Sequence[int] = (0,),
    stdout_to: Path | None = None,
    env: Mapping[str, str] | None = None,
) -> Measured:
    """Run ``argv`` to the end: wall, CPU and peak RSS; fail on an exit status not in ``ok``.
    ``env``: variables to set for this child, over those of :func:`child_env`."""
    with (
        tempfile.TemporaryFile() as err,
        (
            stdout_to.open("wb") if stdout_to else open(os.devnull, "wb")  # noqa: PTH123 - a sink
        ) as out,
    ):
        start = time.perf_counter()
        proc = subprocess.Popen(list(argv), stdout=out, stderr=err, env=_env(env))
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode not in ok:
            err.seek(0)
            message = err.read().decode(errors="replace")[-4000:]
            raise SystemExit(f"{' '.join(argv)} exited {proc.returncode}:\n{message}")
    rss = usage.ru_maxrss / (1024 * 1024) if sys.platform == "darwin" else usage.ru_maxrss / 1024
    return Measured(wall, usage.ru_utime + usage.ru_stime, rss)


def _env(extra: Mapping[str, str] | None) -> dict[str, str] | None:
    if not extra:
        return _ENV or None
    return {**(_ENV or os.environ), **extra}


def run_json(argv: Sequence[str], *, env: Mapping[str, str] | None = None) -> str:
    """Run a child that prints its result as the last line of stdout; that line."""
    done = subprocess.run(list(argv), capture_output=True, text=True, check=False, env=_env(env))
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} exited {done.returncode}:\n{done.stderr[-4000:]}")
    return done.stdout.strip().splitlines()[-1]
