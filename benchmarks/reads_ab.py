"""Whole ``verify``, ``export`` and ``rebuild`` processes, one commit's code against the
working tree's, alternating run by run (``procs.measure``: CPU time from ``wait4``).

    python benchmarks/reads_ab.py --base main --store STORE.db [--runs 3] [--work DIR]
        [--only verify,export,rebuild]

The base commit's ``src`` and ``projections`` are unpacked into ``DIR`` (``git archive``),
its ``src`` put first on ``PYTHONPATH`` for its side; the store (and its ``.keys``) is
copied into ``DIR`` once, and ``rebuild`` writes a views file there. Prints each side's
median CPU seconds.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tarfile
from io import BytesIO
from pathlib import Path

from procs import child_env, measure

ROOT = Path(__file__).resolve().parents[1]
CLI = "from trustengine.cli import main; main()"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", required=True)
    parser.add_argument("--store", required=True, type=Path)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--work", type=Path, default=Path("reads-ab"))
    parser.add_argument("--only", default="verify,export,rebuild", help="commands, comma-separated")
    args = parser.parse_args()
    work: Path = args.work.resolve()
    work.mkdir(parents=True, exist_ok=True)
    base = work / "base"
    if not base.exists():
        blob = subprocess.run(
            ["git", "archive", args.base, "src", "projections"],
            cwd=ROOT,
            capture_output=True,
            check=True,
        ).stdout
        with tarfile.open(fileobj=BytesIO(blob)) as tar:
            tar.extractall(base, filter="data")
    store = work / args.store.name
    if not store.exists():
        shutil.copy(args.store, store)
        shutil.copy(args.store.with_suffix(".keys"), store.with_suffix(".keys"))
    child_env(work / "pycache")
    sides = {"base": str(base / "src"), "tree": str(ROOT / "src")}
    commands = {
        "verify": ["verify", "--db", str(store)],
        "export": ["export", "--db", str(store)],
        "rebuild": ["rebuild", "--db", str(store), "--views", str(work / "views.db")],
    }
    env = {"TRUSTENGINE_FUTURE_TOLERANCE": "30000d"}
    cpu: dict[tuple[str, str], list[float]] = {}
    for name in args.only.split(","):
        argv = commands[name]
        for path in sides.values():  # warm each side's bytecode, untimed
            measure([sys.executable, "-c", CLI, *argv], env={**env, "PYTHONPATH": path})
        for _ in range(args.runs):
            for side, path in sides.items():
                done = measure([sys.executable, "-c", CLI, *argv], env={**env, "PYTHONPATH": path})
                cpu.setdefault((name, side), []).append(done.cpu)
        old, new = (statistics.median(cpu[name, s]) for s in sides)
        runs = " / ".join(", ".join(f"{c:.2f}" for c in cpu[name, s]) for s in sides)
        print(f"{name}: base {old:.2f} s CPU, tree {new:.2f} s ({new / old:.3f}x; runs {runs})")
        sys.stdout.flush()
    os.sync()


if __name__ == "__main__":
    main()
