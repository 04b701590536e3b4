"""Import and per-command throughput of trustengine on SQLite, against raw ``sqlite3``.

Run ``python benchmarks/import_bench.py`` (see ``benchmarks/README.md``). Every figure is
the median of ``--repeat`` runs, each into a fresh SQLite file; events/s is wall time
measured with ``time.perf_counter``.

What is measured:

1. **bulk import**: ``import_lines(TrustEngine(db), open(jsonl))`` (engine construction and
   table creation included) against a raw ``sqlite3`` baseline that reads the same lines,
   ``json.loads`` each, and inserts ``(customer, type, at, payload)`` rows in one
   transaction. Target ratio trustengine/raw >= 0.5.
2. **per command**: ``--commands`` events recorded one at a time with ``engine.record(dict)``
   (one transaction each) against raw ``sqlite3`` doing BEGIN/INSERT/COMMIT per row.
   Target ratio >= 0.7.
3. **stock eventsourcing** for context: a plain ``Aggregate`` in a stock ``Application``
   (default mapper), saving per command (get-or-create, one event, save), every 1000
   events, and all events in one save.

The raw baselines use the same journal mode (WAL) and the same ``PRAGMA synchronous`` that
the eventsourcing SQLite connection has; the value is read from a live ``TrustEngine``
connection, not assumed.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sqlite3
import tempfile
import time
from collections.abc import Sequence
from functools import partial
from pathlib import Path
from typing import Any
from uuid import uuid5

import pydantic
from common import (
    STOCK_NS,
    Result,
    StockApp,
    dist_version,
    interleaved,
    payload,
    print_table,
    ratio_note,
    say,
    stock_batched,
    stock_commands,
    timed,
    trustengine_import,
)

from trustengine.application.facade import TrustEngine
from trustengine.testing.synth import generate_history, write_jsonl

BULK_TARGET = 0.5
COMMAND_TARGET = 0.7
STOCK_BATCH = 1000
COMMAND_BLOCK = 100

RAW_SCHEMA = (
    "CREATE TABLE events (id INTEGER PRIMARY KEY, customer TEXT NOT NULL, "
    "type TEXT NOT NULL, at TEXT NOT NULL, payload TEXT NOT NULL)"
)
RAW_INSERT = "INSERT INTO events (customer, type, at, payload) VALUES (?,?,?,?)"
# eventsourcing's SQLite events table, as SQLiteApplicationRecorder creates it (context row).
ES_SCHEMA = (
    "CREATE TABLE stored_events (originator_id TEXT, originator_version INTEGER, "
    "topic TEXT, state BLOB, PRIMARY KEY (originator_id, originator_version))"
)
ES_INSERT = "INSERT INTO stored_events VALUES (?,?,?,?)"
SYNC_NAMES = {0: "OFF", 1: "NORMAL", 2: "FULL", 3: "EXTRA"}


# --- helpers -------------------------------------------------------------------------


class Scratch:
    """Fresh database file names in one temporary folder."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.count = 0

    def db(self, label: str) -> str:
        self.count += 1
        path = self.root / f"{self.count:03d}-{label}.db"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return str(path)

    def drop(self, path: str) -> None:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)


def engine_synchronous(scratch: Scratch) -> int:
    """``PRAGMA synchronous`` in effect on an eventsourcing SQLite connection of ours."""
    path = scratch.db("probe")
    engine = TrustEngine(path)
    try:
        with engine.recorder.datastore.get_connection(commit=False) as conn:  # type: ignore[attr-defined]
            cursor = conn.cursor()
            cursor.execute("PRAGMA synchronous")
            value = int(cursor.fetchone()[0])
            cursor.execute("PRAGMA journal_mode")
            mode = str(cursor.fetchone()[0]).lower()
    finally:
        engine.close()
        scratch.drop(path)
    if mode != "wal":
        raise SystemExit(f"expected the eventsourcing SQLite store in WAL mode, found {mode!r}")
    return value


def raw_connect(path: str, synchronous: int) -> sqlite3.Connection:
    con = sqlite3.connect(path, isolation_level=None)  # autocommit: explicit BEGIN/COMMIT
    mode = con.execute("PRAGMA journal_mode=WAL").fetchone()[0]
    assert str(mode).lower() == "wal", mode
    con.execute(f"PRAGMA synchronous={synchronous}")
    con.execute(RAW_SCHEMA)
    return con


