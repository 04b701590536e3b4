"""Jalali dates people type and read, against dates worked out from the calendar."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from trustengine.domain.jalali import (
    dates_in,
    gregorian_text,
    jalali_text,
    shown_time,
    to_gregorian,
)
from trustengine.domain.times import parse_time
from trustengine.exceptions import InvalidTimeError


@pytest.mark.parametrize(
    ("jalali", "gregorian"),
    [
        ((1404, 12, 10), date(2026, 3, 1)),
        ((1405, 1, 1), date(2026, 3, 21)),  # Nowruz 1405
        ((1404, 1, 1), date(2025, 3, 21)),  # Nowruz 1404
        ((1403, 12, 30), date(2025, 3, 20)),  # 1403 is a leap year: Esfand has 30 days
        ((1348, 10, 11), date(1970, 1, 1)),
    ],
)
def test_a_jalali_date_is_the_gregorian_day_it_names(
    jalali: tuple[int, int, int], gregorian: date
) -> None:
    assert to_gregorian(*jalali) == gregorian
    assert jalali_text(gregorian.isoformat()) == "{:04d}-{:02d}-{:02d}".format(*jalali)


def test_a_day_the_jalali_calendar_does_not_have_is_refused() -> None:
    with pytest.raises(InvalidTimeError, match="1404-12-30 is not a Jalali date"):
        to_gregorian(1404, 12, 30)  # 1404 is not a leap year


def test_a_jalali_time_keeps_its_time_of_day_and_offset() -> None:
    assert gregorian_text("1404-12-10T09:30:00+03:30") == "2026-03-01T09:30:00+03:30"
    assert jalali_text("2026-03-01T09:30:00+03:30") == "1404-12-10T09:30:00+03:30"


def test_a_jalali_date_typed_as_of_is_the_end_of_that_day() -> None:
    assert parse_time("1404-12-10", calendar="jalali") == datetime(
        2026, 3, 1, 23, 59, 59, 999999, tzinfo=UTC
    )
    assert parse_time("1404-12-10", calendar="jalali", end_of_day=False) == datetime(
        2026, 3, 1, tzinfo=UTC
    )


@pytest.mark.parametrize("text", ["1404-12-10", "1405-01-01T09:00:00+03:30", "1300-01-01"])
def test_a_jalali_looking_date_typed_without_the_option_is_an_error(text: str) -> None:
    with pytest.raises(InvalidTimeError, match=r"looks like a Jalali date.*--calendar jalali"):
        parse_time(text)


def test_only_whole_dates_and_times_are_shown_in_jalali() -> None:
    with dates_in("jalali"):
        assert shown_time("2026-03-21") == "1405-01-01"
        assert shown_time("2026-03-21T08:00:00+00:00") == "1405-01-01T08:00:00+00:00"
        assert shown_time("2026-03-21 was Nowruz") == "2026-03-21 was Nowruz"
        assert shown_time(42) == 42
    assert shown_time("2026-03-21") == "2026-03-21"


@given(st.dates(min_value=date(1970, 1, 1), max_value=date(2200, 12, 31)))
def test_every_gregorian_day_goes_to_jalali_and_back_unchanged(day: date) -> None:
    assert gregorian_text(jalali_text(day.isoformat())) == day.isoformat()


@given(st.dates(min_value=date(1970, 1, 1), max_value=date(2200, 12, 30)))
def test_the_next_gregorian_day_is_the_next_jalali_day(day: date) -> None:
    today, tomorrow = jalali_text(day.isoformat()), jalali_text((day + timedelta(1)).isoformat())

    assert today < tomorrow  # the text order is the time order, as in ISO
