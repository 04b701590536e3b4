"""What the benchmark scripts share: timed runs, results, and the stock eventsourcing baseline.

The scripts import this module as ``common`` (a script's own folder comes first on
``sys.path``), so that the SQLite and PostgreSQL benchmarks time, interleave and report
alike, and both compare against the very same stock-eventsourcing application.
"""

from __future__ import annotations

import gc
import json
import statistics
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from importlib.metadata import version
from pathlib import Path
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.domain import Aggregate, event

from trustengine.application.facade import TrustEngine
from trustengine.interchange.jsonl import import_lines

STOCK_NS = uuid5(NAMESPACE_URL, "trustengine-benchmark")
"""Namespace of the stock baseline's customer ids (and of raw rows keyed like them)."""

Run = Callable[[Sequence[dict[str, Any]]], None]
"""Records a chunk of events, one transaction each (a per-command runner)."""


@dataclass
class Result:
    """The wall and CPU seconds of one measured scenario over its repeats."""

    name: str
    events: int
    seconds: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)

    def add(self, wall_cpu: tuple[float, float]) -> None:
        self.seconds.append(wall_cpu[0])
        self.cpu.append(wall_cpu[1])

    @property
    def rates(self) -> list[float]:
        return [self.events / s for s in self.seconds]

    @property
    def median(self) -> float:
        """Median events per wall-clock second."""
        return self.events / statistics.median(self.seconds)

    @property
    def cpu_us(self) -> float:
        """Median CPU microseconds (user + system, this process) per event."""
        return statistics.median(self.cpu) / self.events * 1e6


def timed(run: Callable[[], None]) -> tuple[float, float]:
    """Wall and CPU seconds ``run`` takes, garbage collected beforehand so runs start alike."""
    gc.collect()
    cpu = time.process_time()
    start = time.perf_counter()
    run()
    return time.perf_counter() - start, time.process_time() - cpu


def interleaved(
    events: Sequence[dict[str, Any]], runners: Mapping[str, Run], block: int
) -> dict[str, tuple[float, float]]:
    """Per-command runs of several stores, taking turns ``block`` events at a time.

    Every store is open at once; who goes first rotates from block to block (with two
    runners: alternates), so disk and neighbour noise falls on all alike. Returns each
    runner's total (wall, cpu) seconds.
    """
    names = list(runners)
    totals = {name: [0.0, 0.0] for name in names}
    for turn, start in enumerate(range(0, len(events), block)):
        chunk = events[start : start + block]
        shift = turn % len(names)
        for name in names[shift:] + names[:shift]:
            wall, cpu = timed(partial(runners[name], chunk))
            totals[name][0] += wall
            totals[name][1] += cpu
    return {name: (wall, cpu) for name, (wall, cpu) in totals.items()}


def payload(obj: dict[str, Any]) -> str:
    """An event's ``data`` object re-serialised: the raw baselines' stored payload."""
    return json.dumps(obj.get("data") or {}, separators=(",", ":"), ensure_ascii=False)


def percentile(values: Sequence[float], share: float) -> float:
    """The nearest-rank ``share`` percentile of ``values`` (0.5: the median)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def verdict(ratio: float, target: float) -> str:
    return "ok" if ratio >= target else "BELOW TARGET"


def ratio_note(ratio: float, target: float) -> str:
    """The table note of a measured ratio against its target."""
    return f"x{ratio:.3f} of raw (target >= {target}: {verdict(ratio, target)})"


def say(text: str) -> None:
    """Progress, to stderr, so stdout carries only the report."""
    print(text, file=sys.stderr, flush=True)


def dist_version(name: str) -> str:
    return version(name)


def print_table(rows: Sequence[tuple[Result, str]]) -> None:
    """The compact table: scenario, events, median and spread of ev/s, CPU per event."""
    width = max(len(r.name) for r, _ in rows)
    print(
        f"{'scenario':<{width}}  {'events':>7}  {'median ev/s':>11}  {'min..max ev/s':>17}  "
        f"{'CPU us/ev':>9}  note"
    )
    print(f"{'-' * width}  {'-' * 7}  {'-' * 11}  {'-' * 17}  {'-' * 9}  {'-' * 4}")
    for result, note in rows:
        rates = result.rates
        spread = f"{min(rates):,.0f}..{max(rates):,.0f}"
        print(
            f"{result.name:<{width}}  {result.events:>7}  {result.median:>11,.0f}  "
            f"{spread:>17}  {result.cpu_us:>9.1f}  {note}"
        )


def trustengine_import(jsonl: Path, db: str, expected: int) -> None:
    """``import_lines`` of the whole file into a new engine on ``db``, as the CLI does."""
    engine = TrustEngine(db)
    with jsonl.open(encoding="utf-8") as stream:
        result = import_lines(engine, stream, name=str(jsonl))
    engine.close()
    if result.stored != expected:
        raise SystemExit(f"trustengine stored {result.stored} events, expected {expected}")


# --- the stock eventsourcing baseline ---------------------------------------------------


class StockCustomer(Aggregate):
    """A plain eventsourcing aggregate: one generic event type carrying the contract data."""

    @staticmethod
    def create_id(key: str) -> UUID:
        return uuid5(STOCK_NS, key)

    def __init__(self, key: str) -> None:
        self.key = key
        self.count = 0

    @event("Happened")
    def happened(self, type: str, at: str, data: dict[str, Any]) -> None:
        self.count += 1


class StockApp(Application[UUID]):
    """A stock application: default mapper, no validation, sealing or hash chain."""

    name = "StockBench"


def stock_commands(events: Sequence[dict[str, Any]], app: StockApp) -> tuple[float, float]:
    """Command style: load (or create) the customer, trigger one event, save."""
    return timed(lambda: stock_command_run(app)(events))


def stock_command_run(app: StockApp) -> Run:
    """A per-command runner on ``app``: get-or-create, one event, ``save`` per event."""

    def run(events: Sequence[dict[str, Any]]) -> None:
        for obj in events:
            key = str(obj["customer"])
            try:
                customer: StockCustomer = app.repository.get(StockCustomer.create_id(key))
            except AggregateNotFoundError:
                customer = StockCustomer(key)
            customer.happened(type=obj["type"], at=obj["at"], data=obj.get("data") or {})
            app.save(customer)

    return run


def stock_batched(
    events: Sequence[dict[str, Any]], app_factory: Callable[[], StockApp], batch: int | None
) -> tuple[float, float]:
    """Customers kept in memory; save the changed ones every ``batch`` events (None: once).

    ``app_factory`` is called outside the timed run and the application closed after it.
    """
    app = app_factory()

    def run() -> None:
        customers: dict[str, StockCustomer] = {}
        dirty: dict[str, StockCustomer] = {}
        for n, obj in enumerate(events, start=1):
            key = str(obj["customer"])
            customer = customers.get(key)
            if customer is None:
                customer = customers[key] = StockCustomer(key)
            customer.happened(type=obj["type"], at=obj["at"], data=obj.get("data") or {})
            dirty[key] = customer
            if batch is not None and n % batch == 0:
                app.save(*dirty.values())
                dirty.clear()
        if dirty:
            app.save(*dirty.values())

    seconds = timed(run)
    app.close()
    return seconds
