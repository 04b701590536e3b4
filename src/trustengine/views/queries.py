"""Answers from the read-model tables, in the shapes ``state`` and ``timeline`` print.

:func:`customer_state` gives the keys of :meth:`TrustState.as_dict` (the contract's
``state --json``), built from ``customers`` and ``score_history``; :func:`customer_timeline`
gives the rows of :func:`trustengine.timeline.timeline_rows`, from ``timeline``. For the
same events and policies they equal what a replay gives (the tests check this).
"""

from __future__ import annotations

from typing import Any

import sqlite_utils

from trustengine.scoring.policy import COMPONENTS

_EXPLANATION = (
    'SELECT at, type, "case", delta, reason, score, phase, position '
    "FROM score_history WHERE customer = ? ORDER BY position"
)
_TIMELINE = (
    'SELECT at, type, "case", actor, channel, summary, position, recorded_at '
    "FROM timeline WHERE customer = ?"
)


def _rows(db: sqlite_utils.Database, sql: str, params: tuple[Any, ...]) -> list[dict[str, Any]]:
    cursor = db.execute(sql, params)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def customer_state(
    db: sqlite_utils.Database, customer: str, *, explanation: bool = True
) -> dict[str, Any] | None:
    """``customer``'s trust state as ``state --json`` shows it; None if unknown."""
    found = _rows(db, "SELECT * FROM customers WHERE customer = ?", (customer,))
    if not found:
        return None
    row = found[0]
    out: dict[str, Any] = {
        "customer": row["customer"],
        "score": row["score"],
        "phase": row["phase"],
        "components": {c: row[c] for c in COMPONENTS},
        "open_cases": row["open_cases"],
        "broken_promises": row["broken_promises"],
        "cases": row["cases"],
        "events": row["events"],
        "last_event_at": row["last_event_at"],
        "ceiling": row["ceiling"],
        "policy": row["policy"],
        "sla_policy": row["sla_policy"],
    }
    if explanation:
        out["explanation"] = _rows(db, _EXPLANATION, (customer,))
    return out


def customer_timeline(
    db: sqlite_utils.Database, customer: str, *, case: str | None = None
) -> list[dict[str, Any]] | None:
    """``customer``'s timeline rows, oldest first; None if the customer is unknown."""
    if case is None:
        rows = _rows(db, _TIMELINE + " ORDER BY position", (customer,))
        return rows or None
    rows = _rows(db, _TIMELINE + ' AND "case" = ? ORDER BY position', (customer, case))
    if rows:
        return rows
    known = db.execute("SELECT 1 FROM customers WHERE customer = ?", (customer,)).fetchone()
    return [] if known else None
