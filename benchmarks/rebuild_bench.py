"""Read-model rebuild throughput against raw ``sqlite3``, and lookup and replay latency.

Run ``python benchmarks/rebuild_bench.py`` (100k events over 5,000 customers), or
``python benchmarks/rebuild_bench.py --events 1000000 --customers 50000`` for the big run.

What is measured, in one run on one machine:

1. **rebuild**: ``ReadModel(TrustEngine(db)).rebuild()`` (drop, recreate, fold every stored
   event into the tables) against a raw ``sqlite3`` baseline that reads the same stored
   rows and JSON-decodes each (``SELECT state FROM stored_events`` + ``json.loads``).
   Each is run ``--repeat`` times, alternating, each in a fresh child process; the median
   is reported, and the ratio rebuild/raw (target >= 0.4).
   Peak RSS is the child's ``resource.getrusage`` maximum. Linux carries a parent's peak
   across fork and exec into the child's ``ru_maxrss``, so every heavy step (generating,
   importing, measuring) runs in a child and this parent imports only the standard
   library; the child's ``VmHWM`` from ``/proc`` is printed beside it as a check.
   Once more, for context, reading and decoding every event through the engine's mapper
   alone (``engine.all_events()``): the ceiling of any projection that uses the mapper.
2. **lookups**: ``ReadModel.state`` and ``ReadModel.timeline`` for random customers, in
   process, from the rebuilt tables (p50/p95), with and without the catch-up check the
   CLI does first.
3. **--as-of replay**: ``engine.state(customer, as_of=...)`` for one customer with
   ``--replay-events`` events, from a store of its own with a read model: the first call
   (which makes the fold snapshots), the later ones (from a snapshot), and the full
   replay without snapshots (``history`` + as-of filter + ``TrustModel.replay``).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import resource
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any, cast

TARGET = 0.4
IMPORT_CHUNK = 100_000


# --- children: one measured run each, result as JSON on stdout ----------------------------


def peak_rss_mb() -> float:
    """This process's peak resident set size in MiB (ru_maxrss is KiB on Linux)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def hwm_mb() -> float | None:
    """The kernel's own peak RSS of this process (``VmHWM``), where ``/proc`` has it."""
    try:
        status = Path("/proc/self/status").read_text(encoding="ascii")
    except OSError:
        return None
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return None


