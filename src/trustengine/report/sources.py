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

from trustengine.report.clocks import read_clocks
from trustengine.report.sql import TimeSql, truthy
from trustengine.report.window import Window
from trustengine.scoring.trust_state import RECOVERED_PHASES

_RECOVERED = ", ".join(f"'{phase}'" for phase in RECOVERED_PHASES)

# The conditions of the read model's partial indexes (readmodel/projections/), written
# the same way here: SQLite reads such an index only for a query that has its condition.
RECOVERED_STEP = f"phase IN ({_RECOVERED})"
"""A step in a recovered phase (``score_history``)."""
COMPLAINT = "type = 'ComplaintFiled'"
"""A complaint filed (``score_history``)."""
LATE_OR_AMENDED = "late_entry IS NOT 0 OR amendment IS NOT NULL"
"""An event entered late or amended (``timeline``)."""


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
    """One offer of compensation with an amount."""

    kind: str
    status: str
    amount: Decimal
    """Exact, from ``compensation.amount_exact`` (never the float column)."""
    currency: str | None = None


@dataclass
class Offers:
    """The window's offers of compensation."""

    counts: Counter[tuple[Any, bool, Any]] = field(default_factory=Counter)
    """Per (kind, addresses the failure, status): offers."""
    priced: list[Offer] = field(default_factory=list)
    """The offers with an amount, in row order (their sums are added in it)."""


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
    offers: Offers
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
        "(acknowledged_at IS NOT NULL OR resolved_at IS NOT NULL OR closed_at IS NOT NULL) "
        # In key order: the mean of these floats must not depend on the order the rows
        # were written in (a rebuild writes them customer by customer, a catch-up as the
        # events came).
        'ORDER BY customer, "case"'
    )
    # Hours exactly as timedelta.total_seconds() / 3600 gives them (int / int, then / 3600).
    cases.first_response = [first / 10**6 / 3600 for first, _ in rows if first is not None]
    cases.resolution = [end / 10**6 / 3600 for _, end in rows if end is not None]


