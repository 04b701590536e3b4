"""``trustengine report`` on the demo history: text, --json, --html, and its errors.

The demo's figures, worked out from ``src/trustengine/data/demo.jsonl``: six cases (three
opened in March, one in April, two in May); NPS scores 10 (Amelia), 2 (Boris), 7 (Dara)
make NPS 0; CSAT scores 5 and 4; Amelia, Dara and Esme reach restored/advocate, Boris and
Chen do not; first responses of 2, 5, 25, 30 and 35 minutes and 74.47 hours (Boris);
Boris's case has three hand-offs and Dara's data incident one.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from trustengine.cli import main

DEMO_TEXT = """\
Report: 2026-03 to 2026-05, by month (all business time; periods in UTC)

Recurring issues: 6 complaints (cases opened)
  period   complaints  top category  top cause
  2026-03           3  billing       billing_error
  2026-04           1  subscription  expectation_mismatch
  2026-05           2  installation  data_incident
  top category  complaints  per period  change
  billing                1  1 0 0            0
  delivery               1  1 0 0            0
  installation           1  0 0 1           +1
  privacy                1  0 0 1           +1
  product                1  1 0 0            0
  other (1)              1  0 1 0            -
  top cause             complaints  per period  change
  billing_error                  1  1 0 0            0
  broken_promise                 1  1 0 0            0
  data_incident                  1  0 0 1           +1
  expectation_mismatch           1  0 1 0           -1
  product_defect                 1  1 0 0            0
  other (1)                      1  0 0 1            -

Satisfaction
  NPS 0 from 3 scores: 1 promoter (9-10), 1 passive, 1 detractor (0-6)
  CSAT 100% satisfied (4-5) of 2 scores, mean 4.5
  period    NPS  scores  CSAT %  scores
  2026-03   100       1     100       2
  2026-04  -100       1       -       0
  2026-05     0       1       -       0

Recovery: 3 of 5 complainants reached restored or advocate (60%)

Response times (hours; cases opened in the window)
  measure                                               cases  pending    p50     p90     p95
  first response: opened_at to acknowledged_at              6        0   0.46   37.53      56
  resolution: opened_at to resolved_at, else closed_at      4        2  57.62  255.58  296.29

SLA clocks
  clock           clocks  met  breached  running  compliance
  first_response       6    5         1        0      83.33%
  final_response       6    5         0        1        100%
  resolution           7    3         2        2         60%
  follow_up            5    2         3        0         40%

Promises: 3 made; 1 kept on time, 0 kept late, 1 broken, 1 open; \
of those settled 50% kept on time, 50% kept

Compensation: 5 offers
  kind         fit      offers  accepted  declined  pending
  credit       fits          1         1         0        0
  gift         generic       1         0         1        0
  refund       fits          1         1         0        0
  replacement  fits          1         1         0        0
  upgrade      fits          1         1         0        0
  all fitting                4         4         0        0
  all generic                1         0         1        0
  Money offered and accepted (2 offers without an amount)
  currency  kind       offers  amount offered  accepted  amount accepted
  EUR       all kinds       3             105         2               95
  EUR       credit          1              50         1               50
  EUR       gift            1              10         0                0
  EUR       refund          1              45         1               45

Hand-offs per case: mean 0.67 over 6 cases, max 3; 4 with 0, 1 with 1, 1 with 3

Recovery paradox (NPS while restored/advocate vs never complained)
  group                   customers  scores  NPS
  recovered complainants          1       1  100
  never complained                0       0    -
  cannot tell: no NPS scores from never complained in this window

Trust scores now: 5 customers, mean 65.1 (0-10: 1, 60-70: 1, 70-80: 1, 80-90: 1, 90-100: 1)

Late entries (out of order, recorded over 24 h after they happened): 0 (per period: 0 0 0)
  retracted 0, corrected 0, recorded misses the history shows met 0
