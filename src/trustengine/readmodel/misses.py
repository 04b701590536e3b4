"""What the read model says may have been missed: the public reads that the due list
(:mod:`.due`) and the sweep (:mod:`trustengine.workflows.sweep`) are built from.

Each reads the tables as they are (catch the read model up first) and knows nothing of
the time it is asked at: judging what is late as of a time is the caller's.

- :func:`running_clocks`: SLA clocks still running (not stopped, not paused while the
  case awaits the customer) that have a due time;
- :func:`open_promises`: promises (kind ``promise``) neither kept nor broken;
- :func:`erased_customers`: customers erased (nothing can be recorded for them now);
- :func:`held_customers`: customers with an event set aside (:mod:`.problems`): their
  tables stop before it, so nothing may be concluded that a held-back event could undo;
- :func:`last_event_times`: each customer's last business time (a new fact for them
  may not be earlier).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlite_utils

from trustengine.readmodel.problems import held_customers
from trustengine.readmodel.projections.clocks import TABLE as CLOCKS
from trustengine.readmodel.projections.customers import TABLE as CUSTOMERS
from trustengine.readmodel.projections.promises import TABLE as PROMISES
from trustengine.readmodel.projections.timeline import TABLE as TIMELINE


def rows(db: sqlite_utils.Database, sql: str, params: tuple[Any, ...] = ()) -> list[dict[str, Any]]:
    """The rows ``sql`` selects, as dicts by column name."""
    cursor = db.execute(sql, params)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def erased_customers(db: sqlite_utils.Database) -> set[str]:
    """Customers with a ``CustomerErased`` event: nothing more can be recorded for them."""
    sql = TIMELINE.select("customer", distinct=True)
    found = db.execute(f"{sql} WHERE type = 'CustomerErased'")
    return {str(row[0]) for row in found.fetchall()}


_RUNNING = CLOCKS.select(
    "customer",
    "case",
    "clock",
    "period",
    "run",
    "started_at",
    "due",
    "breached",
    "policy",
    "due_explained",
)


def running_clocks(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    """SLA clocks still running that have a due time (``due`` parsed), of every customer.

    A paused clock (the case awaits the customer) is not running: nothing is owed on it
    until the wait ends, and its due time moves then."""
    where = "stopped_at IS NULL AND paused_at IS NULL AND due IS NOT NULL"
    found = rows(db, f"{_RUNNING} WHERE {where}")
    for row in found:
        row["due"] = datetime.fromisoformat(row["due"])
    return found


@dataclass(frozen=True)
class OpenPromise:
    """A promise neither kept nor broken yet."""

    customer: str
    case: str
    promise: str
    due: datetime


_OPEN_PROMISES = PROMISES.select("customer", "case", "id", "due")


def open_promises(db: sqlite_utils.Database) -> list[OpenPromise]:
    """Every open promise (kind ``promise``: not corrective actions or follow-ups)."""
    found = db.execute(f"{_OPEN_PROMISES} WHERE kind = 'promise' AND status = 'open'")
    return [
        OpenPromise(customer, case, promise, datetime.fromisoformat(due))
        for customer, case, promise, due in found.fetchall()
    ]


_LAST_EVENTS = CUSTOMERS.select("customer", "last_event_at")


def last_event_times(db: sqlite_utils.Database, customers: Iterable[str]) -> dict[str, datetime]:
    """The business time of the last event of each of ``customers`` that has one."""
    wanted = set(customers)
    found: dict[str, datetime] = {}
    for customer, last in db.execute(_LAST_EVENTS).fetchall():
        if customer in wanted and last is not None:
            found[customer] = datetime.fromisoformat(last)
    return found


__all__ = [
    "OpenPromise",
    "erased_customers",
    "held_customers",
    "last_event_times",
    "open_promises",
    "rows",
    "running_clocks",
]
