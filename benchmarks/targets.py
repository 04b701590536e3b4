"""Every row of the performance targets (issue 16) from one run, baselines in the same run.

Run ``python benchmarks/targets.py`` (100k events of 5k customers) and add ``--big 1000000``
for the rows measured at a million events (rebuild growth, ``state CUST``, ``report``,
``verify``/``export`` flat to 1M); ``--keep DIR`` keeps (and reuses) the generated stores.
Medians of ``--repeat`` runs, CPU beside wall. The driver imports only the standard
library and measures commands as child processes (``os.wait4``: the child's own CPU and
peak RSS), through the ``trustengine`` command and the other benchmark scripts:

- SQLite bulk and per command: ``import_bench.py`` (raw ``sqlite3`` on the same JSONL, stock
  eventsourcing's one-save and get+save, raw one-txn-per-row, same ``synchronous``);
- PostgreSQL bulk and per command: ``postgres_bench.py --no-lag`` (raw psycopg, stock);
- rebuild: ``trustengine rebuild`` against the new baseline (raw read + ``json.loads`` of
  the stored events + raw ``executemany`` of the very read-model rows the rebuild
  produced, into the same tables, WAL and ``synchronous=NORMAL`` as the read model) and
  the old one (raw read + ``json.loads`` only), with per-event cost and peak RSS at both
  sizes;
- ``state --as-of`` of one customer with ``--replay-events`` events (the CLI, and in
  process through ``rebuild_bench.py``), ``state CUST``, ``report``, ``verify``,
  ``export`` and ``--help`` as whole processes. "net" figures subtract the median
  ``trustengine --help`` run (interpreter start-up and imports) measured in the same run.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from procs import Runs, child_env, cli, measure, run_json

HERE = Path(__file__).resolve().parent
REBUILD_BENCH = str(HERE / "rebuild_bench.py")


# --- children ------------------------------------------------------------------------------


def child_tables(db: str) -> list[str]:
    """The tables a store has before any read model: a tiny store of one customer."""
    from trustengine.application.facade import TrustEngine
    from trustengine.testing.synth import generate_history

    engine = TrustEngine(db)
    engine.record_many(generate_history(1, 5, seed=1))
    engine.close()
    conn = sqlite3.connect(db)
    names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
    conn.close()
    return names


def child_asof_key(events: str) -> list[str]:
    """The customer and as-of time ``rebuild_bench.py``'s as-of store uses (seed 11)."""
    from trustengine.testing.synth import generate_history

    history = generate_history(1, int(events), seed=11)
    return [str(history[0]["customer"]), str(history[len(history) * 3 // 4]["at"])]


def child_new_baseline(store: str, scratch: str, tables: str) -> dict[str, Any]:
    """Raw read + ``json.loads`` of every stored event + ``executemany`` of the read model's rows.

    The rows (and the tables' and indexes' SQL) are read from ``store`` after a rebuild,
    untimed; the timed part reads the stored events as the rebuild does and writes those
    rows into the same tables in ``scratch``, as the read model's connection is set up.
    """
    names = tables.split(",")
    src = sqlite3.connect(store)
    marks = ",".join("?" * len(names))
    ddl = [
        sql
        for (sql,) in src.execute(
            f"SELECT sql FROM sqlite_master WHERE tbl_name IN ({marks}) AND sql IS NOT NULL "  # noqa: S608 - placeholders only
            "AND type IN ('table', 'index') ORDER BY type = 'index'",
            names,
        )
    ]
    rows = {name: src.execute(f'SELECT * FROM "{name}"').fetchall() for name in names}  # noqa: S608 - names from sqlite_master
    src.close()
    gc.collect()
    cpu, start = time.process_time(), time.perf_counter()
    conn = sqlite3.connect(store)
    count = 0
    for (state,) in conn.execute("SELECT state FROM stored_events"):
        json.loads(state)
        count += 1
    conn.close()
    out = sqlite3.connect(scratch, isolation_level=None)
    out.execute("PRAGMA journal_mode=WAL")
    out.execute("PRAGMA synchronous=NORMAL")
    out.execute("BEGIN")
    for sql in ddl:
        out.execute(sql)
    for name, table_rows in rows.items():
        if table_rows:
            values = ",".join("?" * len(table_rows[0]))
            out.executemany(f'INSERT INTO "{name}" VALUES ({values})', table_rows)  # noqa: S608 - names from sqlite_master
    out.execute("COMMIT")
    out.close()
    return {
        "seconds": time.perf_counter() - start,
        "cpu": time.process_time() - cpu,
        "events": count,
        "rows": sum(len(r) for r in rows.values()),
    }


# --- helpers -------------------------------------------------------------------------------


def say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def me(*args: str) -> list[str]:
    return [sys.executable, __file__, "--child", *args]


def repeated(name: str, argv: list[str], repeat: int, items: int = 1, **kw: Any) -> Runs:
    runs = Runs(name, items)
    for _ in range(repeat):
        runs.runs.append(measure(argv, **kw))
    say(f"  {runs.describe()}")
    return runs


def tables_of(db: str) -> set[str]:
    conn = sqlite3.connect(db)
    names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    conn.close()
    return names


def first_customer(db: str) -> str:
    conn = sqlite3.connect(db)
    try:
        return str(conn.execute("SELECT min(customer) FROM customers").fetchone()[0])
    finally:
        conn.close()


def build(root: Path, events: int, customers: int, seed: int) -> str:
    db = str(root / f"store-{events}.db")
    if not Path(db).exists():
        say(f"generating and importing {events:,} events of {customers:,} customers ...")
        run_json(
            [
                sys.executable,
                REBUILD_BENCH,
                "--child",
                "build",
                db,
                *(str(events), str(customers)),
                str(seed),
            ]
        )
    return db


def store_rows(
    args: argparse.Namespace, root: Path, events: int, base: set[str], start: Runs, repeat: int
) -> dict[str, Any]:
    """rebuild (against both baselines), state CUST, report, verify and export at one size."""
    te = cli()
    db = build(root, events, max(1, events // 20), args.seed)
    say(f"{events:,} events: rebuild, baselines, state, report, verify, export")
    rebuild, new, old = Runs("rebuild", events), [], []
    for turn in range(repeat):
        steps = ["rebuild", "new", "old"]
        for step in steps[turn % 3 :] + steps[: turn % 3]:
            if step == "rebuild":
                rebuild.runs.append(measure([*te, "rebuild", "--db", db]))
            elif step == "new" and rebuild.runs:
                tables = sorted(tables_of(db) - base)
                scratch = root / "baseline.db"
                for suffix in ("", "-wal", "-shm"):
                    Path(f"{scratch}{suffix}").unlink(missing_ok=True)
                new.append(json.loads(run_json(me("new", db, str(scratch), ",".join(tables)))))
            elif step == "old":
                old.append(
                    json.loads(run_json([sys.executable, REBUILD_BENCH, "--child", "raw", db]))
                )
    say(f"  {rebuild.describe()}")
    figures: dict[str, Any] = {
        "events": events,
        "repeat": repeat,
        "rebuild": rebuild,
        "new_s": statistics.median(r["seconds"] for r in new),
        "new_cpu": statistics.median(r["cpu"] for r in new),
        "new_rows": new[0]["rows"],
        "old_s": statistics.median(r["seconds"] for r in old),
        "old_cpu": statistics.median(r["cpu"] for r in old),
    }
    if not args.rebuild_only:
        customer = first_customer(db)
        figures["state"] = repeated("state CUST", [*te, "state", customer, "--db", db], repeat)
        figures["report"] = repeated("report", [*te, "report", "--db", db], repeat)
        figures["verify"] = repeated("verify", [*te, "verify", "--db", db], repeat, events)
        figures["export"] = repeated("export", [*te, "export", "--db", db], repeat, events)
    net = rebuild.wall - start.wall
    figures["ratio_new"] = figures["new_s"] / net
    figures["ratio_new_whole"] = figures["new_s"] / rebuild.wall
    figures["ratio_old"] = figures["old_s"] / net
    net_cpu = rebuild.cpu - start.cpu
    figures["ratio_new_cpu"] = figures["new_cpu"] / net_cpu
    figures["ratio_old_cpu"] = figures["old_cpu"] / net_cpu
    return figures


def as_of_rows(args: argparse.Namespace, root: Path, start: Runs) -> dict[str, Any]:
    say(f"state --as-of, one customer with {args.replay_events:,} events")
    inproc = json.loads(
        run_json(
            [
                sys.executable,
                REBUILD_BENCH,
                "--child",
                "asof",
                str(root),
                *(str(args.replay_events), str(args.repeat)),
            ]
        )
    )
    customer, at = json.loads(run_json(me("asofkey", str(args.replay_events))))
    db = str(root / "one-customer.db")
    argv = [*cli(), "state", customer, "--as-of", at, "--db", db]
    return {"inproc": inproc, "cli": repeated("state --as-of", argv, args.repeat)}


def script_json(name: str, argv: list[str], out: Path, reuse: bool) -> dict[str, Any]:
    """Run a benchmark script (its table to this stdout) and read the JSON it wrote.

    With ``reuse``, a JSON (and table) an earlier run left in the kept folder is taken.
    """
    say(f"{name} {' '.join(argv)}")
    if reuse and out.exists() and out.with_suffix(".txt").exists():
        print(out.with_suffix(".txt").read_text(encoding="utf-8"))
        say(f"  {name}: reused {out}")
        reused: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
        return reused
    done = measure(
        [sys.executable, str(HERE / name), *argv, "--json", str(out)],
        stdout_to=out.with_suffix(".txt"),
    )
    print(out.with_suffix(".txt").read_text(encoding="utf-8"))
    say(f"  {name}: {done.wall:.0f} s")
    data: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    return data


def median_cpu_us(result: dict[str, Any]) -> float:
    return float(statistics.median(result["cpu"]) / result["events"] * 1e6)


def rate(result: dict[str, Any]) -> float:
    return float(result["events"] / statistics.median(result["seconds"]))


# --- the driver ----------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add = parser.add_argument
    add("--events", type=int, default=100_000, help="the main size (customers: events / 20)")
    add("--big", type=int, default=0, help="the big size, e.g. 1000000 (0: skip those rows)")
    add("--repeat", type=int, default=3, help="runs per figure (median)")
    add("--commands", type=int, default=2000, help="SQLite events recorded one by one")
    add("--replay-events", type=int, default=10_000, help="events of the as-of customer")
    add("--seed", type=int, default=7)
    add("--postgres-url", default=os.environ.get("TEST_POSTGRES_URL", ""))
    add("--pg-events", type=int, default=20_000, help="PostgreSQL bulk events")
    add("--pg-commands", type=int, default=1000, help="PostgreSQL events recorded one by one")
    add("--no-postgres", action="store_true", help="skip the PostgreSQL rows")
    add("--big-repeat", type=int, default=0, help="runs per figure at --big (0: --repeat)")
    add("--keep", type=Path, help="use (and keep) this folder for the stores")
    add(
        "--reuse",
        action="store_true",
        help="take the SQLite and PostgreSQL tables an earlier run left in --keep",
    )
    add(
        "--rebuild-only",
        action="store_true",
        help="only the rebuild rows (start-up, rebuild and its baselines at each size)",
    )
    add("--json", type=Path, help="also write every figure here")
    add("--child", nargs="+", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.child:
        kind, *rest = args.child
        runs = {"tables": child_tables, "asofkey": child_asof_key, "new": child_new_baseline}
        print(json.dumps(runs[kind](*rest)))
        return 0
    started = time.perf_counter()
    root = args.keep or Path(tempfile.mkdtemp(prefix="targets-bench-"))
    root.mkdir(parents=True, exist_ok=True)
    child_env(root / "pycache")
    try:
        found = run(args, root)
    finally:
        if args.keep is None:
            shutil.rmtree(root, ignore_errors=True)
    found["elapsed"] = time.perf_counter() - started
    report(args, found)
    return 0


def run(args: argparse.Namespace, root: Path) -> dict[str, Any]:
    if args.rebuild_only:
        return run_rebuild(args, root)
    n, customers = args.events, max(1, args.events // 20)
    common = ["--events", str(n), "--customers", str(customers), "--repeat", str(args.repeat)]
    found: dict[str, Any] = {
        "sqlite": script_json(
            "import_bench.py",
            [*common, "--commands", str(args.commands), "--tmpdir", str(root)],
            root / "import.json",
            args.reuse,
        )
    }
    if not args.no_postgres:
        pg = ["--events", str(args.pg_events), "--customers", str(max(1, args.pg_events // 20))]
        pg += ["--commands", str(args.pg_commands), "--repeat", str(args.repeat), "--no-lag"]
        if args.postgres_url:
            pg += ["--url", args.postgres_url]
        found["postgres"] = script_json("postgres_bench.py", pg, root / "postgres.json", args.reuse)
    say("trustengine --help")
    measure([*cli(), "--help"])  # untimed: fills the children's bytecode cache
    start = repeated("--help", [*cli(), "--help"], max(args.repeat, 5))
    found["help"] = start
    base = set(json.loads(run_json(me("tables", str(root / "tables.db")))))
    found["sizes"] = [store_rows(args, root, n, base, start, args.repeat)]
    if args.big:
        big_repeat = args.big_repeat or args.repeat
        found["sizes"].append(store_rows(args, root, args.big, base, start, big_repeat))
    found["asof"] = as_of_rows(args, root, start)
    return found


def run_rebuild(args: argparse.Namespace, root: Path) -> dict[str, Any]:
    """Only the rebuild rows (``--rebuild-only``): start-up, then rebuild and its baselines."""
    say("trustengine --help")
    measure([*cli(), "--help"])  # untimed: fills the children's bytecode cache
    start = repeated("--help", [*cli(), "--help"], max(args.repeat, 5))
    base = set(json.loads(run_json(me("tables", str(root / "tables.db")))))
    found: dict[str, Any] = {"help": start}
    found["sizes"] = [store_rows(args, root, args.events, base, start, args.repeat)]
    if args.big:
        big_repeat = args.big_repeat or args.repeat
        found["sizes"].append(store_rows(args, root, args.big, base, start, big_repeat))
    return found


def rebuild_rows(found: dict[str, Any], row: Any) -> None:
    """The rebuild rows of the table: the ratio at each size (wall, and CPU beside it), and
    the cost per event and peak RSS from the first size to the last."""
    boot = found["help"].cpu
    for size in found["sizes"]:
        rb: Runs = size["rebuild"]
        got = f"{size['ratio_new']:.3f} net of start-up ({size['ratio_new_whole']:.3f} whole; "
        got += f"by CPU {size['ratio_new_cpu']:.3f}; "
        got += f"baseline {size['new_s']:.2f} s wall, {size['new_cpu']:.2f} s CPU writing "
        got += f"{size['new_rows']:,} rows, rebuild {rb.wall:.2f} s wall, {rb.cpu:.2f} s CPU); "
        got += f"old baseline {size['ratio_old']:.3f} (CPU {size['ratio_old_cpu']:.3f})"
        row(f"rebuild / new baseline, {size['events']:,} events", got, ">= 0.35")
    small, big = found["sizes"][0], found["sizes"][-1]
    if len(found["sizes"]) > 1:
        before, after = small["rebuild"], big["rebuild"]
        got = f"{after.per_item_us(boot) / before.per_item_us(boot):.2f}x CPU "
        got += f"({before.per_item_us(boot):.0f} -> {after.per_item_us(boot):.0f} us); "
        got += f"peak RSS {before.rss_mb:.0f} -> {after.rss_mb:.0f} MiB"
        row(f"rebuild per event, {big['events']:,} vs {small['events']:,}", got, "<= 1.15x")


def report(args: argparse.Namespace, found: dict[str, Any]) -> None:
    """The target table, one row per path, in Markdown (``benchmarks/README.md`` shows it)."""
    start: Runs = found["help"]
    boot = start.cpu
    if args.rebuild_only:
        print(
            f"\n## Rebuild rows, one run: python {platform.python_version()}, "
            f"sqlite {sqlite3.sqlite_version}, {platform.machine()}, {os.cpu_count()} CPUs, "
            f"load {os.getloadavg()[0]:.1f}, median of {args.repeat} "
            f"(at {found['sizes'][-1]['events']:,}: {found['sizes'][-1]['repeat']}), "
            f"{found['elapsed']:.0f} s"
        )
        print("\n| path | measured | target |\n|---|---|---|")
        rebuild_rows(found, lambda path, got, want: print(f"| {path} | {got} | {want} |"))
        if args.json is not None:
            args.json.write_text(json.dumps(found, default=vars, indent=2) + "\n", encoding="utf-8")
        return
    sq = found["sqlite"]["results"]
    print(
        f"\n## Targets, one run: python {platform.python_version()}, "
        f"sqlite {sqlite3.sqlite_version}, {platform.machine()}, {os.cpu_count()} CPUs, "
        f"load {os.getloadavg()[0]:.1f}, median of {args.repeat} "
        f"(at {found['sizes'][-1]['events']:,}: {found['sizes'][-1]['repeat']}), "
        f"{found['elapsed']:.0f} s"
    )
    print("\n| path | measured | target |\n|---|---|---|")

    def row(path: str, got: str, want: str) -> None:
        print(f"| {path} | {got} | {want} |")

    raw_b, te_b = sq["raw sqlite3, one transaction"], sq["trustengine import_lines"]
    got = f"{rate(te_b) / rate(raw_b):.3f} ({median_cpu_us(te_b):.1f} vs "
    got += f"{median_cpu_us(raw_b):.1f} us CPU/event)"
    if one := sq.get("stock: one save, all events"):
        got += f"; stock one-save/raw {rate(one) / rate(raw_b):.3f}, "
        got += f"ours/stock {rate(te_b) / rate(one):.2f}x"
    row("SQLite bulk import / raw sqlite3", got, ">= 0.25, >= 1.5x stock one-save")
    if args.commands:
        raw_c, te_c = sq["raw sqlite3, one txn per row"], sq["trustengine record() per event"]
        got = f"{rate(te_c) / rate(raw_c):.3f}"
        if stock := sq.get("stock: get+save per event"):
            got += f"; stock get+save/raw {rate(stock) / rate(raw_c):.3f}"
        got += f"; CPU over raw {median_cpu_us(te_c) - median_cpu_us(raw_c):.0f} us"
        row("SQLite per command / raw one-txn-per-row", got, ">= 0.55, >= stock, <= 400 us")
    rebuild_rows(found, row)
    big = found["sizes"][-1]
    asof = found["asof"]
    inproc = asof["inproc"]
    got = f"in process {inproc['as_of_ms']:.0f} ms wall, {inproc['as_of_cpu_ms']:.0f} ms CPU "
    got += f"(first call {inproc['cold_cpu_ms']:.0f}, full replay {inproc['full_cpu_ms']:.0f} "
    got += "ms CPU); CLI "
    got += f"{asof['cli'].cpu * 1000:.0f} ms CPU whole, {(asof['cli'].cpu - boot) * 1000:.0f} net"
    row(f"state --as-of, one customer with {args.replay_events:,} events", got, "<= 50 ms")
    for size in found["sizes"]:
        v, e = size["verify"], size["export"]
        got = f"{v.per_item_us(boot):.1f} / {e.per_item_us(boot):.1f} us net "
        got += f"({v.per_item_us():.1f} / {e.per_item_us():.1f} whole)"
        row(f"verify / export CPU per event, {size['events']:,}", got, "<= 35 / <= 40 us")
    if "postgres" in found:
        ratios = found["postgres"]["ratios"]
        nan = float("nan")
        got = f"{ratios['bulk trustengine/raw']:.3f} (stock {ratios.get('bulk stock/raw', nan):.3f}"
        got += f"); {ratios.get('per command trustengine/raw', nan):.3f} "
        got += f"(stock {ratios.get('per command stock/raw', nan):.3f})"
        row("PostgreSQL bulk / raw psycopg; per command", got, ">= 0.25; >= 0.35, > stock")
    got = f"{boot * 1000:.0f} ms CPU ({start.wall * 1000:.0f} ms wall); "
    got += f"{big['state'].cpu * 1000:.0f} ms CPU ({big['state'].wall * 1000:.0f} ms wall)"
    row(f"trustengine --help; state CUST at {big['events']:,}", got, "<= 100 ms; <= 250 ms CPU")
    got = f"{big['report'].cpu:.2f} s CPU ({big['report'].wall:.2f} s wall)"
    row(f"report at {big['events']:,} events", got, "<= 2 s CPU")
    if args.json is not None:
        args.json.write_text(json.dumps(found, default=vars, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    raise SystemExit(main())
