"""Working calendars: a time zone, weekly working hours, the weekend and holidays.

A :class:`Calendar` answers which moments are working time and adds durations to a start:
calendar time (``h``, ``d``, ``w``) or working time (``bh`` business hours, ``bd`` business
days), optionally run to the end of the day (``eod``). All arithmetic is done in the
calendar's own zone, so a daylight-saving change does not move a due time by an hour. The
rules, with worked examples: docs/service-levels.md ("How a due time is computed").
Calendars are read from ``projections/calendars/*.toml`` by
:mod:`trustengine.scoring.calendar_files`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo

__all__ = ["OFFSET_CALENDAR", "WEEKDAYS", "Block", "Calendar", "Computation"]

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
"""Day names as the calendar files write them, in ``date.weekday()`` order."""
END_OF_DAY = time.max.replace(microsecond=0)
"""What ``eod`` shows as the end of a day that works to midnight: 23:59:59."""
_DAY = timedelta(days=1)


@dataclass(frozen=True)
class Block:
    """One stretch of working time in a day, ``start`` up to ``end`` (None: midnight)."""

    start: time
    end: time | None

    def on(self, day: date, zone: tzinfo | None) -> tuple[datetime, datetime]:
        """The block on ``day`` as two moments in ``zone``."""
        start = _local(day, self.start, zone)
        end = (
            _local(day + _DAY, time.min, zone) if self.end is None else _local(day, self.end, zone)
        )
        return start, end

    def __str__(self) -> str:
        end = "24:00" if self.end is None else f"{self.end:%H:%M}"
        return f"{self.start:%H:%M}-{end}"


@dataclass(frozen=True)
class Computation:
    """A due time and how it was reached, for the explanation item 7 of issue 14 asks."""

    due: datetime
    duration: str
    calendar: str
    working: bool
    skipped: tuple[tuple[date, str], ...] = ()
    end_of_day: bool = False
    zone: str = ""
    """Where the days are counted: an IANA zone, or empty for the offset the clock started in."""
    counted_from: datetime | None = None
    """Where working time was counted from, when the clock started outside it."""

    def text(self) -> str:
        """E.g. ``3 business days on UK (England and Wales) calendar: skips Mon 31 Aug 2026
        (Late Summer Bank Holiday) and 2 weekend days; due Wed 2 Sep 2026 23:59:59 +01:00
        (end of the working day)``."""
        where = f"{self.zone} time" if self.zone else "the offset the clock started in"
        if not self.working:
            parts = [f"{self.duration} of calendar time in {where}"]
        else:
            parts = [f"{self.duration} on {self.calendar} calendar"]
            if self.counted_from is not None:
                parts.append(f", counted from {_moment(self.counted_from)} (outside working time)")
        holidays = [f"{_day(d)} ({reason})" for d, reason in self.skipped if reason != "weekend"]
        weekend = sum(1 for _, reason in self.skipped if reason == "weekend")
        if weekend:
            holidays.append(f"{weekend} weekend day{'s' if weekend != 1 else ''}")
        if holidays:
            listed = ", ".join(holidays[:-1]) + (" and " if len(holidays) > 1 else "")
            parts.append(f": skips {listed}{holidays[-1]}")
        if self.end_of_day:
            end = " (end of the working day)" if self.working else " (end of the day)"
        else:
            end = ""
        parts.append(f"; due {_moment(self.due)}{end}")
        return "".join(parts)


@dataclass(frozen=True)
class Calendar:
    """Working time in one place: see docs/service-levels.md ("Calendars").

    ``zone`` None keeps the offset each clock started in (the engine's behaviour before
    calendars). ``is_holiday`` names the holiday of a date, or returns None.
    """

    name: str
    zone: ZoneInfo | None = None
    weekend: frozenset[int] = frozenset({WEEKDAYS.index("Sat"), WEEKDAYS.index("Sun")})
    hours: tuple[tuple[Block, ...], ...] = ((Block(time.min, None),),) * len(WEEKDAYS)
    holiday: Callable[[date], str | None] = field(default=lambda _day: None, compare=False)

    def day_off(self, day: date) -> str | None:
        """Why ``day`` has no working time (a holiday's name, or ``weekend``), else None."""
        name = self.holiday(day)
        if name is not None:
            return name
        if day.weekday() in self.weekend or not self.hours[day.weekday()]:
            return "weekend"
        return None

    def intervals(self, day: date, zone: tzinfo | None) -> list[tuple[datetime, datetime]]:
        """The working time of ``day``, in ``zone``."""
        if self.day_off(day) is not None:
            return []
        return [block.on(day, zone) for block in self.hours[day.weekday()]]

    def is_working(self, moment: datetime) -> bool:
        """Whether ``moment`` is in working time (a block's end counts as in it)."""
        local = self._in_zone(moment)
        zone = local.tzinfo
        for start, end in self.intervals(local.date(), zone):
            if start <= local <= end:
                return True
        # A block that runs to midnight ends at the next day's first moment.
        return any(end == local for _, end in self.intervals(local.date() - _DAY, zone))

    def add(
        self, start: datetime, amount: int, unit: str, *, end_of_day: bool = False
    ) -> Computation:
        """``amount`` of ``unit`` (``h``, ``d``, ``w``, ``bh``, ``bd``) after ``start``."""
        local = self._in_zone(start)
        label = _label(amount, unit)
        if unit in ("h", "d", "w"):
            due = _calendar_time(local, amount, unit)
            if end_of_day:
                due = _local(due.date(), END_OF_DAY, local.tzinfo)
            note = _clock_change(local, due)
            return Computation(due, label + note, self.name, False, (), end_of_day, self._zone)
        due, day = self._hours(local, amount) if unit == "bh" else self._days(local, amount)
        if end_of_day:
            due = self._end_of(day, local.tzinfo)
        skipped = tuple(
            (d, reason)
            for d in _dates(local.date(), due.date())
            if (reason := self.day_off(d)) is not None
        )
        begin = self.next_working(local)
        moved = begin if begin != local else None
        return Computation(due, label, self.name, True, skipped, end_of_day, self._zone, moved)

    @property
    def _zone(self) -> str:
        return self.zone.key if self.zone is not None else ""

    def next_working(self, moment: datetime) -> datetime:
        """``moment`` if it is inside a block (its end excluded), else the next block's start."""
        local = self._in_zone(moment)
        return next(max(start, local) for start, end in self._blocks_from(local) if end > local)

    def working_time(self, start: datetime, end: datetime) -> timedelta:
        """How much working time lies between ``start`` and ``end`` (a pause's length on
        this calendar: docs/service-levels.md, "Pauses")."""
        local, until = self._in_zone(start), self._in_zone(end)
        total = timedelta()
        for begin, stop in self._blocks_from(local):
            if begin >= until:
                return total
            if stop > local:
                total += _elapsed(max(begin, local), min(stop, until))
        raise AssertionError("unreachable: the blocks run on past any end")

    def add_working(self, start: datetime, amount: timedelta) -> datetime:
        """The moment ``amount`` of working time after ``start`` (a moved due time)."""
        local = self._in_zone(start)
        if amount <= timedelta():
            return local
        return self._walk(local, amount)[0]

    def _hours(self, local: datetime, hours: int) -> tuple[datetime, date]:
        return self._walk(local, timedelta(hours=hours))

    def _walk(self, local: datetime, amount: timedelta) -> tuple[datetime, date]:
        left = amount
        for start, end in self._blocks_from(local):
            # A block's end is still its working time for nothing more to add, so adding no
            # hours to a due that fell at the end of a shift leaves it there.
            if end < local or (end == local and left > timedelta()):
                continue
            begin = max(start, local)
            room = _elapsed(begin, end)
            if left <= room:
                return self._in_zone(begin.astimezone(UTC) + left, local.tzinfo), start.date()
            left -= room
        raise AssertionError("unreachable: a calendar always has working time ahead")

    def _days(self, local: datetime, days: int) -> tuple[datetime, date]:
        """Receipt outside working time counts from the next working moment; the due is on
        the ``days``-th working day after it, at the same time of day kept within that
        day's working hours."""
        begin = self.next_working(local)
        day = begin.date()
        for _ in range(days):
            day += _DAY
            while self.day_off(day) is not None:
                day += _DAY
        wall = _local(day, begin.time(), begin.tzinfo)
        blocks = self.intervals(day, begin.tzinfo)
        before = [min(wall, end) for start, end in blocks if start <= wall]
        return (before[-1] if before else blocks[0][0]), day

    def _end_of(self, day: date, zone: tzinfo | None) -> datetime:
        last = self.hours[day.weekday()][-1]
        return _local(day, END_OF_DAY if last.end is None else last.end, zone)

    def _blocks_from(self, local: datetime) -> Iterator[tuple[datetime, datetime]]:
        day = local.date() - _DAY  # yesterday's block may run to today's midnight
        while True:
            yield from self.intervals(day, local.tzinfo)
            day += _DAY

    def _in_zone(self, moment: datetime, zone: tzinfo | None = None) -> datetime:
        target = zone or self.zone
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return moment.astimezone(target) if target is not None else moment


OFFSET_CALENDAR = Calendar("Monday-to-Friday (no holidays)")
"""The calendar of a target that names none: every day Monday to Friday works all day, no
holidays, in the offset the clock started in (the engine's behaviour before calendars)."""


def _local(day: date, at: time, zone: tzinfo | None) -> datetime:
    """Wall time ``at`` on ``day`` in ``zone``; a time a clock change skips moves past it."""
    moment = datetime.combine(day, at, tzinfo=zone)
    if isinstance(zone, ZoneInfo):
        return moment.astimezone(UTC).astimezone(zone)
    return moment


def _calendar_time(local: datetime, amount: int, unit: str) -> datetime:
    if unit == "h":  # elapsed hours: eight hours are eight hours across a clock change
        return (local.astimezone(UTC) + timedelta(hours=amount)).astimezone(local.tzinfo)
    wall = local + (timedelta(days=amount) if unit == "d" else timedelta(weeks=amount))
    if isinstance(local.tzinfo, ZoneInfo):  # days and weeks keep the wall-clock time
        return wall.astimezone(UTC).astimezone(local.tzinfo)
    return wall


def _clock_change(start: datetime, due: datetime) -> str:
    before, after = start.utcoffset(), due.utcoffset()
    if before == after or before is None or after is None:
        return ""
    return f" (across a clock change, {_offset(start)} to {_offset(due)})"


_OFFSETS: dict[timedelta | None, str] = {}
"""A UTC offset -> how ``isoformat`` writes it (a handful of offsets: one format each)."""


def _offset(moment: datetime) -> str:
    # The text ``isoformat`` appends depends on the offset alone, so it is worked out
    # once per offset (a due-time explanation writes two or three per clock started).
    key = moment.utcoffset()
    found = _OFFSETS.get(key)
    if found is None:
        found = moment.isoformat()[len(moment.replace(tzinfo=None).isoformat()) :]
        if len(_OFFSETS) >= 1024:
            _OFFSETS.clear()  # bounded, whatever odd offsets a store holds
        _OFFSETS[key] = found
    return found


def _elapsed(start: datetime, end: datetime) -> timedelta:
    return end.astimezone(UTC) - start.astimezone(UTC)


def _dates(first: date, last: date) -> Iterator[date]:
    day = first
    while day <= last:
        yield day
        day += _DAY


_UNIT_NAMES = {
    "h": "hour",
    "d": "calendar day",
    "w": "week",
    "bh": "business hour",
    "bd": "business day",
}


def _label(amount: int, unit: str) -> str:
    return f"{amount} {_UNIT_NAMES[unit]}{'s' if amount != 1 else ''}"


@lru_cache(maxsize=4096, typed=True)
def _day(day: date) -> str:
    # Cached: clocks started in the same weeks name the same days (``strftime`` is the
    # cost), and a day's name never changes.
    return f"{WEEKDAYS[day.weekday()]} {day.day} {day:%b %Y}"


def _moment(moment: datetime) -> str:
    offset = _offset(moment)
    # ``%H:%M:%S`` written without ``strftime`` (the same zero-padded digits).
    clock = f"{moment.hour:02d}:{moment.minute:02d}:{moment.second:02d}"
    return f"{_day(moment.date())} {clock}" + (f" {offset}" if offset else "")
