"""What a report reads from the read-model tables: counts added up by SQLite, per period
and category, inside its window, and in Python only what a figure needs one by one.

Which time puts a record in the window (and in a period):

- a case: when it was opened (``cases.opened_at``);
- a satisfaction score: when it was given (``satisfaction.at``);
- an SLA clock: when it started (``sla_clocks.started_at``; a clock known only from an
  ``SlaBreached`` event, with no start, by its due time);
- a promise: when it was made (``promises.made_at``, kind ``promise``);
- an offer of compensation: when it was offered (``compensation.at``).

SQLite counts per UTC day and category (:mod:`.sql` says which stored times it reads and
how); the days are rolled up into weeks or months here. Kept row by row: the hours to a
first response and to a resolution (percentiles need every value), the hours SLA clocks
stood paused and the amounts offered (added up in row order, as floats and as exact
decimals), and every customer's current score. Each score also carries the customer's
phase just before it (``satisfaction.phase_before``), so the recovery-paradox check can
tell scores given while recovered; whether a customer has any case, and each time they
entered ``restored`` or ``advocate`` (``score_history``), are read whatever the window.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from typing import Any

import sqlite_utils

from trustengine.report.sql import TimeSql, hours, truthy
from trustengine.report.window import Window

RECOVERED_PHASES = ("restored", "advocate")
"""The phases in which a complainant counts as recovered."""

_RECOVERED = ", ".join(f"'{phase}'" for phase in RECOVERED_PHASES)
_NEVER_COMPLAINED = (
    "customer NOT IN (SELECT customer FROM customers WHERE customer IS NOT NULL "  # noqa: S608 - constants
    f"AND {truthy('cases')})"
)


@dataclass
class Cases:
    """The window's cases, counted."""

    opened: Counter[tuple[str, Any, Any]] = field(default_factory=Counter)
    """Per (period, stored category, stored cause): cases opened."""
    hand_offs: Counter[int] = field(default_factory=Counter)
    """Per number of hand-offs: cases."""
    first_response: list[float] = field(default_factory=list)
    """Hours from opening to acknowledgement, of the acknowledged cases."""
    resolution: list[float] = field(default_factory=list)
    """Hours from opening to resolution (else closing), of the resolved or closed ones."""
    complainants: int = 0
    """Customers with a case opened in the window."""
    recovered: int = 0
    """Of those, the ones who afterwards entered a recovered phase inside the window."""

    @property
    def count(self) -> int:
        return sum(self.opened.values())


@dataclass
class Group:
    """NPS scores of one group of customers (the recovery-paradox check)."""

    customers: int = 0
    scores: Counter[int] = field(default_factory=Counter)


@dataclass(frozen=True)
class Offer:
    """One offer of compensation."""

    kind: str
    addresses_failure: bool
    status: str
    amount: Decimal | None = None
    """Exact, from ``compensation.amount_exact`` (never the float column)."""
    currency: str | None = None


@dataclass
class Sources:
    """Everything one report reads, already cut to its window where that applies."""

    cases: Cases
    ratings: Counter[tuple[str, Any, int]]
    """Per (period, metric, score): scores given."""
    recovered: Group
    """NPS given while the customer was ``restored`` or ``advocate``."""
    never_complained: Group
    """NPS of customers with no case on record (any time)."""
    clocks: Counter[tuple[Any, str]]
    """Per (clock, ``met``/``breached``/``running``): runs started in the window."""
    paused: dict[Any, list[float]]
    """Per clock: the hours each paused run stood paused, in row order."""
    promises: Counter[tuple[Any, bool]]
    """Per (status, kept on time): promises made in the window."""
    offers: list[Offer]
    scores: list[float]
    """Every customer's current trust score (any time)."""
    periods: set[str]
    """The period of every case, score, started clock, promise and offer in the window."""
    late: Counter[str] = field(default_factory=Counter)
    """Per period: events entered late (more than ``late_entry_hours`` after their time)."""
    amended: Counter[Any] = field(default_factory=Counter)
    """Per kind of amendment: the window's events that were retracted, corrected or refuted."""


def _case_counts(sql: TimeSql, periods: set[str]) -> Cases:
    found = Cases()
    for day, category, cause, count in sql.rows(
        f"SELECT {sql.key('opened_at')} AS day, category, cause, count(*) FROM cases "  # noqa: S608 - built from constants
        f"WHERE {sql.holds('opened_at')} GROUP BY day, category, cause"
    ):
        label = sql.label(day)
        periods.add(label)
        found.opened[(label, category, cause)] += count
    for hand_offs, count in sql.rows(
        f"SELECT hand_offs, count(*) FROM cases WHERE {sql.holds('opened_at')} "  # noqa: S608 - built from constants
        "GROUP BY hand_offs"
    ):
        found.hand_offs[int(hand_offs or 0)] += count
    return found


