"""Import and per-command throughput of trustengine on PostgreSQL, and the follower's lag.

Run ``python benchmarks/postgres_bench.py`` (see ``benchmarks/README.md``). Every figure is
the median of ``--repeat`` runs, each into a fresh schema (dropped after); events/s is wall
time measured with ``time.perf_counter``.

What is measured, against the same server in the same run:

1. **bulk import**: ``import_lines`` into ``TrustEngine(url)`` (engine construction and
   table creation included), ``--batch`` lines a transaction (default 2000; 0: the whole
   file in one), against **raw psycopg** inserting the very rows trustengine stores (same
   originator ids, versions, topics and payload bytes, read back from an untimed
   trustengine import) into a table of eventsourcing's Postgres shape (primary key
   ``(originator_id, originator_version)``, ``bigserial`` notification id with a unique
   index), reading and ``json.loads``-ing the same lines, ``executemany`` + ``commit`` per
   batch; and **stock eventsourcing** (a plain ``Application`` on
   ``PostgresApplicationRecorder``) saving the same events a batch a ``save()``. The three
   go in rotating order, each into its own new schema. Target ratio trustengine/raw >= 0.5.
2. **per command**: ``--commands`` events, each its own transaction: ``engine.record``;
   raw psycopg ``INSERT`` + ``commit``; stock get-or-create + ``save``; and, for context,
   raw psycopg sending what eventsourcing's recorder sends per transaction (``SET LOCAL
   lock_timeout``, ``LOCK TABLE ... IN EXCLUSIVE MODE``, ``NOTIFY``, ``INSERT ...
   RETURNING`` in one pipeline, then ``COMMIT``). All take turns in blocks of 100 events,
   every store open at once. Target ratio >= 0.7.
3. **follower lag**: ``trustengine follow`` as a child process while this process writes
   ``--lag-rate`` events/s in batches of ``--lag-batch`` for ``--lag-seconds``; per batch,
   the time from its commit until the follower's ``view_tracking`` reaches it (p50, p95,
   max). The follower is stopped with SIGTERM and must exit 0.

Why batches of 2000 by default: one ``INSERT`` carrying some 20,000 events (about 5 MB)
sometimes never returns: psycopg 3.3's pipeline ``sync()`` waits while the server waits
for the rest of the statement (see ``benchmarks/README.md``).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import tempfile
import time
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path
from typing import Any

import psycopg
from common import (
    Result,
    dist_version,
    interleaved,
    print_table,
    ratio_note,
    say,
    stock_batched,
    stock_command_run,
    timed,
)
from follow_lag import LagRun, measure_lag
from pg_baseline import (
    DEFAULT_URL,
    ES_STATEMENTS,
    RAW_INSERT,
    RawRows,
    Reference,
    Server,
    lines_of,
    raw_create,
    raw_import,
    stmt,
    stored_rows,
    trustengine_import,
)

from trustengine.application.facade import TrustEngine
from trustengine.testing.synth import generate_history, write_jsonl

BULK_TARGET = 0.5
COMMAND_TARGET = 0.7
COMMAND_BLOCK = 100


# --- scenarios ---------------------------------------------------------------------------


def per_command(
    server: Server, commands: Sequence[dict[str, Any]], ref: Reference, stock: bool
) -> dict[str, tuple[float, float]]:
    """Every store one transaction per event, all open at once, taking turns in blocks:
    trustengine, raw psycopg, raw psycopg sending what eventsourcing's recorder sends, and
    stock eventsourcing."""
    with (
        server.schema("te_cmd") as te_schema,
        server.schema("raw_cmd") as raw_schema,
        server.schema("es_cmd") as es_schema,
        server.schema("stock_cmd") as stock_schema,
    ):
        engine = TrustEngine(server.target(te_schema))
        conn, es_conn = server.connect(), server.connect()
        raw_create(conn, raw_schema)
        raw_create(es_conn, es_schema)
        app = server.stock_app(stock_schema) if stock else None
        insert = stmt(RAW_INSERT, raw_schema)
        es_statements = [stmt(template, es_schema) for template in ES_STATEMENTS]
        rows, es_rows = RawRows(ref), RawRows(ref)

        def te_run(chunk: Sequence[dict[str, Any]]) -> None:
            for obj in chunk:
                if not engine.record(obj):
                    raise SystemExit(f"trustengine did not store {obj}")

        def raw_run(chunk: Sequence[dict[str, Any]]) -> None:
            for obj in chunk:
                conn.execute(insert, rows.row(obj))
                conn.commit()

        def es_run(chunk: Sequence[dict[str, Any]]) -> None:
            lock_timeout, lock, notify, es_insert = es_statements
            for obj in chunk:
                with es_conn.pipeline() as pipeline, es_conn.cursor() as cursor:
                    cursor.execute(lock_timeout, prepare=True)
                    cursor.execute(lock, prepare=True)
                    cursor.execute(notify)
                    cursor.execute(es_insert, es_rows.row(obj))
                    pipeline.sync()
                    cursor.fetchall()
                es_conn.commit()

        runners = {"te": te_run, "raw": raw_run, "es": es_run}
        if app is not None:
            runners["stock"] = stock_command_run(app)
        try:
            return interleaved(commands, runners, COMMAND_BLOCK)
        finally:
            engine.close()
            conn.close()
            es_conn.close()
            if app is not None:
                app.close()


def bulk_round(
    server: Server,
    args: argparse.Namespace,
    jsonl: Path,
    decoded: Sequence[dict[str, Any]],
    ref: Reference,
    turn: int,
) -> dict[str, tuple[float, float]]:
    """One bulk run of each store, each into a fresh schema; who goes first rotates."""
    n = len(ref)

    def raw(schema: str) -> tuple[float, float]:
        return timed(partial(raw_import, server, schema, jsonl, ref, n, args.batch))

    def te(schema: str) -> tuple[float, float]:
        return timed(partial(trustengine_import, jsonl, server.target(schema), n, args.batch))

    def stock(schema: str) -> tuple[float, float]:
        app = partial(server.stock_app, schema)
        return stock_batched(
            [json.loads(line) for line in lines_of(jsonl)], app, args.batch or None
        )

    runs: dict[str, Callable[[str], tuple[float, float]]] = {"raw": raw, "te": te}
    if not args.no_stock:
        runs["stock"] = stock
    names = list(runs)
    shift = turn % len(names)
    seconds = {}
    for name in names[shift:] + names[:shift]:
        with server.schema(name) as schema:
            seconds[name] = runs[name](schema)
    return seconds


# --- driver --------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add = parser.add_argument
    add("--url", default=DEFAULT_URL, help="the server (postgresql://user@host:port/dbname)")
    add("--events", type=int, default=20_000, help="events to import")
    add(
        "--batch",
        type=int,
        default=2000,
        help="events per bulk transaction (0: all in one; see the README on large ones)",
    )
    add("--customers", type=int, default=1000, help="customers in the history")
    add("--commands", type=int, default=1000, help="events recorded one by one")
    add("--repeat", type=int, default=3, help="runs per figure (median)")
    add("--seed", type=int, default=7, help="synthetic history seed")
    add("--lag-rate", type=float, default=200.0, help="events/s written while following")
    add("--lag-seconds", type=float, default=20.0, help="how long to write while following")
    add("--lag-batch", type=int, default=10, help="events per written batch while following")
    add("--no-stock", action="store_true", help="skip the stock eventsourcing figures")
    add("--no-lag", action="store_true", help="skip the follower lag")
    add("--json", type=Path, default=None, help="also write every timing here")
    args = parser.parse_args(argv)
    if (
        min(args.events, args.customers, args.repeat, args.lag_batch) < 1
        or min(args.commands, args.batch) < 0
    ):
        parser.error(
            "--events, --customers, --repeat, --lag-batch must be >= 1, --commands, --batch >= 0"
        )
    if args.lag_rate <= 0 or args.lag_seconds <= 0:
        parser.error("--lag-rate and --lag-seconds must be > 0")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    server = Server(args.url)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="trustengine-pgbench-") as tmp:
        root = Path(tmp)
        say(f"generating {args.events} events over {args.customers} customers ...")
        jsonl = root / "history.jsonl"
        write_jsonl(generate_history(args.customers, args.events, seed=args.seed), jsonl)
        with jsonl.open(encoding="utf-8") as stream:
            decoded = [json.loads(line) for line in stream if line.strip()]
        n = len(decoded)
        commands = decoded[: args.commands]
        say("reference import (untimed): the rows raw psycopg will write ...")
        ref = stored_rows(server, jsonl, n, args.batch)
        lag_events = int(args.lag_rate * args.lag_seconds) + args.lag_batch
        lag_history = generate_history(args.customers, lag_events, seed=args.seed + 1)

        per = f"{args.batch} a txn" if args.batch and args.batch < n else "one txn"
        results = {
            "bulk_raw": Result(f"raw psycopg, {per}", n),
            "bulk_te": Result(f"trustengine import_lines, {per}", n),
            "bulk_stock": Result(f"stock eventsourcing, {per}", n),
            "cmd_raw": Result("raw psycopg, one txn per event", len(commands)),
            "cmd_te": Result("trustengine record() per event", len(commands)),
            "cmd_stock": Result("stock: get+save per event", len(commands)),
            "cmd_es": Result("raw psycopg, eventsourcing's statements", len(commands)),
        }
        lags: list[LagRun] = []
        for rep in range(1, args.repeat + 1):
            say(f"repeat {rep}/{args.repeat}")
            for name, seconds in bulk_round(server, args, jsonl, decoded, ref, rep).items():
                results[f"bulk_{name}"].add(seconds)
            say(f"  bulk: {latest(results, 'bulk_')}")
            if commands:
                for name, seconds in per_command(server, commands, ref, not args.no_stock).items():
                    results[f"cmd_{name}"].add(seconds)
                say(f"  per command: {latest(results, 'cmd_')}")
            if not args.no_lag:
                with server.schema("lag") as schema:
                    folder = root / f"lag-{rep}"
                    folder.mkdir()
                    lag = measure_lag(
                        server.target(schema),
                        lag_history,
                        rate=args.lag_rate,
                        batch=args.lag_batch,
                        folder=folder,
                    )
                lags.append(lag)
                figures = lag.summary()
                say(
                    f"  follower lag: p50 {figures['p50']:.1f} ms, p95 {figures['p95']:.1f} ms, "
                    f"max {figures['max']:.1f} ms at {lag.rate:,.0f} ev/s; exit {lag.exit_code}"
                )
    report(args, server, results, lags, time.perf_counter() - started)
    failed = [lag.exit_code for lag in lags if lag.exit_code != 0]
    return 1 if failed else 0


def latest(results: dict[str, Result], prefix: str) -> str:
    """The last run's rates of the scenarios named ``prefix...``, for progress lines."""
    return ", ".join(
        f"{key.removeprefix(prefix)} {result.rates[-1]:,.0f}/s"
        for key, result in results.items()
        if key.startswith(prefix) and result.seconds
    )


