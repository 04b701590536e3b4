"""Properties of calendar arithmetic for any start: working-time results land in working
time, later starts are never due earlier, business hours add up, and a policy that names
no calendar computes what the engine computed before calendars."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from trustengine.scoring.calendar_files import load_calendar
from trustengine.scoring.calendars import OFFSET_CALENDAR, Block, Calendar
from trustengine.scoring.sla import Duration

SPLIT = Calendar(
    "split shifts",
    ZoneInfo("Europe/London"),
    frozenset({5, 6}),
    ((Block(time(9), time(12, 30)), Block(time(13, 30), time(17))),) * 5 + ((), ()),
    lambda day: "Boxing Day" if (day.month, day.day) == (12, 26) else None,
)
CALENDARS = [SPLIT, load_calendar("uk-england-wales"), load_calendar("ir-tehran")]

starts = st.datetimes(
    min_value=datetime(2026, 1, 1), max_value=datetime(2028, 12, 31), timezones=st.just(UTC)
)
calendars = st.sampled_from(CALENDARS)
working = st.builds(
    Duration,
    st.integers(min_value=0, max_value=60),
    st.sampled_from(["bh", "bd"]),
    st.booleans(),
)


def utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


@settings(max_examples=300, deadline=None)
@given(calendars, starts, working)
def test_working_time_results_land_in_working_time(
    calendar: Calendar, start: datetime, duration: Duration
) -> None:
    due = duration.after(start, calendar)

    assert calendar.is_working(due)
    # eod shows a day that works to midnight as ending at 23:59:59, a second early.
    assert utc(due) >= utc(start) - timedelta(seconds=1)


@settings(max_examples=300, deadline=None)
@given(calendars, starts, starts, working)
def test_a_later_start_is_never_due_earlier(
    calendar: Calendar, first: datetime, second: datetime, duration: Duration
) -> None:
    early, late = sorted((first, second))

    assert utc(duration.after(early, calendar)) <= utc(duration.after(late, calendar))


@settings(max_examples=200, deadline=None)
@given(calendars, starts, st.integers(0, 40), st.integers(0, 40))
def test_business_hours_add_up(calendar: Calendar, start: datetime, a: int, b: int) -> None:
    stepwise = Duration(b, "bh").after(Duration(a, "bh").after(start, calendar), calendar)

    assert utc(stepwise) == utc(Duration(a + b, "bh").after(start, calendar))


def old_after(duration: Duration, start: datetime) -> datetime:
    """The engine's arithmetic before calendars, for comparison."""
    if duration.unit in ("h", "d", "w"):
        unit = {"h": "hours", "d": "days", "w": "weeks"}[duration.unit]
        due = start + timedelta(**{unit: duration.amount})
    else:
        due, left = start, duration.amount
        while left:
            due += timedelta(days=1)
            if due.weekday() < 5:
                left -= 1
    if duration.end_of_day:
        due = datetime.combine(due.date(), time(23, 59, 59), tzinfo=due.tzinfo)
    return due


@settings(max_examples=300, deadline=None)
@given(
    st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2028, 12, 31)),
    st.integers(min_value=-12, max_value=14),
    st.builds(
        Duration,
        st.integers(min_value=0, max_value=60),
        st.sampled_from(["h", "d", "w", "bd"]),
        st.booleans(),
    ),
)
def test_without_a_calendar_weekday_starts_are_due_as_before(
    wall: datetime, hours: int, duration: Duration
) -> None:
    start = wall.replace(tzinfo=timezone(timedelta(hours=hours)))
    if duration.unit == "bd" and start.weekday() >= 5:
        return  # a weekend receipt now counts from Monday (docs/service-levels.md)

    assert duration.after(start) == old_after(duration, start)
    assert (
        duration.after(start, OFFSET_CALENDAR).isoformat() == old_after(duration, start).isoformat()
    )


def test_the_split_calendar_used_above_has_boxing_day_off() -> None:
    assert SPLIT.day_off(date(2026, 12, 26)) == "Boxing Day"
    assert SPLIT.day_off(date(2026, 12, 27)) == "weekend"
