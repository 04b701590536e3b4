"""Stored events the projector could not project, set aside in the ``problems`` table.

Events are immutable, so a stored event the read side cannot use stays in the store for
ever: one written by an older version that this one no longer accepts, a hand edit that
left its bytes undecodable or its values invalid, or values that make a row write fail
(an integer too large for SQLite). The projector must not stop at it, or every command
that reads the tables would fail from then on. It sets that one event aside instead: a
row here (its notification id, stream, customer when known, position, type, the error as
one line and when it was seen), written in the same transaction as the batch, so the
tracked position still passes each event exactly once.

The customer is then shown as of just before that event: every later event of theirs is
held back too (a row with ``held_by``, the notification id of the first). A trust state
is a fold, each event's effect depending on all before it, so folding on past a missing
event would show a history that never happened (without its complaint, a customer who
complained reads as steady; without a broken promise, the score is too high) with
nothing to tell it from the truth. A state that stops at a known position is true as of
that position, and every command that reads the tables says on stderr that it stops
there; ``verify --views`` lists the events and exits 1. An erasure held back is still
applied to the customer's text (see the projector). A ``rebuild`` empties the table and
sets aside again whatever still cannot be projected.

An error of the views database itself (locked, full, not a database) or of the store
(unreachable) is no event's fault: it is raised as before and the batch rolls back.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from trustengine.exceptions import ReadModelError
from trustengine.readmodel.table import Column, Row, Table

if TYPE_CHECKING:  # for types only: the tables' declaration is read without them
    import sqlite_utils
    from eventsourcing.persistence import Notification

TABLE = Table(
    "problems",
    Column("notification_id", int, key=True),
    Column("originator_id", str, not_null=True),
    Column("customer", str),
    Column("position", int, not_null=True),
    Column("type", str),
    Column("error", str, not_null=True),
    Column("held_by", int),
    Column("seen_at", str, not_null=True),
    indexes=(("customer",), ("originator_id",)),
    doc="Stored events the projector set aside (see readmodel/problems.py): each one that "
    "could not be projected (held_by NULL), and each later event of the same customer, "
    "held back behind it (held_by: the notification id of the first). customer is "
    "NULL when no event of the stream can be read; error is one line; seen_at is when "
    "(wall clock, UTC) it was set aside.",
)
"""The processor's record of the events it set aside (it is not a projection's: no
event handler writes it)."""
_INSERT = 'INSERT OR REPLACE INTO "{}" ({}) VALUES ({})'.format(  # noqa: S608 - declared names
    TABLE.name, ", ".join(f'"{c}"' for c in TABLE.columns), ", ".join("?" for _ in TABLE.columns)
)
ERROR_LENGTH = 500
"""The longest error text kept per event (a validation error can list many fields)."""
SHOWN = 3
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
    from eventsourcing.persistence import PersistenceError  # here: only a failure needs it

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


def stream_of(notification: Notification) -> str:
    """How the ``problems`` table names a notification's stream."""
    return str(notification.originator_id)


def set_aside(
    db: sqlite_utils.Database,
    notification: Notification,
    customer: str | None,
    error: BaseException | str,
    held_by: int | None = None,
) -> None:
    """Record that ``notification`` is not projected (inside the batch's transaction):
    it failed with ``error``, or (``held_by``) it comes after that event of its stream."""
    row: Row = {
        "notification_id": notification.id,
        "originator_id": stream_of(notification),
        "customer": customer,
        "position": notification.originator_version,
        "type": event_type(notification.topic),
        "error": one_line(error),
        "held_by": held_by,
        "seen_at": datetime.now(UTC).isoformat(),
    }
    db.execute(_INSERT, TABLE.values()(row))


def held_streams(db: sqlite_utils.Database) -> dict[str, tuple[int, int]]:
    """Each stream with an event set aside: (notification id, position) of its first."""
    rows = db.execute(
        "SELECT originator_id, notification_id, position FROM problems WHERE held_by IS NULL "
        "ORDER BY notification_id"
    ).fetchall()
    held: dict[str, tuple[int, int]] = {}
    for stream, notification_id, position in rows:
        held.setdefault(str(stream), (int(notification_id), int(position)))
    return held


