"""``trustengine customers`` and ``trustengine case`` through click's CliRunner."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from tests.readmodel.conftest import demo_lines

from trustengine import TrustEngine
from trustengine.cli import main
from trustengine.interchange.jsonl import import_lines
from trustengine.readmodel import ReadModel

RECORDED = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
NOON = "2026-06-01 12:00"
"""RECORDED as a table shows it."""


@pytest.fixture
def demo_db(tmp_path: Path) -> str:
    """The demo history, recorded at RECORDED; no read model yet."""
    db = str(tmp_path / "trust.db")
    engine = TrustEngine(db, clock=lambda: RECORDED)
    try:
        import_lines(engine, demo_lines(), name="demo.jsonl")
    finally:
        engine.close()
    return db


def cells(output: str) -> list[list[str]]:
    """The cells of each row of a rich table (header row included), stripped."""
    return [
        [cell.strip() for cell in line[1:-1].split(line[0])]
        for line in output.splitlines()
        if line[:1] in ("│", "┃")
    ]


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def ok(*args: str) -> str:
    result = run(*args)
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture
def locked(demo_db: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """``demo_db`` while another connection holds its write lock."""
    monkeypatch.setattr("trustengine.readmodel.location.LOCK_TIMEOUT", 0.1)
    blocker = sqlite3.connect(demo_db, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")
    try:
        yield demo_db
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()


# --- customers -------------------------------------------------------------------------


def test_customers_prints_a_table_lowest_score_first(demo_db: str) -> None:
    output = ok("customers", "--db", demo_db)

    assert cells(output) == [
        [
            "customer",
            "score",
            "phase",
            "tier",
            "open_cases",
            "broken_promises",
            "last_contact_at",
            "changed_at",
        ],
        ["cust-boris", "7.8", "lost", "standard", "1", "1", "2026-04-09 11:30", NOON],
        ["cust-chen", "67.3", "recovering", "standard", "1", "0", "2026-05-26 10:00", NOON],
        ["cust-dara", "70.0", "restored", "vip", "0", "0", "2026-04-15 14:00", NOON],
        ["cust-esme", "81.6", "restored", "standard", "0", "0", "2026-05-11 09:30", NOON],
        ["cust-amelia", "98.8", "advocate", "priority", "0", "0", "2026-04-21 15:00", NOON],
    ]
    assert output.startswith("┏━━━━━━━━━━━━━┳━━━━━━━┳")
    assert output.endswith("──────────────────┘\n")


def test_customers_json_is_the_read_model_rows(demo_db: str) -> None:
    output = ok("customers", "--db", demo_db, "--json", "--at-risk")

    assert json.loads(output) == [
        {
            "customer": "cust-boris",
            "score": 7.8,
            "phase": "lost",
            "tier": "standard",
            "open_cases": 1,
            "broken_promises": 1,
            "cases": 1,
            "last_contact_at": "2026-04-09T11:30:00+00:00",
            "last_event_at": "2026-04-14T19:02:00+00:00",
            "phase_since": "2026-04-03T09:00:00+00:00",
            "changed_at": "2026-06-01T12:00:00+00:00",
        }
    ]


def test_customers_nl_is_one_object_a_line(demo_db: str) -> None:
    output = ok("customers", "--db", demo_db, "--nl", "--phase", "restored")

    rows = [json.loads(line) for line in output.splitlines()]
    assert [(row["customer"], row["score"], row["cases"]) for row in rows] == [
        ("cust-dara", 70.0, 2),
        ("cust-esme", 81.6, 1),
    ]


def test_customers_csv_has_a_header_and_full_times(demo_db: str) -> None:
    output = ok("customers", "--db", demo_db, "--csv", "--limit", "2")

    assert output.splitlines() == [
        "customer,score,phase,tier,open_cases,broken_promises,last_contact_at,changed_at,"
        "cases,last_event_at,phase_since",
        "cust-boris,7.8,lost,standard,1,1,2026-04-09T11:30:00+00:00,2026-06-01T12:00:00+00:00,"
        "1,2026-04-14T19:02:00+00:00,2026-04-03T09:00:00+00:00",
        "cust-chen,67.3,recovering,standard,1,0,2026-05-26T10:00:00+00:00,"
        "2026-06-01T12:00:00+00:00,1,2026-05-26T10:00:00+00:00,2026-05-18T14:00:00+00:00",
    ]


def test_customers_phase_and_at_risk_together_list_all_those_phases(demo_db: str) -> None:
    output = ok("customers", "--db", demo_db, "--json", "--phase", "advocate", "--at-risk")

    assert [row["customer"] for row in json.loads(output)] == ["cust-boris", "cust-amelia"]


def test_customers_sorted_by_change_shows_the_customer_just_recorded_first(
    demo_db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    ok("customers", "--db", demo_db)  # the read model is current
    later = RECORDED + timedelta(days=1)
    monkeypatch.setattr(
        "trustengine.cli.session.TrustEngine", partial(TrustEngine, clock=lambda: later)
    )
    ok(
        "record",
        "CustomerContacted",
        "--db",
        demo_db,
        "--customer",
        "cust-esme",
        "--at",
        "2026-06-01T09:00:00+00:00",
        "--direction",
        "outbound",
    )

    output = ok("customers", "--db", demo_db, "--json", "--sort", "changed")

    assert [row["customer"] for row in json.loads(output)] == [
        "cust-esme",
        "cust-amelia",
        "cust-boris",
        "cust-chen",
        "cust-dara",
    ]


def test_customers_says_so_when_no_customer_matches(demo_db: str) -> None:
    output = ok("customers", "--db", demo_db, "--phase", "steady")

    assert output.splitlines()[-1] == "No customer matches."
    assert ok("customers", "--db", demo_db, "--json", "--phase", "steady") == "[]\n"


def test_customers_refuses_a_phase_that_does_not_exist(demo_db: str) -> None:
    result = run("customers", "--db", demo_db, "--phase", "angry")

    assert result.exit_code == 2
    assert result.output == (
        "Error: Invalid value for '--phase': 'angry' is not one of 'steady', 'damaged', "
        "'recovering', 'restored', 'advocate', 'at_risk', 'lost'. "
        "(see 'main customers --help')\n"
    )


# --- case ------------------------------------------------------------------------------


def test_case_prints_a_header_then_one_table_per_section(tmp_path: Path) -> None:
    db = str(tmp_path / "one.db")
    engine = TrustEngine(db)
    engine.file_complaint(
        "cust-1",
        "C-1",
        category="delivery",
        severity=2,
        cause="broken_promise",
        summary="Parcel four days late",
        at=datetime(2026, 3, 1, 9, tzinfo=UTC),
        actor="customer",
        channel="email",
    )
    engine.close()

    output = ok("case", "cust-1", "C-1", "--db", db)

    lines = [line.rstrip() for line in output.splitlines()]
    assert lines[:31] == [
        "Case C-1 of cust-1",
        "  status:          open",
        "  complaint:       Parcel four days late",
        "  category:        delivery, severity 2, cause broken_promise",
        "  owner:           nobody yet (0 hand-offs)",
        "  escalation:      level 1",
        "  opened:          2026-03-01 09:00",
        "  broken promises: 0",
        "  SLA breaches:    0",
        "",
        "Hand-offs: none",
        "",
        "Promises, corrective actions and follow-ups: none",
        "",
        "Compensation: none",
        "",
        "                                       SLA clocks",
        "┏━━━━━━━━━━━━━━━━┳━━━━━━━━┳━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━┳━━━━━━━━━━┓",
        "┃ clock          ┃ period ┃ started_at       ┃ due              ┃ stopped_at ┃ breached ┃",
        "┡━━━━━━━━━━━━━━━━╇━━━━━━━━╇━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━╇━━━━━━━━━━┩",
        "│ first_response │ 1      │ 2026-03-01 09:00 │ 2026-03-02 09:00 │            │ no       │",
        "│ final_response │ 1      │ 2026-03-01 09:00 │ 2026-04-26 09:00 │            │ no       │",
        "│ resolution     │ 1      │ 2026-03-01 09:00 │ 2026-03-15 09:00 │            │ no       │",
        "└────────────────┴────────┴──────────────────┴──────────────────┴────────────┴──────────┘",
        "",
        "How each due time was computed:",
        "  first_response (period 1): 24 hours of calendar time in the offset the clock started "
        "in; due Mon 2 Mar 2026 09:00:00 +00:00",
        "  final_response (period 1): 8 weeks of calendar time in the offset the clock started "
        "in; due Sun 26 Apr 2026 09:00:00 +00:00",
        "  resolution (period 1): 14 calendar days of calendar time in the offset the clock "
        "started in; due Sun 15 Mar 2026 09:00:00 +00:00",
        "",
        "                                                                  Timeline",
    ]
    assert cells("\n".join(lines[31:])) == [
        ["at", "type", "actor", "channel", "trust", "summary"],
        [
            "2026-03-01 09:00",
            "ComplaintFiled",
            "customer",
            "email",
            "61.0",
            "Complaint: Parcel four days late (delivery, severity 2, broken promise)",
        ],
    ]


def test_case_header_names_reopenings_owner_hand_offs_and_breaches(demo_db: str) -> None:
    output = ok("case", "cust-boris", "C-1002", "--db", demo_db)

    lines = [line.rstrip() for line in output.splitlines()]
    assert lines[:11] == [
        "Case C-1002 of cust-boris",
        "  status:          open, reopened once (last 2026-04-09 08:20)",
        "  complaint:       Charged twice for the March subscription (2 x 89.00 EUR); my bank then "
        "charged an overdraft fee",
        "  category:        billing, severity 4, cause billing_error",
        "  owner:           agent-4 (3 hand-offs)",
        "  escalation:      level 1",
        "  opened:          2026-03-16 14:12",
        "  acknowledged:    2026-03-19 16:40",
        "  broken promises: 1",
        "  SLA breaches:    2",
        "",
    ]
    assert "│ 2026-03-25 15:30 │ agent-19 │ other   │ Handed off to agent-4: Shift change" in output
    assert (
        "│ promise │ P-1002-1 │ 2026-03-25 16:00 │ 2026-03-30 17:00 │ broken │ 2026-03-31 00:05 │ "
        "no      │ Refund the duplicate 89.00 EUR charge within three business │"
    ) in lines
    assert (
        "│ resolution     │ 2      │ 2026-04-09 08:20 │ 2026-04-23 08:20 │                  "
        "│ no       │"
    ) in lines


def test_case_json_is_one_object_with_a_key_per_section(demo_db: str, tmp_path: Path) -> None:
    output = ok("case", "cust-dara", "C-1012", "--db", demo_db, "--json")

    found = json.loads(output)
    assert list(found) == [
        "case",
        "hand_offs",
        "promises",
        "compensation",
        "sla_clocks",
        "timeline",
    ]
    assert (found["case"]["owner"], found["case"]["confirmed_by_customer"]) == (
        "privacy-office",
        True,
    )
    assert [row["id"] for row in found["promises"]] == ["A-1012-1"]
    assert [row["type"] for row in found["timeline"]][:3] == [
        "ComplaintFiled",
        "ComplaintAcknowledged",
        "CaseEscalated",
    ]
    engine = TrustEngine(demo_db)
    try:
        with ReadModel(engine) as model:
            assert found == model.case("cust-dara", "C-1012")
    finally:
        engine.close()


def test_case_of_an_unknown_customer_is_one_line_and_exit_2(demo_db: str) -> None:
    result = run("case", "cust-nobody", "C-1", "--db", demo_db)

    assert (result.exit_code, result.output) == (
        2,
        f"Error: no customer 'cust-nobody' in {demo_db}\n",
    )


def test_case_the_customer_does_not_have_is_one_line_and_exit_2(demo_db: str) -> None:
    result = run("case", "cust-dara", "C-1002", "--db", demo_db, "--json")

    assert (result.exit_code, result.output) == (
        2,
        f"Error: customer 'cust-dara' has no case 'C-1002' in {demo_db}\n",
    )


# --- stores that cannot be used --------------------------------------------------------


@pytest.mark.parametrize(
    "args", [["customers"], ["customers", "--csv"], ["case", "cust-dara", "C-1012"]]
)
def test_a_missing_store_folder_is_one_line_and_exit_2(tmp_path: Path, args: list[str]) -> None:
    target = str(tmp_path / "nowhere" / "trust.db")

    result = run(*args, "--db", target)

    assert (result.exit_code, result.output) == (
        2,
        f"Error: store target '{target}': folder '{tmp_path / 'nowhere'}' does not exist\n",
    )


@pytest.mark.parametrize("args", [["customers", "--json"], ["case", "cust-dara", "C-1012"]])
def test_a_store_locked_by_another_writer_is_one_line_and_exit_2(
    locked: str, args: list[str]
) -> None:
    result = run(*args, "--db", locked)

    assert (result.exit_code, result.output) == (
        2,
        f"Error: read model {locked}: database is locked\n",
    )


@pytest.mark.postgres
def test_customers_and_case_answer_for_a_postgres_store_from_a_views_file(
    postgres_target: str, tmp_path: Path
) -> None:
    lines = tmp_path / "demo.jsonl"
    lines.write_text("\n".join(demo_lines()) + "\n", encoding="utf-8")
    ok("import", str(lines), "--db", postgres_target)
    where = ["--db", postgres_target, "--views", str(tmp_path / "views.db")]

    at_risk = json.loads(ok("customers", *where, "--json", "--at-risk"))
    found = json.loads(ok("case", "cust-boris", "C-1002", *where, "--json"))

    assert [row["customer"] for row in at_risk] == ["cust-boris"]
    assert (found["case"]["owner"], found["case"]["hand_offs"]) == ("agent-4", 3)


@pytest.mark.parametrize("command", ["customers", "case"])
def test_help_ends_with_an_example(command: str) -> None:
    output = ok(command, "--help")

    assert f"Example: trustengine {command}" in output
    assert "--views PATH" in output


def test_case_header_shows_a_wait_on_the_customer_and_its_reason(tmp_path: Path) -> None:
    db = str(tmp_path / "one.db")
    engine = TrustEngine(db)
    start = datetime(2026, 3, 2, 9, tzinfo=UTC)
    engine.file_complaint(
        "cust-1", "C-1", category="delivery", severity=2, cause="other", summary="Late", at=start
    )
    engine.await_customer("cust-1", "C-1", reason="Photo of the label", at=start.replace(hour=10))
    engine.contact("cust-1", "C-1", direction="inbound", at=start.replace(hour=12, minute=30))
    engine.await_customer(
        "cust-1", "C-1", reason="Carrier report", on="third_party", at=start.replace(hour=13)
    )
    engine.close()

    lines = [line.rstrip() for line in ok("case", "cust-1", "C-1", "--db", db).splitlines()]

    assert lines[9:11] == [
        "  awaiting:        since 2026-03-02 13:00: Carrier report",
        "  paused:          2.5h in all, 2 wait(s): Photo of the label (customer); Carrier report "
        "(third party)",
    ]
