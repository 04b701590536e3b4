"""Erasure in the read model: a customer's personal text goes when their key goes.

The store seals personal fields (:data:`~trustengine.persistence.personal.PERSONAL_FIELDS`)
under a key per customer and destroys the key on ``CustomerErased``; a replay then reads
those fields as ``[erased]``. The read model holds copies (timeline summaries, case
summaries, commitment descriptions and notes, compensation reasons), sealed under a key
derived from the same key (:mod:`.sealing`), so they are unreadable once it goes; still,
when the projector folds a ``CustomerErased`` it rewrites them, in the same transaction,
to what a rebuild from the erased store would write. It redacts the events itself rather
than trusting that the key is already gone: the engine destroys it just after the event is
committed. The ``satisfaction`` table copies no personal text (a score's comment is left
out of it), so it keeps its rows as they are, like the other figures.

Rewriting a row is not enough on disk: SQLite keeps old bytes in free space and in the
write-ahead log. The views connection runs with ``secure_delete`` (freed and overwritten
content is zeroed), and after a batch that erased someone :func:`scrub` checkpoints the
log into the database file and truncates it.
"""

from __future__ import annotations

import sqlite3
from typing import Any, cast
from uuid import UUID

import sqlite_utils
from eventsourcing.persistence import (
    ApplicationRecorder,
    Mapper,
    MapperDeserialisationError,
    StoredEvent,
)

from trustengine.domain.base import CustomerEvent
from trustengine.persistence.personal import ERASED, PERSONAL_FIELDS
from trustengine.readmodel.schema import TABLES
from trustengine.readmodel.timeline import summarize

# Columns that copy a personal field, as the tables declare them (``personal``):
# (table, column, extra condition). A redacted table (the timeline) is rewritten below.
_COPIES = tuple(
    (table.name, column.name, f" AND NOT ({column.erased_unless})" if column.erased_unless else "")
    for table in TABLES
    if not table.redacted
    for column in table.fields
    if column.personal
)


def redacted(event: CustomerEvent) -> CustomerEvent:
    """``event`` with each personal field that has a value read as ``[erased]``."""
    names = PERSONAL_FIELDS & type(event).model_fields.keys()
    update = {name: ERASED for name in names if getattr(event, name) is not None}
    return event.model_copy(update=update) if update else event


def erase(
    db: sqlite_utils.Database,
    recorder: ApplicationRecorder,
    mapper: Mapper[Any],
    customer: str,
    originator_id: UUID,
    up_to: int,
) -> None:
    """Rewrite ``customer``'s personal text in the tables (inside the caller's transaction).

    ``up_to`` is the position of the ``CustomerErased`` event: the rows of every event up
    to it must already be written.
    """
    stored = recorder.select_events(originator_id, lte=up_to)
    db.conn.executemany(
        "UPDATE timeline SET summary = ? WHERE customer = ? AND position = ?",
        [(_redacted_summary(mapper, s), customer, s.originator_version) for s in stored],
    )
    db.execute(
        "UPDATE timeline SET amend_reason = ? WHERE customer = ? AND amend_reason IS NOT NULL",
        (ERASED, customer),
    )
    for table, column, extra in _COPIES:
        db.execute(
            f'UPDATE "{table}" SET "{column}" = ? '  # noqa: S608 - names are constants above
            f'WHERE customer = ? AND "{column}" IS NOT NULL{extra}',
            (ERASED, customer),
        )


def _redacted_summary(mapper: Mapper[Any], stored: StoredEvent) -> str:
    """The timeline summary of ``stored`` with its personal text erased; for an event
    that no longer decodes (set aside, or changed after it was projected), the whole
    summary, as its personal text cannot be told from the rest."""
    try:
        event = cast(CustomerEvent, mapper.to_domain_event(stored))
    except MapperDeserialisationError:
        return ERASED
    return summarize(redacted(event))


def scrub(db: sqlite_utils.Database) -> bool:
    """Move the write-ahead log into the database file and truncate it (best effort).

    Returns False when a reader elsewhere kept the log from being emptied; the next
    erasure, or any later checkpoint, empties it.
    """
    try:
        row = db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    except sqlite3.Error:
        return False
    return row is None or row[0] == 0


__all__ = ["erase", "redacted", "scrub"]