def report(
    args: argparse.Namespace,
    server: Server,
    results: dict[str, Result],
    lags: list[LagRun],
    elapsed: float,
) -> None:
    bulk_raw, cmd_raw = results["bulk_raw"], results["cmd_raw"]
    ratios = {
        "bulk trustengine/raw": results["bulk_te"].median / bulk_raw.median,
    }
    rows: list[tuple[Result, str]] = [
        (bulk_raw, "baseline"),
        (results["bulk_te"], ratio_note(ratios["bulk trustengine/raw"], BULK_TARGET)),
    ]
    if results["bulk_stock"].seconds:
        ratios["bulk stock/raw"] = results["bulk_stock"].median / bulk_raw.median
        rows.append((results["bulk_stock"], f"x{ratios['bulk stock/raw']:.3f} of raw"))
    if cmd_raw.seconds:
        ratios["per command trustengine/raw"] = results["cmd_te"].median / cmd_raw.median
        rows += [
            (cmd_raw, "baseline"),
            (results["cmd_te"], ratio_note(ratios["per command trustengine/raw"], COMMAND_TARGET)),
        ]
    if results["cmd_stock"].seconds:
        ratios["per command stock/raw"] = results["cmd_stock"].median / cmd_raw.median
        rows.append((results["cmd_stock"], f"x{ratios['per command stock/raw']:.3f} of raw"))
    if results["cmd_es"].seconds:
        es_ratio = results["cmd_es"].median / cmd_raw.median
        rows.append((results["cmd_es"], f"x{es_ratio:.3f} of raw (context: lock+notify+insert)"))

    print()
    print(
        f"trustengine PostgreSQL benchmark: {results['bulk_raw'].events} events, "
        f"{args.customers} customers, {cmd_raw.events} commands, seed {args.seed}, "
        f"median of {args.repeat}"
    )
    print(
        f"python {platform.python_version()}, eventsourcing {dist_version('eventsourcing')}, "
        f"psycopg {psycopg.__version__} ({psycopg.pq.__impl__} libpq wrapper), "
        f"{platform.machine()}, {os.cpu_count()} CPUs, "
        f"{platform.system()} {platform.release()}"
    )
    print(f"{server.facts()}; per-command runs take turns in blocks of {COMMAND_BLOCK}")
    if os.environ.get("TRUSTENGINE_CIPHER_KEY", "").strip():
        print("TRUSTENGINE_CIPHER_KEY is set: trustengine figures include encryption at rest")
    print()
    print_table(rows)
    print()
    for name, ratio in ratios.items():
        print(f"ratio {name + ':':<30} {ratio:.3f}")
    summaries = [lag.summary() for lag in lags]
    if lags:
        print()
        print(
            f"follower lag, {args.lag_rate:g} events/s in batches of {args.lag_batch} for "
            f"{args.lag_seconds:g} s (ms from commit to view_tracking; median of "
            f"{len(lags)} runs):"
        )
        for key in ("p50", "p95", "max"):
            runs = ", ".join(f"{s[key]:.1f}" for s in summaries)
            print(f"  {key:<4} {statistics.median(s[key] for s in summaries):8.1f}   (runs {runs})")
        print(
            f"  written {statistics.median(lag.rate for lag in lags):,.0f} events/s, "
            f"{statistics.median(s['write_p50'] for s in summaries):.1f} ms a batch write "
            f"(p50); follower exit status on SIGTERM: "
            f"{', '.join(str(lag.exit_code) for lag in lags)}"
        )
    print(f"total time {elapsed:.0f} s")
    if args.json is not None:
        data = {
            "args": {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()},
            "server": server.facts(),
            "results": {
                r.name: {"events": r.events, "seconds": r.seconds, "cpu": r.cpu}
                for r in results.values()
                if r.seconds
            },
            "ratios": ratios,
            "lag": [
                {**s, "rate": lag.rate, "exit": lag.exit_code}
                for s, lag in zip(summaries, lags, strict=True)
            ],
        }
        args.json.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    raise SystemExit(main())
