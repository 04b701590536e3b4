"""``trustengine types``, ``record TYPE --help``, and the contract's refusals on the CLI."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from jsonschema import Draft202012Validator

from trustengine.cli import main
from trustengine.domain import EVENT_TYPES
from trustengine.interchange.contract import line_schema

COMPLAINT = {
    "type": "ComplaintFiled",
    "customer": "cust-1",
    "case": "C-1",
    "at": "2026-03-01T09:00:00+00:00",
    "data": {"category": "delivery", "severity": 2, "cause": "other", "summary": "Late"},
}
CASE = ["--customer", "cust-1", "--case", "C-1", "--at", "2026-03-01T10:00:00+00:00"]


def run(*args: str) -> Result:
    return CliRunner(env={"COLUMNS": "80"}).invoke(main, list(args))


def stored(db: Path) -> int:
    if not db.exists():
        return 0
    with sqlite3.connect(db) as conn:
        return int(conn.execute("SELECT COUNT(*) FROM stored_events").fetchone()[0])


@pytest.fixture
def db(tmp_path: Path) -> Path:
    """A store holding cust-1's complaint C-1."""
    path = tmp_path / "trust.db"
    line = tmp_path / "complaint.jsonl"
    line.write_text(json.dumps(COMPLAINT) + "\n", encoding="utf-8")
    assert run("import", str(line), "--db", str(path)).exit_code == 0
    return path


# --- types -------------------------------------------------------------------------------


def test_types_lists_every_type_with_its_scope_and_fields() -> None:
    result = run("types")

    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[:4] == [
        "TYPE                       SCOPE     FIELDS (? optional)",
        "CustomerRegistered         customer  name?, tier?, calendar?",
        "ConsentUpdated             customer  email?, sms?, phone?, marketing?",
        "CustomerContacted          either    direction, sentiment?, summary?",
    ]
    assert "CaseEscalated              case      level, reason" in lines
    assert "ResolutionConfirmed        case      (no data)" in lines
    listed = [line.split()[0] for line in lines[1:] if line and not line.startswith(" ")]
    assert listed[: len(EVENT_TYPES)] == list(EVENT_TYPES)
    assert lines[-1] == "See one type: trustengine types TYPE"


def test_types_wraps_long_field_lists_under_their_column_at_80_columns() -> None:
    lines = run("types").output.splitlines()

    assert max(len(line) for line in lines) <= 80
    at = lines.index("CompensationOffered        case      offer, kind, amount?, currency?,")
    assert lines[at + 1] == " " * 37 + "addresses_failure"


def test_types_type_shows_each_field_with_type_requirement_and_rule() -> None:
    result = run("types", "CaseEscalated")

    assert result.exit_code == 0
    assert result.output == (
        "CaseEscalated (case-level: needs a case)\n"
        "The case went up to a higher support level.\n"
        "\n"
        "FIELD   TYPE  REQUIRED  ALLOWED / CONSTRAINTS\n"
        "level   int   yes       2 to 10\n"
        "reason  text  yes       1-10000 characters\n"
        "\n"
        "Record one: trustengine record CaseEscalated --customer KEY --case CASE --level INT "
        "--reason TEXT\n"
    )


def test_types_type_shows_defaults_and_allowed_values() -> None:
    unanswered = run("types", "ContactUnanswered").output.splitlines()
    offered = run("types", "CompensationOffered").output.splitlines()

    assert "attempts  int   no (default 1)  1 to 1000" in unanswered
    assert (
        "kind               choice    yes       one of: refund, replacement, discount," in offered
    )


def test_types_of_an_unknown_type_suggests_the_near_names() -> None:
    result = run("types", "PromiseMad")

    assert (result.exit_code, result.output) == (
        2,
        "Error: unknown event type 'PromiseMad' (did you mean PromiseMade?)\n",
    )


def test_types_json_prints_the_json_schema_of_one_line() -> None:
    result = run("types", "--json")

    assert result.exit_code == 0
    schema = json.loads(result.output)
    assert schema == line_schema()
    Draft202012Validator.check_schema(schema)


def test_types_type_json_prints_the_schema_of_that_type_only() -> None:
    schema = json.loads(run("types", "CaseEscalated", "--json").output)

    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["properties"]["type"] == {"const": "CaseEscalated"}
    assert schema["properties"]["data"]["properties"]["level"] == {
        "maximum": 10,
        "minimum": 2,
        "type": "integer",
    }
    validator = Draft202012Validator(schema)
    escalation = {**COMPLAINT, "type": "CaseEscalated", "data": {"level": 3, "reason": "r"}}
    assert validator.is_valid(escalation)
    assert not validator.is_valid({**escalation, "data": {"level": 11, "reason": "r"}})


# --- record TYPE --help --------------------------------------------------------------------


def test_record_type_help_lists_that_types_fields() -> None:
    result = run("record", "CaseEscalated", "--help")

    assert result.exit_code == 0
    assert (
        "Fields of CaseEscalated (case-level: needs a case):\n"
        "  --level INT    required; 2 to 10\n"
        "  --reason TEXT  required; 1-10000 characters\n"
    ) in result.output


def test_record_help_after_options_still_finds_the_type() -> None:
    result = run("record", "--customer", "cust-1", "ContactUnanswered", "-h")

    assert "  --attempts INT  optional (default 1); 1 to 1000\n" in result.output


