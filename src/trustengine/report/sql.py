"""The report's business times in SQL: which stored times are in the window, their
period's day, and exact spans between them, computed by SQLite where that is exact.

The read model stores times as ISO text with an offset (``datetime.isoformat``). For
such a text of the plain shape ``YYYY-MM-DDTHH:MM:SS[.ffffff]+HH:MM`` (25 or 32
characters, years 1000-9998), SQLite's date functions give exactly what Python gives:
its UTC day (``date(x)``) and its whole seconds since the epoch, to which the six digits
of microseconds are added as integers, so window bounds and spans are compared to the
microsecond, as :meth:`~trustengine.report.window.Window.holds` compares them. Any other
value (an offset with seconds, a year of three digits, no offset, not a time at all), and
a plain one SQLite cannot read (an offset beyond 14 hours), is handed to Python functions
registered on the connection, which parse it as the figures always have
(:func:`~trustengine.report.window.parse_at`); what they raise (an unreadable time) is
raised again after the query, unchanged. The shape is checked, not the calendar: a
plain text naming a day that does not exist (which ``isoformat`` never writes) is taken
as SQLite reads it. A window open at both ends asks nothing of a time but its period.

By month, SQLite gives the period itself (``2026-03``, the first seven characters of the
UTC day); by week, the day, rolled up into its ISO week in Python (:meth:`TimeSql.label`),
since SQLite 3.40 has no ISO week. A value handed to Python gets its period label
straight away; a label is at most 8 characters, a day 10.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, timedelta
from functools import cache
from typing import Any

import sqlite_utils

from trustengine.report.window import Window, parse_at, period_of
from trustengine.scoring.history import days_late

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MICROSECOND = timedelta(microseconds=1)
DAY_LENGTH = 10
"""``YYYY-MM-DD``: longer than any period label (``2026-W11``, ``2026-03``)."""

_HOLDS, _KEY, _SPAN, _LATE = "report_holds", "report_key", "report_span", "report_late"


def plain(x: str) -> str:
    """SQL: whether ``x`` is ISO text SQLite reads as Python does: ``isoformat`` of a
    time in the years 1000-9998 with an offset in hours and minutes (25 characters, or
    32 with microseconds)."""
    return f"(typeof({x}) = 'text' AND length({x}) IN (25, 32) AND {x} >= '1000' AND {x} < '9999')"


def _whole(x: str) -> str:
    return f"(CASE WHEN length({x}) = 25 THEN {x} ELSE substr({x}, 1, 19) || substr({x}, -6) END)"


def _fraction(x: str) -> str:
    return f"(CASE WHEN length({x}) = 25 THEN 0 ELSE CAST(substr({x}, 21, 6) AS INTEGER) END)"


# SQLite's julianday() counts whole milliseconds in a double: the error of one (under
# 60 us for any year to 9998) is far below the half second that rounding to whole
# seconds forgives, so the seconds are exact; the microseconds are added as digits.


def micros(x: str) -> str:
    """SQL: microseconds since the epoch of a plain time ``x`` (exact, an integer)."""
    return (
        f"(CAST(round((julianday({_whole(x)}) - 2440587.5) * 86400) AS INTEGER) * 1000000 "
        f"+ {_fraction(x)})"
    )


def between(start: str, end: str) -> str:
    """SQL: microseconds from plain time ``start`` to plain time ``end`` (exact)."""
    return (
        f"(CAST(round((julianday({_whole(end)}) - julianday({_whole(start)})) * 86400) "
        f"AS INTEGER) * 1000000 + {_fraction(end)} - {_fraction(start)})"
    )


def truthy(x: str) -> str:
    """SQL: whether the stored value ``x`` is true as Python's ``bool`` takes it."""
    return (
        f"(CASE typeof({x}) WHEN 'null' THEN 0 WHEN 'integer' THEN {x} <> 0 "
        f"WHEN 'real' THEN {x} <> 0 ELSE length({x}) > 0 END)"
    )


def _micros_of(moment: datetime) -> int:
    return (moment - EPOCH) // MICROSECOND


def _utc_day(moment: datetime) -> str | None:
    try:
        return moment.astimezone(UTC).date().isoformat()
    except (OverflowError, ValueError):
        return None