# --- scenarios ---------------------------------------------------------------------------


def raw_import(jsonl: Path, db: str, synchronous: int, expected: int) -> None:
    con = raw_connect(db, synchronous)
    rows = []
    with jsonl.open(encoding="utf-8") as stream:
        for line in stream:
            if not line.strip():
                continue
            obj = json.loads(line)
            rows.append((obj["customer"], obj["type"], obj["at"], payload(obj)))
    con.execute("BEGIN")
    con.executemany(RAW_INSERT, rows)
    con.execute("COMMIT")
    stored = con.execute("SELECT count(*) FROM events").fetchone()[0]
    con.close()
    if stored != expected:
        raise SystemExit(f"raw sqlite3 stored {stored} rows, expected {expected}")


def raw_import_es_table(jsonl: Path, db: str, synchronous: int, expected: int) -> None:
    """Like :func:`raw_import`, into eventsourcing's table shape (stream id, version key)."""
    con = sqlite3.connect(db, isolation_level=None)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute(f"PRAGMA synchronous={synchronous}")
    con.execute(ES_SCHEMA)
    streams: dict[str, list[Any]] = {}
    rows = []
    with jsonl.open(encoding="utf-8") as stream:
        for line in stream:
            if not line.strip():
                continue
            obj = json.loads(line)
            key = obj["customer"]
            position = streams.get(key)
            if position is None:
                position = streams[key] = [uuid5(STOCK_NS, key).hex, 0]
            position[1] += 1
            rows.append((position[0], position[1], obj["type"], payload(obj).encode()))
    con.execute("BEGIN")
    con.executemany(ES_INSERT, rows)
    con.execute("COMMIT")
    stored = con.execute("SELECT count(*) FROM stored_events").fetchone()[0]
    con.close()
    if stored != expected:
        raise SystemExit(f"raw sqlite3 stored {stored} rows, expected {expected}")


def interleaved_commands(
    events: Sequence[dict[str, Any]], te_db: str, raw_db: str, synchronous: int, block: int
) -> tuple[tuple[float, float], tuple[float, float]]:
    """Per-command runs of trustengine and raw sqlite3, in alternating blocks of events.

    Both stores are open at once and take turns ``block`` events at a time (who goes first
    alternates too), so disk and neighbour noise falls on both alike. Returns
    ((wall, cpu) trustengine, (wall, cpu) raw).
    """
    engine = TrustEngine(te_db)
    con = raw_connect(raw_db, synchronous)
    record = engine.record
    execute = con.execute

    def te_run(chunk: Sequence[dict[str, Any]]) -> None:
        for obj in chunk:
            if not record(obj):
                raise SystemExit(f"trustengine did not store {obj}")

    def raw_run(chunk: Sequence[dict[str, Any]]) -> None:
        for obj in chunk:
            execute("BEGIN")
            execute(RAW_INSERT, (obj["customer"], obj["type"], obj["at"], payload(obj)))
            execute("COMMIT")

    totals = interleaved(events, {"te": te_run, "raw": raw_run}, block)
    engine.close()
    con.close()
    return totals["te"], totals["raw"]


def stock_app(db: str) -> StockApp:
    return StockApp(
        env={
            "PERSISTENCE_MODULE": "eventsourcing.sqlite",
            "SQLITE_DBNAME": db,
            "SQLITE_LOCK_TIMEOUT": "30",
        }
    )


def stock_sqlite_commands(events: Sequence[dict[str, Any]], db: str) -> tuple[float, float]:
    """Command style: load (or create) the customer, trigger one event, save."""
    app = stock_app(db)
    seconds = stock_commands(events, app)
    app.close()
    return seconds