def measured(seconds: float, events: int) -> dict[str, Any]:
    """A child's result: wall seconds, events, CPU seconds (user + system) and peak RSS."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return {
        "seconds": seconds,
        "events": events,
        "cpu": usage.ru_utime + usage.ru_stime,
        "rss_mb": peak_rss_mb(),
        "hwm_mb": hwm_mb(),
    }


def child_raw(db: str) -> dict[str, Any]:
    start = time.perf_counter()
    conn = sqlite3.connect(db)
    count = 0
    for (state,) in conn.execute("SELECT state FROM stored_events"):
        json.loads(state)
        count += 1
    conn.close()
    return measured(time.perf_counter() - start, count)


def child_decode(db: str) -> dict[str, Any]:
    """What any projection pays first: read every notification and decode it to an event."""
    from trustengine.application.facade import TrustEngine

    start = time.perf_counter()
    engine = TrustEngine(db)
    count = sum(1 for _ in engine.all_events())
    engine.close()
    return measured(time.perf_counter() - start, count)


def child_rebuild(db: str, batch_size: int, cache_size: int) -> dict[str, Any]:
    from trustengine.application.facade import TrustEngine
    from trustengine.readmodel import ReadModel

    start = time.perf_counter()
    engine = TrustEngine(db)
    model = ReadModel(engine, batch_size=batch_size or None, cache_size=cache_size)
    count = model.rebuild()
    model.close()
    engine.close()
    return measured(time.perf_counter() - start, count)


def run_child(*args: str) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, __file__, "--child", *args], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"child {args} failed:\n{done.stderr}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


# --- set-up -------------------------------------------------------------------------------


def build_store(db: str, events: int, customers: int, seed: int) -> dict[str, Any]:
    """Generate the synthetic history and import it, in time order, in chunks."""
    from trustengine.application.facade import TrustEngine
    from trustengine.testing.synth import generate_history

    start = time.perf_counter()
    history = generate_history(customers, events, seed=seed)
    engine = TrustEngine(db)
    stored = 0
    for offset in range(0, len(history), IMPORT_CHUNK):
        stored += engine.record_many(history[offset : offset + IMPORT_CHUNK])
    engine.close()
    if stored != events:
        raise SystemExit(f"stored {stored} events, expected {events}")
    return measured(time.perf_counter() - start, stored)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def timings(run: Callable[[str], object], keys: list[str]) -> list[float]:
    out = []
    for key in keys:
        start = time.perf_counter()
        run(key)
        out.append((time.perf_counter() - start) * 1000)
    return out


def lookups(db: str, count: int, seed: int) -> dict[str, Any]:
    from trustengine.application.facade import TrustEngine
    from trustengine.readmodel import ReadModel

    engine = TrustEngine(db)
    model = ReadModel(engine)
    model.catch_up()
    keys = [row[0] for row in model.db.execute("SELECT customer FROM customers")]
    rng = random.Random(seed)
    picked = [rng.choice(keys) for _ in range(count)]

    def caught_up_state(key: str) -> object:
        model.catch_up()
        return model.state(key)

    results = {
        "state": timings(model.state, picked),
        "timeline": timings(model.timeline, picked),
        "catch-up check + state": timings(caught_up_state, picked),
    }
    model.close()
    engine.close()
    return {name: (percentile(ms, 0.5), percentile(ms, 0.95)) for name, ms in results.items()}


def as_of_replay(root: str, events: int, repeat: int) -> dict[str, Any]:
    """``state --as-of`` for one customer with ``events``, in process, in ms.

    The store gets a read model first (untimed: it is where the fold snapshots are kept).
    ``cold``: the first ``engine.state(customer, as_of=...)``, which reads the whole
    history and makes the snapshots; ``as_of``: the median of ``repeat`` more (from the
    last snapshot at or before the time); ``full``: the replay without snapshots
    (``history`` + the as-of filter + ``TrustModel.replay``, what ``state --as-of`` did
    before them). Wall and CPU (``*_cpu_ms``) of each.
    """
    from trustengine.application.facade import TrustEngine
    from trustengine.scoring.history import as_of as history_as_of
    from trustengine.scoring.trust import TrustModel
    from trustengine.testing.synth import generate_history

    db = str(Path(root) / "one-customer.db")
    for suffix in ("", "-wal", "-shm", ".keys"):
        Path(db + suffix).unlink(missing_ok=True)
    history = generate_history(1, events, seed=11)
    engine = TrustEngine(db)
    for offset in range(0, len(history), IMPORT_CHUNK):
        engine.record_many(history[offset : offset + IMPORT_CHUNK])
    engine.catch_up()
    customer = str(history[0]["customer"])
    as_of = datetime.fromisoformat(str(history[len(history) * 3 // 4]["at"]))
    model = TrustModel()

    def timed(run: Callable[[], object]) -> tuple[float, float, object]:
        wall, cpu = time.perf_counter(), time.process_time()
        out = run()
        return time.perf_counter() - wall, time.process_time() - cpu, out

    cold = timed(lambda: engine.state(customer, as_of=as_of))
    warm = [timed(lambda: engine.state(customer, as_of=as_of)) for _ in range(repeat)]
    full = [
        timed(lambda: model.replay(history_as_of(engine.history(customer), as_of)))
        for _ in range(repeat)
    ]
    folded = cast(Any, warm[0][2]).events
    engine.close()
    return {
        "as_of_ms": statistics.median(w for w, _, _ in warm) * 1000,
        "as_of_cpu_ms": statistics.median(c for _, c, _ in warm) * 1000,
        "cold_ms": cold[0] * 1000,
        "cold_cpu_ms": cold[1] * 1000,
        "full_ms": statistics.median(w for w, _, _ in full) * 1000,
        "full_cpu_ms": statistics.median(c for _, c, _ in full) * 1000,
        "folded": folded,
    }


# --- main ---------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--customers", type=int, default=None, help="default: events / 20")
    parser.add_argument(
        "--big", action="store_true", help="the big run: 1,000,000 events of 50,000 customers"
    )
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--batch-size", type=int, default=0, help="events per transaction (0: the default)"
    )
    parser.add_argument("--cache-size", type=int, default=20_000)
    parser.add_argument("--lookups", type=int, default=1000)
    parser.add_argument("--replay-events", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", type=Path, help="use (and keep) this folder for the stores")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.child:
        kind, db, *rest = args.child
        numbers = [int(value) for value in rest]
        children: dict[str, Callable[[], dict[str, Any]]] = {
            "build": lambda: build_store(db, *numbers),
            "raw": lambda: child_raw(db),
            "decode": lambda: child_decode(db),
            "rebuild": lambda: child_rebuild(db, *numbers),
            "lookups": lambda: lookups(db, *numbers),
            "asof": lambda: as_of_replay(db, *numbers),
        }
        print(json.dumps(children[kind]()))
        return

    if args.big:
        args.events, args.customers = 1_000_000, 50_000
    customers = args.customers or max(1, args.events // 20)
    root = args.keep or Path(tempfile.mkdtemp(prefix="rebuild-bench-"))
    root.mkdir(parents=True, exist_ok=True)
    db = str(root / f"store-{args.events}.db")
    print(f"python {platform.python_version()}, {platform.platform()}, {os.cpu_count()} CPUs")
    if not Path(db).exists():
        built = run_child("build", db, str(args.events), str(customers), str(args.seed))
        print(
            f"generated and imported {args.events:,} events of {customers:,} customers into "
            f"{db} in {built['seconds']:.1f} s (peak RSS {built['rss_mb']:.0f} MiB)"
        )
    else:
        print(f"reusing {db}")

    raw: list[dict[str, Any]] = []
    rebuilt: list[dict[str, Any]] = []
    for attempt in range(args.repeat):
        pair = [
            (raw, ("raw", db)),
            (rebuilt, ("rebuild", db, str(args.batch_size), str(args.cache_size))),
        ]
        for results, child in pair if attempt % 2 == 0 else reversed(pair):
            results.append(run_child(*child))
    raw_s = statistics.median(r["seconds"] for r in raw)
    rebuild_s = statistics.median(r["seconds"] for r in rebuilt)
    events = rebuilt[0]["events"]
    print(
        f"\nrebuild of {events:,} events, median of {args.repeat} "
        f"(batch {args.batch_size or 'default'}, state cache {args.cache_size:,}):"
    )
    for label, results, median in (
        ("raw sqlite3 read + json.loads", raw, raw_s),
        ("trustengine rebuild", rebuilt, rebuild_s),
    ):
        runs = ", ".join(f"{r['seconds']:.2f}" for r in results)
        cpu = statistics.median(r["cpu"] for r in results)
        peak = max(r["rss_mb"] for r in results)
        hwm = max(r["hwm_mb"] or 0 for r in results)
        print(
            f"  {label:<30} {events / median:>10,.0f} events/s  ({median:.2f} s wall, runs "
            f"{runs}; {cpu:.2f} s CPU incl. start-up; peak RSS {peak:.0f} MiB, VmHWM {hwm:.0f} MiB)"
        )
    ratio = raw_s / rebuild_s
    verdict = "meets" if ratio >= TARGET else "MISSES"
    cpu_ratio = statistics.median(r["cpu"] for r in raw) / statistics.median(
        r["cpu"] for r in rebuilt
    )
    print(
        f"  ratio rebuild/raw: {ratio:.3f} wall, {cpu_ratio:.3f} CPU "
        f"({verdict} the target {TARGET})"
    )
    decoded = run_child("decode", db)
    ceiling = raw_s / decoded["seconds"]
    print(
        f"  for context, reading + decoding every event through the engine's mapper alone "
        f"(no projection): {decoded['events'] / decoded['seconds']:,.0f} events/s, "
        f"ratio {ceiling:.3f}: no projection through the mapper can beat that ratio"
    )

    print(f"\nlookups from the read model, {args.lookups} random customers (ms):")
    found = run_child("lookups", db, str(args.lookups), str(args.seed))
    for name, (p50, p95) in found.items():
        print(f"  {name:<24} p50 {p50:7.3f}   p95 {p95:7.3f}")

    replay = run_child("asof", str(root), str(args.replay_events), str(args.repeat))
    print(
        f"\nstate --as-of, one customer with {args.replay_events:,} events "
        f"(folds {replay['folded']:,}): from the snapshots {replay['as_of_ms']:.0f} ms wall, "
        f"{replay['as_of_cpu_ms']:.0f} ms CPU; the first call (makes them) "
        f"{replay['cold_ms']:.0f} / {replay['cold_cpu_ms']:.0f} ms; full replay "
        f"{replay['full_ms']:.0f} / {replay['full_cpu_ms']:.0f} ms"
    )


if __name__ == "__main__":
    main()
