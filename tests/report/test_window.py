"""The report's arithmetic: periods, percentiles, rounding."""

from __future__ import annotations

import math
import statistics
from datetime import UTC, datetime, timedelta, timezone

from trustengine.report.window import percentile, period_of, period_range, rounded, share


def test_percentiles_match_the_inclusive_quantiles_of_the_standard_library() -> None:
    values = sorted([0.5, 3.0, 7.25, 7.25, 11.0, 40.0, 41.5, 100.0, 250.0])
    cuts = statistics.quantiles(values, n=100, method="inclusive")

    for p in (50, 90, 95):
        found = percentile(values, p)
        assert found is not None
        assert math.isclose(found, cuts[p - 1])


def test_a_percentile_of_one_value_is_that_value_and_of_none_is_none() -> None:
    assert percentile([4.0], 95) == 4.0
    assert percentile([], 50) is None


def test_iso_weeks_cross_the_new_year_by_the_iso_calendar() -> None:
    assert period_of(datetime(2027, 1, 1, tzinfo=UTC), "week") == "2026-W53"
    assert period_range(["2027-W01", "2026-W52"], "week") == ["2026-W52", "2026-W53", "2027-W01"]


def test_months_run_on_across_the_new_year() -> None:
    assert period_range(["2026-02", "2025-11"], "month") == [
        "2025-11",
        "2025-12",
        "2026-01",
        "2026-02",
    ]
    assert period_range([], "month") == []


def test_a_period_is_taken_in_utc_whatever_the_offset() -> None:
    tokyo = datetime(2026, 4, 1, 8, 0, tzinfo=timezone(timedelta(hours=9)))

    assert period_of(tokyo, "month") == "2026-03"


def test_rounding_and_shares_give_two_places_and_no_negative_zero() -> None:
    assert rounded(2 / 3) == 0.67
    assert str(rounded(-0.001)) == "0.0"
    assert rounded(None) is None
    assert share(1, 3) == 33.33
    assert share(1, 0) is None