# --- driver ------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=100_000, help="events to import")
    parser.add_argument("--customers", type=int, default=5000, help="customers in the history")
    parser.add_argument("--repeat", type=int, default=3, help="runs per figure (median)")
    parser.add_argument("--commands", type=int, default=2000, help="events recorded one by one")
    parser.add_argument("--seed", type=int, default=7, help="synthetic history seed")
    parser.add_argument(
        "--tmpdir",
        type=Path,
        default=None,
        help="where the scratch databases go (default: system temp dir)",
    )
    parser.add_argument(
        "--no-stock", action="store_true", help="skip the stock eventsourcing context figures"
    )
    parser.add_argument("--json", type=Path, default=None, help="also write results here")
    args = parser.parse_args(argv)
    if args.events < 1 or args.customers < 1 or args.repeat < 1 or args.commands < 0:
        parser.error("--events, --customers and --repeat must be >= 1, --commands >= 0")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="trustengine-bench-", dir=args.tmpdir) as tmp:
        root = Path(tmp)
        scratch = Scratch(root)
        say(
            f"generating {args.events} events over {args.customers} customers "
            f"(seed {args.seed}) ..."
        )
        history = generate_history(args.customers, args.events, seed=args.seed)
        jsonl = root / "history.jsonl"
        write_jsonl(history, jsonl)
        del history
        # The events exactly as a caller would hand them over: decoded JSON lines.
        with jsonl.open(encoding="utf-8") as stream:
            decoded = [json.loads(line) for line in stream if line.strip()]
        n = len(decoded)
        commands = decoded[: args.commands]
        synchronous = engine_synchronous(scratch)
        say(
            f"eventsourcing SQLite: journal_mode=WAL, synchronous={synchronous} "
            f"({SYNC_NAMES.get(synchronous, '?')}); raw baselines use the same"
        )

        bulk_te = Result("trustengine import_lines", n)
        bulk_raw = Result("raw sqlite3, one transaction", n)
        bulk_raw_es = Result("raw sqlite3, eventsourcing's table", n)
        cmd_te = Result("trustengine record() per event", len(commands))
        cmd_raw = Result("raw sqlite3, one txn per row", len(commands))
        stock_cmd = Result("stock: get+save per event", len(commands))
        stock_1k = Result(f"stock: save per {STOCK_BATCH} events", n)
        stock_all = Result("stock: one save, all events", n)

        for rep in range(1, args.repeat + 1):
            say(f"repeat {rep}/{args.repeat}")
            db = scratch.db("raw-bulk")
            bulk_raw.add(timed(partial(raw_import, jsonl, db, synchronous, n)))
            scratch.drop(db)
            db = scratch.db("te-bulk")
            bulk_te.add(timed(partial(trustengine_import, jsonl, db, n)))
            scratch.drop(db)
            db = scratch.db("raw-es")
            bulk_raw_es.add(timed(partial(raw_import_es_table, jsonl, db, synchronous, n)))
            scratch.drop(db)
            say(f"  bulk: raw {bulk_raw.rates[-1]:,.0f}/s, trustengine {bulk_te.rates[-1]:,.0f}/s")
            if commands:
                te_db, raw_db = scratch.db("te-cmd"), scratch.db("raw-cmd")
                te_times, raw_times = interleaved_commands(
                    commands, te_db, raw_db, synchronous, COMMAND_BLOCK
                )
                cmd_te.add(te_times)
                cmd_raw.add(raw_times)
                scratch.drop(te_db)
                scratch.drop(raw_db)
                say(
                    f"  per command: raw {cmd_raw.rates[-1]:,.0f}/s, "
                    f"trustengine {cmd_te.rates[-1]:,.0f}/s"
                )
            if not args.no_stock:
                if commands:
                    db = scratch.db("stock-cmd")
                    stock_cmd.add(stock_sqlite_commands(commands, db))
                    scratch.drop(db)
                db = scratch.db("stock-1k")
                stock_1k.add(stock_batched(decoded, partial(stock_app, db), STOCK_BATCH))
                scratch.drop(db)
                db = scratch.db("stock-all")
                stock_all.add(stock_batched(decoded, partial(stock_app, db), None))
                scratch.drop(db)
                say(
                    f"  stock: per event {stock_cmd.rates[-1] if commands else 0:,.0f}/s, "
                    f"per {STOCK_BATCH} {stock_1k.rates[-1]:,.0f}/s, "
                    f"one save {stock_all.rates[-1]:,.0f}/s"
                )

    elapsed = time.perf_counter() - started
    report(
        args,
        n,
        len(commands),
        synchronous,
        elapsed,
        [bulk_raw, bulk_te, cmd_raw, cmd_te, bulk_raw_es, stock_cmd, stock_1k, stock_all],
    )
    return 0


