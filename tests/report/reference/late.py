"""The report's late-entries figure: how much of the history was entered late or amended.

A late entry is an event that arrived after a later event of its customer (the
``timeline`` table's ``late_entry``); the figure counts those recorded more than the
policy's ``[report] late_entry_hours`` after their business time, per period of their
business time (docs/trust-model.md, "Late entries and corrections"), beside how many
events in the window were retracted or corrected, and how many recorded misses the
history now shows were met. Retracted events are counted there, not as late entries.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlite_utils

from trustengine.report.window import Window, parse_at
from trustengine.scoring.history import days_late


@dataclass(frozen=True)
class Entered:
    """One stored event (not an amendment) as the figure needs it."""

    at: datetime
    recorded_at: datetime
    late_entry: bool
    amendment: str | None


def read_entered(db: sqlite_utils.Database, window: Window) -> list[Entered]:
    """The window's stored events (business time), retractions and corrections aside."""
    cursor = db.execute(
        "SELECT at, recorded_at, late_entry, amendment FROM timeline "
        "WHERE type NOT IN ('EventRetracted', 'EventCorrected')"
    )
    out = []
    for at, recorded_at, late_entry, amendment in cursor.fetchall():
        moment = parse_at(at)
        if window.holds(moment):
            out.append(Entered(moment, parse_at(recorded_at), bool(late_entry), amendment))
    return out


def late_entries(
    entered: list[Entered], window: Window, periods: list[str], late_after: timedelta
) -> dict[str, Any]:
    """Late entries per period and in all, and the amended events of the window."""
    late = Counter(
        window.period(e.at)
        for e in entered
        if e.amendment != "retracted"
        and days_late(e.at, e.recorded_at, late_after, late_entry=e.late_entry) is not None
    )
    kinds = Counter(e.amendment for e in entered if e.amendment)
    return {
        "threshold_hours": late_after.total_seconds() / 3600,
        "late_entries": sum(late.values()),
        "per_period": [{"period": p, "late_entries": late.get(p, 0)} for p in periods],
        "retracted": kinds.get("retracted", 0),
        "corrected": kinds.get("corrected", 0),
        "misses_shown_met": kinds.get("refuted", 0),
    }


__all__ = ["Entered", "late_entries", "read_entered"]
