"""What a report reads of the SLA clocks (``sla_clocks``), inside its window: runs per
clock and status (met, breached, running), the hours paused runs stood paused, and the
periods of the runs' starts.

A run is in the window by when it started; a clock known only from an ``SlaBreached``
event, with no start, by its due time. ``breached`` counts as Python's ``bool`` takes
the stored value; a run is met when it stopped and was not breached, running when it
has not stopped. The runs are counted in one pass without a sort: per clock, of the few
names the table holds (read first from its index on ``(clock, breached)``).
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from typing import Any

from trustengine.report.sql import TimeSql, plain, truthy

CLOCKS_A_PASS = 32
"""The most clocks counted in one pass over ``sla_clocks`` (a handful in any policy)."""


def _started(sql: TimeSql, periods: set[str], source: str) -> None:
    """The periods of the window's clock starts, some of them odd values."""
    day = sql.day("started_at")
    ((first, last, plain_times, times),) = sql.rows(
        f"SELECT min({day}), max({day}), count({day}), sum({truthy('started_at')}) "  # noqa: S608 - built from constants
        f"FROM {source}"
    )
    sql.add_bounds(
        periods,
        "started_at",
        f"{source} AND {truthy('started_at')}",
        (first, last, plain_times, times),
    )


def _clock_names(sql: TimeSql) -> list[Any]:
    """Every clock ``sla_clocks`` names, in the order ``GROUP BY clock`` gives them (a
    missing name first), one seek a name in the index on ``(clock, breached)``."""
    ((missing,),) = sql.rows("SELECT EXISTS (SELECT 1 FROM sla_clocks WHERE clock IS NULL)")
    names = sql.rows(
        "WITH RECURSIVE names(clock) AS (SELECT min(clock) FROM sla_clocks UNION ALL "
        "SELECT (SELECT min(clock) FROM sla_clocks WHERE clock > names.clock) FROM names "
        "WHERE names.clock IS NOT NULL) SELECT clock FROM names WHERE clock IS NOT NULL"
    )
    return [None] * missing + [name for (name,) in names]


def _pass(
    sql: TimeSql, source: str, names: list[Any], packed: str, rest: str
) -> tuple[list[Any], list[Any]]:
    """One pass over ``source``: for each of ``names`` its runs and the sum of ``packed``
    (in that order, flat), then the values of ``rest``."""
    per_clock = "".join(
        f"count(*) FILTER (WHERE clock IS ?), sum({packed}) FILTER (WHERE clock IS ?), "
        for _ in names
    )
    (row,) = sql.rows(
        f"SELECT {per_clock}{rest} FROM {source}",  # noqa: S608 - built from constants
        [name for name in names for _ in range(2)],
    )
    return list(row[: 2 * len(names)]), list(row[2 * len(names) :])


def read_clocks(
    sql: TimeSql, periods: set[str]
) -> tuple[Counter[tuple[Any, str]], dict[Any, list[float]]]:
    """Runs per (clock, status) started in the window, and per clock the hours each
    paused run stood paused (in row order); the periods of the starts go into
    ``periods``."""
    # A clock known only from its breach has no start: its due time places it (as
    # COALESCE(NULLIF(started_at, ''), due) would, written out to read each column once).
    unstarted = "(started_at IS NULL OR started_at = '')"
    holds = f"CASE WHEN {unstarted} THEN {sql.holds('due')} ELSE {sql.holds('started_at')} END"
    if sql.holds("due") == "1":
        holds = "1"
    source = f"sla_clocks NOT INDEXED WHERE NOT ({unstarted} AND due IS NULL) AND {holds}"
    # One pass, no sort: per clock (the few names, known first) a count and a sum in
    # which breached runs count in the low 32 bits and met ones above them. The starts'
    # days are taken as SQLite reads them, over all clocks: the latest is '~' if any
    # start is not plain or SQLite read one as no day, and then the periods come from
    # _started (plain ones by SQLite, the others by Python) instead.
    packed = (
        "CASE WHEN breached IS 0 THEN (stopped_at IS NOT NULL) * 4294967296 "
        f"WHEN {truthy('breached')} THEN 1 WHEN stopped_at IS NOT NULL THEN 4294967296 "
        "ELSE 0 END"
    )
    latest = (
        f"CASE WHEN {unstarted} THEN NULL WHEN {plain('started_at')} "
        "THEN COALESCE(date(started_at), '~') ELSE '~' END"
    )
    # The policy's clocks are a handful; a table with more names (edited by hand) takes a
    # pass per CLOCKS_A_PASS of them, the periods and pauses asked in the first.
    names = _clock_names(sql)
    passes = [names[i : i + CLOCKS_A_PASS] for i in range(0, len(names), CLOCKS_A_PASS)] or [[]]
    rest = f"min(date(started_at)), max({latest}), sum(paused_seconds IS NOT 0)"
    found, (first, last, paused_runs) = _pass(sql, source, passes[0], packed, rest)
    for chosen in passes[1:]:
        found += _pass(sql, source, chosen, packed, "0")[0]
    counts: Counter[tuple[Any, str]] = Counter()
    for clock, runs, packed_sum in zip(names, found[::2], found[1::2], strict=True):
        breached, met = (packed_sum or 0) & 0xFFFFFFFF, (packed_sum or 0) >> 32
        for status, n in (("met", met), ("breached", breached), ("running", runs - met - breached)):
            if n:
                counts[(clock, status)] += n
    if last != "~":
        if first is not None:
            periods.update((sql.label(first), sql.label(last)))
    else:
        _started(sql, periods, source)
    # The cheap test first: most runs never paused.
    paused_source = (
        f"sla_clocks NOT INDEXED WHERE paused_seconds IS NOT 0 AND {truthy('paused_seconds')} "
        f"AND NOT ({unstarted} AND due IS NULL) AND {holds}"
    )
    paused: dict[Any, list[float]] = {}
    if not paused_runs:
        return counts, paused
    for clock, seconds in sql.rows(
        'WITH paused AS MATERIALIZED (SELECT customer, "case", clock, period, run, '  # noqa: S608 - built from constants
        f"paused_seconds FROM {paused_source}) "
        'SELECT clock, paused_seconds FROM paused ORDER BY customer, "case", clock, period, run'
    ):
        stood = timedelta(seconds=seconds or 0) / timedelta(hours=1)
        if stood:
            paused.setdefault(clock, []).append(stood)
    return counts, paused


__all__ = ["CLOCKS_A_PASS", "read_clocks"]
