"""``trustengine rebuild`` of copies of given stores, this code against another's, alternating.

Run ``python benchmarks/rebuild_order.py STORE.db [STORE.db ...] --other OLD/src``: for each
store, ``--repeat`` rounds of a rebuild with the other checkout's code (``PYTHONPATH`` set
to ``--other``) then one with this environment's, each of a fresh copy of the store (its
``.keys`` file and write-ahead log beside it) in ``--scratch``, as whole child processes:
CPU time and peak RSS from ``os.wait4``. It prints medians: CPU and wall seconds, CPU
microseconds an event, peak RSS; with ``--compare``, whether the two last rebuilds' tables
hold the same rows (every read-model table, ``EXCEPT`` both ways; the ``problems`` table's
``seen_at`` and ``view_meta``'s store name left out). Without ``--other``, only this code.
Synthetic stores need ``TRUSTENGINE_FUTURE_TOLERANCE=30000d`` in the environment.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from procs import Measured, cli

TABLES = (
    "customers",
    "cases",
    "timeline",
    "promises",
    "compensation",
    "sla_clocks",
    "score_history",
    "satisfaction",
    "problems",
    "view_state",
    "view_tracking",
    "view_meta",
)
LEFT_OUT = {"problems": "seen_at", "view_meta": "value"}


def env_for(other: str | None, pycache: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(pycache / ("other" if other else "this"))
    if other:
        env["PYTHONPATH"] = other
    return env


def copy_store(store: Path, folder: Path) -> Path:
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    for path in store.parent.glob(store.stem + ".*"):
        shutil.copy2(path, folder / path.name)
    return folder / store.name


def rebuild(db: Path, env: dict[str, str]) -> Measured:
    argv = [*cli(), "rebuild", "--db", str(db)]
    with tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=err, env=env)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        if os.waitstatus_to_exitcode(status) != 0:
            err.seek(0)
            raise SystemExit(f"{' '.join(argv)} failed:\n{err.read().decode()[-4000:]}")
    return Measured(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024)


def events_of(db: Path) -> int:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return int(conn.execute("SELECT count(*) FROM stored_events").fetchone()[0])
    finally:
        conn.close()


def same_tables(one: Path, two: Path) -> list[str]:
    """The tables whose rows differ between the views in ``one`` and ``two``."""
    conn = sqlite3.connect(one)
    conn.execute("ATTACH DATABASE ? AS two", (str(two),))
    differ = []
    for name in TABLES:
        columns = [row[1] for row in conn.execute(f'PRAGMA table_info("{name}")')]
        kept = ", ".join(f'"{c}"' for c in columns if c != LEFT_OUT.get(name))
        # Table and column names are the constants above and the tables' own.
        a = f'SELECT {kept} FROM main."{name}"'  # noqa: S608
        b = f'SELECT {kept} FROM two."{name}"'  # noqa: S608
        extra = conn.execute(f"SELECT count(*) FROM ({a} EXCEPT {b})").fetchone()[0]  # noqa: S608
        missing = conn.execute(f"SELECT count(*) FROM ({b} EXCEPT {a})").fetchone()[0]  # noqa: S608
        if extra or missing:
            differ.append(f"{name} (+{extra} -{missing})")
    conn.close()
    return differ


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("stores", nargs="+", type=Path)
    parser.add_argument("--other", help="another checkout's src folder, run first each round")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--scratch", type=Path, default=Path("bench-stores/rebuild-order"))
    parser.add_argument("--compare", action="store_true")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    pycache = args.scratch / "pycache"
    codes = ([("other", args.other)] if args.other else []) + [("this", None)]
    results = []
    for store in args.stores:
        events = events_of(store)
        runs: dict[str, list[Measured]] = {name: [] for name, _ in codes}
        last: dict[str, Path] = {}
        for round_ in range(args.repeat):
            for name, src in codes:
                db = copy_store(store, args.scratch / name)
                measured = rebuild(db, env_for(src, pycache))
                runs[name].append(measured)
                last[name] = db
                print(
                    f"{store.name} round {round_ + 1} {name}: {measured.cpu:.2f} s CPU, "
                    f"{measured.wall:.2f} s wall, {measured.rss_mb:.0f} MiB",
                    flush=True,
                )
        for name, _ in codes:
            cpu = statistics.median(r.cpu for r in runs[name])
            wall = statistics.median(r.wall for r in runs[name])
            rss = statistics.median(r.rss_mb for r in runs[name])
            found = {
                "store": store.name,
                "events": events,
                "code": name,
                "cpu_s": cpu,
                "wall_s": wall,
                "cpu_us_per_event": cpu / events * 1e6,
                "peak_rss_mib": rss,
            }
            results.append(found)
            print(json.dumps(found), flush=True)
        if args.compare and len(last) == 2:
            differ = same_tables(last["other"], last["this"])
            print(f"{store.name}: tables {'differ: ' + ', '.join(differ) if differ else 'same'}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
