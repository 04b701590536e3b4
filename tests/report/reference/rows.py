"""What a report reads from the read-model tables, as plain records inside its window.

Each record keeps only the columns some figure needs, with its business time parsed, so
the figures (:mod:`.figures`) are plain Python over lists and can be checked by hand.
Which time puts a record in the window (and in a period):

- a case: when it was opened (``cases.opened_at``);
- a satisfaction score: when it was given (``satisfaction.at``);
- an SLA clock: when it started (``sla_clocks.started_at``; a clock known only from an
  ``SlaBreached`` event, with no start, by its due time);
- a promise: when it was made (``promises.made_at``, kind ``promise``);
- an offer of compensation: when it was offered (``compensation.at``).

Each score also carries the customer's phase just before it
(``satisfaction.phase_before``), so the recovery-paradox check can tell scores given while
recovered. Customers' current scores, whether they have any case, and each time they
entered ``restored`` or ``advocate`` (``score_history``) are read whatever the window: the
figures use them to classify customers, not to count events.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, TypeVar

import sqlite_utils

from tests.report.reference.late import Entered, read_entered
from trustengine.report.window import Window, parse_at

RECOVERED_PHASES = ("restored", "advocate")
"""The phases in which a complainant counts as recovered."""

T = TypeVar("T")


@dataclass(frozen=True)
class Case:
    """One case, as the report needs it."""

    customer: str
    case: str
    opened_at: datetime
    opened_position: int
    """The place of its ``ComplaintFiled`` in the customer's ledger, in business time."""
    category: str | None
    cause: str | None
    hand_offs: int
    acknowledged_at: str | None
    resolved_at: str | None
    closed_at: str | None
    opened_text: str


@dataclass(frozen=True)
class Rating:
    """One satisfaction score: ``metric`` ``nps`` (0-10) or ``csat`` (1-5);
    ``phase_before``: the customer's phase just before it was given."""

    customer: str
    position: int
    at: datetime
    metric: str
    score: int
    phase_before: str | None


@dataclass(frozen=True)
class Clock:
    """One run of an SLA clock."""

    clock: str
    started_at: datetime | None
    stopped: bool
    breached: bool
    paused_hours: float = 0.0
    """The time the run stood paused while its case awaited the customer."""


@dataclass(frozen=True)
class Promise:
    """One promise made to a customer (not corrective actions or follow-ups)."""

    made_at: datetime
    status: str
    on_time: bool | None


@dataclass(frozen=True)
class Offer:
    """One offer of compensation."""

    at: datetime
    kind: str
    addresses_failure: bool
    status: str
    amount: Decimal | None = None
    """Exact, from ``compensation.amount_exact`` (never the float column)."""
    currency: str | None = None


@dataclass(frozen=True)
class Recovery:
    """An event that took a customer into ``restored`` or ``advocate`` from another phase."""

    position: int
    """Its place in the customer's ledger, in business time (``seq``)."""
    at: datetime


@dataclass(frozen=True)
class Sources:
    """Everything one report reads, already cut to its window where that applies."""

    cases: list[Case]
    ratings: list[Rating]
    clocks: list[Clock]
    promises: list[Promise]
    offers: list[Offer]
    recoveries: dict[str, list[Recovery]]
    """Per customer: each time they entered a recovered phase, oldest first (any time)."""
    complained: set[str]
    """Customers with at least one case on record (any time)."""
    scores: list[float]
    """Every customer's current trust score (any time)."""
    entered: list[Entered] = field(default_factory=list)
    """The window's stored events, for the late-entries figure (:mod:`.late`)."""


def _query(db: sqlite_utils.Database, sql: str) -> list[dict[str, Any]]:
    cursor = db.execute(sql)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _in_window(
    db: sqlite_utils.Database,
    window: Window,
    sql: str,
    when: str,
    make: Callable[[dict[str, Any], datetime], T],
) -> list[T]:
    """One record per row of ``sql`` whose time in column ``when`` falls in ``window``,
    in row order: every windowed table is read this way, so the rule that puts a record
    in the window is written once. ``make`` builds the record from the row and that time."""
    out = []
    for row in _query(db, sql):
        at = parse_at(row[when])
        if window.holds(at):
            out.append(make(row, at))
    return out


