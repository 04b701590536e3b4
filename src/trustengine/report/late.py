"""The report's late-entries figure: how much of the history was entered late or amended.

A late entry is an event that arrived after a later event of its customer (the
``timeline`` table's ``late_entry``); the figure counts those recorded more than the
policy's ``[report] late_entry_hours`` after their business time, per period of their
business time (docs/trust-model.md, "Late entries and corrections"), beside how many
events in the window were retracted or corrected, and how many recorded misses the
history now shows were met. Retracted events are counted there, not as late entries.
SQL counts both (:func:`trustengine.report.sources.read_sources`).
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from typing import Any


def late_entries(
    late: Counter[str], amended: Counter[Any], periods: list[str], late_after: timedelta
) -> dict[str, Any]:
    """Late entries per period and in all (``late``: per period), and the amended events
    of the window (``amended``: per kind of amendment)."""
    return {
        "threshold_hours": late_after.total_seconds() / 3600,
        "late_entries": sum(late.values()),
        "per_period": [{"period": p, "late_entries": late.get(p, 0)} for p in periods],
        "retracted": amended.get("retracted", 0),
        "corrected": amended.get("corrected", 0),
        "misses_shown_met": amended.get("refuted", 0),
    }


__all__ = ["late_entries"]
