"""Reading the times helpdesk and regulator exports give, and saying how precise they are.

Every produced event states in ``source.time`` how precise its ``at`` is (issue 15, item 1;
docs/importing.md, "Times"): ``exact`` when the source gives the moment, ``day`` when it
gives only a date (``at`` is then the start of that day in the adapter's time zone), and
``bound`` when it gives only a latest moment (``at`` is that moment: the fact happened at
or before it). A time is never made up silently.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Literal

Precision = Literal["exact", "day", "bound"]

_US_DATE = re.compile(r"([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})")
_DIGITS = re.compile(r"-?[0-9]{1,12}(\.[0-9]+)?")


class SourceTimeError(ValueError):
    """Raised when a source's time cannot be read; the adapter names the row and field."""


def exact_time(text: object, *, zone: tzinfo = UTC) -> datetime:
    """An ISO 8601 date and time (``2009-07-20T22:55:29Z``); one without an offset is
    read in ``zone``, as the source's documentation says its times are."""
    if not isinstance(text, str) or not text.strip():
        raise SourceTimeError(f"{_shown(text)} is not a date and time")
    value = text.strip()
    if value.endswith(("z", "Z")):
        value = value[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise SourceTimeError(f"{_shown(text)} is not an ISO 8601 date and time") from None
    if len(value) <= 10:
        raise SourceTimeError(f"{_shown(text)} is a date without a time")
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=zone)


def unix_time(value: object) -> datetime:
    """Seconds since 1970 (a number, or digits as text)."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise SourceTimeError(f"{_shown(value)} is not a Unix time")
    if isinstance(value, str) and _DIGITS.fullmatch(value.strip()) is None:
        raise SourceTimeError(f"{_shown(value)} is not a Unix time")
    try:
        return datetime.fromtimestamp(float(value), tz=UTC)
    except (OverflowError, OSError, ValueError):
        raise SourceTimeError(f"{_shown(value)} is out of range for a Unix time") from None


def day_of(text: object) -> date:
    """A date alone: ``2023-08-25`` (a time of midnight after it is taken too) or the US
    form ``08/25/2023``."""
    if not isinstance(text, str) or not text.strip():
        raise SourceTimeError(f"{_shown(text)} is not a date")
    value = text.strip()
    us = _US_DATE.fullmatch(value)
    try:
        if us is not None:
            return date(int(us.group(3)), int(us.group(1)), int(us.group(2)))
        if len(value) == 10 or (len(value) > 10 and value[10] in "T "):
            return date.fromisoformat(value[:10])
    except ValueError:
        pass
    raise SourceTimeError(f"{_shown(text)} is not a date (YYYY-MM-DD or MM/DD/YYYY)")


def start_of(day: date, zone: tzinfo = UTC) -> datetime:
    """The first moment of ``day`` in ``zone``: the ``at`` of a ``day``-precise fact."""
    return datetime.combine(day, time.min, tzinfo=zone)


def end_of(day: date, zone: tzinfo = UTC) -> datetime:
    """The last whole second of ``day`` in ``zone``: an upper bound that includes the day."""
    return datetime.combine(day, time(23, 59, 59), tzinfo=zone)


def days_after(day: date, days: int) -> date:
    """The date ``days`` calendar days after ``day``."""
    return day + timedelta(days=days)


def iso(moment: datetime) -> str:
    """The contract's form of a time: ISO 8601 with its offset."""
    return moment.isoformat()


def sort_key(moment: datetime) -> str:
    """Text that sorts as the moments do, whatever their offsets."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")


def _shown(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


__all__ = [
    "Precision",
    "SourceTimeError",
    "day_of",
    "days_after",
    "end_of",
    "exact_time",
    "iso",
    "sort_key",
    "start_of",
    "unix_time",
]
