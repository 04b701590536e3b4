"""The ledger commands through click's CliRunner: demo, import, export, verify, timeline."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from trustengine.cli import main

COMPLAINT = (
    '{"type": "ComplaintFiled", "customer": "cust-1", "case": "C-1", '
    '"at": "2026-03-01T09:00:00+00:00", "actor": "customer", "channel": "email", '
    '"data": {"category": "delivery", "severity": 2, "cause": "broken_promise", '
    '"summary": "Parcel four days late"}}'
)
ACK = (
    '{"type": "ComplaintAcknowledged", "customer": "cust-1", "case": "C-1", '
    '"at": "2026-03-01T09:30:00+00:00", "actor": "agent-7", "data": {}}'
)


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def db(tmp_path: Path) -> str:
    return str(tmp_path / "trust.db")


def write(tmp_path: Path, name: str, *lines: str) -> str:
    path = tmp_path / name
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return str(path)


def stored_rows(db: str) -> int:
    with sqlite3.connect(db) as conn:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if "stored_events" not in tables:
            return 0
        return int(conn.execute("SELECT COUNT(*) FROM stored_events").fetchone()[0])


def test_import_stores_every_line_and_says_how_many(
    runner: CliRunner, tmp_path: Path, db: str
) -> None:
    path = write(tmp_path, "good.jsonl", COMPLAINT, "", ACK)

    result = runner.invoke(main, ["import", path, "--db", db])

    assert result.exit_code == 0, result.output
    assert result.output == f"Imported 2 events (0 already stored) from {path}.\n"
    assert stored_rows(db) == 2


def test_importing_the_same_file_twice_stores_nothing_the_second_time(
    runner: CliRunner, tmp_path: Path, db: str
) -> None:
    path = write(tmp_path, "good.jsonl", COMPLAINT, ACK)
    runner.invoke(main, ["import", path, "--db", db])

    result = runner.invoke(main, ["import", path, "--db", db])

    assert result.exit_code == 0
    assert result.output == f"Imported 0 events (2 already stored) from {path}.\n"
    assert stored_rows(db) == 2


def test_import_lists_every_bad_line_with_file_and_line_and_stores_nothing(
    runner: CliRunner, tmp_path: Path, db: str
) -> None:
    bad_severity = COMPLAINT.replace('"severity": 2', '"severity": 9').replace("C-1", "C-2")
    unknown_case = ACK.replace("C-1", "C-9")
    path = write(tmp_path, "bad.jsonl", COMPLAINT, "{not json", bad_severity, unknown_case, ACK)

    result = runner.invoke(main, ["import", path, "--db", db])

    assert result.exit_code == 2
    assert result.output.splitlines() == [
        f"Error: {path}:2: not valid JSON: Expecting property name enclosed in double "
        "quotes at column 2",
        f"{path}:3: ComplaintFiled: data.severity = 9: Input should be less than or equal to 4 "
        "(rule: range)",
        f"{path}:4: case 'C-9' has no ComplaintFiled: ComplaintAcknowledged needs one "
        "(rule: case-must-exist)",
        f"3 bad lines of 5 in {path}; nothing was stored",
    ]
    assert "Traceback" not in result.output
    assert stored_rows(db) == 0


def test_import_refuses_a_late_entry_before_its_cases_complaint_naming_it(
    runner: CliRunner, tmp_path: Path, db: str
) -> None:
    early_ack = ACK.replace("2026-03-01T09:30:00", "2026-03-01T08:00:00")
    path = write(tmp_path, "back.jsonl", COMPLAINT, early_ack)

    result = runner.invoke(main, ["import", path, "--db", db])

    assert result.exit_code == 2
    assert result.output.splitlines()[0] == (
        f"Error: {path}:2: ComplaintAcknowledged at 2026-03-01T08:00:00+00:00 is a late entry "
        "(this customer's last event is at 2026-03-01T09:00:00+00:00): at its place in "
        "business time, case 'C-1' has no ComplaintFiled: ComplaintAcknowledged needs one; "
        "it conflicts with ComplaintFiled at 2026-03-01T09:00:00+00:00 "
        "(3a2877ff-dc9c-5c01-849e-098bda588f1e:1) (rule: case-must-exist)"
    )
    assert stored_rows(db) == 0


def test_import_reads_stdin_when_given_a_dash(runner: CliRunner, db: str) -> None:
    result = runner.invoke(main, ["import", "-", "--db", db], input=COMPLAINT + "\n")

    assert result.exit_code == 0
    assert result.output == "Imported 1 events (0 already stored) from -.\n"


def test_export_then_import_into_an_empty_store_gives_identical_events(
    runner: CliRunner, tmp_path: Path, db: str
) -> None:
    runner.invoke(main, ["demo", "--db", db])
    first = runner.invoke(main, ["export", "--db", db])
    copy = str(tmp_path / "copy.db")
    path = write(tmp_path, "export.jsonl", *first.output.splitlines())

    imported = runner.invoke(main, ["import", path, "--db", copy])
    second = runner.invoke(main, ["export", "--db", copy])

    assert imported.exit_code == 0
    assert second.output == first.output
    assert len(first.output.splitlines()) == stored_rows(db)


def test_export_of_one_customer_holds_only_their_events(runner: CliRunner, db: str) -> None:
    runner.invoke(main, ["demo", "--db", db])

    result = runner.invoke(main, ["export", "--customer", "cust-chen", "--db", db])

    customers = {json.loads(line)["customer"] for line in result.output.splitlines()}
    assert result.exit_code == 0
    assert customers == {"cust-chen"}


def test_demo_twice_stores_nothing_new_the_second_time(runner: CliRunner, db: str) -> None:
    first = runner.invoke(main, ["demo", "--db", db])
    second = runner.invoke(main, ["demo", "--db", db])

    assert first.exit_code == 0, first.output
    assert first.output.startswith(f"Loaded 83 new events (0 already stored) into {db}.\n")
    assert second.output.startswith(f"Loaded 0 new events (83 already stored) into {db}.\n")
    assert "Timeline of cust-amelia:" in second.output


def test_verify_json_reports_ok_and_the_event_count(runner: CliRunner, db: str) -> None:
    runner.invoke(main, ["demo", "--db", db])

    result = runner.invoke(main, ["verify", "--json", "--db", db])

    assert result.exit_code == 0
    report = json.loads(result.output)
    assert {k: report[k] for k in ("ok", "events", "problems")} == {
        "ok": True,
        "events": 83,
        "problems": [],
    }


def test_verify_exits_1_and_names_an_event_whose_payload_was_edited(
    runner: CliRunner, tmp_path: Path, db: str
) -> None:
    runner.invoke(main, ["import", write(tmp_path, "f.jsonl", COMPLAINT, ACK), "--db", db])
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE stored_events SET state = CAST('{\"x\":1}' AS BLOB) WHERE rowid = 2")

    result = runner.invoke(main, ["verify", "--json", "--db", db])

    report = json.loads(result.output)
    assert result.exit_code == 1
    assert report["ok"] is False
    assert report["events"] == 2
    assert report["problems"] == [
        "customer 'cust-1' position 2 (event #2): does not decode: "
        + report["problems"][0].split("does not decode: ", 1)[1],
        "customer 'cust-1' position 2 (event #2): hash mismatch: its type, time, payload "
        "or position was changed",
        report["problems"][2],
    ]
    assert report["problems"][2].startswith("store head: the store records 2 events")


def test_timeline_json_has_the_contract_keys_oldest_first(
    runner: CliRunner, tmp_path: Path, db: str
) -> None:
    runner.invoke(main, ["import", write(tmp_path, "f.jsonl", COMPLAINT, ACK), "--db", db])

    result = runner.invoke(main, ["timeline", "cust-1", "--json", "--db", db])

    rows = json.loads(result.output)
    assert result.exit_code == 0
    assert [
        {k: r[k] for k in ("at", "type", "case", "actor", "channel", "summary")} for r in rows
    ] == [
        {
            "at": "2026-03-01T09:00:00+00:00",
            "type": "ComplaintFiled",
            "case": "C-1",
            "actor": "customer",
            "channel": "email",
            "summary": "Complaint: Parcel four days late (delivery, severity 2, broken promise)",
        },
        {
            "at": "2026-03-01T09:30:00+00:00",
            "type": "ComplaintAcknowledged",
            "case": "C-1",
            "actor": "agent-7",
            "channel": None,
            "summary": "Complaint acknowledged",
        },
    ]


def test_timeline_as_of_keeps_only_what_had_happened_by_then(
    runner: CliRunner, tmp_path: Path, db: str
) -> None:
    runner.invoke(main, ["import", write(tmp_path, "f.jsonl", COMPLAINT, ACK), "--db", db])

    result = runner.invoke(
        main, ["timeline", "cust-1", "--as-of", "2026-03-01T09:10:00+00:00", "--csv", "--db", db]
    )

    assert result.exit_code == 0
    assert (
        result.output.splitlines()[0]
        == "at,type,case,actor,channel,summary,position,recorded_at,id,late_days,counted,"
        "amendment,source,trust"
    )
    assert len(result.output.splitlines()) == 2


def test_timeline_of_an_unknown_customer_is_a_one_line_error(runner: CliRunner, db: str) -> None:
    runner.invoke(main, ["demo", "--db", db])

    result = runner.invoke(main, ["timeline", "nobody", "--db", db])

    assert result.exit_code == 2
    assert result.output == f"Error: no customer 'nobody' in {db}\n"


def test_a_time_without_an_offset_is_refused_by_name(runner: CliRunner, db: str) -> None:
    result = runner.invoke(main, ["timeline", "cust-1", "--as-of", "2026-03-01T09:00", "--db", db])

    assert result.exit_code == 2
    assert "'2026-03-01T09:00' has no offset: add one, e.g. +00:00 or Z" in result.output


def test_a_db_target_in_a_missing_folder_is_a_one_line_error(
    runner: CliRunner, tmp_path: Path
) -> None:
    target = str(tmp_path / "nope" / "trust.db")

    result = runner.invoke(main, ["verify", "--db", target])

    assert result.exit_code == 2
    assert result.output == (
        f"Error: store target {target!r}: folder {str(tmp_path / 'nope')!r} does not exist\n"
    )


def test_the_db_option_falls_back_to_the_environment(
    runner: CliRunner, db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRUSTENGINE_DB", db)

    result = runner.invoke(main, ["demo"])

    assert result.exit_code == 0
    assert f"into {db}." in result.output


@pytest.mark.parametrize(
    "command", ["demo", "import", "export", "verify", "seal", "state", "timeline"]
)
def test_every_command_has_help_with_an_example(runner: CliRunner, command: str) -> None:
    result = runner.invoke(main, [command, "--help"])

    assert result.exit_code == 0
    assert "Example: trustengine " in result.output
    assert "--db TARGET" in result.output


def test_timeline_table_marks_sla_breaches_and_ends_with_a_trust_trend(
    runner: CliRunner, db: str
) -> None:
    runner.invoke(main, ["demo", "--db", db])

    result = runner.invoke(main, ["timeline", "cust-boris", "--db", db])

    lines = result.output.splitlines()
    assert result.exit_code == 0
    assert any("⚠ SLA breached: first response was due" in line for line in lines)
    assert lines[-1] == "trust trend: ▇▄▄▄▄▄▄▄▄▄▄▃▃▃▂▂▂▂▁  75 → 7.8"


def test_sparkline_maps_scores_from_the_lowest_to_the_highest_block() -> None:
    from trustengine.cli.render import sparkline

    assert sparkline([0, 12.5, 50, 99.9, 100]) == "▁▂▅██"


def test_timeline_nl_gives_one_json_object_a_line_the_same_as_json(
    runner: CliRunner, tmp_path: Path, db: str
) -> None:
    runner.invoke(main, ["import", write(tmp_path, "f.jsonl", COMPLAINT, ACK), "--db", db])

    as_nl = runner.invoke(main, ["timeline", "cust-1", "--nl", "--db", db])
    as_json = runner.invoke(main, ["timeline", "cust-1", "--json", "--db", db])

    assert as_nl.exit_code == 0
    lines = as_nl.output.splitlines()
    assert len(lines) == 2
    assert [json.loads(line) for line in lines] == json.loads(as_json.output)


LATE_ACK = (
    '{"type": "ComplaintAcknowledged", "customer": "cust-1", "case": "C-1", '
    '"at": "2026-03-01T09:30:00+00:00", "actor": "agent-7", "data": {}}'
)
CONTACT = (
    '{"type": "CustomerContacted", "customer": "cust-1", '
    '"at": "2026-03-20T09:00:00+00:00", "data": {"direction": "inbound"}}'
)


def test_timeline_marks_a_late_entry_and_strikes_a_retracted_step(
    runner: CliRunner, tmp_path: Path, db: str
) -> None:
    lines = write(tmp_path, "f.jsonl", COMPLAINT, CONTACT, LATE_ACK)
    runner.invoke(main, ["import", lines, "--db", db])
    rows = json.loads(runner.invoke(main, ["timeline", "cust-1", "--json", "--db", db]).output)
    contact = rows[2]["id"]
    retracted = runner.invoke(
        main, ["retract", contact, "--reason", "wrong customer", "--actor", "lead-2", "--db", db]
    )
    assert retracted.exit_code == 0, retracted.output

    result = runner.invoke(main, ["timeline", "cust-1", "--csv", "--db", db])

    assert result.exit_code == 0, result.output
    table = runner.invoke(main, ["timeline", "cust-1", "--db", db]).output
    assert "Complaint acknowledged [entered" in table and "days late]" in table
    assert "~~Inbound contact~~ [retracted by lead-2 on" in table
    after = json.loads(runner.invoke(main, ["timeline", "cust-1", "--json", "--db", db]).output)
    assert [row["type"] for row in after] == [
        "ComplaintFiled",
        "ComplaintAcknowledged",
        "CustomerContacted",
        "EventRetracted",
    ]
    assert after[1]["late_days"] is not None and after[1]["position"] == 3
    assert after[2]["counted"] is False
    assert after[2]["amendment"]["reason"] == "wrong customer"
    assert after[2]["amendment"]["actor"] == "lead-2"
    assert after[2]["id"] == contact
