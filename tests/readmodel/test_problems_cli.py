"""Every command that reads the read model survives a stored event it cannot project: no
traceback, the right counts, and one line on stderr saying what is left out;
``verify --views`` lists it and exits 1."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from tests.audit.stores import demo_store
from tests.examples import event
from tests.readmodel.problem_stores import (
    KEPT,
    OVERFLOW,
    SEE,
    SET_ASIDE,
    WARN,
    WARN_AMELIA,
    corrupt,
    store_unchecked,
)
from trustengine import TrustEngine
from trustengine.cli import main


def run(*args: str) -> Result:
    result = CliRunner().invoke(main, list(args))
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result


@pytest.fixture
def broken_db(tmp_path: Path) -> str:
    """The demo store with cust-amelia's ComplaintFiled (event #3) made undecodable."""
    db = demo_store(tmp_path / "trust.db")
    corrupt(db, 3)
    return db


@pytest.fixture
def overflow_db(tmp_path: Path) -> str:
    """The demo store and a CaseEscalated of level 2**64 for cust-boris (event #84)."""
    db = demo_store(tmp_path / "trust.db")
    engine = TrustEngine(db)
    try:
        store_unchecked(engine, "cust-boris", "C-1002", level=2**64)
    finally:
        engine.close()
    return db


@pytest.mark.parametrize(
    ("args", "warning"),
    [
        (("customers",), WARN),
        (("report",), WARN),
        (("due",), WARN),
        (("sweep", "--dry-run"), WARN),
        (("timeline", "cust-boris"), WARN),
        (("timeline", "cust-amelia"), WARN_AMELIA),
        (("state", "cust-amelia"), WARN_AMELIA),
        (("case", "cust-boris", "C-1002"), WARN),
    ],
)
def test_read_commands_work_and_say_in_one_line_what_is_left_out(
    broken_db: str, args: tuple[str, ...], warning: str
) -> None:
    result = run(*args, "--db", broken_db)

    assert result.exit_code == 0, result.output
    assert result.stderr.startswith(warning)  # sweep adds its summary line after it
    assert result.stderr.count("warning:") == 1


def test_customers_lists_everyone_with_the_broken_customer_as_of_before_it(
    broken_db: str,
) -> None:
    result = run("customers", "--json", "--db", broken_db)

    rows = {row["customer"]: row for row in json.loads(result.stdout)}
    assert len(rows) == 5
    assert (rows["cust-amelia"]["phase"], rows["cust-amelia"]["open_cases"]) == ("steady", 0)
    assert result.stderr == WARN


def test_state_and_timeline_show_the_customer_as_of_the_last_event_projected(
    broken_db: str,
) -> None:
    state = json.loads(run("state", "cust-amelia", "--json", "--db", broken_db).stdout)
    timeline = json.loads(run("timeline", "cust-amelia", "--json", "--db", broken_db).stdout)

    assert state["events"] == 2
    assert [row["type"] for row in timeline] == ["CustomerRegistered", "ConsentUpdated"]


def test_a_case_held_back_is_not_found_after_the_warning(broken_db: str) -> None:
    result = run("case", "cust-amelia", "C-1001", "--db", broken_db)

    assert result.exit_code == 2
    assert result.stderr == (
        WARN_AMELIA + f"Error: customer 'cust-amelia' has no case 'C-1001' in {broken_db}\n"
    )


def test_rebuild_and_follow_once_pass_the_event_and_say_so(broken_db: str) -> None:
    follow = run("follow", "--once", "--db", broken_db)
    rebuild = run("rebuild", "--db", broken_db)

    assert follow.stdout == (
        f"Caught up 83 events from {broken_db} into {broken_db}; now at notification 83.\n"
    )
    assert follow.stderr == WARN
    assert rebuild.stdout.startswith("Rebuilt the read model from 83 events in ")
    assert rebuild.stderr == WARN
    with sqlite3.connect(broken_db) as conn:
        assert conn.execute("SELECT COUNT(*) FROM problems").fetchone() == (17,)
    conn.close()


def test_verify_views_lists_the_event_set_aside_and_exits_1(broken_db: str) -> None:
    result = run("verify", "--views", "--db", broken_db)

    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[-2:] == [SET_ASIDE, "83 events checked: 20 problem(s)"]


