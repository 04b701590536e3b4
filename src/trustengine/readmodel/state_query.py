"""One customer's trust state as the read-model tables hold it: ``state --json``'s keys.

:func:`customer_state` gives the keys of :meth:`TrustState.as_dict` from the
``customers`` row and the ``score_history`` rows (for the same events and policies they
equal what a replay gives; the tests check this). It is apart from :mod:`.queries`, which
re-exports it, because it needs nothing but the tables' declarations: a read of a
current read model (:mod:`.current`) imports no projection and no event model.
"""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING, Any

from trustengine.readmodel.tables import CUSTOMERS, SCORE_HISTORY
from trustengine.scoring.policy import COMPONENTS

if TYPE_CHECKING:
    import sqlite_utils

_STATE = CUSTOMERS.select() + " WHERE customer = ?"
_EXPLANATION = (
    SCORE_HISTORY.select("at", "type", "case", "delta", "reason", "score", "phase", "position")
    + " WHERE customer = ? ORDER BY seq"
)


def rows(
    db: sqlite3.Connection | sqlite_utils.Database, sql: str, params: tuple[Any, ...]
) -> list[dict[str, Any]]:
    """The rows ``sql`` selects, each a dict by column name."""
    cursor = db.execute(sql, params)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def customer_state(
    db: sqlite3.Connection | sqlite_utils.Database, customer: str, *, explanation: bool = True
) -> dict[str, Any] | None:
    """``customer``'s trust state as ``state --json`` shows it; None if unknown."""
    found = rows(db, _STATE, (customer,))
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
        out["explanation"] = rows(db, _EXPLANATION, (customer,))
    return out


__all__ = ["customer_state", "rows"]