def report(
    args: argparse.Namespace,
    n: int,
    commands: int,
    synchronous: int,
    elapsed: float,
    results: list[Result],
) -> None:
    bulk_raw, bulk_te, cmd_raw, cmd_te, bulk_raw_es, stock_cmd, stock_1k, stock_all = results
    bulk_ratio = bulk_te.median / bulk_raw.median
    cmd_ratio = cmd_te.median / cmd_raw.median if commands else float("nan")

    rows: list[tuple[Result, str]] = [
        (bulk_raw, "baseline"),
        (bulk_te, ratio_note(bulk_ratio, BULK_TARGET)),
    ]
    if commands:
        rows += [
            (cmd_raw, "baseline"),
            (cmd_te, ratio_note(cmd_ratio, COMMAND_TARGET)),
        ]
    rows.append((bulk_raw_es, f"x{bulk_raw_es.median / bulk_raw.median:.3f} of raw bulk"))
    if not args.no_stock:
        if commands:
            rows.append((stock_cmd, f"x{stock_cmd.median / cmd_raw.median:.3f} of raw per-txn"))
        rows += [
            (stock_1k, f"x{stock_1k.median / bulk_raw.median:.3f} of raw bulk"),
            (stock_all, f"x{stock_all.median / bulk_raw.median:.3f} of raw bulk"),
        ]

    print()
    print(
        f"trustengine import benchmark: {n} events, {args.customers} customers, "
        f"{commands} commands, seed {args.seed}, median of {args.repeat}"
    )
    print(
        f"python {platform.python_version()} ({platform.python_implementation()}), "
        f"sqlite {sqlite3.sqlite_version}, eventsourcing {dist_version('eventsourcing')}, "
        f"pydantic {pydantic.VERSION}, {platform.machine()}, {os.cpu_count()} CPUs, "
        f"{platform.system()} {platform.release()}"
    )
    if os.environ.get("TRUSTENGINE_CIPHER_KEY", "").strip():
        print("TRUSTENGINE_CIPHER_KEY is set: trustengine figures include encryption at rest")
    print(
        f"SQLite: journal_mode=WAL, synchronous={SYNC_NAMES.get(synchronous, synchronous)} "
        "(as eventsourcing's connection has it) for every store; "
        f"per-command runs interleaved in blocks of {COMMAND_BLOCK}"
    )
    print()
    print_table(rows)
    print()
    print(
        f"bulk ratio trustengine/raw (median ev/s):        {bulk_ratio:.3f}  "
        f"(target >= {BULK_TARGET})"
    )
    if commands:
        print(
            f"per-command ratio trustengine/raw (median ev/s): {cmd_ratio:.3f}  "
            f"(target >= {COMMAND_TARGET})"
        )
        print(
            f"per-command CPU overhead over raw: "
            f"{cmd_te.cpu_us - cmd_raw.cpu_us:,.0f} us/event "
            f"(disk waits: raw {1e6 / cmd_raw.median - cmd_raw.cpu_us:,.0f} us/event)"
        )
    print(f"total time {elapsed:.0f} s")

    if args.json is not None:
        args.json.write_text(
            json.dumps(
                {
                    "events": n,
                    "customers": args.customers,
                    "commands": commands,
                    "seed": args.seed,
                    "repeat": args.repeat,
                    "python": platform.python_version(),
                    "sqlite": sqlite3.sqlite_version,
                    "synchronous": synchronous,
                    "results": {
                        r.name: {
                            "events": r.events,
                            "seconds": r.seconds,
                            "cpu": r.cpu,
                            "median_rate": r.median,
                        }
                        for r in results
                        if r.seconds
                    },
                    "bulk_ratio": bulk_ratio,
                    "command_ratio": cmd_ratio,
                },
                indent=2,
            )
            + "\n",
            encoding="utf-8",
        )


if __name__ == "__main__":
    raise SystemExit(main())
