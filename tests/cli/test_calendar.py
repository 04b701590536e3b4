"""``--calendar jalali``: dates shown and typed in the Jalali calendar, stored Gregorian."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from tests.cli.test_customers import (
    cells,
    demo_db,  # noqa: F401 - the fixture, shared
)

from trustengine.cli import main


def invoke(*args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args), env=env)
    return result.exit_code, result.output


def test_a_timeline_shows_its_times_in_jalali_and_its_json_stays_gregorian(
    demo_db: str,  # noqa: F811 - the fixture
) -> None:
    code, table = invoke("timeline", "cust-boris", "--db", demo_db, "--calendar", "jalali")
    code_json, text = invoke(
        "timeline", "cust-boris", "--db", demo_db, "--json", "--calendar", "jalali"
    )

    assert (code, code_json) == (0, 0)
    assert cells(table)[1][0] == "1404-12-12 08:00"  # 2026-03-03 08:00 UTC
    assert json.loads(text)[0]["at"] == "2026-03-03T08:00:00+00:00"


def test_the_calendar_can_come_from_the_environment(demo_db: str) -> None:  # noqa: F811
    code, table = invoke(
        "timeline", "cust-boris", "--db", demo_db, env={"TRUSTENGINE_CALENDAR": "jalali"}
    )

    assert code == 0
    assert cells(table)[1][0] == "1404-12-12 08:00"


def test_a_jalali_as_of_is_the_gregorian_day_it_names(demo_db: str) -> None:  # noqa: F811
    _, jalali = invoke(
        "timeline",
        "cust-boris",
        "--db",
        demo_db,
        "--json",
        "--calendar",
        "jalali",
        "--as-of",
        "1404-12-25",
    )
    _, gregorian = invoke(
        "timeline", "cust-boris", "--db", demo_db, "--json", "--as-of", "2026-03-16"
    )

    assert json.loads(jalali) == json.loads(gregorian)
    assert len(json.loads(jalali)) == 2


@pytest.mark.parametrize("option", ["--as-of", "--as-known-at"])
def test_a_jalali_looking_date_without_the_option_is_refused_with_exit_2(
    demo_db: str,  # noqa: F811 - the fixture
    option: str,
) -> None:
    code, output = invoke("timeline", "cust-boris", "--db", demo_db, option, "1404-12-25")

    assert code == 2
    assert output == (
        f"Error: Invalid value for '{option}': '1404-12-25' looks like a Jalali date "
        "(year 1404): give --calendar jalali (or TRUSTENGINE_CALENDAR=jalali), or a "
        "Gregorian date (see 'main timeline --help')\n"  # CliRunner names the group main
    )


def test_a_day_the_jalali_calendar_lacks_is_refused_with_exit_2(demo_db: str) -> None:  # noqa: F811
    code, output = invoke(
        "due", "--db", demo_db, "--calendar", "jalali", "--at", "1404-12-30T09:00:00+03:30"
    )

    assert code == 2
    assert "1404-12-30 is not a Jalali date" in output


def test_an_html_audit_shows_jalali_dates_in_its_tables(
    demo_db: str,  # noqa: F811 - the fixture
    tmp_path: Path,
) -> None:
    page = tmp_path / "boris.html"

    code, _ = invoke(
        "audit", "cust-boris", "--db", demo_db, "--calendar", "jalali", "--html", str(page)
    )

    assert code == 0
    html = page.read_text(encoding="utf-8")
    assert "<bdi>1404-12-12T08:00:00+00:00</bdi>" in html
    assert "<bdi>2026-03-03T08:00:00+00:00</bdi>" not in html