def _response_hours(sql: TimeSql, cases: Cases) -> None:
    # The end of a resolution: resolved_at if set (and not empty), else closed_at.
    resolved = sql.span("opened_at", "resolved_at")
    closed = sql.span("opened_at", "closed_at")
    rows = sql.rows(
        "SELECT CASE WHEN acknowledged_at IS NOT NULL THEN "  # noqa: S608 - built from constants
        f"{sql.span('opened_at', 'acknowledged_at')} END, "
        f"CASE WHEN {truthy('resolved_at')} THEN {resolved} "
        f"WHEN closed_at IS NOT NULL THEN {closed} END "
        f"FROM cases NOT INDEXED WHERE {sql.holds('opened_at')} AND "
        "(acknowledged_at IS NOT NULL OR resolved_at IS NOT NULL OR closed_at IS NOT NULL)"
    )
    for first, resolution in rows:
        if first is not None:
            cases.first_response.append(hours(first))
        if resolution is not None:
            cases.resolution.append(hours(resolution))


def _recovery(sql: TimeSql, cases: Cases) -> None:
    """How many of the window's complainants entered a recovered phase after their first
    complaint of the window (by its place in their ledger), inside the window."""
    # The last counted ComplaintFiled of a case gives its place (max(rowid): SQLite reads
    # the rows in rowid order); an entry is a step into a recovered phase from any other
    # (or from none).
    ((complainants, recovered),) = sql.rows(
        'WITH filed AS MATERIALIZED (SELECT customer, "case", seq, max(rowid) '  # noqa: S608 - built from constants
        "FROM timeline WHERE type = 'ComplaintFiled' AND counted GROUP BY customer, \"case\"), "
        "first AS MATERIALIZED (SELECT c.customer, min(COALESCE(f.seq, 0)) AS position "
        'FROM cases c NOT INDEXED LEFT JOIN filed f ON f.customer = c.customer AND f."case" = c."case" '
        f"WHERE {sql.holds('c.opened_at')} GROUP BY c.customer), "
        "entered AS MATERIALIZED (SELECT customer, max(seq) AS last FROM score_history h NOT INDEXED "
        f"WHERE phase IN ({_RECOVERED}) AND {sql.holds('h.at')} AND COALESCE(("
        f"SELECT p.phase IN ({_RECOVERED}) FROM score_history p WHERE p.customer = h.customer "
        "AND p.seq < h.seq ORDER BY p.seq DESC LIMIT 1), 0) = 0 GROUP BY customer) "
        "SELECT count(*), COALESCE(sum(e.last > first.position), 0) FROM first "
        "LEFT JOIN entered e ON e.customer = first.customer"
    )
    cases.complainants, cases.recovered = complainants, recovered


def _ratings(sql: TimeSql, periods: set[str]) -> Counter[tuple[str, Any, int]]:
    found: Counter[tuple[str, Any, int]] = Counter()
    rows = sql.rows(
        f"SELECT {sql.key('at')} AS day, metric, score, count(*) FROM satisfaction "  # noqa: S608 - built from constants
        f"WHERE {sql.holds('at')} GROUP BY day, metric, score"
    )
    for day, metric, score, count in rows:
        label = sql.label(day)
        periods.add(label)
        found[(label, metric, int(score))] += count
    return found


def _group(sql: TimeSql, which: str) -> Group:
    rows = sql.rows(
        "SELECT score, count(*), (SELECT count(*) FROM (SELECT DISTINCT customer "  # noqa: S608 - built from constants
        f"FROM satisfaction WHERE metric = 'nps' AND {which} AND {sql.holds('at')})) "
        f"FROM satisfaction WHERE metric = 'nps' AND {which} AND {sql.holds('at')} "
        "GROUP BY score"
    )
    found = Group()
    for score, count, customers in rows:
        found.scores[int(score)] += count
        found.customers = customers
    return found


