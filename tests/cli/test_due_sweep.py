"""``trustengine due`` and ``trustengine sweep`` through click's CliRunner."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from tests.examples import event

from trustengine import TrustEngine
from trustengine.cli import main

T = "2026-03-02T12:00:00+00:00"
"""The moment the tests judge: a day and three hours after the first complaint."""

HISTORY = [
    event(
        "ComplaintFiled",
        "cust-1",
        "C-1",
        at=0,
        actor="customer",
        category="delivery",
        severity=2,
        cause="broken_promise",
        summary="Parcel late",
    ),
    event("ComplaintAcknowledged", "cust-1", "C-1", at=30, actor="agent-7"),
    event(
        "PromiseMade",
        "cust-1",
        "C-1",
        at=40,
        actor="agent-7",
        promise="P-1",
        description="Call back with a slot",
        due="2026-03-02T09:00:00+00:00",
    ),
    event(
        "CorrectiveActionCommitted",
        "cust-1",
        "C-1",
        at=50,
        actor="agent-7",
        action="A-1",
        description="Fix the van rota",
        due="2026-03-04T09:00:00+00:00",
    ),
    event(
        "ComplaintFiled",
        "cust-2",
        "C-9",
        at=10,
        actor="customer",
        category="billing",
        severity=1,
        cause="billing_error",
        summary="Charged twice",
    ),
    event("ComplaintAcknowledged", "cust-2", "C-9", at=40, actor="agent-9"),
    event("ResolutionProposed", "cust-2", "C-9", at=90, actor="agent-9", summary="Refunded"),
    event("ResolutionConfirmed", "cust-2", "C-9", at=120, actor="customer"),
    event("CaseClosed", "cust-2", "C-9", at=130, actor="agent-9", confirmed_by_customer=True),
]

FOLLOW_UP = "follow up on the resolution: none scheduled; follow-up SLA (sla-default)"
SURVEY = "ask for CSAT/NPS: the case is closed and none was recorded"
OFFSET = "of calendar time in the offset the clock started in; due"
DUE_CSV = f"""\
due,kind,customer,case,id,description,owner,overdue,hours_overdue,due_explained
2026-03-02T09:00:00+00:00,promise,cust-1,C-1,P-1,Call back with a slot,agent-7,yes,3.0,
2026-03-02T11:00:00+00:00,follow_up,cust-2,C-9,,{FOLLOW_UP},agent-9,yes,1.0,\
24 hours {OFFSET} Mon 2 Mar 2026 11:00:00 +00:00
2026-03-02T11:10:00+00:00,survey,cust-2,C-9,,{SURVEY},agent-9,yes,0.8,
2026-03-04T09:00:00+00:00,action,cust-1,C-1,A-1,Fix the van rota,agent-7,no,-45.0,
2026-03-15T09:00:00+00:00,sla:resolution,cust-1,C-1,,resolution SLA (sla-default),agent-7,no,\
-309.0,14 calendar days {OFFSET} Sun 15 Mar 2026 09:00:00 +00:00
2026-04-26T09:00:00+00:00,sla:final_response,cust-1,C-1,,final response SLA (sla-default),\
agent-7,no,-1317.0,8 weeks {OFFSET} Sun 26 Apr 2026 09:00:00 +00:00
"""
DUE_TABLE = """\
┏━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━┳━━━━━━┳━━━━━┳━━━━━━━━━┳━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┓
┃ due              ┃ kind               ┃ customer ┃ case ┃ id  ┃ owner   ┃ hours_overdue ┃ description                                                        ┃
┡━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━╇━━━━━━╇━━━━━╇━━━━━━━━━╇━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┩
│ 2026-03-02 09:00 │ ⚠ promise          │ cust-1   │ C-1  │ P-1 │ agent-7 │ 3.0           │ Call back with a slot                                              │
│ 2026-03-02 11:00 │ ⚠ follow_up        │ cust-2   │ C-9  │     │ agent-9 │ 1.0           │ follow up on the resolution: none scheduled; follow-up SLA         │
│                  │                    │          │      │     │         │               │ (sla-default)                                                      │
│ 2026-03-02 11:10 │ ⚠ survey           │ cust-2   │ C-9  │     │ agent-9 │ 0.8           │ ask for CSAT/NPS: the case is closed and none was recorded         │
│ 2026-03-04 09:00 │ action             │ cust-1   │ C-1  │ A-1 │ agent-7 │ -45.0         │ Fix the van rota                                                   │
│ 2026-03-15 09:00 │ sla:resolution     │ cust-1   │ C-1  │     │ agent-7 │ -309.0        │ resolution SLA (sla-default)                                       │
│ 2026-04-26 09:00 │ sla:final_response │ cust-1   │ C-1  │     │ agent-7 │ -1317.0       │ final response SLA (sla-default)                                   │
└──────────────────┴────────────────────┴──────────┴──────┴─────┴─────────┴───────────────┴────────────────────────────────────────────────────────────────────┘
6 items, 3 overdue
"""  # noqa: E501 - a table 160 characters wide, as a non-terminal gets it
OVERDUE_ROWS = [
    {
        "due": "2026-03-02T09:00:00+00:00",
        "kind": "promise",
        "customer": "cust-1",
        "case": "C-1",
        "id": "P-1",
        "description": "Call back with a slot",
        "owner": "agent-7",
        "overdue": True,
        "hours_overdue": 3.0,
        "due_explained": None,
    },
    {
        "due": "2026-03-02T11:00:00+00:00",
        "kind": "follow_up",
        "customer": "cust-2",
        "case": "C-9",
        "id": None,
        "description": FOLLOW_UP,
        "owner": "agent-9",
        "overdue": True,
        "hours_overdue": 1.0,
        "due_explained": f"24 hours {OFFSET} Mon 2 Mar 2026 11:00:00 +00:00",
    },
    {
        "due": "2026-03-02T11:10:00+00:00",
        "kind": "survey",
        "customer": "cust-2",
        "case": "C-9",
        "id": None,
        "description": SURVEY,
        "owner": "agent-9",
        "overdue": True,
        "hours_overdue": 0.8,
        "due_explained": None,
    },
]
SWEPT = [
    {
        "at": "2026-03-02T09:00:00+00:00",
        "type": "PromiseBroken",
        "customer": "cust-1",
        "case": "C-1",
        "promise": "P-1",
        "clock": None,
        "due": "2026-03-02T09:00:00+00:00",
    },
    {
        "at": "2026-03-02T11:00:00+00:00",
        "type": "SlaBreached",
        "customer": "cust-2",
        "case": "C-9",
        "promise": None,
        "clock": "follow_up",
        "due": "2026-03-02T11:00:00+00:00",
    },
]
SWEEP_TABLE = """\
┏━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━┳━━━━━━━━━━┳━━━━━━┳━━━━━━━━━┳━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━┓
┃ at               ┃ type          ┃ customer ┃ case ┃ promise ┃ clock     ┃ due              ┃
┡━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━╇━━━━━━━━━━╇━━━━━━╇━━━━━━━━━╇━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━┩
│ 2026-03-02 09:00 │ PromiseBroken │ cust-1   │ C-1  │ P-1     │           │ 2026-03-02 09:00 │
│ 2026-03-02 11:00 │ SlaBreached   │ cust-2   │ C-9  │         │ follow_up │ 2026-03-02 11:00 │
└──────────────────┴───────────────┴──────────┴──────┴─────────┴───────────┴──────────────────┘
"""
RECORDED = f"Recorded 2 events (1 PromiseBroken, 1 SlaBreached) as of {T}.\n"


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def db(tmp_path: Path) -> str:
    """An SQLite store holding :data:`HISTORY`."""
    target = str(tmp_path / "trust.db")
    engine = TrustEngine(target)
    try:
        engine.record_many(HISTORY)
    finally:
        engine.close()
    return target


def stored(db: str) -> int:
    engine = TrustEngine(db)
    try:
        return engine.recorder.max_notification_id() or 0
    finally:
        engine.close()


# --- due ---------------------------------------------------------------------------------


def test_due_prints_a_table_soonest_first_with_overdue_rows_marked(
    runner: CliRunner, db: str
) -> None:
    result = runner.invoke(main, ["due", "--at", T, "--db", db])

    assert result.exit_code == 0, result.output
    assert result.output == DUE_TABLE


def test_due_csv_has_every_column_and_whole_times(runner: CliRunner, db: str) -> None:
    result = runner.invoke(main, ["due", "--at", T, "--csv", "--db", db])

    assert result.exit_code == 0, result.output
    assert result.output == DUE_CSV


def test_due_json_with_overdue_keeps_only_what_is_past_due(runner: CliRunner, db: str) -> None:
    result = runner.invoke(main, ["due", "--at", T, "--overdue", "--json", "--db", db])

    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == OVERDUE_ROWS


def test_due_nl_gives_one_json_object_a_line(runner: CliRunner, db: str) -> None:
    result = runner.invoke(main, ["due", "--at", T, "--overdue", "--nl", "--db", db])

    assert result.exit_code == 0, result.output
    assert [json.loads(line) for line in result.output.splitlines()] == OVERDUE_ROWS


def test_due_owner_keeps_the_cases_that_owner_owns(runner: CliRunner, db: str) -> None:
    result = runner.invoke(main, ["due", "--at", T, "--owner", "agent-9", "--nl", "--db", db])

    assert result.exit_code == 0, result.output
    assert [json.loads(line) for line in result.output.splitlines()] == OVERDUE_ROWS[1:]


def test_due_fail_on_overdue_prints_then_exits_1_when_anything_is_overdue(
    runner: CliRunner, db: str
) -> None:
    args = ["due", "--at", T, "--overdue", "--json", "--fail-on-overdue", "--db", db]

    result = runner.invoke(main, args)

    assert result.exit_code == 1
    assert json.loads(result.stdout) == OVERDUE_ROWS
    assert result.stderr == f"Error: 3 items are overdue as of {T}\n"


def test_due_fail_on_overdue_exits_0_when_nothing_is_overdue(runner: CliRunner, db: str) -> None:
    args = ["due", "--at", "2026-03-01T12:00:00+00:00", "--fail-on-overdue", "--csv"]

    result = runner.invoke(main, [*args, "--db", db])

    assert result.exit_code == 0, result.output
    overdue = [line.split(",")[7] for line in result.output.splitlines()[1:]]
    assert overdue == ["no"] * 6


def test_due_with_a_bad_time_is_a_one_line_error(runner: CliRunner, db: str) -> None:
    result = runner.invoke(main, ["due", "--at", "tomorrow", "--db", db])

    assert result.exit_code == 2
    assert result.output == (
        "Error: --at: 'tomorrow' is not a time: use ISO 8601 with an offset, "
        "e.g. 2026-03-01T09:00:00+00:00\n"
    )


def test_due_with_a_time_without_an_offset_is_a_one_line_error(runner: CliRunner, db: str) -> None:
    result = runner.invoke(main, ["due", "--at", "2026-03-02T12:00", "--db", db])

    assert result.exit_code == 2
    assert result.output == (
        "Error: --at: '2026-03-02T12:00' has no offset: add one, e.g. +00:00 or Z\n"
    )


@pytest.mark.parametrize("command", ["due", "sweep"])
def test_a_missing_store_is_a_one_line_error_and_nothing_is_created(
    runner: CliRunner, tmp_path: Path, command: str
) -> None:
    target = str(tmp_path / "nope.db")

    result = runner.invoke(main, [command, "--db", target])

    assert result.exit_code == 2
    assert result.output == (
        f"Error: no store at {target}: check --db, or load one with trustengine import "
        "(nothing was created)\n"
    )
    assert not Path(target).exists()


@pytest.mark.parametrize("command", ["due", "sweep"])
def test_a_store_in_a_missing_folder_is_a_one_line_error(
    runner: CliRunner, tmp_path: Path, command: str
) -> None:
    target = str(tmp_path / "nope" / "trust.db")

    result = runner.invoke(main, [command, "--db", target])

    assert result.exit_code == 2
    assert result.output == (
        f"Error: store target {target!r}: folder {str(tmp_path / 'nope')!r} does not exist\n"
    )


# --- sweep -------------------------------------------------------------------------------


def test_sweep_lists_what_it_recorded_and_says_how_many_on_stderr(
    runner: CliRunner, db: str
) -> None:
    result = runner.invoke(main, ["sweep", "--at", T, "--db", db])

    assert result.exit_code == 0, result.output
    assert result.stdout == SWEEP_TABLE
    assert result.stderr == RECORDED
    assert stored(db) == len(HISTORY) + 2


def test_sweep_run_twice_records_nothing_the_second_time(runner: CliRunner, db: str) -> None:
    runner.invoke(main, ["sweep", "--at", T, "--db", db])

    again = runner.invoke(main, ["sweep", "--at", T, "--json", "--db", db])

    assert again.exit_code == 0, again.output
    assert json.loads(again.stdout) == []
    assert again.stderr == f"Nothing to record as of {T}.\n"
    assert stored(db) == len(HISTORY) + 2


def test_sweep_dry_run_lists_what_it_would_record_and_writes_nothing(
    runner: CliRunner, db: str
) -> None:
    result = runner.invoke(main, ["sweep", "--at", T, "--dry-run", "--json", "--db", db])

    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == SWEPT
    assert result.stderr == (
        f"Would record 2 events (1 PromiseBroken, 1 SlaBreached) as of {T}; nothing was written.\n"
    )
    assert stored(db) == len(HISTORY)


def test_sweep_nl_and_csv_carry_the_same_rows(runner: CliRunner, db: str) -> None:
    as_nl = runner.invoke(main, ["sweep", "--at", T, "--dry-run", "--nl", "--db", db])
    as_csv = runner.invoke(main, ["sweep", "--at", T, "--dry-run", "--csv", "--db", db])

    assert [json.loads(line) for line in as_nl.stdout.splitlines()] == SWEPT
    assert as_csv.stdout == (
        "at,type,customer,case,promise,clock,due\n"
        "2026-03-02T09:00:00+00:00,PromiseBroken,cust-1,C-1,P-1,,2026-03-02T09:00:00+00:00\n"
        "2026-03-02T11:00:00+00:00,SlaBreached,cust-2,C-9,,follow_up,2026-03-02T11:00:00+00:00\n"
    )


def test_after_a_sweep_the_timeline_shows_the_miss_as_a_fact_by_system(
    runner: CliRunner, db: str
) -> None:
    runner.invoke(main, ["sweep", "--at", T, "--db", db])

    result = runner.invoke(main, ["timeline", "cust-1", "--json", "--db", db])

    last = json.loads(result.output)[-1]
    assert {k: last[k] for k in ("at", "type", "case", "actor", "summary")} == {
        "at": "2026-03-02T09:00:00+00:00",
        "type": "PromiseBroken",
        "case": "C-1",
        "actor": "system",
        "summary": "Promise P-1 broken: not kept by its due time",
    }


def test_after_a_sweep_due_shows_no_open_promise_overdue(runner: CliRunner, db: str) -> None:
    runner.invoke(main, ["sweep", "--at", T, "--db", db])

    result = runner.invoke(main, ["due", "--at", T, "--overdue", "--nl", "--db", db])

    assert [json.loads(line)["kind"] for line in result.output.splitlines()] == [
        "follow_up",
        "survey",
    ]


def test_sweep_with_a_bad_time_is_a_one_line_error(runner: CliRunner, db: str) -> None:
    result = runner.invoke(main, ["sweep", "--at", "soon", "--db", db])

    assert result.exit_code == 2
    assert result.output == (
        "Error: --at: 'soon' is not a time: use ISO 8601 with an offset, "
        "e.g. 2026-03-01T09:00:00+00:00\n"
    )
    assert stored(db) == len(HISTORY)


def test_sweep_later_than_now_is_a_one_line_error(runner: CliRunner, db: str) -> None:
    result = runner.invoke(main, ["sweep", "--at", "2999-01-01T00:00:00+00:00", "--db", db])

    assert result.exit_code == 2
    assert result.output.startswith("Error: a sweep as of 2999-01-01T00:00:00+00:00 is later ")
    assert result.output.endswith("it records only what has already been missed\n")
    assert len(result.output.splitlines()) == 1
    assert stored(db) == len(HISTORY)


@pytest.mark.parametrize("command", ["due", "sweep"])
def test_help_ends_with_an_example(runner: CliRunner, command: str) -> None:
    result = runner.invoke(main, [command, "--help"])

    assert result.exit_code == 0
    assert f"Example: trustengine {command} " in result.output
    assert "--db TARGET" in result.output