def held_customers(db: sqlite_utils.Database) -> set[str]:
    """The customers with an event set aside: their tables stop before it, so nothing
    may be concluded from them that the events held back could contradict."""
    rows = db.execute("SELECT DISTINCT customer FROM problems WHERE customer IS NOT NULL")
    return {str(row[0]) for row in rows.fetchall()}


_PROBLEMS = TABLE.select()


def problem_rows(db: sqlite_utils.Database, customer: str | None = None) -> list[dict[str, Any]]:
    """The events set aside (of ``customer`` only, when given), in stored order."""
    if customer is None:
        cursor = db.execute(f"{_PROBLEMS} ORDER BY notification_id")
    else:
        cursor = db.execute(f"{_PROBLEMS} WHERE customer = ? ORDER BY notification_id", (customer,))
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _events(count: int) -> str:
    return "1 stored event" if count == 1 else f"{count} stored events"


@dataclass(frozen=True)
class ProblemCount:
    """How many events are set aside: ``failed`` that could not be projected, ``held``
    later events of the same customers held back behind them."""

    failed: int
    held: int
    customers: tuple[str, ...]
    """The customers named, at most :data:`SHOWN` + 1, in the order they failed."""
    unnamed: bool
    """Whether a stream whose customer is not known (no event of it reads) is among them."""
    first_position: int | None = None
    """For one customer's count: the position their read model stops before."""

    @property
    def events(self) -> int:
        """Every event set aside."""
        return self.failed + self.held

    def _held(self) -> str:
        if not self.held:
            return ""
        later = "1 later event" if self.held == 1 else f"{self.held} later events"
        return f", {later} held back"

    def notice(self) -> str | None:
        """One line for stderr saying what the read model leaves out; None if nothing."""
        if not self.events:
            return None
        see = "trustengine verify --views lists them"
        if self.first_position is not None and self.customers:
            return (
                f"customer {self.customers[0]!r} is shown as of position "
                f"{self.first_position - 1}: {_events(self.failed)} of theirs could not be "
                f"projected{self._held()}; {see}"
            )
        return (
            f"{_events(self.failed)} could not be projected into the read model{self._held()}: "
            f"{self._whose()} shown as of before them; {see}"
        )

    def _whose(self) -> str:
        parts = [repr(name) for name in self.customers[:SHOWN]]
        if len(self.customers) > SHOWN:
            parts.append("more")
        if self.unnamed:
            if not parts:
                return "a customer whose events cannot be read"
            parts.append("one whose events cannot be read")
        if len(parts) == 1:
            return f"customer {parts[0]}"
        return f"customers {', '.join(parts[:-1])} and {parts[-1]}"


def problem_total(db: sqlite_utils.Database) -> int:
    """How many events are set aside, all told (a cheap check between catch-ups)."""
    return int(db.execute("SELECT COUNT(*) FROM problems").fetchone()[0])


def count_problems(db: sqlite_utils.Database, customer: str | None = None) -> ProblemCount:
    """How many events of the read model (of ``customer``, when given) are set aside."""
    if customer is not None:
        failed, held, first = db.execute(
            "SELECT COUNT(*) - COUNT(held_by), COUNT(held_by), MIN(position) FROM problems "
            "WHERE customer = ?",
            (customer,),
        ).fetchone()
        named = (customer,) if failed or held else ()
        return ProblemCount(int(failed), int(held), named, False, first)
    failed, held = db.execute(
        "SELECT COUNT(*) - COUNT(held_by), COUNT(held_by) FROM problems"
    ).fetchone()
    if not failed and not held:
        return ProblemCount(0, 0, (), False)
    names = db.execute(
        "SELECT customer FROM problems WHERE customer IS NOT NULL GROUP BY customer "
        "ORDER BY MIN(notification_id) LIMIT ?",
        (SHOWN + 1,),
    ).fetchall()
    unnamed = db.execute("SELECT 1 FROM problems WHERE customer IS NULL LIMIT 1").fetchone()
    return ProblemCount(
        int(failed), int(held), tuple(str(row[0]) for row in names), unnamed is not None
    )