def _recovery(sql: TimeSql, cases: Cases) -> None:
    """How many of the window's complainants entered a recovered phase after their first
    complaint of the window (by its place in their ledger), inside the window."""
    # The recovered steps come from score_history's partial index on them, in order per
    # customer, and each with the nearest recovered step before it (prior): a step is an
    # entry into a recovered phase (from any other, or from none) unless prior is the
    # step just before it, which it is when their places are consecutive, or when no step
    # lies between them. A case's place is that of its (last) ComplaintFiled, from the
    # partial index on complaints, asked only for the customers who entered a recovered
    # phase in the window.
    opened = sql.holds("c.opened_at")
    # A window open at both ends needs no opened_at: the key's index has the rest.
    scan = "" if opened == "1" else " NOT INDEXED"
    ((complainants, recovered),) = sql.rows(
        "WITH priors AS MATERIALIZED (SELECT customer, seq, at, max(seq) OVER ("  # noqa: S608 - built from constants
        "PARTITION BY customer ORDER BY seq GROUPS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING"
        f") AS prior FROM score_history WHERE {RECOVERED_STEP}), "
        "entered AS MATERIALIZED (SELECT customer, max(seq) AS last FROM priors "
        "WHERE (prior IS NULL OR (prior < seq - 1 AND EXISTS (SELECT 1 FROM score_history b "
        "WHERE b.customer = priors.customer AND b.seq > prior AND b.seq < priors.seq))) "
        f"AND {sql.holds('at')} GROUP BY customer) "
        f"SELECT (SELECT count(*) FROM (SELECT DISTINCT customer FROM cases c{scan} "
        f"WHERE {opened})), (SELECT count(*) FROM entered e WHERE e.last > ("
        "SELECT min(COALESCE((SELECT max(f.seq) FROM score_history f "
        f'WHERE f.customer = c.customer AND f."case" = c."case" AND f.{COMPLAINT}), 0)) '
        f"FROM cases c WHERE c.customer = e.customer AND {opened}))"
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


def _groups(sql: TimeSql) -> tuple[Group, Group]:
    """NPS given while recovered, and NPS of customers with no case on record (any time)."""
    groups = (Group(), Group())
    scores = (
        "complained AS MATERIALIZED (SELECT customer FROM customers NOT INDEXED "  # noqa: S608 - built from constants
        f"WHERE customer IS NOT NULL AND {truthy('cases')}), "
        "given AS MATERIALIZED (SELECT customer, score, "
        f"phase_before IN ({_RECOVERED}) AS recovered, customer NOT IN complained AS never "
        f"FROM satisfaction NOT INDEXED WHERE metric = 'nps' AND {sql.holds('at')})"
    )
    rows = sql.rows(
        f"WITH {scores} SELECT 0, score, count(*), (SELECT count(*) FROM (SELECT DISTINCT "  # noqa: S608 - built from constants
        "customer FROM given WHERE recovered)) FROM given WHERE recovered GROUP BY score "
        "UNION ALL SELECT 1, score, count(*), (SELECT count(*) FROM (SELECT DISTINCT customer "
        "FROM given WHERE never)) FROM given WHERE never GROUP BY score"
    )
    for which, score, count, customers in rows:
        groups[which].scores[int(score)] += count
        groups[which].customers = customers
    return groups


def _promises(sql: TimeSql, periods: set[str]) -> Counter[tuple[Any, bool]]:
    found: Counter[tuple[Any, bool]] = Counter()
    source = f"promises NOT INDEXED WHERE kind = 'promise' AND {sql.holds('made_at')}"
    day = sql.day("made_at")
    rows = sql.rows(
        f"SELECT status, {truthy('on_time')} AS on_time, count(*), "  # noqa: S608 - built from constants
        f"min({day}), max({day}), count({day}) FROM {source} GROUP BY status, on_time"
    )
    days = [row for row in rows if row[3] is not None]
    for status, on_time, count, *_ in rows:
        found[(status, bool(on_time))] += count
    bounds = (
        min((row[3] for row in days), default=None),
        max((row[4] for row in days), default=None),
        sum(row[5] for row in rows),
        sum(row[2] for row in rows),
    )
    sql.add_bounds(periods, "made_at", source, bounds)
    return found


def _offers(sql: TimeSql, periods: set[str]) -> Offers:
    found = Offers()
    source = f"compensation NOT INDEXED WHERE {sql.holds('at')}"
    day = sql.day("at")
    rows = sql.rows(
        f"SELECT kind, {truthy('addresses_failure')} AS fits, status, count(*), "  # noqa: S608 - built from constants
        f"min({day}), max({day}), count({day}) FROM {source} GROUP BY kind, fits, status"
    )
    for kind, fits, status, count, *_ in rows:
        found.counts[(kind, bool(fits), status)] += count
    days = [row for row in rows if row[4] is not None]
    bounds = (
        min((row[4] for row in days), default=None),
        max((row[5] for row in days), default=None),
        sum(row[6] for row in rows),
        sum(row[3] for row in rows),
    )
    sql.add_bounds(periods, "at", source, bounds)
    for kind, status, amount, currency in sql.rows(
        f"SELECT kind, status, amount_exact, currency FROM {source} "  # noqa: S608 - built from constants
        "AND amount_exact IS NOT NULL ORDER BY customer, offer"
    ):
        found.priced.append(Offer(kind, status, Decimal(amount), currency))
    return found


def _late(sql: TimeSql) -> tuple[Counter[str], Counter[Any]]:
    late: Counter[str] = Counter()
    amended: Counter[Any] = Counter()
    for day, amendment, is_late, count in sql.rows(
        f"SELECT {sql.key('at')} AS day, amendment, "  # noqa: S608 - built from constants
        f"amendment IS NOT 'retracted' AND {sql.late('at', 'recorded_at', 'late_entry')} "
        f"AS late, count(*) FROM timeline WHERE ({LATE_OR_AMENDED}) "
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
        recovered, never = _groups(sql)
        clocks, paused = read_clocks(sql, periods)
        promises = _promises(sql, periods)
        offers = _offers(sql, periods)
        late, amended = _late(sql)
        scores = [
            float(score)
            for (score,) in sql.rows("SELECT score FROM customers NOT INDEXED ORDER BY customer")
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


__all__ = [
    "COMPLAINT",
    "LATE_OR_AMENDED",
    "RECOVERED_PHASES",
    "RECOVERED_STEP",
    "Cases",
    "Group",
    "Offer",
    "Offers",
    "Sources",
    "read_sources",
]
