"""``trustengine report`` as a whole process, this code against an older one, and where
its time goes query by query.

    git archive OLD_COMMIT src projections | tar -x -C OLD_DIR
    python benchmarks/report_bench.py --db NEW.db --old-src OLD_DIR/src --old-db OLD.db
    python benchmarks/report_bench.py --db NEW.db --json-too --queries

Each run is a child process, ``trustengine report --db STORE`` (and ``--json`` with
``--json-too``), measured with ``os.wait4`` (:mod:`procs`: CPU is user + system of the
child, start-up and imports included; children keep a bytecode cache of their own). The
older code runs on the same interpreter with ``PYTHONPATH`` set to its ``src`` folder.
Its store is ``--old-db``: a read model built by that code (when the views version
changed between the two, each code rebuilds a read model built by the other). Old and
new alternate, who goes first alternating too, after an untimed warm-up run of each
(bytecode, page cache, and a catch-up or rebuild if the read model was not current).
Every run's output is kept and compared: old and new must print the same bytes.

``--queries``: in a child per code, ``build_report`` in process, the CPU time
(``time.process_time``) of each of the report's SQL queries, summed per reading
function of ``report/sources.py`` (and ``report/clocks.py``), medians of ``--repeat``.
``--rebuild-too``: also ``trustengine rebuild --db STORE`` of each store with its code,
alternating, after the report runs (what the read model's new indexes cost a rebuild).
Options: ``--repeat`` (3), ``--json FILE``. Synthetic stores need
``TRUSTENGINE_FUTURE_TOLERANCE=30000d`` in the environment.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

from procs import Runs, child_env, cli, measure, run_json

TARGET_CPU = 2.0
"""Issue 16: ``report`` at 1M events, whole process, at most 2 s CPU."""


def _queries_child(db: str, repeat: int) -> None:
    """Print the CPU seconds of each reading function's queries, medians of ``repeat``."""
    import inspect
    import time

    from trustengine.application.facade import TrustEngine
    from trustengine.report import build_report
    from trustengine.report import sql as report_sql

    spent: dict[str, float] = {}
    rows = report_sql.TimeSql.rows

    def timed(self: Any, query: str, params: Any = ()) -> Any:
        caller = inspect.stack()[1].function
        start = time.process_time()
        try:
            return rows(self, query, params)
        finally:
            spent[caller] = spent.get(caller, 0.0) + time.process_time() - start

    report_sql.TimeSql.rows = timed  # type: ignore[method-assign]
    found: dict[str, list[float]] = {}
    engine = TrustEngine(db)
    with engine.read_model() as model:  # caught up
        for _ in range(repeat):
            spent.clear()
            start = time.process_time()
            build_report(model.db)
            total = time.process_time() - start
            for name, cpu in spent.items():
                found.setdefault(name, []).append(cpu)
            found.setdefault("build_report (all)", []).append(total)
    engine.close()
    print(json.dumps({name: statistics.median(cpus) for name, cpus in found.items()}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", help="the store (read model of this code)")
    parser.add_argument("--old-src", help="an older code's src folder, to compare against")
    parser.add_argument("--old-db", help="the store for the older code (default: --db)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json-too", action="store_true", help="also time report --json")
    parser.add_argument("--queries", action="store_true", help="CPU per query, in process")
    parser.add_argument(
        "--rebuild-too",
        action="store_true",
        help="also time trustengine rebuild of each store (what the new indexes cost it)",
    )
    parser.add_argument("--json", dest="json_out", type=Path, help="write the figures here")
    parser.add_argument("--child", nargs=2, metavar=("DB", "REPEAT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _queries_child(args.child[0], int(args.child[1]))
        return
    if args.db is None:
        parser.error("--db is required")

    scratch = Path(tempfile.mkdtemp(prefix="report-bench-"))
    child_env(scratch / "pycache")
    codes: dict[str, tuple[str, dict[str, str]]] = {"new": (args.db, {})}
    if args.old_src:
        old_src = str(Path(args.old_src).resolve())
        codes = {"old": (args.old_db or args.db, {"PYTHONPATH": old_src}), **codes}
    forms = {"text": []} | ({"json": ["--json"]} if args.json_too else {})
    runs: dict[tuple[str, str], Runs] = {}
    outputs: dict[tuple[str, str], bytes] = {}
    for (code, (db, env)), (form, extra) in ((c, f) for c in codes.items() for f in forms.items()):
        argv = [*cli(), "report", "--db", db, *extra]
        out = scratch / f"{code}-{form}.out"
        measure(argv, stdout_to=out, env=env)  # warm-up: bytecode, pages, catch-up
        outputs[(code, form)] = out.read_bytes()
        runs[(code, form)] = Runs(f"report {form} ({code})")
    names = list(codes)
    for turn in range(args.repeat):
        order = names[turn % len(names) :] + names[: turn % len(names)]
        for form, extra in forms.items():
            for code in order:
                db, env = codes[code]
                out = scratch / f"{code}-{form}.run"
                argv = [*cli(), "report", "--db", db, *extra]
                runs[(code, form)].runs.append(measure(argv, stdout_to=out, env=env))
                if out.read_bytes() != outputs[(code, form)]:
                    raise SystemExit(f"report {form} ({code}) printed something else this time")
    if args.rebuild_too:
        for code in codes:
            runs[(code, "rebuild")] = Runs(f"rebuild ({code})")
        for turn in range(args.repeat):
            for code in names[turn % len(names) :] + names[: turn % len(names)]:
                db, env = codes[code]
                argv = [*cli(), "rebuild", "--db", db]
                runs[(code, "rebuild")].runs.append(measure(argv, env=env))
    for form in forms:
        if "old" in codes and outputs[("old", form)] != outputs[("new", form)]:
            raise SystemExit(f"report {form}: old and new code print different bytes")
    found: dict[str, Any] = {"db": args.db, "old_db": codes.get("old", ("",))[0], "runs": {}}
    for (code, form), measured in runs.items():
        print(measured.describe())
        cpus = ", ".join(f"{r.cpu:.3f}" for r in measured.runs)
        print(f"    CPU runs {cpus}")
        found["runs"][f"{code} {form}"] = {
            "cpu": measured.cpu,
            "wall": measured.wall,
            "rss_mb": measured.rss_mb,
            "cpu_runs": [r.cpu for r in measured.runs],
            "wall_runs": [r.wall for r in measured.runs],
        }
    for form in forms:
        new = runs[("new", form)]
        line = f"report {form}: new {new.cpu:.3f} s CPU (target <= {TARGET_CPU} s)"
        if "old" in codes:
            old = runs[("old", form)]
            line += f", old {old.cpu:.3f} s: old / new {old.cpu / new.cpu:.2f}x by CPU"
            line += f", {old.wall / new.wall:.2f}x by wall; output identical"
        print(line)
    if args.rebuild_too and "old" in codes:
        old, new = runs[("old", "rebuild")], runs[("new", "rebuild")]
        ratio = f"{new.cpu / old.cpu:.3f} by CPU, {new.wall / old.wall:.3f} by wall"
        print(f"rebuild: new / old {ratio}")
    if args.queries:
        found["queries"] = {}
        for code, (db, env) in codes.items():
            me = [sys.executable, __file__, "--child", db, str(args.repeat)]
            per = json.loads(run_json(me, env=env))
            found["queries"][code] = per
        per_code = found["queries"]
        names_seen = sorted(
            {name for per in per_code.values() for name in per},
            key=lambda name: -per_code["new"].get(name, 0.0),
        )
        print("CPU s per reading function, in process (" + ", ".join(codes) + "):")
        for name in names_seen:
            cells = "  ".join(f"{per_code[code].get(name, 0.0):7.3f}" for code in codes)
            print(f"  {name:<24} {cells}")
    if args.json_out:
        args.json_out.write_text(json.dumps(found, indent=2) + "\n", encoding="utf-8")
    shutil.rmtree(scratch)


if __name__ == "__main__":
    main()
