"""Parsing the times people type: ISO 8601 with an offset, or a plain date."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from trustengine.exceptions import InvalidTimeError
from trustengine.quoting import quoted


def parse_time(text: str, *, end_of_day: bool = True) -> datetime:
    """``2026-03-01T09:00:00+00:00`` as given; a bare date ``2026-03-01`` as the end of
    that day in UTC (``end_of_day``), so "as of a date" includes the whole day.
    """
    value = text.strip()
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