"""


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["report", *args])
    return result.exit_code, result.output


def test_the_text_report_of_the_demo_history(demo_db: str) -> None:
    code, output = run("--db", demo_db)

    assert code == 0
    assert output == DEMO_TEXT


def test_json_is_one_deterministic_object_with_sorted_keys(demo_db: str) -> None:
    code, output = run("--db", demo_db, "--json")
    again = run("--db", demo_db, "--json")[1]

    assert code == 0
    assert output == again
    found = json.loads(output)
    assert output == json.dumps(found, sort_keys=True, indent=2, ensure_ascii=False) + "\n"
    assert found["window"] == {
        "since": None,
        "until": None,
        "by": "month",
        "periods": ["2026-03", "2026-04", "2026-05"],
        "time_zone": "UTC",
    }
    assert found["satisfaction"]["nps"] == {
        "responses": 3,
        "promoters": 1,
        "passives": 1,
        "detractors": 1,
        "nps": 0.0,
    }
    assert found["satisfaction"]["csat"] == {
        "responses": 2,
        "satisfied": 2,
        "satisfied_pct": 100.0,
        "mean": 4.5,
    }
    assert found["recovery"] == {
        "complainants": 5,
        "recovered": 3,
        "rate_pct": 60.0,
        "phases": ["restored", "advocate"],
    }
    assert found["response_times"]["first_response"] == {
        "from": "opened_at",
        "to": "acknowledged_at",
        "cases": 6,
        "pending": 0,
        "p50_hours": 0.46,
        "p90_hours": 37.53,
        "p95_hours": 56.0,
        "mean_hours": 12.68,
    }
    assert found["response_times"]["resolution"]["cases"] == 4
    assert found["sla"]["resolution"] == {
        "clocks": 7,
        "met": 3,
        "breached": 2,
        "running": 2,
        "compliance_pct": 60.0,
        "paused": 0,
        "paused_hours": 0.0,
    }
    assert found["promises"] == {
        "made": 3,
        "kept_on_time": 1,
        "kept_late": 0,
        "broken": 1,
        "open": 1,
        "kept_on_time_pct": 50.0,
        "kept_pct": 50.0,
    }
    assert found["compensation"]["by_fit"] == {
        "fitting": {"offers": 4, "accepted": 4, "declined": 0, "pending": 0, "accepted_pct": 100.0},
        "generic": {"offers": 1, "accepted": 0, "declined": 1, "pending": 0, "accepted_pct": 0.0},
    }
    assert found["hand_offs"] == {
        "cases": 6,
        "mean": 0.67,
        "max": 3,
        "distribution": [
            {"hand_offs": 0, "cases": 4},
            {"hand_offs": 1, "cases": 1},
            {"hand_offs": 3, "cases": 1},
        ],
    }
    assert found["recovery_paradox"]["recovered"] == {"customers": 1, "responses": 1, "nps": 100.0}
    assert found["trust_scores"]["mean"] == 65.1


def test_since_and_until_dates_cover_whole_days(demo_db: str) -> None:
    code, output = run("--db", demo_db, "--json", "--since", "2026-04-01", "--until", "2026-04-30")

    assert code == 0
    found = json.loads(output)
    assert found["window"]["since"] == "2026-04-01T00:00:00+00:00"
    assert found["window"]["until"] == "2026-04-30T23:59:59.999999+00:00"
    assert found["issues"]["complaints"] == 1  # Esme's, 22 April
    assert found["satisfaction"]["nps"]["nps"] == -100.0  # Boris's 2, 14 April
    # Esme was restored on 11 May, after this window.
    assert found["recovery"]["recovered"] == 0


def test_by_week_groups_into_iso_weeks(demo_db: str) -> None:
    found = json.loads(run("--db", demo_db, "--json", "--by", "week")[1])

    assert found["window"]["periods"][0] == "2026-W11"
    assert found["window"]["periods"][-1] == "2026-W21"
    assert len(found["window"]["periods"]) == 11
    assert sum(p["complaints"] for p in found["issues"]["per_period"]) == 6


def test_html_writes_one_self_contained_page_and_prints_its_path(
    demo_db: str, tmp_path: Path
) -> None:
    path = tmp_path / "report.html"

    code, output = run("--db", demo_db, "--html", str(path))

    assert (code, output) == (0, f"{path}\n")
    html = path.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>")
    assert "<script" not in html
    assert "://" not in html
    assert html.count("<svg ") == 10
    for title in (
        "NPS and CSAT per period",
        "Complaints per period",
        "Top categories",
        "Customers by trust score",
    ):
        assert f"<title>{title}</title>" in html
    assert "cannot tell: no NPS scores from never complained in this window" in html
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".report")] == []


def test_html_with_json_writes_the_page_and_prints_only_the_json(
    demo_db: str, tmp_path: Path
) -> None:
    path = tmp_path / "report.html"

    code, output = run("--db", demo_db, "--html", str(path), "--json")

    assert code == 0
    assert json.loads(output)["issues"]["complaints"] == 6
    assert path.exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--since", "yesterday"],
            "Error: --since: 'yesterday' is not a time: use ISO 8601 with an offset, "
            "e.g. 2026-03-01T09:00:00+00:00\n",
        ),
        (
            ["--until", "2026-04-01T00:00"],
            "Error: --until: '2026-04-01T00:00' has no offset: add one, e.g. +00:00 or Z\n",
        ),
        (
            ["--since", "2026-05-01", "--until", "2026-04-01"],
            "Error: since 2026-05-01T00:00:00+00:00 is after until "
            "2026-04-01T23:59:59.999999+00:00: the window is empty\n",
        ),
    ],
)
def test_a_bad_window_is_one_line_and_exit_2(demo_db: str, args: list[str], message: str) -> None:
    assert run("--db", demo_db, *args) == (2, message)


def test_an_html_path_that_cannot_be_written_is_one_line_and_exit_2(
    demo_db: str, tmp_path: Path
) -> None:
    missing = tmp_path / "no-such-folder" / "report.html"

    assert run("--db", demo_db, "--html", str(missing)) == (
        2,
        f"Error: --html {missing}: folder {str(missing.parent)!r} does not exist\n",
    )
    assert run("--db", demo_db, "--html", str(tmp_path)) == (
        2,
        f"Error: --html {tmp_path}: is a directory\n",
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["trust.db", "trust.keys"]


def test_a_missing_store_is_one_line_and_exit_2_and_is_not_created(tmp_path: Path) -> None:
    missing = tmp_path / "nothing.db"

    assert run("--db", str(missing)) == (
        2,
        f"Error: no store at {missing}: check --db, or load one with trustengine import "
        "(nothing was created)\n",
    )
    assert not missing.exists()


def test_help_shows_an_example() -> None:
    code, output = run("--help")

    assert code == 0
    assert "Example: trustengine report --since 2026-03-01 --by week --html report.html" in output


@pytest.mark.postgres
def test_a_postgres_store_reports_what_the_same_history_in_sqlite_does(
    postgres_target: str, demo_db: str, tmp_path: Path
) -> None:
    loaded = CliRunner().invoke(main, ["demo", "--db", postgres_target])
    assert loaded.exit_code == 0, loaded.output
    views = str(tmp_path / "views.db")

    code, output = run("--db", postgres_target, "--views", views, "--json")

    assert code == 0
    assert output == run("--db", demo_db, "--json")[1]
