"""Peak RSS and CPU of ``trustengine import FILE`` as the file grows: memory must stay flat.

Run ``python benchmarks/import_memory.py`` (100k, 300k and 1M events, 20 events a
customer: 5,000, 15,000 and 50,000 customers) or ``--sizes 100000,300000`` for fewer. At
each size the synthetic history (``trustengine.testing.synth``) is written as JSON Lines
(untimed, kept in ``--keep DIR`` when given), then ``trustengine import FILE`` runs as a
child process into a fresh SQLite store (a new store: the file is checked before the
store is made) and, with ``--existing``, again into a store that already holds one event,
so the import writes as it checks. Peak RSS and CPU come from ``os.wait4`` (this driver
imports only the standard library, so a child's ``ru_maxrss`` is its own). The line at the
end gives the peak RSS of the largest size over that of the smallest: the target is at
most 1.3.

The synthetic histories reach years ahead, so the children get
``TRUSTENGINE_FUTURE_TOLERANCE=3650d`` unless the environment sets it.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

from procs import Runs, child_env, cli, measure

DEFAULT_SIZES = "100000,300000,1000000"
EVENTS_PER_CUSTOMER = 20
SEED_LINE = (
    '{"type":"CustomerRegistered","customer":"bench-seed","at":"2026-01-01T00:00:00+00:00",'
    '"data":{"name":"Seed"}}\n'
)
"""The one event of the store an ``--existing`` run imports into."""


def history(root: Path, events: int, seed: int) -> Path:
    """The JSON Lines history of ``events`` events (written once, then reused)."""
    jsonl = root / f"history-{events}.jsonl"
    if not jsonl.exists():
        customers = str(max(1, events // EVENTS_PER_CUSTOMER))
        synth = [sys.executable, "-m", "trustengine.testing.synth", "--customers", customers]
        measure([*synth, "--events", str(events), "--seed", str(seed), str(jsonl)])
    return jsonl


def run_size(root: Path, events: int, repeat: int, seed: int, existing: bool) -> dict[str, Any]:
    jsonl = history(root, events, seed)
    fresh = Runs(f"import {events:,} into a new store", events)
    into = Runs(f"import {events:,} into a store with events", events)
    for turn in range(repeat):
        db = root / f"store-{events}-{turn}.db"
        fresh.runs.append(measure([*cli(), "import", str(jsonl), "--db", str(db)]))
        for path in root.glob(f"store-{events}-{turn}.*"):
            path.unlink()
        if existing:
            seed_file = root / "seed.jsonl"
            seed_file.write_text(SEED_LINE, encoding="utf-8")
            measure([*cli(), "import", str(seed_file), "--db", str(db)])
            into.runs.append(measure([*cli(), "import", str(jsonl), "--db", str(db)]))
            for path in root.glob(f"store-{events}-{turn}.*"):
                path.unlink()
    print(f"  {fresh.describe()}", file=sys.stderr, flush=True)
    if existing:
        print(f"  {into.describe()}", file=sys.stderr, flush=True)
    out: dict[str, Any] = {
        "events": events,
        "customers": max(1, events // EVENTS_PER_CUSTOMER),
        "file_mb": jsonl.stat().st_size / 2**20,
        "new_rss_mb": fresh.rss_mb,
        "new_cpu_us": fresh.per_item_us(),
        "new_wall": fresh.wall,
    }
    if existing:
        out |= {
            "into_rss_mb": into.rss_mb,
            "into_cpu_us": into.per_item_us(),
            "into_wall": into.wall,
        }
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default=DEFAULT_SIZES, help="comma-separated event counts")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--existing", action="store_true", help="also import into a used store")
    parser.add_argument("--keep", metavar="DIR", help="keep the histories here (and reuse them)")
    parser.add_argument("--json", metavar="FILE", help="write the figures here too")
    args = parser.parse_args(argv)
    os.environ.setdefault("TRUSTENGINE_FUTURE_TOLERANCE", "3650d")
    sizes = [int(size) for size in args.sizes.split(",")]
    root = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="te-import-memory-"))
    root.mkdir(parents=True, exist_ok=True)
    try:
        child_env(root / "pycache")
        measure([*cli(), "--help"])  # untimed: fills the children's bytecode cache
        points = [run_size(root, n, args.repeat, args.seed, args.existing) for n in sizes]
    finally:
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)
    print(f"trustengine import, SQLite, {EVENTS_PER_CUSTOMER} events a customer, ", end="")
    print(f"{'median' if args.repeat > 1 else 'one run'} of {args.repeat}; RSS the largest run")
    print("| events | customers | file | peak RSS, new store | CPU us/event |", end="")
    print(" peak RSS, used store | CPU us/event |" if args.existing else "")
    print("|---|---|---|---|---|" + ("---|---|" if args.existing else ""))
    for p in points:
        row = (
            f"| {p['events']:,} | {p['customers']:,} | {p['file_mb']:.0f} MiB "
            f"| {p['new_rss_mb']:.0f} MiB | {p['new_cpu_us']:.1f} |"
        )
        if args.existing:
            row += f" {p['into_rss_mb']:.0f} MiB | {p['into_cpu_us']:.1f} |"
        print(row)
    first, last = points[0], points[-1]
    print(
        f"peak RSS {last['events']:,} / {first['events']:,} events: "
        f"{last['new_rss_mb'] / first['new_rss_mb']:.2f}x (new store)"
        + (
            f", {last['into_rss_mb'] / first['into_rss_mb']:.2f}x (used store)"
            if args.existing
            else ""
        )
    )
    if args.json:
        Path(args.json).write_text(json.dumps(points, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
