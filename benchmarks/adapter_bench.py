"""A helpdesk's CSV export through `import --from csv --map` against the same events as
JSON Lines through `import`: wall and CPU time, peak memory (issue 15, item 4).

It writes a synthetic export in the shape of examples/mappings/helpdesk.toml (one row per
change of a ticket, oldest first: opened, first response, sometimes a hand-off, resolved
with a CSAT score, closed), converts it once with the csv adapter to get the equivalent
JSON Lines (the same events, with their `source`), then times each import into a fresh
SQLite store through the command line's own code, alternating the two, each run in a
child process so that its peak RSS is its own. Medians of --repeat runs (default 3).

    python benchmarks/adapter_bench.py --rows 100000
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import pickle
import resource
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from trustengine.cli import main
from trustengine.interchange.adapters import csvmap
from trustengine.interchange.adapters.mapping import load_mapping

ROOT = Path(__file__).resolve().parents[1]
MAPPING = ROOT / "examples" / "mappings" / "helpdesk.toml"
COLUMNS = [
    "ticket_id",
    "customer_email",
    "updated_at",
    "status",
    "priority",
    "category",
    "subject",
    "agent",
    "first_response_at",
    "csat",
]
START = datetime(2024, 1, 1, tzinfo=UTC)


def write_export(path: Path, rows: int) -> int:
    """A helpdesk export of about ``rows`` rows; the rows written."""
    written = 0
    ticket = 0
    priorities = ["low", "normal", "high", "urgent"]
    with path.open("w", newline="", encoding="utf-8") as stream:
        out = csv.writer(stream)
        out.writerow(COLUMNS)
        while written < rows:
            ticket += 1
            opened = START + timedelta(minutes=3 * ticket)
            base = {
                "ticket_id": f"T-{ticket}",
                "customer_email": f"c{ticket % max(rows // 15, 1)}@example.org",
                "priority": priorities[ticket % 4],
                "category": ("delivery", "billing", "product")[ticket % 3],
                "subject": f"Ticket {ticket}",
            }
            responded = (opened + timedelta(hours=1)).isoformat()
            changes: list[dict[str, str]] = [
                {"status": "new", "agent": "a1", "updated_at": opened.isoformat()},
                {
                    "status": "open",
                    "agent": "a1",
                    "updated_at": responded,
                    "first_response_at": responded,
                },
            ]
            if ticket % 3 == 0:
                changes.append(
                    {
                        "status": "open",
                        "agent": "a2",
                        "updated_at": (opened + timedelta(hours=5)).isoformat(),
                        "first_response_at": responded,
                    }
                )
            changes.append(
                {
                    "status": "resolved",
                    "agent": changes[-1]["agent"],
                    "updated_at": (opened + timedelta(days=1)).isoformat(),
                    "first_response_at": responded,
                    "csat": str(1 + ticket % 5),
                }
            )
            changes.append(
                {
                    "status": "closed",
                    "agent": changes[-1]["agent"],
                    "updated_at": (opened + timedelta(days=3)).isoformat(),
                    "first_response_at": responded,
                    "csat": str(1 + ticket % 5),
                }
            )
            for change in changes:
                row = {**base, **change}
                out.writerow([row.get(name, "") for name in COLUMNS])
                written += 1
    return written


def write_jsonl(export: Path, path: Path) -> int:
    """The same events as JSON Lines, converted once by the csv adapter; how many."""
    mapping = load_mapping(MAPPING)
    count = 0
    with path.open("w", encoding="utf-8") as out:
        for event in csvmap.convert(export, mapping=mapping):
            out.write(json.dumps(event, ensure_ascii=False))
            out.write("\n")
            count += 1
    return count


def in_child(args: list[str]) -> dict[str, float]:
    """Run ``trustengine ARGS`` in a forked child: its wall, CPU seconds and peak RSS."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: run the command, send the times, leave at once
        os.close(read)
        quiet = os.open(os.devnull, os.O_WRONLY)
        os.dup2(quiet, 1)  # the command's one line and its progress bar: not the table's
        os.dup2(quiet, 2)
        wall, cpu = time.perf_counter(), time.process_time()
        try:
            main(args, standalone_mode=False)
        except BaseException as error:  # report, do not let the child run on
            os.write(write, pickle.dumps({"error": repr(error)}))
            os._exit(1)
        times = {"wall": time.perf_counter() - wall, "cpu": time.process_time() - cpu}
        os.write(write, pickle.dumps(times))
        os._exit(0)
    os.close(write)
    with os.fdopen(read, "rb") as pipe:
        data = pipe.read()
    _, status, usage = os.wait4(pid, 0)
    found: dict[str, Any] = pickle.loads(data)  # noqa: S301 (our own child's bytes)
    if status != 0 or "error" in found:
        raise SystemExit(f"trustengine {' '.join(args)} failed: {found.get('error')}")
    found["rss_mb"] = usage.ru_maxrss / 1024  # Linux: kilobytes
    return found


def main_bench() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows of the export")
    parser.add_argument("--repeat", type=int, default=3, help="runs per figure (median)")
    parser.add_argument("--tmpdir", default=None, help="where the scratch files go")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(dir=options.tmpdir) as scratch:
        folder = Path(scratch)
        export, lines = folder / "helpdesk.csv", folder / "helpdesk.jsonl"
        rows = write_export(export, options.rows)
        events = write_jsonl(export, lines)
        print(f"{rows} rows, {events} events; {options.repeat} runs each", file=sys.stderr)
        runs: dict[str, list[dict[str, float]]] = {"csv": [], "jsonl": []}
        for attempt in range(options.repeat):
            order = ["csv", "jsonl"] if attempt % 2 == 0 else ["jsonl", "csv"]
            for kind in order:
                db = str(folder / f"{kind}-{attempt}.db")
                if kind == "csv":
                    args = ["import", "--from", "csv", str(export), "--map", str(MAPPING)]
                else:
                    args = ["import", str(lines)]
                runs[kind].append(in_child([*args, "--db", db]))
                Path(db).unlink()
                print(f"  {kind} run {attempt + 1}: {runs[kind][-1]}", file=sys.stderr)
    medians = {
        kind: {key: statistics.median(run[key] for run in found) for key in found[0]}
        for kind, found in runs.items()
    }
    print(f"{'import':<28} {'events':>8} {'ev/s (wall)':>12} {'CPU us/ev':>10} {'peak RSS':>10}")
    for kind, label in (("csv", "--from csv --map (rows)"), ("jsonl", "JSON Lines (same events)")):
        figure = medians[kind]
        print(
            f"{label:<28} {events:>8} {events / figure['wall']:>12,.0f} "
            f"{figure['cpu'] / events * 1e6:>10.1f} {figure['rss_mb']:>8.0f} MB"
        )
    ratio = medians["jsonl"]["wall"] / medians["csv"]["wall"]
    print(f"rate of --from csv / JSON Lines: {ratio:.2f} (target >= 0.5)")
    print(f"max RSS of this process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss} KB")


if __name__ == "__main__":
    main_bench()
