"""Where the tables stand: the ``view_tracking`` row of the read model and its checks.

``view_tracking`` holds the last notification id whose rows are committed, with that
event's stream and position, so that a read model that no longer matches its store is
noticed; it is moved by a compare-and-set update, so that of two projectors that folded
the same batch only one commits (exactly once). ``view_meta``'s fingerprint says which
policies the tables were built under.
"""

from __future__ import annotations

import sqlite_utils
from eventsourcing.persistence import ApplicationRecorder, Notification

from trustengine.exceptions import ReadModelError
from trustengine.readmodel.schema import PROJECTION


def tracked(db: sqlite_utils.Database) -> int:
    """The last notification id whose rows are committed (0: none)."""
    row = db.execute(
        "SELECT notification_id FROM view_tracking WHERE name = ?", (PROJECTION,)
    ).fetchone()
    return int(row[0]) if row else 0


def check_in_step(db: sqlite_utils.Database, recorder: ApplicationRecorder) -> None:
    """Raise :class:`ReadModelError` when the tracked event is not the store's."""
    row = db.execute(
        "SELECT notification_id, originator_id, originator_version FROM view_tracking "
        "WHERE name = ?",
        (PROJECTION,),
    ).fetchone()
    if row is None or not row[0]:
        return
    found = recorder.select_notifications(int(row[0]), 1)
    if (
        not found
        or found[0].id != row[0]
        or str(found[0].originator_id) != row[1]
        or found[0].originator_version != row[2]
    ):
        raise ReadModelError(
            f"the read model is at event {row[0]}, which this store does not hold as "
            "processed: it was built from another store; run trustengine rebuild"
        )


def check_fingerprint(db: sqlite_utils.Database, fingerprint: str | None) -> None:
    """Raise :class:`ReadModelError` when the tables were rebuilt under policies other
    than those of ``fingerprint`` (None: no check)."""
    if fingerprint is None:
        return
    row = db.execute("SELECT value FROM view_meta WHERE key = 'fingerprint'").fetchone()
    if row is None or row[0] != fingerprint:
        raise ReadModelError(
            "the read model was rebuilt under other policies by another process: "
            "open it again to continue"
        )


def advance(db: sqlite_utils.Database, old: int, last: Notification) -> None:
    """Move the tracked position from ``old`` to ``last`` (inside the batch's
    transaction); raise :class:`ReadModelError` when another projector moved it first."""
    cursor = db.execute(
        "UPDATE view_tracking SET notification_id = ?, originator_id = ?, "
        "originator_version = ? WHERE name = ? AND notification_id = ?",
        (last.id, str(last.originator_id), last.originator_version, PROJECTION, old),
    )
    if cursor.rowcount != 1:
        raise ReadModelError(
            f"another projector moved the read model on from event {old}; "
            "this batch was rolled back"
        )


__all__ = ["PROJECTION", "advance", "check_fingerprint", "check_in_step", "tracked"]
