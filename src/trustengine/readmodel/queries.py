"""Answers from the read-model tables, in the shapes the commands print.

:func:`customer_state` gives the keys of :meth:`TrustState.as_dict` (the contract's
``state --json``), built from ``customers`` and ``score_history`` (in :mod:`.state_query`,
which needs no projection); :func:`customer_timeline`
gives the rows of :func:`trustengine.readmodel.timeline.timeline_rows`, from ``timeline``. For the
same events and policies they equal what a replay gives (the tests check this).

:func:`customer_list` (``trustengine customers``) and :func:`case_detail` (``trustengine
case``) are what a support lead works from: who needs attention, and everything about one
case. Columns the schema declares ``bool`` (stored as 0/1) come back as booleans.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from typing import Any, Literal

import sqlite_utils

from trustengine.readmodel.state_query import customer_state
from trustengine.readmodel.state_query import rows as _rows
from trustengine.readmodel.table import Table
from trustengine.readmodel.tables import CASES, COMPENSATION, CUSTOMERS, PROMISES, TIMELINE
from trustengine.readmodel.tables import SLA_CLOCKS as CLOCKS
from trustengine.readmodel.timeline import DEFAULT_LATE_AFTER, timeline_step

_TIMELINE = TIMELINE.select() + " WHERE customer = ?"


def customer_timeline(
    db: sqlite_utils.Database,
    customer: str,
    *,
    case: str | None = None,
    late_after: timedelta = DEFAULT_LATE_AFTER,
) -> list[dict[str, Any]] | None:
    """``customer``'s timeline rows in business-time order, as
    :func:`~trustengine.readmodel.timeline.timeline_step` gives them (late entries marked
    when recorded more than ``late_after`` after their ``at``); None if the customer is
    unknown. Personal text comes as the table holds it (the caller opens sealed text)."""
    if case is None:
        rows = _rows(db, _TIMELINE + " ORDER BY seq", (customer,))
        return [timeline_step(row, late_after) for row in rows] or None
    rows = _rows(db, _TIMELINE + ' AND "case" = ? ORDER BY seq', (customer, case))
    if rows:
        return [timeline_step(row, late_after) for row in rows]
    return [] if customer_known(db, customer) else None


# --- customers and cases -------------------------------------------------------------

CustomerSort = Literal["score", "changed"]
CUSTOMER_SORTS: tuple[CustomerSort, ...] = ("score", "changed")
"""``score``: lowest trust first; ``changed``: most recently changed first."""
AT_RISK_PHASES = ("at_risk", "lost")
"""The phases ``customers --at-risk`` lists."""

_CUSTOMERS = CUSTOMERS.select(
    "customer",
    "score",
    "phase",
    "tier",
    "open_cases",
    "broken_promises",
    "cases",
    "last_contact_at",
    "last_event_at",
    "phase_since",
    "changed_at",
)
_CUSTOMER_ORDER: dict[str, str] = {
    "score": " ORDER BY score, customer",
    # changed_at is recorded time as ISO text with an offset: julianday() compares
    # instants; the text breaks ties below its resolution.
    "changed": " ORDER BY julianday(changed_at) DESC, changed_at DESC, customer",
}
_CASE_TIMELINE = (
    "SELECT t.*, s.score AS trust FROM timeline AS t LEFT JOIN score_history AS s "
    "ON s.customer = t.customer AND s.position = t.position "
    'WHERE t.customer = ? AND t."case" = ? ORDER BY t.seq'
)
_OF_CASE = ' WHERE customer = ? AND "case" = ?'
_HAND_OFFS = (
    TIMELINE.select("at", "actor", "channel", "summary", "position")
    + _OF_CASE
    + " AND type = 'CaseReassigned' AND counted ORDER BY seq"
)
_COMMITMENTS = (
    PROMISES.select(
        "kind",
        "id",
        "description",
        "made_at",
        "due",
        "status",
        "settled_at",
        "on_time",
        "prevents_recurrence",
        "note",
    )
    + _OF_CASE
    + " ORDER BY julianday(made_at), made_at, kind, id"
)
_COMPENSATION = (
    COMPENSATION.select(
        "offer",
        "kind",
        "amount",
        "currency",
        "addresses_failure",
        "status",
        "at",
        "settled_at",
        "reason",
    )
    + _OF_CASE
    + " ORDER BY julianday(at), at, offer"
)
_CLOCKS = (
    CLOCKS.select(
        "clock",
        "period",
        "run",
        "started_at",
        "due",
        "stopped_at",
        "breached",
        "policy",
        "paused_at",
        "paused_seconds",
        "due_explained",
    )
    + _OF_CASE
    + " ORDER BY period, CASE clock "
    "WHEN 'first_response' THEN 1 WHEN 'final_response' THEN 2 WHEN 'resolution' THEN 3 "
    "WHEN 'follow_up' THEN 4 ELSE 5 END, clock, run"
)


def _typed(table: Table, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``rows`` of ``table`` with its 0/1 boolean columns as booleans (None stays None)."""
    flags = table.flags
    for row in rows:
        for name in flags:
            if row.get(name) is not None:
                row[name] = bool(row[name])
    return rows


