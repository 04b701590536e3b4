"""``verify --views`` catches a read model edited by hand: a row changed, added or deleted
in any table people query or in the projector's own fold, or an SQL view redefined. Each
is a problem line and exit status 1, even when the edit changed what ``customers`` or
``due`` print; so is a read model out of step with its store."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.audit.stores import demo_store
from trustengine.cli import main
from trustengine.readmodel.schema import READ_TABLES


@pytest.fixture
def demo_db(tmp_path: Path) -> str:
    path = demo_store(tmp_path / "demo.db")
    assert CliRunner().invoke(main, ["rebuild", "--db", path]).exit_code == 0
    return path


def edit(path: str, *statements: str) -> None:
    with sqlite3.connect(path) as conn:
        for statement in statements:
            assert conn.execute(statement).rowcount != 0 or statement.startswith(
                ("DROP", "CREATE")
            ), statement


def verify_views(path: str) -> tuple[int, list[str]]:
    result = CliRunner().invoke(main, ["verify", "--views", "--db", path])
    return result.exit_code, result.stdout.splitlines()


def differs(table: str, extra: int, missing: int) -> str:
    return (
        f"read model: table {table} differs from a fresh rebuild of the first 83 events: "
        f"{extra} row(s) the rebuild does not have, {missing} it has that the table lacks: "
        "run trustengine rebuild"
    )


EDITS = {
    "customers": "UPDATE customers SET score = 99.5, phase = 'restored' "
    "WHERE customer = 'cust-boris'",
    "cases": "UPDATE cases SET severity = severity + 1 "
    "WHERE rowid = (SELECT MIN(rowid) FROM cases)",
    "timeline": "UPDATE timeline SET summary = 'nothing happened' "
    "WHERE rowid = (SELECT MIN(rowid) FROM timeline)",
    "promises": "UPDATE promises SET due = '2099-01-01T00:00:00+00:00' "
    "WHERE customer = 'cust-chen' AND id = 'P-1003-1'",
    "compensation": "UPDATE compensation SET amount = amount * 10 "
    "WHERE rowid = (SELECT MIN(rowid) FROM compensation)",
    "sla_clocks": "UPDATE sla_clocks SET breached = 1 - breached "
    "WHERE rowid = (SELECT MIN(rowid) FROM sla_clocks)",
    "score_history": "UPDATE score_history SET delta = delta + 1 "
    "WHERE rowid = (SELECT MIN(rowid) FROM score_history)",
    "satisfaction": "UPDATE satisfaction SET score = 1 - score "
    "WHERE rowid = (SELECT MIN(rowid) FROM satisfaction)",
    "view_state": "UPDATE view_state SET position = position + 5 WHERE customer = 'cust-chen'",
}


def test_every_table_people_query_and_the_projectors_fold_has_an_edit_here() -> None:
    assert set(EDITS) | {"problems"} == {*READ_TABLES, "view_state"}


@pytest.mark.parametrize("table", sorted(EDITS))
def test_an_edited_row_is_reported_with_exit_1(demo_db: str, table: str) -> None:
    assert verify_views(demo_db) == (0, ["83 events checked: ok"])
    edit(demo_db, EDITS[table])

    assert verify_views(demo_db) == (1, [differs(table, 1, 1), "83 events checked: 1 problem(s)"])


@pytest.mark.parametrize("table", ["timeline", "promises", "score_history"])
def test_a_deleted_row_is_reported_with_exit_1(demo_db: str, table: str) -> None:
    # The table names are the test's own constants.
    edit(demo_db, f"DELETE FROM {table} WHERE rowid = (SELECT MIN(rowid) FROM {table})")  # noqa: S608

    assert verify_views(demo_db) == (1, [differs(table, 0, 1), "83 events checked: 1 problem(s)"])


def test_an_added_row_is_reported_with_exit_1(demo_db: str) -> None:
    edit(
        demo_db,
        'INSERT INTO timeline SELECT customer, position + 100, at, recorded_at, type, "case", '
        "actor, channel, summary, seq, event_id, counted, amendment, amended_by, amended_at, "
        "amended_actor, amend_reason, met_at, late_entry, source "
        "FROM timeline WHERE rowid = (SELECT MIN(rowid) FROM timeline)",
    )

    assert verify_views(demo_db) == (
        1,
        [differs("timeline", 1, 0), "83 events checked: 1 problem(s)"],
    )


def test_an_invented_set_aside_event_is_reported(demo_db: str) -> None:
    edit(
        demo_db,
        "INSERT INTO problems VALUES (5, 'x', 'cust-amelia', 5, 'ApologyIssued', 'bad', NULL, "
        "'2026-06-01T12:00:00+00:00')",
    )

    code, lines = verify_views(demo_db)

    assert code == 1
    assert lines == [
        "read model: customer 'cust-amelia' position 5 (event #5, ApologyIssued) could not be "
        "projected: bad",
        differs("problems", 1, 0),
        "83 events checked: 2 problem(s)",
    ]


def test_edits_that_change_what_customers_and_due_print_are_caught(demo_db: str) -> None:
    runner = CliRunner()
    before = [
        runner.invoke(main, [c, "--db", demo_db, "--csv"]).output for c in ("customers", "due")
    ]
    edit(demo_db, EDITS["customers"], EDITS["promises"])

    after = [
        runner.invoke(main, [c, "--db", demo_db, "--csv"]).output for c in ("customers", "due")
    ]

    assert after[0] != before[0] and "cust-boris,99.5" in after[0]
    assert after[1] != before[1]
    assert verify_views(demo_db) == (
        1,
        [differs("customers", 1, 1), differs("promises", 1, 1), "83 events checked: 2 problem(s)"],
    )


OUT_OF_STEP = (
    "the read model is at event {}, which this store does not hold as processed: it was "
    "built from another store; run trustengine rebuild"
)


def test_a_tracked_position_past_the_last_event_is_a_finding(demo_db: str) -> None:
    edit(demo_db, "UPDATE view_tracking SET notification_id = 90")

    assert verify_views(demo_db) == (
        1,
        [OUT_OF_STEP.format(90), "83 events checked: 1 problem(s)"],
    )


def test_events_deleted_under_a_read_model_are_a_finding_beside_the_chains(demo_db: str) -> None:
    edit(demo_db, "DELETE FROM stored_events WHERE rowid = 83")

    code, lines = verify_views(demo_db)

    assert code == 1
    assert lines[0].startswith("store head: the store records 83 events with head ")
    assert lines[1:] == [
        "chain: 1 recorded hash(es) have no stored event: events were deleted",
        OUT_OF_STEP.format(83),
        "82 events checked: 3 problem(s)",
    ]


def test_a_redefined_sql_view_is_reported(demo_db: str) -> None:
    edit(
        demo_db,
        "DROP VIEW overdue_commitments",
        "CREATE VIEW overdue_commitments AS SELECT * FROM promises WHERE 0",
    )

    assert verify_views(demo_db) == (
        1,
        [
            "read model: SQL view overdue_commitments is not the one projections/ defines "
            "(changed, added or dropped): run trustengine rebuild",
            "83 events checked: 1 problem(s)",
        ],
    )