class TimeSql:
    """SQL for the times of one report's window over one read-model database.

    Use it as a context manager: inside, the Python functions its SQL calls are
    registered on the connection (and removed again on the way out); build queries with
    its methods and run them with :meth:`rows`.
    """

    def __init__(self, db: sqlite_utils.Database, window: Window, late_after: timedelta) -> None:
        self.db = db
        self.window = window
        self._late_after = late_after
        self._failure: BaseException | None = None
        self.label = cache(self._label)
        """The period label of a key from :meth:`key` (a day, or already a label)."""

    def _functions(self) -> dict[tuple[str, int], Callable[..., Any]]:
        return {
            (_HOLDS, 1): self._py_holds,
            (_KEY, 1): self._py_key,
            (_SPAN, 2): self._py_span,
            (_LATE, 3): self._py_late,
        }

    def __enter__(self) -> TimeSql:
        for (name, arity), function in self._functions().items():
            self.db.conn.create_function(name, arity, self._guard(function), deterministic=True)
        return self

    def __exit__(self, *_: object) -> None:
        for name, arity in self._functions():
            self.db.conn.create_function(name, arity, None)

    # --- the expressions ------------------------------------------------------------

    def holds(self, x: str) -> str:
        """SQL: whether the stored time ``x`` is inside the window. A window open at both
        ends holds every time, read or not (what cannot be read fails where its period
        is asked for)."""
        tests = []
        since, until = self.window.since, self.window.until
        if since is not None:
            tests.append(self._bound(x, ">", _micros_of(since), _utc_day(since)))
        if until is not None:
            tests.append(self._bound(x, "<", _micros_of(until), _utc_day(until)))
        if not tests:
            return "1"
        fast = " AND ".join(tests)
        return f"(CASE WHEN {plain(x)} THEN COALESCE({fast}, {_HOLDS}({x})) ELSE {_HOLDS}({x}) END)"

    def _bound(self, x: str, side: str, exact: int, day: str | None) -> str:
        equal = f"{micros(x)} {side}= {exact}"
        if day is None:
            return f"({equal})"
        return f"(date({x}) {side} '{day}' OR (date({x}) = '{day}' AND {equal}))"

    def key(self, x: str) -> str:
        """SQL: the UTC day of the stored time ``x`` (its month, when the report is by
        month), or (a value Python reads) its period label."""
        day = f"substr(date({x}), 1, 7)" if self.window.by == "month" else f"date({x})"
        return f"(CASE WHEN {plain(x)} THEN COALESCE({day}, {_KEY}({x})) ELSE {_KEY}({x}) END)"

    def day(self, x: str) -> str:
        """SQL: the UTC day of the stored time ``x`` if it is plain and SQLite reads it,
        else NULL (then :meth:`odd_key` gives its period)."""
        return f"(CASE WHEN {plain(x)} THEN date({x}) END)"

    def odd_key(self, x: str) -> str:
        """SQL: the period label of the stored time ``x`` if :meth:`day` has none for it
        (from Python), else NULL."""
        return f"(CASE WHEN {plain(x)} AND date({x}) IS NOT NULL THEN NULL ELSE {_KEY}({x}) END)"

    def span(self, start: str, end: str) -> str:
        """SQL: microseconds from stored time ``start`` to ``end``."""
        return (
            f"(CASE WHEN {plain(start)} AND {plain(end)} THEN COALESCE("
            f"{between(start, end)}, {_SPAN}({start}, {end})) "
            f"ELSE {_SPAN}({start}, {end}) END)"
        )

    def late(self, at: str, recorded_at: str, late_entry: str) -> str:
        """SQL: whether an event entered late was recorded more than the policy's
        ``late_entry_hours`` after its business time
        (:func:`~trustengine.scoring.history.days_late`)."""
        after = self._late_after // MICROSECOND
        return (
            f"(CASE WHEN NOT {truthy(late_entry)} THEN 0 "
            f"WHEN {plain(at)} AND {plain(recorded_at)} "
            f"THEN COALESCE({between(at, recorded_at)} > {after}, "
            f"{_LATE}({at}, {recorded_at}, {late_entry})) "
            f"ELSE {_LATE}({at}, {recorded_at}, {late_entry}) END)"
        )

    def add_bounds(self, periods: set[str], x: str, source: str, found: tuple[Any, ...]) -> None:
        """Add to ``periods`` those of the earliest and latest plain time (``found``:
        their days, how many there were, how many times in all) of column ``x`` of
        ``source``; when some time was not plain, add the period of each such time, from
        Python: the range of periods a report shows runs from the earliest to the latest,
        so these are enough."""
        first, last, plain_times, times = found
        if first is not None:
            periods.update((self.label(first), self.label(last)))
        if plain_times != times:
            rows = self.rows(f"SELECT DISTINCT {self.odd_key(x)} FROM {source}")  # noqa: S608 - built from constants
            periods.update(self.label(key) for (key,) in rows if key is not None)

    # --- running them ---------------------------------------------------------------

    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Every row of ``sql``; what a Python function raised on a value, raised again."""
        self._failure = None
        try:
            found = self.db.execute(sql, params).fetchall()
        except Exception:
            if self._failure is not None:
                raise self._failure from None
            raise
        if self._failure is not None:
            raise self._failure
        return found

    def _guard(self, function: Callable[..., Any]) -> Callable[..., Any]:
        def guarded(*args: Any) -> Any:
            try:
                return function(*args)
            except Exception as error:
                if self._failure is None:
                    self._failure = error
                raise

        return guarded

    # --- the Python side, for the values SQLite is not trusted with -------------------

    def _py_holds(self, text: Any) -> int:
        return int(self.window.holds(parse_at(text)))

    def _py_key(self, text: Any) -> str:
        return self.window.period(parse_at(text))

    @staticmethod
    def _py_span(start: Any, end: Any) -> int:
        return (parse_at(end) - parse_at(start)) // MICROSECOND

    def _py_late(self, at: Any, recorded_at: Any, late_entry: Any) -> int:
        found = days_late(
            parse_at(at), parse_at(recorded_at), self._late_after, late_entry=bool(late_entry)
        )
        return int(found is not None)

    def _label(self, key: str) -> str:
        if len(key) != DAY_LENGTH:
            return key
        day = date.fromisoformat(key)
        return period_of(datetime(day.year, day.month, day.day, tzinfo=UTC), self.window.by)


__all__ = ["TimeSql", "between", "micros", "plain", "truthy"]
