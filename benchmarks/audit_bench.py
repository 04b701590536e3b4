"""One customer's verification (what ``audit`` runs) over a large SQLite ledger, against
``verify``.

Builds one store of ``--events`` generated events (``trustengine.testing.synth``), then times,
``--repeat`` times each and interleaved, the median wall and CPU seconds of:

- ``verify``: the whole-ledger check (the baseline: it decodes and hashes every event);
- ``customer``: ``verify_customer`` of one customer, as ``audit`` runs it: that
  customer's events decoded and hashed, and the ledger's head check;
- ``head``: that head check alone (``ledger_head_problems``): every recorded hash folded,
  in the store's order, into the store's head, no payload read.

It prints each figure with its ratio to ``verify`` in the same run.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from trustengine import TrustEngine
from trustengine.integrity.verify import ledger_head_problems, verify, verify_customer
from trustengine.testing.synth import generate_history


def timed(run: Callable[[], object]) -> tuple[float, float]:
    cpu, wall = time.process_time(), time.perf_counter()
    run()
    return time.perf_counter() - wall, time.process_time() - cpu


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--customers", type=int, default=5_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--tmpdir", default=None)
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(dir=args.tmpdir) as folder:
        engine = TrustEngine(str(Path(folder) / "ledger.db"))
        print(f"building {args.events} events over {args.customers} customers", file=sys.stderr)
        engine.record_many(generate_history(args.customers, args.events))
        customer = next(engine.all_events()).customer
        runs: dict[str, Callable[[], object]] = {
            "verify": lambda: verify(engine),
            "customer": lambda: verify_customer(engine, customer),
            "head": lambda: ledger_head_problems(engine),
        }
        times: dict[str, list[tuple[float, float]]] = {name: [] for name in runs}
        for _ in range(args.repeat):
            for name, run in runs.items():
                times[name].append(timed(run))
        events = len(engine.history(customer))
        engine.close()

    base = statistics.median(wall for wall, _ in times["verify"])
    print(f"{args.events} events, {args.customers} customers, median of {args.repeat}")
    print(f"the customer has {events} events")
    print(f"{'scenario':<12} {'wall s':>8} {'cpu s':>8} {'/verify':>8}")
    for name, pairs in times.items():
        wall = statistics.median(w for w, _ in pairs)
        cpu = statistics.median(c for _, c in pairs)
        print(f"{name:<12} {wall:>8.3f} {cpu:>8.3f} {wall / base:>8.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