def _clocks(
    sql: TimeSql, periods: set[str]
) -> tuple[Counter[tuple[Any, str]], dict[Any, list[float]]]:
    # A clock known only from its breach has no start: its due time places it (as
    # COALESCE(NULLIF(started_at, ''), due) would, written out to read each column once).
    unstarted = "(started_at IS NULL OR started_at = '')"
    counted = f"NOT ({unstarted} AND due IS NULL)"
    holds = f"CASE WHEN {unstarted} THEN {sql.holds('due')} ELSE {sql.holds('started_at')} END"
    rows = sql.rows(
        f"SELECT clock, CASE WHEN {truthy('breached')} THEN 'breached' "  # noqa: S608 - built from constants
        "WHEN stopped_at IS NOT NULL THEN 'met' ELSE 'running' END AS status, "
        f"CASE WHEN {truthy('started_at')} THEN {sql.key('started_at')} END AS day, count(*) "
        f"FROM sla_clocks NOT INDEXED WHERE {counted} AND {holds} GROUP BY clock, status, day"
    )
    counts: Counter[tuple[Any, str]] = Counter()
    for clock, status, day, count in rows:
        if day is not None:
            periods.add(sql.label(day))
        counts[(clock, status)] += count
    paused: dict[Any, list[float]] = {}
    for clock, seconds in sql.rows(
        'WITH paused AS MATERIALIZED (SELECT customer, "case", clock, period, run, '  # noqa: S608 - built from constants
        f"paused_seconds FROM sla_clocks NOT INDEXED WHERE {truthy('paused_seconds')} "
        f"AND {counted} AND {holds}) SELECT clock, paused_seconds FROM paused "
        'ORDER BY customer, "case", clock, period, run'
    ):
        stood = timedelta(seconds=seconds or 0) / timedelta(hours=1)
        if stood:
            paused.setdefault(clock, []).append(stood)
    return counts, paused


def _promises(sql: TimeSql, periods: set[str]) -> Counter[tuple[Any, bool]]:
    found: Counter[tuple[Any, bool]] = Counter()
    rows = sql.rows(
        f"SELECT {sql.key('made_at')} AS day, status, {truthy('on_time')} AS on_time, "  # noqa: S608 - built from constants
        f"count(*) FROM promises WHERE kind = 'promise' AND {sql.holds('made_at')} "
        "GROUP BY day, status, on_time"
    )
    for day, status, on_time, count in rows:
        periods.add(sql.label(day))
        found[(status, bool(on_time))] += count
    return found


def _offers(sql: TimeSql, periods: set[str]) -> list[Offer]:
    rows = sql.rows(
        f"SELECT {sql.key('at')}, kind, addresses_failure, status, amount_exact, currency "  # noqa: S608 - built from constants
        f"FROM compensation WHERE {sql.holds('at')} ORDER BY customer, offer"
    )
    out = []
    for day, kind, fits, status, amount, currency in rows:
        periods.add(sql.label(day))
        exact = None if amount is None else Decimal(amount)
        out.append(Offer(kind, bool(fits), status, exact, currency))
    return out


def _late(sql: TimeSql) -> tuple[Counter[str], Counter[Any]]:
    late: Counter[str] = Counter()
    amended: Counter[Any] = Counter()
    for day, amendment, is_late, count in sql.rows(
        f"SELECT {sql.key('at')} AS day, amendment, "  # noqa: S608 - built from constants
        f"amendment IS NOT 'retracted' AND {sql.late('at', 'recorded_at', 'late_entry')} "
        "AS late, count(*) FROM timeline WHERE (late_entry IS NOT 0 OR amendment IS NOT NULL) "
        f"AND type NOT IN ('EventRetracted', 'EventCorrected') AND {sql.holds('at')} "
        "GROUP BY day, amendment, late"
    ):
        if is_late:
            late[sql.label(day)] += count
        if amendment:
            amended[amendment] += count
    return late, amended


def read_sources(db: sqlite_utils.Database, window: Window, late_after: timedelta) -> Sources:
    """Read everything a report needs from the read-model tables in ``db``; events
    entered more than ``late_after`` after their business time count as late."""
    periods: set[str] = set()
    with TimeSql(db, window, late_after) as sql:
        cases = _case_counts(sql, periods)
        _response_hours(sql, cases)
        _recovery(sql, cases)
        ratings = _ratings(sql, periods)
        recovered = _group(sql, f"phase_before IN ({_RECOVERED})")
        never = _group(sql, _NEVER_COMPLAINED)
        clocks, paused = _clocks(sql, periods)
        promises = _promises(sql, periods)
        offers = _offers(sql, periods)
        late, amended = _late(sql)
        scores = [
            float(score) for (score,) in sql.rows("SELECT score FROM customers ORDER BY customer")
        ]
    return Sources(
        cases=cases,
        ratings=ratings,
        recovered=recovered,
        never_complained=never,
        clocks=clocks,
        paused=paused,
        promises=promises,
        offers=offers,
        scores=scores,
        periods=periods,
        late=late,
        amended=amended,
    )


__all__ = ["RECOVERED_PHASES", "Cases", "Group", "Offer", "Sources", "read_sources"]
