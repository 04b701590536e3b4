"""Merkle root, proofs and consistency over a large SQLite ledger, against `verify`.

Builds one store of ``--events`` generated events (``trustengine.testing.synth``), then times,
``--repeat`` times each and interleaved, the median wall and CPU seconds of:

- ``verify``: the whole-ledger check (the baseline: it reads and hashes every event too);
- ``root``: what ``seal --sign`` computes (every chain hash recomputed, the RFC 9162 root
  streamed in constant memory);
- ``tree``: what ``proof`` and ``verify --against CHECKPOINT`` build (the same walk,
  keeping every 32-byte leaf hash);
- ``proof``: one customer's whole bundle against a checkpoint;
- ``consistency``: ``verify --against CHECKPOINT``'s proof, for a checkpoint of half the
  ledger.

It prints each figure with its ratio to ``verify`` in the same run, and the peak Python
memory (tracemalloc) of ``root`` and ``tree``, so that streaming is visible.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from trustengine import TrustEngine
from trustengine.integrity.bundle import build_proof
from trustengine.integrity.checkpoint import sign
from trustengine.integrity.consistency import check_consistency
from trustengine.integrity.ledger import ledger_root, ledger_tree
from trustengine.integrity.verify import verify
from trustengine.testing.synth import generate_history


def timed(run: Callable[[], object]) -> tuple[float, float]:
    cpu, wall = time.process_time(), time.perf_counter()
    run()
    return time.perf_counter() - wall, time.process_time() - cpu


def peak(run: Callable[[], object]) -> int:
    tracemalloc.start()
    try:
        run()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--customers", type=int, default=5_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--tmpdir", default=None)
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(dir=args.tmpdir) as folder:
        db = str(Path(folder) / "ledger.db")
        engine = TrustEngine(db)
        print(f"building {args.events} events over {args.customers} customers", file=sys.stderr)
        engine.record_many(generate_history(args.customers, args.events))
        key = Ed25519PrivateKey.generate()
        whole = sign(ledger_root(engine), key)
        half = sign(ledger_root(engine, limit=args.events // 2), key)
        customer = next(engine.all_events()).customer
        runs: dict[str, Callable[[], object]] = {
            "verify": lambda: verify(engine),
            "root": lambda: ledger_root(engine),
            "tree": lambda: ledger_tree(engine),
            "proof": lambda: build_proof(engine, customer, whole),
            "consistency": lambda: check_consistency(engine, half, key=key.public_key()),
        }
        times: dict[str, list[tuple[float, float]]] = {name: [] for name in runs}
        for _ in range(args.repeat):
            for name, run in runs.items():
                times[name].append(timed(run))
        memory = {name: peak(runs[name]) for name in ("root", "tree")}
        engine.close()

    base = statistics.median(wall for wall, _ in times["verify"])
    print(f"{args.events} events, {args.customers} customers, median of {args.repeat}")
    print(f"{'scenario':<12} {'wall s':>8} {'cpu s':>8} {'/verify':>8}")
    for name, pairs in times.items():
        wall = statistics.median(w for w, _ in pairs)
        cpu = statistics.median(c for _, c in pairs)
        print(f"{name:<12} {wall:>8.3f} {cpu:>8.3f} {wall / base:>8.3f}")
    for name, size in memory.items():
        print(f"peak memory {name}: {size / 1e6:.1f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
