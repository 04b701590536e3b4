"""Stored events the projector could not project, set aside in the ``problems`` table.

Events are immutable, so a stored event the read side cannot use stays in the store for
ever: one written by an older version that this one no longer accepts, a hand edit that
left its bytes undecodable or its values invalid, or values that make a row write fail
(an integer too large for SQLite). The projector must not stop at it, or every command
that reads the tables would fail from then on. It sets that one event aside instead: a
row here (its notification id, stream, customer when known, position, type, the error as
one line and when it was seen), written in the same transaction as the batch, so the
tracked position still passes each event exactly once.

The customer's other events are projected as usual: their rows leave out what the event
set aside said (see ``docs/cli.md``, "Events the read model could not project"). Every
command that reads the tables says on stderr how many events were set aside, and
``verify --views`` lists them and exits 1. A ``rebuild`` empties the table and sets
aside again whatever still cannot be projected.

An error of the views database itself (locked, full, not a database) or of the store
(unreachable) is no event's fault: it is raised as before and the batch rolls back.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlite_utils
from eventsourcing.persistence import Notification, PersistenceError

from trustengine.exceptions import ReadModelError

ERROR_LENGTH = 500
"""The longest error text kept per event (a validation error can list many fields)."""
_SHOWN = 3
"""How many customers a notice names before it says how many more."""


def one_line(error: BaseException | str) -> str:
    """``error`` as one line of at most :data:`ERROR_LENGTH` characters."""
    text = error if isinstance(error, str) else f"{type(error).__name__}: {error}"
    text = " ".join(text.split())
    return text if len(text) <= ERROR_LENGTH else text[: ERROR_LENGTH - 1] + "…"


def is_event_fault(error: Exception) -> bool:
    """Whether ``error``, raised while projecting one event, is that event's fault.

    Errors of the views database (locked, disk full, corrupt), of the store and of the
    read model itself (out of step with its store) are not: they stop the batch.
    Constraint, binding and range errors (``OverflowError``) and anything the mapper or
    the trust model raised are.
    """
    if isinstance(error, ReadModelError | PersistenceError | MemoryError | OSError):
        return False
    if isinstance(error, sqlite3.Error):
        return isinstance(
            error,
            sqlite3.IntegrityError
            | sqlite3.DataError
            | sqlite3.InterfaceError
            | sqlite3.ProgrammingError,
        )
    return True


def event_type(topic: str) -> str:
    """The event type a stored topic names (``module:Class``), or the topic itself."""
    return topic.rpartition(":")[2] or topic


def set_aside(
    db: sqlite_utils.Database,
    notification: Notification,
    customer: str | None,
    error: BaseException | str,
) -> None:
    """Record that ``notification`` could not be projected (inside the batch's
    transaction; a second record of the same event replaces the first)."""
    db.execute(
        "INSERT OR REPLACE INTO problems (notification_id, originator_id, customer, "
        "position, type, error, seen_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (
            notification.id,
            str(notification.originator_id),
            customer,
            notification.originator_version,
            event_type(notification.topic),
            one_line(error),
            datetime.now(UTC).isoformat(),
        ),
    )


_PROBLEMS = (
    "SELECT notification_id, originator_id, customer, position, type, error, seen_at "
    "FROM problems"
)


def problem_rows(db: sqlite_utils.Database, customer: str | None = None) -> list[dict[str, Any]]:
    """The events set aside (of ``customer`` only, when given), in stored order."""
    if customer is None:
        cursor = db.execute(f"{_PROBLEMS} ORDER BY notification_id")
    else:
        cursor = db.execute(
            f"{_PROBLEMS} WHERE customer = ? ORDER BY notification_id", (customer,)
        )
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


@dataclass(frozen=True)
class ProblemCount:
    """How many events are set aside, and of which customers."""

    events: int
    customers: tuple[str, ...]
    """The customers named, at most :data:`_SHOWN` + 1 of them, by first appearance."""
    unnamed: bool
    """Whether some set-aside event belongs to a stream whose customer is not known."""

    def notice(self) -> str | None:
        """One line for stderr saying what the read model leaves out; None if nothing."""
        if not self.events:
            return None
        what = (
            "1 stored event could not be projected into the read model and is left out"
            if self.events == 1
            else f"{self.events} stored events could not be projected into the read model "
            "and are left out"
        )
        names = [repr(name) for name in self.customers[:_SHOWN]]
        if len(self.customers) > _SHOWN:
            names.append("more")
        if self.unnamed:
            names.append("a customer whose events cannot be read")
        whose = ""
        if names:
            noun = "customer" if len(names) == 1 and not self.unnamed else "customers"
            whose = f" (of {noun} {', '.join(names)})"
        return f"{what}{whose}: trustengine verify --views lists them"


def count_problems(db: sqlite_utils.Database, customer: str | None = None) -> ProblemCount:
    """How many events of the read model (of ``customer``, when given) are set aside."""
    if customer is not None:
        rows = db.execute(
            "SELECT COUNT(*) FROM problems WHERE customer = ?", (customer,)
        ).fetchone()
        count = int(rows[0])
        return ProblemCount(count, (customer,) if count else (), False)
    (count,) = db.execute("SELECT COUNT(*) FROM problems").fetchone()
    if not count:
        return ProblemCount(0, (), False)
    names = db.execute(
        "SELECT customer FROM problems WHERE customer IS NOT NULL GROUP BY customer "
        "ORDER BY MIN(notification_id) LIMIT ?",
        (_SHOWN + 1,),
    ).fetchall()
    unnamed = db.execute("SELECT 1 FROM problems WHERE customer IS NULL LIMIT 1").fetchone()
    return ProblemCount(int(count), tuple(str(row[0]) for row in names), unnamed is not None)
