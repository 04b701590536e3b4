"""The report's window and periods, and the arithmetic every figure shares.

A report covers the business times from ``since`` to ``until`` (both inclusive; either
may be open) and groups them by ISO week (``2026-W11``) or calendar month (``2026-03``).
An event belongs to the period of its business time, taken in UTC, so that one event is
in one period wherever its offset puts it on the clock.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from trustengine.exceptions import ReportWindowError

GROUPINGS = ("week", "month")
"""How a report can group periods."""

DIGITS = 2
"""Decimal places of every float a report gives (hours, percentages, means)."""


@dataclass(frozen=True)
class Window:
    """Which business times a report covers, and how it groups them into periods."""

    since: datetime | None = None
    until: datetime | None = None
    by: str = "month"

    def __post_init__(self) -> None:
        if self.by not in GROUPINGS:
            raise ReportWindowError(f"cannot group by {self.by!r}: use week or month")
        for name in ("since", "until"):
            moment = getattr(self, name)
            if moment is not None and moment.tzinfo is None:
                raise ReportWindowError(f"{name} {moment.isoformat()} has no offset")
        if self.since is not None and self.until is not None and self.since > self.until:
            raise ReportWindowError(
                f"since {self.since.isoformat()} is after until {self.until.isoformat()}: "
                "the window is empty"
            )

    def holds(self, at: datetime) -> bool:
        """Whether business time ``at`` is inside the window."""
        if self.since is not None and at < self.since:
            return False
        return self.until is None or at <= self.until

    def period(self, at: datetime) -> str:
        """The label of the period that ``at`` falls in."""
        return period_of(at, self.by)

    def as_dict(self) -> dict[str, str | None]:
        """The window as the report states it."""
        return {
            "since": None if self.since is None else self.since.isoformat(),
            "until": None if self.until is None else self.until.isoformat(),
            "by": self.by,
        }


def period_of(at: datetime, by: str) -> str:
    """``at``'s period label: ``2026-W11`` (ISO week) or ``2026-03`` (month), in UTC."""
    moment = at.astimezone(UTC)
    if by == "week":
        year, week, _ = moment.isocalendar()
        return f"{year}-W{week:02d}"
    return f"{moment.year}-{moment.month:02d}"


def _start(label: str, by: str) -> datetime:
    if by == "week":
        year, week = label.split("-W")
        return datetime.fromisocalendar(int(year), int(week), 1).replace(tzinfo=UTC)
    year, month = label.split("-")
    return datetime(int(year), int(month), 1, tzinfo=UTC)


def _next(label: str, by: str) -> str:
    start = _start(label, by)
    if by == "week":
        return period_of(start + timedelta(days=7), by)
    return period_of((start + timedelta(days=32)).replace(day=1), by)


def period_range(labels: Iterable[str], by: str) -> list[str]:
    """Every period from the earliest of ``labels`` to the latest, none skipped, so that
    a quiet period shows as a zero rather than vanishing from a trend."""
    present = sorted(set(labels))
    if not present:
        return []
    out = [present[0]]
    while out[-1] < present[-1]:
        out.append(_next(out[-1], by))
    return out


def parse_at(text: str) -> datetime:
    """A time the read model stores as ISO text (with its offset)."""
    return datetime.fromisoformat(text)


def hours_between(start: str, end: str) -> float:
    """Hours from one stored ISO time to another."""
    return (parse_at(end) - parse_at(start)).total_seconds() / 3600


def rounded(value: float | None, digits: int = DIGITS) -> float | None:
    """``value`` rounded for a report (None stays None; -0.0 becomes 0.0)."""
    if value is None:
        return None
    return round(value, digits) + 0.0


def shown(value: object, suffix: str = "") -> str:
    """A figure as the text and the HTML report both show it: a float to at most
    :data:`DIGITS` decimals, without trailing zeros; ``-`` for none; ``suffix`` after."""
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.{DIGITS}f}".rstrip("0").rstrip(".") + suffix
    return f"{value}{suffix}"


def band(report: dict[str, Any], metric: str, name: str) -> str:
    """A satisfaction band of ``report`` as the text and the HTML report show it: ``9-10``."""
    low, high = report["satisfaction"]["bands"][metric][name]
    return f"{low}-{high}"


def share(part: int, whole: int) -> float | None:
    """``part`` as a percentage of ``whole``, rounded; None when ``whole`` is 0."""
    return rounded(100.0 * part / whole) if whole else None


def percentile(ordered: Sequence[float], p: float) -> float | None:
    """The ``p``-th percentile of sorted values, interpolating linearly between the two
    nearest ranks (numpy's default, ``statistics.quantiles(method="inclusive")``); None
    for no values."""
    if not ordered:
        return None
    rank = (len(ordered) - 1) * p / 100
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


__all__ = [
    "DIGITS",
    "GROUPINGS",
    "Window",
    "hours_between",
    "parse_at",
    "percentile",
    "period_of",
    "period_range",
    "rounded",
    "share",
    "shown",
]
