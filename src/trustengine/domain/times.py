"""Parsing the times people type: ISO 8601 with an offset, or a plain date."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta

from trustengine.domain.jalali import Calendar, gregorian_text, looks_jalali
from trustengine.domain.quoting import quoted
from trustengine.exceptions import InvalidTimeError

ISO_INSTANT = (
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}(:[0-9]{2}([.][0-9]+)?)?"
    r"([Zz]|[+-][0-9]{2}:?[0-9]{2})?$"
)
"""The shape of a time in an event (the offset is checked apart, to say it is missing):
``YYYY-MM-DDTHH:MM[:SS[.fraction]]`` then ``Z`` or ``+HH:MM`` (also ``+HHMM``). Written
for both Python's ``re`` and JSON Schema's ECMA-262 patterns."""
_ISO_INSTANT = re.compile(ISO_INSTANT)
PATTERN_END = r"(?![\s\S])"
"""The end of the text in a JSON Schema pattern. Not ``$``: validators in Python (which
use ``re.search``) let ``$`` match before a final newline, ECMA-262 does not."""
ISO_INSTANT_WITH_OFFSET = ISO_INSTANT.removesuffix("?$") + PATTERN_END
""":data:`ISO_INSTANT` with the offset required: the whole rule, for JSON Schema."""


def instant_problem(text: str) -> str | None:
    """What keeps ``text`` from being an event time, or None: a number (``1772355600``,
    which pydantic would read as Unix seconds) or any other shape is not one, and neither
    is a time without an offset. Whether the date exists is left to the parser."""
    match = _ISO_INSTANT.fullmatch(text)
    if match is None:
        return "a time must be ISO 8601 with an offset, e.g. 2026-03-01T09:00:00+00:00"
    if match.group(3) is None:
        return "a time needs an offset, e.g. +00:00 or Z"
    return None


_DURATION = re.compile(r"([0-9]{1,6})([dhms]?)")
_UNITS = {"d": "days", "h": "hours", "m": "minutes", "s": "seconds", "": "seconds"}


def parse_duration(text: str) -> timedelta:
    """``1d``, ``12h``, ``90m``, ``30s`` or ``0`` as a duration; ValueError otherwise."""
    match = _DURATION.fullmatch(text.strip())
    if match is None:
        raise ValueError(f"{text!r} is not a duration: give e.g. 1d, 12h, 90m or 0")
    number, unit = match.groups()
    return timedelta(**{_UNITS[unit]: int(number)})


def parse_time(text: str, *, end_of_day: bool = True, calendar: Calendar = "gregorian") -> datetime:
    """``2026-03-01T09:00:00+00:00`` as given; a bare date ``2026-03-01`` as the end of
    that day in UTC (``end_of_day``), so "as of a date" includes the whole day.

    With ``calendar="jalali"`` the date part is a Jalali date (``1404-12-10``, which is
    2026-03-01). Without it, a Jalali-looking year (1300-1500) is refused, not misread.
    """
    value = text.strip()
    if calendar == "jalali":
        value = gregorian_text(value)
    elif looks_jalali(value):
        raise InvalidTimeError(
            f"{quoted(text)} looks like a Jalali date (year {value[:4]}): give "
            "--calendar jalali (or TRUSTENGINE_CALENDAR=jalali), or a Gregorian date"
        )
    try:
        if len(value) == 10:
            day = date.fromisoformat(value)
            moment = time.max if end_of_day else time.min
            return datetime.combine(day, moment, tzinfo=UTC)
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidTimeError(
            f"{quoted(text)} is not a time: use ISO 8601 with an offset, "
            "e.g. 2026-03-01T09:00:00+00:00"
        ) from None
    if parsed.tzinfo is None:
        raise InvalidTimeError(f"{quoted(text)} has no offset: add one, e.g. +00:00 or Z")
    return parsed


__all__ = [
    "ISO_INSTANT",
    "ISO_INSTANT_WITH_OFFSET",
    "PATTERN_END",
    "instant_problem",
    "parse_time",
]