_KNOWN = f'SELECT 1 FROM "{CUSTOMERS.name}" WHERE customer = ?'  # noqa: S608 - a declared name


def customer_known(db: sqlite_utils.Database, customer: str) -> bool:
    """Whether the tables hold any event of ``customer``."""
    found = db.execute(_KNOWN, (customer,)).fetchone()
    return found is not None


def customer_list(
    db: sqlite_utils.Database,
    *,
    phases: Iterable[str] | None = None,
    sort: CustomerSort = "score",
    limit: int | None = None,
) -> list[dict[str, Any]]:
    """One row per customer: score, phase, tier, open cases, broken promises, last contact.

    ``phases`` keeps customers in those phases (None: all); ``sort`` is one of
    :data:`CUSTOMER_SORTS`; ``limit`` keeps the first rows.
    """
    if sort not in _CUSTOMER_ORDER:
        raise ValueError(f"unknown sort {sort!r}: use one of {', '.join(CUSTOMER_SORTS)}")
    sql = _CUSTOMERS
    params: list[Any] = []
    if phases is not None:
        wanted = sorted(set(phases))
        sql += f" WHERE phase IN ({', '.join('?' * len(wanted))})"
        params.extend(wanted)
    sql += _CUSTOMER_ORDER[sort]
    if limit is not None:
        sql += " LIMIT ?"
        params.append(limit)
    return _rows(db, sql, tuple(params))


def case_detail(
    db: sqlite_utils.Database,
    customer: str,
    case: str,
    *,
    late_after: timedelta = DEFAULT_LATE_AFTER,
) -> dict[str, Any] | None:
    """Everything about one case; None when the customer has no such case.

    Keys: ``case`` (the ``cases`` row: status, owner, hand-off count, escalation level,
    severity, category, cause, summary and its milestones), ``hand_offs`` (each
    ``CaseReassigned`` step), ``promises`` (promises, corrective actions and follow-ups,
    with ``kind``), ``compensation``, ``sla_clocks`` and ``timeline`` (its steps, with the
    customer's trust score after each).
    """
    params = (customer, case)
    found = _rows(db, CASES.select() + _OF_CASE, params)
    if not found:
        return None
    return {
        "case": _typed(CASES, found)[0],
        "hand_offs": _rows(db, _HAND_OFFS, params),
        "promises": _typed(PROMISES, _rows(db, _COMMITMENTS, params)),
        "compensation": _typed(COMPENSATION, _rows(db, _COMPENSATION, params)),
        "sla_clocks": _typed(CLOCKS, _rows(db, _CLOCKS, params)),
        "timeline": [
            {**timeline_step(row, late_after), "trust": row["trust"]}
            for row in _rows(db, _CASE_TIMELINE, params)
        ],
    }


__all__ = [
    "AT_RISK_PHASES",
    "CUSTOMER_SORTS",
    "CustomerSort",
    "case_detail",
    "customer_known",
    "customer_list",
    "customer_state",
    "customer_timeline",
]