def test_verify_views_json_counts_what_the_read_model_left_out(broken_db: str) -> None:
    result = run("verify", "--views", "--json", "--db", broken_db)

    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["views"] == {
        "position": 83,
        "not_projected": 1,
        "held_back": 16,
        "problems": [SET_ASIDE],
    }
    assert report["problems"][-1] == SET_ASIDE


def test_verify_views_of_a_sound_store_and_read_model_is_ok(tmp_path: Path) -> None:
    db = demo_store(tmp_path / "trust.db")
    views = str(tmp_path / "views.db")

    in_the_store = run("verify", "--views", "--db", db)
    elsewhere = run("verify", "--db", db, "--views", views)

    assert (in_the_store.exit_code, in_the_store.stdout) == (0, "83 events checked: ok\n")
    assert (elsewhere.exit_code, elsewhere.stdout) == (0, "83 events checked: ok\n")
    assert Path(views).exists()


def test_verify_views_finds_a_table_edited_by_hand(tmp_path: Path) -> None:
    db = demo_store(tmp_path / "trust.db")
    run("customers", "--db", db)
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE customers SET score = 0 WHERE customer = 'cust-boris'")
        conn.execute("DELETE FROM timeline WHERE customer = 'cust-chen' AND position = 2")
    conn.close()

    result = run("verify", "--views", "--db", db)

    assert result.exit_code == 1
    assert result.stdout == (
        "read model: table customers differs from a fresh rebuild of the first 83 events: "
        "1 row(s) the rebuild does not have, 1 it has that the table lacks: run trustengine "
        "rebuild\n"
        "read model: table timeline differs from a fresh rebuild of the first 83 events: "
        "0 row(s) the rebuild does not have, 1 it has that the table lacks: run trustengine "
        "rebuild\n"
        "83 events checked: 2 problem(s)\n"
    )


def test_a_value_too_large_for_sqlite_leaves_every_command_working(overflow_db: str) -> None:
    warning = (
        "warning: 1 stored event could not be projected into the read model: customer "
        f"'cust-boris' shown as of before them; {SEE}\n"
    )
    for args in (
        ("customers",),
        ("report",),
        ("due",),
        ("timeline", "cust-chen"),
        ("case", "cust-chen", "C-1003"),
        ("rebuild",),
        ("follow", "--once"),
    ):
        result = run(*args, "--db", overflow_db)
        assert (result.exit_code, result.stderr) == (0, warning), args
    state = run("state", "cust-boris", "--json", "--db", overflow_db)
    assert json.loads(state.stdout)["events"] == 19

    verified = run("verify", "--views", "--json", "--db", overflow_db)
    views = json.loads(verified.stdout)["views"]
    assert (verified.exit_code, views["not_projected"], views["held_back"]) == (1, 1, 0)
    (problem,) = views["problems"]
    prefix = (
        "read model: customer 'cust-boris' position 20 (event #84, CaseEscalated) could not "
        "be projected: "
    )
    assert problem.startswith(prefix)
    # Bounded levels (issue 17, item 1) make the mapper refuse it as invalid instead.
    assert problem == prefix + OVERFLOW or "does not decode: 1 validation error" in problem


def test_sweep_records_no_miss_for_a_customer_shown_as_of_before_an_event(
    tmp_path: Path,
) -> None:
    db = demo_store(tmp_path / "trust.db")
    engine = TrustEngine(db)
    try:
        store_unchecked(engine, "cust-chen", "C-1003", level=2**64)
        # Kept in an event held back behind it: the tables still show the promise open.
        engine.record(event("PromiseKept", "cust-chen", "C-1003", at=KEPT, promise="P-1003-1"))
    finally:
        engine.close()

    result = run("sweep", "--json", "--db", db)

    assert result.exit_code == 0, result.output
    assert {miss["customer"] for miss in json.loads(result.stdout)} == {"cust-boris"}
    with sqlite3.connect(db) as conn:
        kept = conn.execute(
            "SELECT status FROM promises WHERE customer = 'cust-chen' AND id = 'P-1003-1'"
        ).fetchone()
    conn.close()
    assert kept == ("open",)
