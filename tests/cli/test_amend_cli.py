"""retract, correct, import --quarantine, --future-tolerance and undecodable bytes,
through click's CliRunner with exact output."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from trustengine.cli import main
from trustengine.domain.customer import customer_id

CUST = str(customer_id("cust-1"))
COMPLAINT = (
    '{"type": "ComplaintFiled", "customer": "cust-1", "case": "C-1", '
    '"at": "2026-03-01T09:00:00+00:00", "data": {"category": "delivery", "severity": 2, '
    '"cause": "broken_promise", "summary": "Parcel four days late"}}'
)
ACK = (
    '{"type": "ComplaintAcknowledged", "customer": "cust-1", "case": "C-1", '
    '"at": "2026-03-01T09:30:00+00:00"}'
)
LATE_ACK = ACK.replace("09:30", "08:00")
ESCALATED = (
    '{"type": "CaseEscalated", "customer": "cust-1", "case": "C-1", '
    '"at": "2026-03-01T10:00:00+00:00", "data": {"level": 2, "reason": "Slow"}}'
)


@pytest.fixture
def db(tmp_path: Path) -> str:
    return str(tmp_path / "trust.db")


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output


def write(tmp_path: Path, name: str, *lines: str) -> str:
    path = tmp_path / name
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return str(path)


def export(db: str) -> list[dict[str, object]]:
    code, output = run("export", "--db", db)
    assert code == 0
    return [json.loads(line) for line in output.splitlines()]


def loaded(tmp_path: Path, db: str, *lines: str) -> None:
    code, output = run("import", write(tmp_path, "in.jsonl", *lines), "--db", db)
    assert code == 0, output


def test_export_writes_each_events_id_first(tmp_path: Path, db: str) -> None:
    loaded(tmp_path, db, COMPLAINT, ACK)
    assert [list(line)[:2] for line in export(db)] == [["id", "type"], ["id", "type"]]
    assert [line["id"] for line in export(db)] == [f"{CUST}:1", f"{CUST}:2"]


def test_import_accepts_a_late_entry_that_keeps_the_rules(tmp_path: Path, db: str) -> None:
    path = write(tmp_path, "late.jsonl", COMPLAINT, ESCALATED, ACK)
    assert run("import", path, "--db", db) == (
        0,
        f"Imported 3 events (0 already stored) from {path}.\n",
    )


def test_retract_records_the_retraction_and_says_what_it_retracted(tmp_path: Path, db: str) -> None:
    loaded(tmp_path, db, COMPLAINT, ACK)
    assert run("retract", f"{CUST}:2", "--reason", "Not this case", "--db", db) == (
        0,
        f"Retracted ComplaintAcknowledged {CUST}:2 of cust-1.\n",
    )
    last = export(db)[-1]
    assert (last["type"], last["data"]) == (
        "EventRetracted",
        {"event": f"{CUST}:2", "reason": "Not this case"},
    )


def test_retracting_a_complaint_with_later_events_is_refused_naming_them(
    tmp_path: Path, db: str
) -> None:
    loaded(tmp_path, db, COMPLAINT, ACK)
    assert run("retract", f"{CUST}:1", "--reason", "No complaint", "--db", db) == (
        2,
        f"Error: EventRetracted: retracting ComplaintFiled at 2026-03-01T09:00:00+00:00 "
        f"({CUST}:1) would leave ComplaintAcknowledged at 2026-03-01T09:30:00+00:00 "
        f"({CUST}:2) breaking a rule; retract it first "
        "(rule: retraction-keeps-history-valid)\n",
    )
    assert len(export(db)) == 2


def test_retract_of_an_unknown_or_malformed_id_is_one_line(tmp_path: Path, db: str) -> None:
    loaded(tmp_path, db, COMPLAINT)
    assert run("retract", f"{CUST}:9", "--reason", "r", "--db", db) == (
        2,
        f"Error: the store holds no event {CUST}:9 (rule: amended-event-must-exist)\n",
    )
    assert run("retract", "event-1", "--reason", "r", "--db", db) == (
        2,
        "Error: 'event-1' is not an event id: a customer id, ':' and a version, as export "
        "shows it\n",
    )


def test_correct_records_the_replacement_with_the_changed_fields(tmp_path: Path, db: str) -> None:
    loaded(tmp_path, db, COMPLAINT, ESCALATED)
    args = ["correct", f"{CUST}:2", "--level", "3", "--data-reason", "Very slow"]
    assert run(*args, "--reason", "Level 3", "--db", db) == (
        0,
        f"Corrected CaseEscalated {CUST}:2 of cust-1.\n",
    )
    last = export(db)[-1]
    assert last["data"] == {
        "event": f"{CUST}:2",
        "replacement": {
            "type": "CaseEscalated",
            "customer": "cust-1",
            "case": "C-1",
            "at": "2026-03-01T10:00:00+00:00",
            "data": {"level": 3, "reason": "Very slow"},
        },
        "reason": "Level 3",
    }


def test_correct_that_breaks_a_rule_at_its_place_is_refused(tmp_path: Path, db: str) -> None:
    loaded(tmp_path, db, COMPLAINT, ACK)
    code, output = run(
        "correct", f"{CUST}:2", "--at", "2026-03-01T08:00:00+00:00", "--reason", "r", "--db", db
    )
    assert (code, output) == (
        2,
        f"Error: EventCorrected: the replacement of {CUST}:2, at its place in business time "
        "(2026-03-01T08:00:00+00:00): case 'C-1' has no ComplaintFiled: ComplaintAcknowledged "
        f"needs one; it conflicts with ComplaintFiled at 2026-03-01T09:00:00+00:00 ({CUST}:1) "
        "(rule: case-must-exist)\n",
    )


def test_correct_without_a_change_is_a_usage_error(tmp_path: Path, db: str) -> None:
    loaded(tmp_path, db, COMPLAINT)
    assert run("correct", f"{CUST}:1", "--reason", "r", "--db", db) == (
        2,
        "Error: give at least one field to correct, e.g. --summary TEXT\n",
    )


def test_import_with_a_quarantine_stores_the_good_and_sets_aside_the_bad(
    tmp_path: Path, db: str
) -> None:
    other_case = COMPLAINT.replace('"C-1"', '"C-2"').replace('"severity": 2', '"severity": 7')
    other_ack = ACK.replace('"C-1"', '"C-2"')
    path = write(tmp_path, "in.jsonl", COMPLAINT, LATE_ACK, other_case, other_ack, "[1]", ACK)
    rejects = tmp_path / "rejects.jsonl"

    assert run("import", path, "--db", db, "--quarantine", str(rejects)) == (
        1,
        f"Imported 2 events (0 already stored) from {path}; 4 lines rejected to {rejects} "
        "(1 of them dependants).\n",
    )
    assert [line["type"] for line in export(db)] == ["ComplaintFiled", "ComplaintAcknowledged"]
    lines = rejects.read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["_rejected"]["line"] for line in lines] == [2, 3, 4, 5]
    assert lines[1] == other_case[:-1] + (
        ',"_rejected":{"line":3,"reason":"ComplaintFiled: data.severity = 7: Input should be '
        'less than or equal to 4 (rule: range)"}}'
    )
    assert json.loads(lines[2])["_rejected"] == {
        "line": 4,
        "reason": "case 'C-2' has no ComplaintFiled: ComplaintAcknowledged needs one "
        "(rule: case-must-exist)",
        "dependant_of": 3,
    }
    assert json.loads(lines[3]) == {
        "_rejected": {"line": 5, "reason": "an event must be a JSON object, not an array"},
        "_line": "[1]",
    }


def test_a_fixed_rejects_file_imports_as_it_is(tmp_path: Path, db: str) -> None:
    loaded(tmp_path, db, COMPLAINT)
    path = write(tmp_path, "in.jsonl", ACK.replace('"C-1"', '"C-9"'))
    rejects = tmp_path / "rejects.jsonl"
    assert run("import", path, "--db", db, "--quarantine", str(rejects))[0] == 1
    fixed = rejects.read_text(encoding="utf-8").replace('"C-9"', '"C-1"')
    again = write(tmp_path, "fixed.jsonl", fixed.rstrip("\n"))
    assert run("import", again, "--db", db) == (
        0,
        f"Imported 1 events (0 already stored) from {again}.\n",
    )


def test_import_with_a_quarantine_and_nothing_bad_exits_0(tmp_path: Path, db: str) -> None:
    path = write(tmp_path, "in.jsonl", COMPLAINT, ACK)
    rejects = tmp_path / "rejects.jsonl"
    assert run("import", path, "--db", db, "--quarantine", str(rejects)) == (
        0,
        f"Imported 2 events (0 already stored) from {path}; 0 lines rejected to {rejects}.\n",
    )
    assert rejects.read_text(encoding="utf-8") == ""


def test_the_future_tolerance_is_an_option_of_import_and_record(tmp_path: Path, db: str) -> None:
    future = COMPLAINT.replace("2026-03-01", "2199-03-01")
    path = write(tmp_path, "in.jsonl", future)
    code, output = run("import", path, "--db", db)
    assert code == 2
    assert output.startswith(f"Error: {path}:1: ComplaintFiled at 2199-03-01T09:00:00+00:00 ")
    assert output.endswith(
        "(--future-tolerance) (rule: not-in-the-future)\n"
        f"1 bad line of 1 in {path}; nothing was stored\n"
    )
    assert run("import", path, "--db", db, "--future-tolerance", "100000d")[0] == 0
    assert run("import", path, "--db", db, "--future-tolerance", "soon") == (
        2,
        "Error: Invalid value for '--future-tolerance': 'soon' is not a duration: give "
        "e.g. 1d, 12h, 90m or 0 (see 'main import --help')\n",
    )
    record = ["record", "CustomerRegistered", "--customer", "cust-2", "--db", db]
    assert run(*record, "--at", "2199-01-01T00:00:00+00:00")[0] == 2
    assert (
        run(*record, "--at", "2199-01-01T00:00:00+00:00", "--future-tolerance", "100000d")[0] == 0
    )


def test_a_line_that_is_not_utf8_names_its_line_byte_and_column(tmp_path: Path, db: str) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_bytes(COMPLAINT.encode() + b"\n" + b'{"type": "Caf\xc3\x28"}\n')
    assert run("import", str(path), "--db", db) == (
        2,
        f"Error: {path}:2: not UTF-8 (byte 0xc3 at column 14)\n"
        f"1 bad line in {path}; nothing was stored\n",
    )


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.binary(min_size=1, max_size=60).filter(lambda data: b"\n" not in data))
def test_any_bytes_are_imported_or_refused_in_one_line_never_a_traceback(
    tmp_path: Path, data: bytes
) -> None:
    path = tmp_path / "any.jsonl"
    path.write_bytes(COMPLAINT.encode() + b"\n" + data + b"\n")
    db = str(tmp_path / "fuzz.db")
    for quarantine in ([], ["--quarantine", str(tmp_path / "rejects.jsonl")]):
        result = CliRunner().invoke(main, ["import", str(path), "--db", db, *quarantine])
        assert result.exit_code in (0, 1, 2), result.output
        assert "Traceback" not in result.output
        try:
            data.decode("utf-8")
        except UnicodeDecodeError as error:
            if not quarantine:
                byte, column = data[error.start], error.start + 1
                expected = f"Error: {path}:2: not UTF-8 (byte 0x{byte:02x} at column {column})"
                assert result.output.startswith(expected + "\n")


_LINES = st.lists(
    st.sampled_from([COMPLAINT, ACK, LATE_ACK, ESCALATED, "[1]", "not json", '{"type": "X"}']),
    min_size=1,
    max_size=8,
)


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(_LINES)
def test_a_quarantine_accounts_for_every_line_and_stores_only_what_keeps_the_rules(
    tmp_path: Path, lines: list[str]
) -> None:
    folder = tmp_path / f"q{abs(hash(tuple(lines)))}"
    folder.mkdir(exist_ok=True)
    path, rejects, db = folder / "in.jsonl", folder / "rejects.jsonl", str(folder / "q.db")
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    result = CliRunner().invoke(
        main, ["import", str(path), "--db", db, "--quarantine", str(rejects)]
    )
    assert result.exit_code in (0, 1), result.output
    set_aside = rejects.read_text(encoding="utf-8").splitlines()
    numbers = [json.loads(line)["_rejected"]["line"] for line in set_aside]
    stored = export(db) if Path(db).exists() else []
    assert numbers == sorted(numbers)
    assert result.exit_code == (1 if set_aside else 0)
    # Every line is stored, already stored (a repeat), or set aside; a clean import of
    # what was stored takes it whole.
    assert len(stored) + len(set_aside) <= len(lines)
    again = folder / "stored.jsonl"
    again.write_text("".join(json.dumps(line) + "\n" for line in stored), encoding="utf-8")
    fresh = str(folder / "fresh.db")
    if stored:
        assert run("import", str(again), "--db", fresh)[0] == 0
