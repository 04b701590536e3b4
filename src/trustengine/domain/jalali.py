"""Dates in the Jalali (Solar Hijri) calendar, for people who read and type them.

The store keeps ISO 8601 Gregorian times; only what people read (tables, text, HTML) and
type (``--as-of 1404-12-10``) may be Jalali, chosen with ``--calendar jalali`` (or
``$TRUSTENGINE_CALENDAR``). Conversion is ``jdatetime``'s. A Jalali-looking year (1300 to
1500) typed without the option is refused rather than read as a Gregorian year: see
docs/service-levels.md, "Jalali dates".
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime
from typing import Any, Literal

import jdatetime

from trustengine.exceptions import InvalidTimeError

Calendar = Literal["gregorian", "jalali"]
CALENDARS: tuple[Calendar, ...] = ("gregorian", "jalali")
JALALI_YEARS = range(1300, 1501)
"""Years that are Jalali years of our era (1300 AP is 1921): typed as Gregorian, a mistake."""

_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?=$|[Tt ])")


def to_gregorian(year: int, month: int, day: int) -> date:
    """The Gregorian date of Jalali ``year-month-day``; InvalidTimeError if there is none."""
    try:
        gregorian: date = jdatetime.date(year, month, day).togregorian()
    except ValueError as error:
        raise InvalidTimeError(
            f"{year:04d}-{month:02d}-{day:02d} is not a Jalali date: {error}"
        ) from None
    return gregorian


def gregorian_text(text: str) -> str:
    """``text`` (``YYYY-MM-DD`` or an ISO time) with its Jalali date part made Gregorian;
    the time of day and the offset are kept as typed."""
    match = _DATE.match(text.strip())
    if match is None:
        raise InvalidTimeError(f"{text!r} is not a Jalali date: use e.g. 1404-12-10")
    day = to_gregorian(int(match[1]), int(match[2]), int(match[3]))
    return day.isoformat() + text.strip()[10:]


def jalali_text(text: str) -> str:
    """An ISO date or time (as the store writes it) with its date part in the Jalali
    calendar, the rest unchanged; any other text as it is."""
    match = _DATE.match(text)
    if match is None:
        return text
    try:
        moment = date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return text
    jalali = jdatetime.date.fromgregorian(date=moment)
    return f"{jalali.year:04d}-{jalali.month:02d}-{jalali.day:02d}" + text[10:]


def looks_jalali(text: str) -> bool:
    """Whether ``text`` starts with a date whose year is a Jalali year of our era."""
    match = _DATE.match(text.strip())
    return match is not None and int(match[1]) in JALALI_YEARS


def shown_date(value: date | datetime, calendar: Calendar) -> str:
    """A date or time as ISO text, its date part in ``calendar``."""
    text = value.isoformat()
    return jalali_text(text) if calendar == "jalali" else text


_DATES: ContextVar[Calendar] = ContextVar("trustengine_html_dates", default="gregorian")
_WHOLE_DATE = re.compile(r"\d{4}-\d\d-\d\d")
_INSTANT = re.compile(r"\d{4}-\d\d-\d\d[Tt ]\d\d:\d\d(:\d\d(\.\d+)?)?([Zz]|[+-]\d\d:?\d\d)")


@contextmanager
def dates_in(calendar: Calendar) -> Iterator[None]:
    """Show the whole dates and times of dates shown inside (tables, text and HTML) in ``calendar``
    (``--calendar jalali``); the data, charts' positions and JSON stay Gregorian."""
    token = _DATES.set(calendar)
    try:
        yield
    finally:
        _DATES.reset(token)


def is_whole_time(text: str) -> bool:
    """Whether ``text`` is a whole ISO date, or a time with its offset (as the store writes
    them), not a sentence that starts with one."""
    return _WHOLE_DATE.fullmatch(text) is not None or _INSTANT.fullmatch(text) is not None


def shown_time(value: Any) -> Any:
    """``value`` as a reader sees it: a whole ISO date or time in the calendar of
    :func:`dates_in`; anything else (a sentence that starts with a date too) as it is."""
    if _DATES.get() != "jalali" or not isinstance(value, str):
        return value
    if is_whole_time(value):
        return jalali_text(value)
    return value


__all__ = [
    "CALENDARS",
    "JALALI_YEARS",
    "Calendar",
    "dates_in",
    "gregorian_text",
    "is_whole_time",
    "jalali_text",
    "looks_jalali",
    "shown_date",
    "shown_time",
    "to_gregorian",
]