def test_record_help_without_a_type_lists_no_fields() -> None:
    result = run("record", "--help")

    assert result.exit_code == 0
    assert "Fields of" not in result.output
    assert "trustengine record TYPE --help lists TYPE's fields" in " ".join(result.output.split())


def test_record_help_of_an_unknown_type_suggests_the_near_names() -> None:
    result = run("record", "Apology", "--help")

    assert result.exit_code == 0
    assert "unknown event type 'Apology' (did you mean ApologyIssued?)" in result.output


def test_record_of_an_unknown_type_is_refused_and_creates_no_store(tmp_path: Path) -> None:
    path = tmp_path / "new.db"
    result = run("record", "Apology", "--customer", "cust-1", "--db", str(path))

    assert (result.exit_code, result.output) == (
        2,
        "Error: unknown event type 'Apology' (did you mean ApologyIssued?)\n",
    )
    assert not path.exists()


# --- refusals through record and import ----------------------------------------------------


def test_record_names_every_missing_field_at_once(db: Path) -> None:
    result = run("record", "PromiseMade", *CASE, "--db", str(db))

    assert (result.exit_code, result.output) == (
        2,
        "Error: PromiseMade: missing required fields data.promise, data.description, "
        "data.due (rule: required)\n",
    )
    assert stored(db) == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["CaseEscalated", *CASE, "--level", str(2**64), "--reason", "r"],
            "CaseEscalated: data.level = 18446744073709551616: Input should be less than or "
            "equal to 10 (rule: range)",
        ),
        (
            ["ContactUnanswered", "--customer", "cust-1", "--attempts", "1001"],
            "ContactUnanswered: data.attempts = 1001: Input should be less than or equal to "
            "1000 (rule: range)",
        ),
        (
            [
                "CompensationOffered",
                *CASE,
                "--offer",
                "O-1",
                "--kind",
                "refund",
                "--addresses-failure",
                "--amount",
                "1E+999999999",
            ],
            'CompensationOffered: data.amount = "1E+999999999": Decimal input should have no '
            "more than 18 digits in total (rule: amount-precision)",
        ),
        (
            [
                "ComplaintAcknowledged",
                "--customer",
                "cust-1",
                "--case",
                "C-1",
                "--at",
                "1772355600",
            ],
            'ComplaintAcknowledged: at = "1772355600": a time must be ISO 8601 with an offset, '
            "e.g. 2026-03-01T09:00:00+00:00 (rule: iso-8601-time)",
        ),
        (
            ["CustomerRegistered", "--customer", "   ", "--at", "2026-03-01T10:00:00+00:00"],
            'CustomerRegistered: customer = "   ": a key must not be blank (only whitespace) '
            "(rule: key-not-blank)",
        ),
        (
            ["PromiseKept", *CASE, "--promise", "P-1 "],
            'PromiseKept: data.promise = "P-1 ": a key must not start or end with whitespace '
            "(rule: key-no-outer-whitespace)",
        ),
    ],
    ids=[
        "level-2-to-the-64",
        "attempts-1001",
        "amount-huge",
        "at-digits",
        "blank-key",
        "padded-id",
    ],
)
def test_record_refuses_what_the_store_cannot_keep_in_one_line(
    db: Path, args: list[str], message: str
) -> None:
    result = run("record", *args, "--db", str(db))

    assert (result.exit_code, result.output) == (2, f"Error: {message}\n")
    assert stored(db) == 1


def test_record_takes_the_new_channels(db: Path) -> None:
    result = run("record", "ComplaintAcknowledged", *CASE, "--channel", "whatsapp", "--db", str(db))

    assert (result.exit_code, result.output) == (
        0,
        "Recorded ComplaintAcknowledged for cust-1, case C-1 (event 2).\n",
    )


def test_import_names_line_field_and_rule_for_each_bad_line(tmp_path: Path) -> None:
    escalation = {
        **COMPLAINT,
        "type": "CaseEscalated",
        "at": "2026-03-01T10:00:00+00:00",
        "data": {"level": 2**64, "reason": "r"},
    }
    lines = [
        COMPLAINT,
        escalation,
        {"type": "PromiseMade", "customer": "cust-1", "case": "C-1"},
        {**COMPLAINT, "customer": " cust-1", "case": "C-2"},
        {**COMPLAINT, "case": "C-3", "at": "1772355600"},
    ]
    path = tmp_path / "bad.jsonl"
    path.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    db = tmp_path / "trust.db"

    result = run("import", str(path), "--db", str(db))

    assert result.exit_code == 2
    assert result.output.splitlines() == [
        f"Error: {path}:2: CaseEscalated: data.level = 18446744073709551616: Input should be "
        "less than or equal to 10 (rule: range)",
        f"{path}:3: PromiseMade: missing required keys and fields at, data.promise, "
        "data.description, data.due (rule: required)",
        f'{path}:4: ComplaintFiled: customer = " cust-1": a key must not start or end with '
        "whitespace (rule: key-no-outer-whitespace)",
        f'{path}:5: ComplaintFiled: at = "1772355600": a time must be ISO 8601 with an '
        "offset, e.g. 2026-03-01T09:00:00+00:00 (rule: iso-8601-time)",
        f"4 bad lines of 5 in {path}; nothing was stored",
    ]
    assert stored(db) == 0
