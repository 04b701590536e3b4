"""Due times on the shipped calendars, against dates worked out by hand.

Each answer below was counted on a paper calendar from the holidays the ``holidays``
package (0.109) gives for that country; the rules are in docs/service-levels.md.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from trustengine.scoring.calendar_files import load_calendar
from trustengine.scoring.sla import Duration, load_sla_policy

LONDON = ZoneInfo("Europe/London")
TEHRAN = ZoneInfo("Asia/Tehran")
BERLIN = ZoneInfo("Europe/Berlin")


def test_the_holiday_data_the_hand_answers_rest_on() -> None:
    uk = load_calendar("uk-england-wales")
    iran = load_calendar("ir-tehran")
    germany = load_calendar("eu-national:DE")

    assert uk.day_off(date(2026, 8, 31)) == "Late Summer Bank Holiday"
    assert uk.day_off(date(2026, 12, 28)) == "Boxing Day (observed)"
    assert [iran.day_off(date(2026, 3, day)) for day in range(19, 26)] == [
        None,
        "Iranian Oil Industry Nationalization Day",
        "Eid al-Fitr; Nowruz",
        "Eid al-Fitr Holiday; Nowruz Holiday",
        "Nowruz Holiday",
        "Nowruz Holiday",
        None,
    ]
    assert iran.day_off(date(2026, 4, 1)) == "Islamic Republic Day"
    assert iran.day_off(date(2026, 4, 2)) == "Nature's Day"
    assert iran.day_off(date(2026, 4, 3)) == "weekend"  # a Friday
    assert germany.day_off(date(2026, 5, 14)) == "Ascension Day"
    assert germany.day_off(date(2026, 6, 4)) is None  # Corpus Christi is regional


def test_a_complaint_before_the_august_bank_holiday_weekend_gets_three_business_days() -> None:
    # Thu 27 Aug: Fri 28 is day 1; Sat, Sun and Mon 31 (bank holiday) are skipped; Tue 1
    # Sep is day 2 and Wed 2 Sep day 3, to the end of that day.
    fca = load_sla_policy("sla-uk-fca-disp")
    received = datetime(2026, 8, 27, 10, tzinfo=LONDON)

    due = fca.due("summary_resolution", received)

    assert due is not None
    assert due.isoformat() == "2026-09-02T23:59:59+01:00"
    assert fca.explain("summary_resolution", received) == (
        "3 business days on UK (England and Wales) calendar: skips Mon 31 Aug 2026 "
        "(Late Summer Bank Holiday) and 2 weekend days; "
        "due Wed 2 Sep 2026 23:59:59 +01:00 (end of the working day)"
    )


def test_the_fca_eight_weeks_end_at_the_end_of_the_day_in_london_across_the_clock_change() -> None:
    # 3 Sep (BST) + 8 weeks = Thu 29 Oct, after the clocks went back on 25 Oct: the day
    # ends at 23:59:59 GMT. Counting in the start's offset gave 23:59:59+01:00, an hour
    # early.
    fca = load_sla_policy("sla-uk-fca-disp")
    received = datetime(2026, 9, 3, 9, tzinfo=UTC)  # 10:00 in London

    assert fca.due("final_response", received) == datetime(2026, 10, 29, 23, 59, 59, tzinfo=UTC)
    assert fca.explain("final_response", received) == (
        "8 weeks (across a clock change, +01:00 to +00:00) of calendar time in "
        "Europe/London time; due Thu 29 Oct 2026 23:59:59 +00:00 (end of the day)"
    )


def test_fifteen_business_days_over_christmas_skip_the_bank_holidays() -> None:
    # From Mon 14 Dec: 15-18 Dec (4), 21-24 Dec (8), 29-31 Dec (11), 4-7 Jan (15); 25, 26
    # and 28 Dec and 1 Jan are bank holidays (26 Dec a Saturday, substituted on the 28th).
    uk = load_calendar("uk-england-wales")
    computed = Duration.parse("15bd").compute(datetime(2026, 12, 14, 10, tzinfo=LONDON), uk)

    assert computed.due.isoformat() == "2027-01-07T10:00:00+00:00"
    assert computed.text() == (
        "15 business days on UK (England and Wales) calendar: skips Fri 25 Dec 2026 "
        "(Christmas Day), Sat 26 Dec 2026 (Boxing Day), Mon 28 Dec 2026 (Boxing Day "
        "(observed)), Fri 1 Jan 2027 (New Year's Day) and 5 weekend days; "
        "due Thu 7 Jan 2027 10:00:00 +00:00"
    )


def test_an_iranian_complaint_across_nowruz_gets_ten_working_days() -> None:
    # Wed 18 Mar 1404/2026: Thu 19 is day 1; Fri 20 to Tue 24 (Oil Nationalisation Day,
    # Eid al-Fitr with Nowruz 1405) are off; Wed 25 (2), Thu 26 (3), Sat 28 to Tue 31
    # (4-7); Wed 1 and Thu 2 Apr (Islamic Republic Day, Nature's Day) and Fri 3 are off;
    # Sat 4 (8), Sun 5 (9), Mon 6 Apr (10), to the end of the shift at 16:00.
    iran = load_sla_policy("sla-ir-consumer")
    received = datetime(2026, 3, 18, 10, tzinfo=TEHRAN)

    due = iran.due("final_response", received)

    assert due is not None
    assert due.isoformat() == "2026-04-06T16:00:00+03:30"
    explanation = iran.explain("final_response", received)
    assert explanation is not None
    assert "Sat 21 Mar 2026 (Eid al-Fitr; Nowruz)" in explanation
    assert "Thu 2 Apr 2026 (Nature's Day)" in explanation
    assert explanation.endswith(
        "and 2 weekend days; due Mon 6 Apr 2026 16:00:00 +03:30 (end of the working day)"
    )


def test_an_iranian_answer_due_on_a_thursday_ends_with_the_morning_shift() -> None:
    iran = load_calendar("ir-tehran")

    due = Duration.parse("3bd eod").after(datetime(2026, 9, 7, 10, tzinfo=TEHRAN), iran)

    assert due == datetime(2026, 9, 10, 12, tzinfo=TEHRAN)  # Tue 8, Wed 9, Thu 10 Sep


def test_a_complaint_received_after_the_shift_counts_from_the_next_working_morning() -> None:
    # Thu 27 Aug 13:30, after the Thursday shift: counted from Sat 29 Aug 08:00; Sun 30
    # is a holiday; Mon 31 to Thu 10 Sep are the ten working days (Fri 4 Sep off).
    iran = load_sla_policy("sla-ir-consumer")
    received = datetime(2026, 8, 27, 10, tzinfo=UTC)  # 13:30 in Tehran

    explanation = iran.explain("final_response", received)

    assert iran.due("final_response", received) == datetime(2026, 9, 10, 12, tzinfo=TEHRAN)
    assert explanation is not None
    assert ", counted from Sat 29 Aug 2026 08:00:00 +03:30 (outside working time):" in explanation


def test_psd2_for_germany_skips_ascension_and_whit_monday() -> None:
    # Mon 11 May: 12, 13, 15 May (3), 18-22 (8), 26-29 (12), 1-3 Jun (15); Thu 14 May
    # (Ascension) and Mon 25 May (Whit Monday) are German public holidays.
    received = datetime(2026, 5, 11, 8, tzinfo=UTC)  # 10:00 in Berlin

    germany = load_sla_policy("sla-eu-psd2:DE")
    anywhere = load_sla_policy("sla-eu-psd2")

    assert germany.version == "sla-eu-psd2:DE"
    assert germany.due("final_response", received) == datetime(2026, 6, 3, 10, tzinfo=BERLIN)
    assert anywhere.due("final_response", received) == datetime(2026, 6, 1, 8, tzinfo=UTC)


def test_cfpb_counts_calendar_days_in_the_offset_the_clock_started_in() -> None:
    received = datetime(2026, 12, 20, 9, tzinfo=timezone(timedelta(hours=-5)))

    due = load_sla_policy("sla-us-cfpb").due("first_response", received)

    assert due == received + timedelta(days=15)
    assert due is not None and due.utcoffset() == timedelta(hours=-5)


def test_calendar_days_keep_the_wall_clock_time_across_the_clock_change() -> None:
    uk = load_calendar("uk-england-wales")
    start = datetime(2026, 10, 20, 9, 30, tzinfo=LONDON)

    assert Duration.parse("7d").after(start, uk).isoformat() == "2026-10-27T09:30:00+00:00"
    assert Duration.parse("168h").after(start, uk).isoformat() == "2026-10-27T08:30:00+00:00"


def test_a_day_to_the_end_of_the_day_ends_that_calendar_day_even_at_a_weekend() -> None:
    uk = load_calendar("uk-england-wales")

    due = Duration.parse("1d eod").after(datetime(2026, 8, 28, 15, tzinfo=LONDON), uk)

    assert due.isoformat() == "2026-08-29T23:59:59+01:00"


def test_no_more_hours_after_a_due_at_the_end_of_a_shift_leave_it_there() -> None:
    # Found by the add-up property: 8bh from Friday 2 Jan 2026 (the Tehran weekend; Saturday
    # 3 Jan is a public holiday, 13 Rajab) ends at 16:00 on Sunday, the end of that day's
    # shift; adding 0bh more must not move it to Monday.
    iran = load_calendar("ir-tehran")
    start = datetime(2026, 1, 2, tzinfo=UTC)
    eight = Duration(8, "bh").after(start, iran)

    assert eight == datetime(2026, 1, 4, 16, 0, tzinfo=ZoneInfo("Asia/Tehran"))
    assert Duration(0, "bh").after(eight, iran) == eight
