"""Table output against CSV output of the same rows: ``due --overdue`` and ``customers
--at-risk`` on a synthetic history.

Run ``python benchmarks/render_bench.py`` (100k events over 5,000 customers, median of 3).

Each command runs in process, exactly as the CLI runs it (``main(args)``: open the
store, catch the read model up, query, render), stdout to ``/dev/null``; the table (the
default output, 160 columns as a pipe gets it) and ``--csv`` alternate, who goes first
alternating too. The CSV run is the baseline; the target is table/CSV <= 2.0 on wall time.
For context, the way tables were drawn before (one ``rich`` Table of every row) is timed
on the first ``--rich-rows`` rows of the ``due`` answer.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import statistics
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from common import Result, dist_version, say, timed
from rich.console import Console
from rich.table import Table

from trustengine.application.facade import TrustEngine
from trustengine.cli import main
from trustengine.cli.render import _short
from trustengine.cli.work import DUE_TABLE_COLUMNS, _mark_overdue
from trustengine.interchange.jsonl import import_lines
from trustengine.readmodel import ReadModel
from trustengine.testing.synth import generate_history

TARGET = 2.0


@contextlib.contextmanager
def to_devnull() -> Iterator[None]:
    """stdout and stderr to ``/dev/null`` for one measured command."""
    with (
        Path(os.devnull).open("w", encoding="utf-8") as sink,
        contextlib.redirect_stdout(sink),
        contextlib.redirect_stderr(sink),
    ):
        yield


def command(args: list[str]) -> Callable[[], None]:
    def run() -> None:
        with to_devnull():
            main.main(args, standalone_mode=False)

    return run


def rows_of(args: list[str]) -> int:
    """How many rows the command lists (its CSV, less the header)."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        main.main([*args, "--csv"], standalone_mode=False)
    return max(0, len(out.getvalue().splitlines()) - 1)


def build(events: int, customers: int, seed: int, folder: Path) -> tuple[str, str]:
    """A store of the synthetic history with its read model caught up; the last ``at``."""
    history = generate_history(customers, events, seed=seed)
    db = str(folder / "render.db")
    engine = TrustEngine(db)
    try:
        lines = (json.dumps(item, separators=(",", ":")) for item in history)
        import_lines(engine, lines, name="synthetic")
        with ReadModel(engine, None) as model:
            model.catch_up()
    finally:
        engine.close()
    return db, str(history[-1]["at"])


def rich_before(rows: list[dict[str, Any]]) -> Callable[[], None]:
    """The old table: one rich Table holding every row, printed at 160 columns."""

    def run() -> None:
        table = Table()
        for index, name in enumerate(DUE_TABLE_COLUMNS):
            last = index == len(DUE_TABLE_COLUMNS) - 1
            table.add_column(name, overflow="fold", no_wrap=not last, ratio=1 if last else None)
        for row in rows:
            table.add_row(*(_short(row.get(name)) for name in DUE_TABLE_COLUMNS))
        with Path(os.devnull).open("w", encoding="utf-8") as sink:
            Console(file=sink, width=160, markup=False).print(table)

    return run


def due_rows(db: str, at: str) -> list[dict[str, Any]]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        main.main(["due", "--overdue", "--at", at, "--json", "--db", db], standalone_mode=False)
    return [_mark_overdue(row) for row in json.loads(out.getvalue())]


def report(name: str, rows: int, result: Result, note: str) -> None:
    wall = statistics.median(result.seconds)
    cpu = statistics.median(result.cpu)
    spread = f"{min(result.seconds):.2f}..{max(result.seconds):.2f}"
    print(f"{name:<34}  {rows:>7}  {wall:>8.2f}  {spread:>12}  {cpu:>7.2f}  {note}")


def main_(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--customers", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--rich-rows", type=int, default=5000)
    parser.add_argument("--tmpdir", type=Path, default=None)
    args = parser.parse_args(argv)
    os.environ.pop("COLUMNS", None)  # tables as a pipe gets them: 160 columns
    with tempfile.TemporaryDirectory(dir=args.tmpdir) as folder:
        say(f"building a store of {args.events} events over {args.customers} customers")
        db, last = build(args.events, args.customers, args.seed, Path(folder))
        cases = {
            "due --overdue": ["due", "--overdue", "--at", last, "--db", db],
            "customers --at-risk": ["customers", "--at-risk", "--db", db],
        }
        print(
            f"render_bench: {args.events} events, {args.customers} customers, median of "
            f"{args.repeat}; Python {sys.version.split()[0]}, rich {dist_version('rich')}, "
            f"{os.cpu_count()} CPUs"
        )
        print(
            f"{'scenario':<34}  {'rows':>7}  {'wall s':>8}  {'min..max s':>12}  {'CPU s':>7}  note"
        )
        for label, base in cases.items():
            rows = rows_of(base)
            table, csv = Result(f"{label} table", rows), Result(f"{label} --csv", rows)
            for turn in range(args.repeat):
                order = [(table, base), (csv, [*base, "--csv"])]
                for result, argv_ in order if turn % 2 == 0 else order[::-1]:
                    say(f"{result.name}, run {turn + 1}")
                    result.add(timed(command(argv_)))
            ratio = statistics.median(table.seconds) / statistics.median(csv.seconds)
            cpu = statistics.median(table.cpu) / max(1e-9, statistics.median(csv.cpu))
            verdict = "ok" if ratio <= TARGET else "ABOVE TARGET"
            report(csv.name, rows, csv, "baseline")
            note = f"x{ratio:.3f} of CSV, CPU x{cpu:.3f} (target <= {TARGET}: {verdict})"
            report(table.name, rows, table, note)
            print(f"ratio {label} table/csv: {ratio:.3f} (CPU {cpu:.3f})")
        sample = due_rows(db, last)[: args.rich_rows]
        before = Result("due rows, one rich Table (before)", len(sample))
        for _ in range(args.repeat):
            before.add(timed(rich_before(sample)))
        per_k = statistics.median(before.seconds) / max(1, len(sample)) * 1000
        report(before.name, len(sample), before, f"context: {per_k:.3f} s per 1,000 rows")


if __name__ == "__main__":
    main_()
