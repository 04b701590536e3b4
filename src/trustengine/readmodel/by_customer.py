"""A rebuild in customer order: each customer's events folded together, their state once.

Projecting in stored order, a customer whose events are spread over the store is met
again in batch after batch: each time their fold state is read back from ``view_state``
(or the state cache, which holds at most ``cache_size`` customers) and their keyed rows
(cases, clocks, promises) are read back, opened and written again. On a store of many
customers whose events interleave, that costs more per event the larger the store, and
the cache's memory grows with it. A rebuild instead walks the store stream by stream (a
customer is one stream), up to the notification id that was the store's last when the
rebuild began (the *cut*): a batch is the next ``batch_size`` events in (stream,
position) order, so each customer's events come together and their state is built once
and dropped. Events stored after the cut are projected afterwards, in stored order, as
any catch-up does.

The tables come out the same as a rebuild in stored order, row for row: every table is
keyed by customer and each customer's rows are a fold of their own events alone, which
the projector folds the same way whatever other customers' events lie between (a late
entry or an amendment folds the customer again from their stored history, in business
time, either way). The one judgement that is made across customers is whether an event
that does not decode is the event's fault or the store's (nothing decodes: a wrong key),
and that is made in stored order: a walk that meets such an event is abandoned (its rows
deleted) and the rebuild starts again in stored order.

Where the walk stands is kept in ``view_meta`` (:data:`CUT`, :data:`AFTER`,
:data:`DONE`), committed with each batch's rows, while ``view_tracking`` stays at 0: an
interrupted walk is continued by the next catch-up of any process, a batch at a time
under the write lock, and the tracked position moves to the cut with the walk's last
batch. Meanwhile the projector reports as its position how many events the walk has
folded. Only a recorder that reads stream by stream
(:class:`~trustengine.persistence.recorders.ByStream`: SQLite and memory) is walked; a
rebuild from another goes in stored order.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import sqlite_utils
from eventsourcing.persistence import ApplicationRecorder, Notification

from trustengine.exceptions import ReadModelError
from trustengine.persistence.recorders import ByStream, StreamCursor
from trustengine.readmodel.buffer import BUFFERED
from trustengine.readmodel.problems import TABLE as PROBLEMS
from trustengine.readmodel.tracking import advance

CUT = "walk_cut"
"""``view_meta`` key: the last notification id the walk folds."""
AFTER = "walk_after"
"""``view_meta`` key: the stream key and position of the last event walked, as
``KEY POSITION`` (empty: none yet)."""
DONE = "walk_done"
"""``view_meta`` key: how many events the walk has folded."""


class InStoredOrder(ReadModelError):
    """The walk met an event that does not decode: the rebuild goes in stored order."""


@dataclass(frozen=True)
class Walk:
    """A rebuild in customer order under way."""

    cut: int
    after: StreamCursor
    done: int


def start_walk(db: sqlite_utils.Database, recorder: ApplicationRecorder, batch_size: int) -> None:
    """Begin a walk of ``recorder``'s events up to its last (inside the caller's
    transaction, in tables just created); nothing when it cannot be walked, or when its
    events fit in one batch (which meets each customer once in stored order too)."""
    if not isinstance(recorder, ByStream):
        return
    cut = recorder.max_notification_id() or 0
    if cut > batch_size:
        _write(db, Walk(cut, ("", 0), 0))


def walk_of(db: sqlite_utils.Database) -> Walk | None:
    """The walk under way in ``db``, if one is."""
    rows = db.execute(
        "SELECT key, value FROM view_meta WHERE key IN (?, ?, ?)", (CUT, AFTER, DONE)
    ).fetchall()
    found = {str(key): str(value) for key, value in rows}
    if CUT not in found:
        return None
    stream, _, position = found.get(AFTER, "").rpartition(" ")
    return Walk(int(found[CUT]), (stream, int(position or 0)), int(found.get(DONE, 0)))


def next_of_walk(
    recorder: ApplicationRecorder, walk: Walk, size: int
) -> tuple[list[Notification], bool]:
    """The walk's next batch of at most ``size`` events, and whether it is the last."""
    found = walk_reader(recorder).select_notifications_by_stream(walk.after, walk.cut, size + 1)
    return found[:size], len(found) <= size


def walked(
    db: sqlite_utils.Database,
    recorder: ApplicationRecorder,
    walk: Walk,
    batch: Sequence[Notification],
    last: bool,
) -> int:
    """Record that the walk folded ``batch`` (inside its transaction); after the ``last``
    batch, end the walk and track the cut. Return the tracked position (0 until then)."""
    if not last:
        end = batch[-1]
        after = (walk_reader(recorder).stream_key(end.originator_id), end.originator_version)
        _write(db, Walk(walk.cut, after, walk.done + len(batch)))
        return 0
    found = recorder.select_notifications(walk.cut, 1)
    if not found or found[0].id != walk.cut:
        raise ReadModelError(f"the store no longer holds event {walk.cut}: run trustengine rebuild")
    advance(db, 0, found[0])
    end_walk(db)
    return walk.cut


def end_walk(db: sqlite_utils.Database) -> None:
    """The walk is over (done, or abandoned)."""
    db.execute("DELETE FROM view_meta WHERE key IN (?, ?, ?)", (CUT, AFTER, DONE))


def abandon_walk(db: sqlite_utils.Database) -> None:
    """Delete what the walk wrote and end it (inside the caller's transaction): the
    tables are as a rebuild leaves them before its first batch."""
    for table in (*BUFFERED, PROBLEMS):
        # Names come from the declarations, never from input.
        db.execute(f'DELETE FROM "{table.name}"')  # noqa: S608
    end_walk(db)


def walk_reader(recorder: ApplicationRecorder) -> ByStream:
    """``recorder`` as a reader by stream (the walk began with one like it)."""
    if not isinstance(recorder, ByStream):
        raise InStoredOrder("this store's recorder does not read stream by stream")
    return recorder


def _write(db: sqlite_utils.Database, walk: Walk) -> None:
    after = f"{walk.after[0]} {walk.after[1]}" if walk.after[0] else ""
    db.conn.executemany(
        "INSERT OR REPLACE INTO view_meta (key, value) VALUES (?, ?)",
        [(CUT, str(walk.cut)), (AFTER, after), (DONE, str(walk.done))],
    )


__all__ = [
    "AFTER",
    "CUT",
    "DONE",
    "InStoredOrder",
    "Walk",
    "abandon_walk",
    "end_walk",
    "next_of_walk",
    "start_walk",
    "walk_of",
    "walk_reader",
    "walked",
]
