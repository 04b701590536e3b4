"""Calendar and SLA policy files: hours, weekend, added and removed dates, and the errors
a bad file gets (each naming the file and the setting)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from trustengine.exceptions import PolicyError
from trustengine.scoring.calendar_files import load_calendar
from trustengine.scoring.sla import Duration, load_sla_policy

LONDON = ZoneInfo("Europe/London")
SPLIT = """
name = "Split-shift desk"
zone = "Europe/London"
weekend = ["Sat", "Sun"]
[hours]
default = ["09:00-12:30", "13:30-17:00"]
[holidays]
country = "GB"
subdivision = "ENG"
"""


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / f"{name}.toml"
    path.write_text(text, encoding="utf-8")
    return str(path)


@pytest.fixture
def split(tmp_path: Path) -> str:
    return write(tmp_path, "split", SPLIT)


def test_business_hours_on_a_split_shift_skip_lunch_and_the_bank_holiday(split: str) -> None:
    # Fri 28 Aug 11:00: 1.5 h to 12:30, 3.5 h from 13:30 to 17:00 (5 h); Mon 31 Aug is a
    # bank holiday; Tue 1 Sep 09:00 + 3 h = 12:00.
    desk = load_calendar(split)
    start = datetime(2026, 8, 28, 11, tzinfo=LONDON)

    assert Duration.parse("8bh").after(start, desk) == datetime(2026, 9, 1, 12, tzinfo=LONDON)
    assert Duration.parse("8bh eod").after(start, desk) == datetime(2026, 9, 1, 17, tzinfo=LONDON)


def test_an_hour_started_at_lunch_runs_from_the_afternoon_shift(split: str) -> None:
    desk = load_calendar(split)

    lunch = Duration.parse("1bh").after(datetime(2026, 9, 1, 12, 45, tzinfo=LONDON), desk)
    before = Duration.parse("1bh").after(datetime(2026, 9, 1, 12, tzinfo=LONDON), desk)
    to_the_end = Duration.parse("1bh").after(datetime(2026, 9, 1, 11, 30, tzinfo=LONDON), desk)

    assert lunch == datetime(2026, 9, 1, 14, 30, tzinfo=LONDON)
    assert before == datetime(2026, 9, 1, 14, tzinfo=LONDON)
    assert to_the_end == datetime(2026, 9, 1, 12, 30, tzinfo=LONDON)


def test_a_business_day_keeps_the_time_of_day_within_that_days_hours(split: str) -> None:
    desk = load_calendar(split)

    at_lunch = Duration.parse("1bd").after(datetime(2026, 9, 1, 12, 45, tzinfo=LONDON), desk)
    evening = Duration.parse("1bd").after(datetime(2026, 9, 1, 18, tzinfo=LONDON), desk)

    assert at_lunch == datetime(2026, 9, 2, 13, 30, tzinfo=LONDON)  # counted from 13:30
    assert evening == datetime(2026, 9, 3, 9, tzinfo=LONDON)  # counted from Wed 09:00


def test_removed_and_extra_dates_override_the_package(tmp_path: Path) -> None:
    # Thu 27 Aug + 3bd eod is Wed 2 Sep with the bank holiday (see test_calendar_dates).
    start = datetime(2026, 8, 27, 10, tzinfo=LONDON)
    removed = load_calendar(write(tmp_path, "removed", SPLIT + 'removed = ["2026-08-31"]\n'))
    extra = load_calendar(write(tmp_path, "extra", SPLIT + 'extra = { "2026-09-02" = "Strike" }\n'))

    assert Duration.parse("3bd eod").after(start, removed) == datetime(
        2026, 9, 1, 17, tzinfo=LONDON
    )
    assert Duration.parse("3bd eod").after(start, extra) == datetime(2026, 9, 3, 17, tzinfo=LONDON)
    assert extra.day_off(datetime(2026, 9, 2).date()) == "Strike"


def test_a_target_can_name_a_calendar_and_a_customer_can_choose_one(
    tmp_path: Path, split: str
) -> None:
    policy = load_sla_policy(
        write(
            tmp_path,
            "sla-desk",
            'version = "sla-desk"\ncalendar = "uk-england-wales"\n'
            f'[calendars]\ndesk = "{split}"\n'
            '[tier_calendars]\nvip = "ir-tehran"\n'
            f'[first_response]\nstandard = {{ target = "8bh", calendar = "{split}" }}\n'
            'vip = "1bd"\n[resolution]\nall = "1bd eod"\n',
        )
    )
    start = datetime(2026, 8, 28, 11, tzinfo=LONDON)

    assert policy.due("first_response", start) == datetime(2026, 9, 1, 12, tzinfo=LONDON)
    assert policy.due("resolution", start) == datetime(2026, 9, 1, 23, 59, 59, tzinfo=LONDON)
    assert policy.due("resolution", start, calendar="desk") == datetime(
        2026, 9, 1, 17, tzinfo=LONDON
    )
    assert policy.calendar_for("resolution", "vip").name == "Iran (Tehran)"
    assert policy.calendar_for("first_response", "standard", "ir-tehran").name == "Split-shift desk"
    assert policy.sources[0].name == "sla-desk.toml"
    assert sorted(path.name for path in policy.sources[1:]) == [
        "ir-tehran.toml",
        "split.toml",
        "uk-england-wales.toml",
    ]


def test_the_old_call_signatures_still_count_monday_to_friday_in_the_start_offset() -> None:
    start = datetime.fromisoformat("2026-03-06T15:00:00+05:00")  # a Friday

    assert Duration.parse("15bd").after(start).isoformat() == "2026-03-27T15:00:00+05:00"
    assert load_sla_policy().due("first_response", start, "vip") == datetime.fromisoformat(
        "2026-03-06T19:00:00+05:00"
    )


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ('zone = "Mars/Olympus"', "zone: 'Mars/Olympus' is not an IANA time zone"),
        ('weekend = ["Caturday"]', "weekend: ['Caturday']: give day names from Mon, Tue"),
        ('[hours]\nSat = ["09:00-12:00"]', "hours.Sat: Sat is a weekend day"),
        ('[hours]\nMon = ["9-5"]', "hours.Mon: bad block '9-5': use HH:MM-HH:MM"),
        ('[hours]\nMon = ["12:00-09:00"]', "hours.Mon: block '12:00-09:00' must end after"),
        ("[hours]\ndefault = []", "hours: the week has no working time"),
        ("colour = 1", "unknown setting 'colour'"),
        ('[holidays]\ncountry = "XX"', "holidays: no holidays for 'XX' (Country XX not"),
        ('[holidays]\nremoved = ["31 Aug"]', "holidays: '31 Aug' is not a date (YYYY-MM-DD)"),
    ],
)
def test_a_bad_calendar_file_names_the_file_and_the_setting(
    tmp_path: Path, text: str, error: str
) -> None:
    path = write(tmp_path, "bad", text + "\n")

    with pytest.raises(PolicyError) as raised:
        load_calendar(path)

    assert str(raised.value).startswith(f"{path}: {error}")


def test_unknown_calendars_and_parameters_are_policy_errors() -> None:
    with pytest.raises(PolicyError, match="no calendar 'atlantis'; known: eu-national, "):
        load_calendar("atlantis")
    with pytest.raises(PolicyError, match="countries: no zone for 'US'; known: AT, BE"):
        load_sla_policy("sla-eu-psd2:US")
    with pytest.raises(PolicyError, match=r"sla-uk-fca-disp takes no parameter \('DE'\)"):
        load_sla_policy("sla-uk-fca-disp:DE")


def test_a_bad_duration_names_the_units() -> None:
    with pytest.raises(PolicyError, match=r"use e\.g\. 4h, 3d, 8w, 8bh, 15bd"):
        Duration.parse("3 fortnights")
