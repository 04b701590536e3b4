"""Two versions of trustengine taking turns: whole-process CPU of one command, old and new.

```bash
git archive BASE src projections | tar -x -C OLD      # the code before, as a source tree
python benchmarks/startup_ab.py --old OLD --rounds 9 -- state CUST --db STORE
python benchmarks/startup_ab.py --old OLD -- --help
```

Each round runs the command once with the old tree first on ``PYTHONPATH`` and once with
this environment's trustengine, the order swapped every round, so a neighbour's load
falls on both alike. CPU time (user + system) and peak RSS come from ``os.wait4``
(:mod:`procs`); each side has a bytecode cache of its own (a first run of each, untimed),
as an installed package would. It prints each side's median CPU and wall time and every run.
The command must leave the store as it found it (a read), or each run sees another one.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
from pathlib import Path

from procs import Measured, measure


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--old", required=True, type=Path, help="source tree of the old code")
    parser.add_argument("--rounds", type=int, default=9, help="runs of each side (9)")
    parser.add_argument("--json", type=Path, help="write the figures here too")
    parser.add_argument("command", nargs="+", help="the trustengine arguments, after --")
    args = parser.parse_args(argv)
    old_src = args.old.resolve() / "src"
    if not (old_src / "trustengine").is_dir():
        raise SystemExit(f"{args.old}: no src/trustengine in it")
    argv_of = [sys.executable, "-m", "trustengine", *args.command]
    runs: dict[str, list[Measured]] = {"old": [], "new": []}
    with tempfile.TemporaryDirectory() as cache:
        # measure()'s env is set over this process's: an empty value unsets these two
        base = {"PYTHONDONTWRITEBYTECODE": "", "PYTHONPATH": ""}
        sides = {
            "old": {**base, "PYTHONPATH": str(old_src), "PYTHONPYCACHEPREFIX": f"{cache}/old"},
            "new": {**base, "PYTHONPYCACHEPREFIX": f"{cache}/new"},
        }
        for side in sides.values():  # warm each side's bytecode cache
            measure(argv_of, env=side)
        for turn in range(args.rounds):
            order = ("old", "new") if turn % 2 == 0 else ("new", "old")
            for name in order:
                runs[name].append(measure(argv_of, env=sides[name]))
    figures = {}
    for name, measured in runs.items():
        cpu = statistics.median(m.cpu for m in measured) * 1000
        wall = statistics.median(m.wall for m in measured) * 1000
        figures[name] = {
            "cpu_ms": cpu,
            "wall_ms": wall,
            "runs_cpu_ms": [m.cpu * 1000 for m in measured],
        }
        every = " ".join(f"{m.cpu * 1000:.0f}" for m in measured)
        peak = max(m.rss_mb for m in measured)
        print(f"{name}: median {cpu:.0f} ms CPU, {wall:.0f} ms wall, peak RSS {peak:.0f} MiB")
        print(f"  runs, ms CPU: {every}")
    print(f"new/old CPU: {figures['new']['cpu_ms'] / figures['old']['cpu_ms']:.3f}")
    if args.json is not None:
        args.json.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