def _cases(db: sqlite_utils.Database, window: Window) -> list[Case]:
    # Two queries rather than a join: SQLite would drive a join through the index on
    # timeline.type and rescan every complaint for each case.
    filed = {
        (customer, case): int(position)
        for customer, case, position in db.execute(
            "SELECT customer, \"case\", seq FROM timeline WHERE type = 'ComplaintFiled' AND counted"
        ).fetchall()
    }
    return _in_window(
        db,
        window,
        'SELECT customer, "case", opened_at, category, cause, hand_offs, acknowledged_at, '
        'resolved_at, closed_at FROM cases ORDER BY customer, "case"',
        "opened_at",
        lambda row, opened: Case(
            customer=row["customer"],
            case=row["case"],
            opened_at=opened,
            opened_position=filed.get((row["customer"], row["case"]), 0),
            category=row["category"],
            cause=row["cause"],
            hand_offs=int(row["hand_offs"] or 0),
            acknowledged_at=row["acknowledged_at"],
            resolved_at=row["resolved_at"],
            closed_at=row["closed_at"],
            opened_text=row["opened_at"],
        ),
    )


def _ratings(db: sqlite_utils.Database, window: Window) -> list[Rating]:
    return _in_window(
        db,
        window,
        "SELECT customer, position, at, metric, score, phase_before FROM satisfaction "
        "ORDER BY customer, position",
        "at",
        lambda row, at: Rating(
            customer=row["customer"],
            position=int(row["position"]),
            at=at,
            metric=row["metric"],
            score=int(row["score"]),
            phase_before=row["phase_before"],
        ),
    )


def _clocks(db: sqlite_utils.Database, window: Window) -> list[Clock]:
    # A clock known only from its breach has no start: its due time places it.
    counted = "COALESCE(NULLIF(started_at, ''), due)"
    return _in_window(
        db,
        window,
        f"SELECT clock, started_at, {counted} AS counted_at, stopped_at, breached, "  # noqa: S608 - constants
        "paused_seconds "
        f"FROM sla_clocks WHERE {counted} IS NOT NULL "
        'ORDER BY customer, "case", clock, period',
        "counted_at",
        lambda row, _: Clock(
            row["clock"],
            parse_at(row["started_at"]) if row["started_at"] else None,
            row["stopped_at"] is not None,
            bool(row["breached"]),
            timedelta(seconds=row["paused_seconds"] or 0) / timedelta(hours=1),
        ),
    )


def _promises(db: sqlite_utils.Database, window: Window) -> list[Promise]:
    return _in_window(
        db,
        window,
        "SELECT made_at, status, on_time FROM promises WHERE kind = 'promise' "
        "ORDER BY customer, id",
        "made_at",
        lambda row, made: Promise(
            made, row["status"], None if row["on_time"] is None else bool(row["on_time"])
        ),
    )


def _offers(db: sqlite_utils.Database, window: Window) -> list[Offer]:
    return _in_window(
        db,
        window,
        "SELECT at, kind, addresses_failure, status, amount_exact, currency FROM compensation "
        "ORDER BY customer, offer",
        "at",
        lambda row, at: Offer(
            at,
            row["kind"],
            bool(row["addresses_failure"]),
            row["status"],
            None if row["amount_exact"] is None else Decimal(row["amount_exact"]),
            row["currency"],
        ),
    )


def _recoveries(db: sqlite_utils.Database) -> dict[str, list[Recovery]]:
    marks = ", ".join(f"'{phase}'" for phase in RECOVERED_PHASES)
    rows = _query(
        db,
        "SELECT customer, seq, at FROM (SELECT customer, seq, at, phase, "  # noqa: S608 - constants
        "LAG(phase) OVER (PARTITION BY customer ORDER BY seq) AS before "
        f"FROM score_history) WHERE phase IN ({marks}) "
        f"AND (before IS NULL OR before NOT IN ({marks})) ORDER BY customer, seq",
    )
    out: dict[str, list[Recovery]] = {}
    for row in rows:
        out.setdefault(row["customer"], []).append(Recovery(int(row["seq"]), parse_at(row["at"])))
    return out


def read_sources(db: sqlite_utils.Database, window: Window) -> Sources:
    """Read everything a report needs from the read-model tables in ``db``."""
    customers = _query(db, "SELECT customer, score, cases FROM customers ORDER BY customer")
    return Sources(
        cases=_cases(db, window),
        ratings=_ratings(db, window),
        clocks=_clocks(db, window),
        promises=_promises(db, window),
        offers=_offers(db, window),
        recoveries=_recoveries(db),
        complained={row["customer"] for row in customers if row["cases"]},
        scores=[float(row["score"]) for row in customers],
        entered=read_entered(db, window),
    )


__all__ = [
    "RECOVERED_PHASES",
    "Case",
    "Clock",
    "Offer",
    "Promise",
    "Rating",
    "Recovery",
    "Sources",
    "read_sources",
]
