"""The read model on the command line: rebuild, and state/timeline answered from it."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.readmodel.conftest import DEMO_CUSTOMERS
from trustengine.cli import main


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def run(runner: CliRunner, *args: str) -> str:
    result = runner.invoke(main, list(args))
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture
def demo_db(runner: CliRunner, tmp_path: Path) -> str:
    db = str(tmp_path / "trust.db")
    run(runner, "demo", "--db", db)
    return db


@pytest.mark.parametrize("command", ["rebuild", "state", "timeline"])
def test_every_read_model_command_has_help_with_an_example(runner: CliRunner, command: str) -> None:
    output = run(runner, command, "--help")

    assert "Example: trustengine " in output
    assert "--views PATH" in output


def test_rebuild_replays_every_event_into_the_store_file(runner: CliRunner, demo_db: str) -> None:
    output = run(runner, "rebuild", "--db", demo_db)

    assert output.startswith("Rebuilt the read model from 83 events in ")
    assert output.endswith(f"(policy trust-v1, SLA sla-default) into {demo_db}.\n")
    with sqlite3.connect(demo_db) as conn:
        assert conn.execute("SELECT COUNT(*) FROM timeline").fetchone() == (83,)
        assert conn.execute("SELECT notification_id FROM view_tracking").fetchone() == (83,)


def test_state_json_from_the_read_model_equals_the_replayed_state(
    runner: CliRunner, demo_db: str
) -> None:
    for customer in DEMO_CUSTOMERS:
        from_tables = run(runner, "state", customer, "--db", demo_db, "--json")
        replayed = run(runner, "state", customer, "--db", demo_db, "--json", "--policy", "trust-v1")

        assert from_tables == replayed


def test_timeline_from_the_read_model_equals_the_replayed_timeline(
    runner: CliRunner, demo_db: str
) -> None:
    for args in (["cust-boris"], ["cust-dara", "--case", "C-1012"]):
        from_tables = run(runner, "timeline", *args, "--db", demo_db, "--json")
        replayed = run(
            runner, "timeline", *args, "--db", demo_db, "--json", "--as-of", "2100-01-01"
        )

        assert from_tables == replayed
        assert json.loads(from_tables)


def test_state_catches_up_with_events_imported_since(
    runner: CliRunner, demo_db: str, tmp_path: Path
) -> None:
    run(runner, "state", "cust-chen", "--db", demo_db, "--json")
    path = tmp_path / "more.jsonl"
    path.write_text(
        '{"type": "SatisfactionRecorded", "customer": "cust-chen", "case": "C-1003", '
        '"at": "2026-06-10T09:00:00+00:00", "data": {"metric": "nps", "score": 2}}\n',
        encoding="utf-8",
    )
    run(runner, "import", str(path), "--db", demo_db)

    state = json.loads(run(runner, "state", "cust-chen", "--db", demo_db, "--json"))

    assert state["events"] == 9
    assert state["explanation"][-1]["type"] == "SatisfactionRecorded"
    assert state == json.loads(
        run(runner, "state", "cust-chen", "--db", demo_db, "--json", "--sla", "sla-default")
    )


def test_state_under_a_rebuilt_sla_policy_names_it(runner: CliRunner, demo_db: str) -> None:
    run(runner, "rebuild", "--db", demo_db, "--sla", "sla-us-cfpb")

    state = json.loads(run(runner, "state", "cust-dara", "--db", demo_db, "--json"))

    assert state["sla_policy"] == "sla-us-cfpb"


def test_a_views_path_that_is_a_folder_is_a_clear_input_error(
    runner: CliRunner, demo_db: str, tmp_path: Path
) -> None:
    result = runner.invoke(main, ["state", "cust-chen", "--db", demo_db, "--views", str(tmp_path)])

    assert result.exit_code == 2
    assert result.output == f"Error: views file {str(tmp_path)!r} is a directory\n"


def test_an_unknown_customer_is_a_clear_input_error(runner: CliRunner, demo_db: str) -> None:
    result = runner.invoke(main, ["state", "cust-nobody", "--db", demo_db])

    assert result.exit_code == 2
    assert result.output == f"Error: no customer 'cust-nobody' in {demo_db}\n"


@pytest.mark.postgres
@pytest.mark.parametrize("durable_target", ["postgres"], indirect=True)
def test_views_path_holds_the_read_model_of_a_postgres_store(
    runner: CliRunner, durable_target: str, tmp_path: Path
) -> None:
    views = str(tmp_path / "views.db")
    run(runner, "demo", "--db", durable_target)

    output = run(runner, "rebuild", "--db", durable_target, "--views", views)

    assert output.endswith(f"(policy trust-v1, SLA sla-default) into {views}.\n")
    for customer in DEMO_CUSTOMERS:
        from_tables = run(
            runner, "state", customer, "--db", durable_target, "--views", views, "--json"
        )
        replayed = run(
            runner, "state", customer, "--db", durable_target, "--json", "--policy", "trust-v1"
        )
        assert from_tables == replayed
    with sqlite3.connect(views) as conn:
        phases = conn.execute("SELECT customer, phase FROM customers ORDER BY customer").fetchall()
    assert phases == [
        ("cust-amelia", "advocate"),
        ("cust-boris", "lost"),
        ("cust-chen", "recovering"),
        ("cust-dara", "restored"),
        ("cust-esme", "restored"),
    ]
    timeline = run(
        runner, "timeline", "cust-boris", "--db", durable_target, "--views", views, "--json"
    )
    assert timeline == run(
        runner, "timeline", "cust-boris", "--db", durable_target, "--json", "--as-of", "2100-01-01"
    )


def test_erase_rewrites_the_read_model_at_once_and_leaves_no_plaintext_in_the_files(
    runner: CliRunner, demo_db: str, tmp_path: Path
) -> None:
    run(runner, "timeline", "cust-boris", "--db", demo_db)  # builds the read model

    run(runner, "erase", "cust-boris", "--legal-basis", "GDPR Art. 17", "--yes", "--db", demo_db)

    files = [path for path in tmp_path.iterdir() if path.name.startswith("trust.db")]
    assert files
    for path in files:
        assert b"Lindqvist" not in path.read_bytes(), path.name
    from_tables = run(runner, "timeline", "cust-boris", "--db", demo_db, "--json")
    replayed = run(
        runner, "timeline", "cust-boris", "--db", demo_db, "--json", "--as-of", "2100-01-01"
    )
    assert from_tables == replayed
    assert json.loads(from_tables)[0]["summary"] == "Registered (standard tier): [erased]"
