"""``trustengine audit`` through click's CliRunner: what it shows, for which moment, under
which preset, and how it fails."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from tests.audit.stores import demo_store, edit_payload, store_with
from trustengine import TrustEngine
from trustengine.cli import main
from trustengine.persistence.personal import ERASED

HASH_MISMATCH = (
    "customer 'cust-amelia' position 3: hash mismatch: its type, time, payload or position "
    "was changed"
)


@pytest.fixture
def demo_db(tmp_path: Path) -> str:
    return demo_store(tmp_path / "demo.db")


def audit(*args: str) -> Result:
    return CliRunner().invoke(main, ["audit", *args])


def audit_json(*args: str) -> dict[str, Any]:
    result = audit(*args, "--json")
    assert result.exit_code == 0, result.output
    report: dict[str, Any] = json.loads(result.stdout)
    return report


def complaint(at: str, **data: Any) -> dict[str, Any]:
    return {
        "type": "ComplaintFiled",
        "customer": "cust-1",
        "case": "C-1",
        "at": at,
        "actor": "customer",
        "channel": "email",
        "data": {"category": "billing", "severity": 2, "cause": "billing_error", **data},
    }


def step(kind: str, at: str, **data: Any) -> dict[str, Any]:
    return {"type": kind, "customer": "cust-1", "case": "C-1", "at": at, "data": data}


SLOW_CASE = [
    complaint("2026-03-02T09:00:00+00:00", summary="Charged twice"),
    step("ComplaintAcknowledged", "2026-03-04T09:00:00+00:00"),
    step("CaseClosed", "2026-03-25T09:00:00+00:00", confirmed_by_customer=True),
]
"""Acknowledged after two days and closed after 23: late under the house SLA (24 hours,
14 days); in time for the CFPB's first response (15 days) and resolution (60 days), not
for its final response (15 days)."""


def statuses(report: dict[str, Any]) -> dict[str, str]:
    return {row["clock"]: row["status"] for row in report["sla_clocks"]}


# --- what it shows -------------------------------------------------------------------------


def test_every_event_carries_both_times_actor_channel_and_its_data(demo_db: str) -> None:
    report = audit_json("cust-amelia", "--db", demo_db)

    assert report["events"][2] == {
        "position": 3,
        "at": "2026-03-09T08:40:00+00:00",
        "recorded_at": "2026-06-01T12:00:00+00:00",
        "type": "ComplaintFiled",
        "case": "C-1001",
        "actor": "customer",
        "channel": "email",
        "summary": report["events"][2]["summary"],
        "data": {
            "category": "delivery",
            "severity": 2,
            "cause": "broken_promise",
            "summary": report["events"][2]["data"]["summary"],
            "remedy_sought": report["events"][2]["data"]["remedy_sought"],
        },
        "id": report["events"][0]["id"].rsplit(":", 1)[0] + ":3",
        "counted": True,
        "late_days": None,
        "retracted": False,
        "note": None,
    }
    assert [row["position"] for row in report["events"]] == list(range(1, 20))
    assert report["verification"] == {
        "customer": "cust-amelia",
        "ok": True,
        "events": 19,
        "problems": [],
        "scope": "every stored event of the customer",
    }
    assert (report["judged_at"], report["judged_by"]) == ("2026-04-21T15:00:00+00:00", "last_event")


def test_the_promise_ledger_says_made_due_settled_and_on_time(demo_db: str) -> None:
    report = audit_json("cust-boris", "--db", demo_db)

    assert report["commitments"] == [
        {
            "kind": "promise",
            "id": "P-1002-1",
            "case": "C-1002",
            "description": "Refund the duplicate 89.00 EUR charge within three business days",
            "made_at": "2026-03-25T16:00:00+00:00",
            "due": "2026-03-30T17:00:00+00:00",
            "status": "broken",
            "settled_at": "2026-03-31T00:05:00+00:00",
            "on_time": False,
            "overdue": False,
            "prevents_recurrence": None,
            "note": "Refund not issued by the promised date",
        }
    ]
    assert report["compensation"][0]["status"] == "declined"
    assert report["trust"]["phase"] == "lost"
    assert report["trust"]["explanation"][-1]["position"] == 19


def test_case_keeps_that_cases_events_commitments_clocks_and_offers(demo_db: str) -> None:
    report = audit_json("cust-dara", "--case", "C-1012", "--db", demo_db)

    assert report["case"] == "C-1012"
    assert [row["position"] for row in report["events"]] == list(range(13, 26))
    assert {row["case"] for row in report["events"]} == {"C-1012"}
    assert [row["case"] for row in report["cases"]] == ["C-1012"]
    assert [row["id"] for row in report["commitments"]] == ["A-1012-1"]
    assert {row["case"] for row in report["sla_clocks"]} == {"C-1012"}
    assert [row["offer"] for row in report["compensation"]] == ["O-1012-1"]
    # Trust belongs to the customer: it is scored over every case.
    assert report["trust"]["events"] == 25
    assert report["verification"]["events"] == 25


def test_as_of_shows_what_had_happened_and_judges_open_work_then(demo_db: str) -> None:
    report = audit_json("cust-chen", "--as-of", "2026-06-04T00:00:00+00:00", "--db", demo_db)

    assert report["as_of"] == "2026-06-04T00:00:00+00:00"
    assert (report["judged_at"], report["judged_by"]) == ("2026-06-04T00:00:00+00:00", "as_of")
    overdue = {row["id"]: row["overdue"] for row in report["commitments"]}
    assert overdue == {"P-1003-1": True, "A-1003-1": False, "F-1003-1": False}
    resolution = report["sla_clocks"][1]
    assert (resolution["clock"], resolution["stopped_at"], resolution["late"]) == (
        "resolution",
        None,
        True,
    )
    assert resolution["status"] == "breached"


def test_as_of_before_the_second_event_shows_only_the_first(demo_db: str) -> None:
    report = audit_json("cust-chen", "--as-of", "2026-05-10", "--db", demo_db)

    assert [row["type"] for row in report["events"]] == ["CustomerRegistered"]
    assert report["cases"] == []
    assert report["trust"]["phase"] == "steady"
    assert report["verification"]["events"] == 8


def test_as_known_at_shows_what_the_store_held_then(tmp_path: Path) -> None:
    db = store_with(
        tmp_path / "late.db",
        [
            (datetime(2026, 3, 2, 10, tzinfo=UTC), [SLOW_CASE[0]]),
            (datetime(2026, 3, 10, tzinfo=UTC), SLOW_CASE[1:2]),
        ],
    )

    then = audit_json("cust-1", "--as-known-at", "2026-03-05T00:00:00+00:00", "--db", db)
    now = audit_json("cust-1", "--db", db)

    assert [row["type"] for row in then["events"]] == ["ComplaintFiled"]
    assert then["judged_by"] == "as_known_at"
    first = then["sla_clocks"][0]
    assert (first["clock"], first["stopped_at"], first["status"]) == (
        "first_response",
        None,
        "breached",
    )
    assert [row["recorded_at"] for row in now["events"]] == [
        "2026-03-02T10:00:00+00:00",
        "2026-03-10T00:00:00+00:00",
    ]
    assert now["sla_clocks"][0]["stopped_at"] == "2026-03-04T09:00:00+00:00"


def test_the_sla_preset_decides_which_clocks_were_met(tmp_path: Path) -> None:
    db = store_with(tmp_path / "slow.db", [(datetime(2026, 3, 26, tzinfo=UTC), SLOW_CASE)])

    house = audit_json("cust-1", "--db", db)
    cfpb = audit_json("cust-1", "--sla", "sla-us-cfpb", "--db", db)
    fca = audit_json("cust-1", "--sla", "sla-uk-fca-disp", "--db", db)

    assert house["sla_policy"] == "sla-default"
    assert statuses(house) == {
        "first_response": "breached",
        "resolution": "breached",
        "final_response": "met",
        "follow_up": "running",
    }
    assert cfpb["sla_policy"] == "sla-us-cfpb"
    assert statuses(cfpb) == {
        "first_response": "met",
        "resolution": "met",
        "final_response": "breached",
        "follow_up": "running",
    }
    assert statuses(fca)["first_response"] == "breached"
    assert statuses(fca)["resolution"] == "met"
    # Filed 2 March (GMT); eight weeks end on 27 April, after the clocks went forward, so
    # the end of that day in London is 23:59:59 BST (docs/service-levels.md). It was
    # 23:59:59+00:00, an hour after the day had ended in London, before calendars.
    assert fca["sla_clocks"][1]["due"] == "2026-04-27T23:59:59+01:00"
    assert cfpb["summary"]["sla_clocks"] == {"met": 2, "breached": 1, "running": 1}


def test_an_erased_customer_shows_erased_fields_and_still_verifies(demo_db: str) -> None:
    engine = TrustEngine(demo_db)
    engine.erase("cust-esme", legal_basis="GDPR Art. 17", at=datetime(2026, 5, 12, tzinfo=UTC))
    engine.close()

    result = audit("cust-esme", "--json", "--db", demo_db)

    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["verification"]["ok"] is True
    filed = report["events"][1]
    assert filed["data"]["summary"] == ERASED
    assert (
        filed["summary"] == f"Complaint: {ERASED} (subscription, severity 1, expectation mismatch)"
    )
    assert report["cases"][0]["summary"] == ERASED
    assert report["events"][-1]["type"] == "CustomerErased"
    assert report["events"][-1]["data"] == {"legal_basis": "GDPR Art. 17"}
    assert "premium support line" not in result.stdout
    assert "Replied to the follow-up" not in result.stdout


# --- verification ------------------------------------------------------------------------


def test_a_tampered_event_still_gives_the_report_and_exits_1(demo_db: str) -> None:
    edit_payload(demo_db, "cust-amelia", 3, b'"severity":2', b'"severity":3')

    result = audit("cust-amelia", "--json", "--db", demo_db)

    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["verification"]["ok"] is False
    assert report["verification"]["problems"] == [HASH_MISMATCH]
    assert report["events"][2]["data"]["severity"] == 3
    assert (
        result.stderr
        == f"Error: verification of 'cust-amelia' found 1 problem(s): {HASH_MISMATCH}\n"
    )


def test_a_tampered_event_is_named_in_the_text_report(demo_db: str) -> None:
    edit_payload(demo_db, "cust-amelia", 3, b'"severity":2', b'"severity":3')

    result = audit("cust-amelia", "--db", demo_db)

    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[1:3] == [
        "verification: FAILED, 1 problem(s) (19 stored events checked)",
        f"  {HASH_MISMATCH}",
    ]


def test_other_customers_of_a_tampered_store_still_audit_clean(demo_db: str) -> None:
    edit_payload(demo_db, "cust-amelia", 3, b'"severity":2', b'"severity":3')

    result = audit("cust-boris", "--json", "--db", demo_db)

    assert result.exit_code == 0
    assert json.loads(result.stdout)["verification"]["ok"] is True


# --- HTML ---------------------------------------------------------------------------------


def test_html_is_one_self_contained_page_with_the_same_content(
    demo_db: str, tmp_path: Path
) -> None:
    target = tmp_path / "boris.html"

    result = audit("cust-boris", "--html", str(target), "--db", demo_db)

    assert result.exit_code == 0, result.output
    assert result.output == f"{target}\n"
    html = target.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>")
    assert "://" not in html
    assert "<script" not in html
    assert "src=" not in html
    assert "<svg" in html and "<polyline" in html
    assert "<title>Audit of \u2068cust-boris\u2069</title>" in html
    assert "<h1>Audit of <bdi>cust-boris</bdi></h1>" in html
    assert "P-1002-1" in html and "O-1002-1" in html
    assert "Verified: all 19 stored events" in html
    report = audit_json("cust-boris", "--db", demo_db)
    tables = [report[key] for key in ("cases", "events", "commitments", "sla_clocks")]
    tables += [report["compensation"], report["trust"]["explanation"]]
    summary_rows = 5
    assert html.count("<tr>") == sum(len(rows) + 1 for rows in tables) + summary_rows + 1
    for row in report["events"]:
        assert f"<td><bdi>{row['type']}</bdi></td>" in html
    assert [path.name for path in tmp_path.iterdir() if path.suffix == ".tmp"] == []


def test_html_of_one_case_says_trust_covers_every_case(demo_db: str, tmp_path: Path) -> None:
    target = tmp_path / "dara.html"

    result = audit("cust-dara", "--case", "C-1012", "--html", str(target), "--db", demo_db)

    assert result.exit_code == 0, result.output
    html = target.read_text(encoding="utf-8")
    assert "<title>Audit of \u2068cust-dara\u2069, case \u2068C-1012\u2069</title>" in html
    assert "Trust belongs to the customer: it is scored over every case." in html
    assert "O-1012-1" in html and "O-1004-1" not in html


def test_html_twice_is_byte_identical(demo_db: str, tmp_path: Path) -> None:
    first, second = tmp_path / "a.html", tmp_path / "b.html"

    audit("cust-dara", "--html", str(first), "--db", demo_db)
    audit("cust-dara", "--html", str(second), "--db", demo_db)

    assert first.read_bytes() == second.read_bytes()


def test_html_of_a_tampered_store_says_verification_failed_and_exits_1(
    demo_db: str, tmp_path: Path
) -> None:
    edit_payload(demo_db, "cust-amelia", 3, b'"severity":2', b'"severity":3')
    target = tmp_path / "amelia.html"

    result = audit("cust-amelia", "--html", str(target), "--db", demo_db)

    assert result.exit_code == 1
    html = target.read_text(encoding="utf-8")
    assert "Verification FAILED: 1 problem(s)" in html
    assert "hash mismatch" in html


# --- errors -------------------------------------------------------------------------------


def test_an_unknown_customer_is_a_one_line_error(demo_db: str) -> None:
    result = audit("nobody", "--db", demo_db)

    assert result.exit_code == 2
    assert result.output == f"Error: no customer 'nobody' in {demo_db}\n"


def test_an_unknown_case_is_a_one_line_error(demo_db: str) -> None:
    result = audit("cust-dara", "--case", "C-9", "--db", demo_db)

    assert result.exit_code == 2
    assert result.output == "Error: customer 'cust-dara' has no case 'C-9' by then\n"


def test_an_unknown_sla_preset_is_a_one_line_error(demo_db: str) -> None:
    result = audit("cust-dara", "--sla", "sla-mars", "--db", demo_db)

    assert result.exit_code == 2
    assert result.output == (
        "Error: no policy 'sla-mars'; known: sla-default, sla-eu-psd2, sla-ir-consumer, "
        "sla-uk-fca-disp, sla-us-cfpb, trust-v1\n"
    )


def test_a_time_before_any_event_is_a_one_line_error(demo_db: str) -> None:
    result = audit("cust-dara", "--as-of", "2025-01-01", "--db", demo_db)

    assert result.exit_code == 2
    assert result.output == "Error: customer 'cust-dara' has no events by then\n"


def test_a_bad_time_is_refused_by_name(demo_db: str) -> None:
    result = audit("cust-dara", "--as-known-at", "2026-03-01T09:00", "--db", demo_db)

    assert result.exit_code == 2
    assert "'2026-03-01T09:00' has no offset: add one, e.g. +00:00 or Z" in result.output


def test_json_and_html_together_are_refused(demo_db: str, tmp_path: Path) -> None:
    result = audit("cust-dara", "--json", "--html", str(tmp_path / "x.html"), "--db", demo_db)

    assert result.exit_code == 2
    assert result.output == "Error: give either --json or --html FILE, not both\n"
    assert not (tmp_path / "x.html").exists()


def test_html_into_a_missing_folder_writes_nothing(demo_db: str, tmp_path: Path) -> None:
    target = tmp_path / "nope" / "x.html"

    result = audit("cust-dara", "--html", str(target), "--db", demo_db)

    assert result.exit_code == 2
    assert result.output == (
        f"Error: --html {target}: folder {str(tmp_path / 'nope')!r} does not exist\n"
    )
