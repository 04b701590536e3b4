"""``trustengine record``: one event from the command line, checked as import checks it."""

from __future__ import annotations

import json
import sqlite3
import time
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from tests.examples import history, history_length

from trustengine import TrustEngine
from trustengine.cli import main
from trustengine.cli.errors import InputError
from trustengine.cli.record import data_from_args

COMPLAINT = {
    "type": "ComplaintFiled",
    "customer": "cust-1",
    "case": "C-1",
    "at": "2026-03-01T09:00:00+00:00",
    "actor": "customer",
    "channel": "email",
    "data": {
        "category": "delivery",
        "severity": 2,
        "cause": "broken_promise",
        "summary": "Parcel four days late",
    },
}
PROMISE = [
    "PromiseMade",
    "--customer",
    "cust-1",
    "--case",
    "C-1",
    "--at",
    "2026-03-01T09:30:00+00:00",
    "--actor",
    "agent-7",
    "--promise",
    "P-1",
    "--description",
    "Call back with a delivery slot",
    "--due",
    "2026-03-02T12:00:00+00:00",
]


def run(db: str, *args: str) -> Result:
    return CliRunner().invoke(main, [args[0], "--db", db, *args[1:]])


def ok(db: str, *args: str) -> str:
    result = run(db, *args)
    assert result.exit_code == 0, result.output
    return result.output


def stored(db: str) -> int:
    with sqlite3.connect(db) as conn:
        return int(conn.execute("SELECT COUNT(*) FROM stored_events").fetchone()[0])


def exported(db: str) -> list[dict[str, Any]]:
    """The store's export, each line without the ``id`` export puts first."""
    lines = [json.loads(line) for line in ok(db, "export").splitlines()]
    assert all(next(iter(line)) == "id" for line in lines)
    return [{key: value for key, value in line.items() if key != "id"} for line in lines]


def args_for(event: dict[str, Any]) -> list[str]:
    """``record`` arguments for a contract-shaped event: strings as they are, other
    values as JSON."""
    args = ["record", event["type"], "--customer", event["customer"], "--at", event["at"]]
    for key in ("case", "actor", "channel"):
        if key in event:
            args += [f"--{key}", event[key]]
    for name, value in event["data"].items():
        text = value if isinstance(value, str) else json.dumps(value)
        args += [f"--{name.replace('_', '-')}", text]
    return args


@pytest.fixture
def db(tmp_path: Path) -> str:
    """A store holding cust-1's complaint C-1, filed 2026-03-01 09:00 UTC."""
    path = str(tmp_path / "trust.db")
    engine = TrustEngine(path)
    try:
        engine.record(COMPLAINT)
    finally:
        engine.close()
    return path


# --- recording ---------------------------------------------------------------------------


def test_record_stores_the_same_events_as_importing_the_same_lines(tmp_path: Path) -> None:
    events = history()  # every type of the contract, in an order the rules accept
    imported = str(tmp_path / "imported.db")
    recorded = str(tmp_path / "recorded.db")
    lines = tmp_path / "history.jsonl"
    lines.write_text("".join(json.dumps(event) + "\n" for event in events), encoding="utf-8")
    ok(imported, "import", str(lines))

    outputs = [ok(recorded, *args_for(event)) for event in events]

    assert exported(recorded) == exported(imported)
    assert len(exported(recorded)) == history_length()
    assert outputs[:2] == [
        "Recorded CustomerRegistered for cust-1 (event 1).\n",
        "Recorded ConsentUpdated for cust-1 (event 2).\n",
    ]
    assert outputs[-1] == "Recorded CustomerErased for cust-gone (event 1).\n"


def test_record_names_the_type_customer_case_and_position(db: str) -> None:
    output = ok(db, "record", *PROMISE)

    assert output == "Recorded PromiseMade for cust-1, case C-1 (event 2).\n"
    assert exported(db)[1] == {
        "type": "PromiseMade",
        "customer": "cust-1",
        "case": "C-1",
        "at": "2026-03-01T09:30:00+00:00",
        "actor": "agent-7",
        "data": {
            "promise": "P-1",
            "description": "Call back with a delivery slot",
            "due": "2026-03-02T12:00:00+00:00",
        },
    }


def test_recording_a_stored_fact_again_stores_nothing_and_says_so(db: str) -> None:
    ok(db, "record", *PROMISE)

    output = ok(db, "record", *PROMISE)

    assert output == (
        "Already stored: PromiseMade for cust-1, case C-1 (event 2); nothing recorded.\n"
    )
    assert stored(db) == 2


def test_at_defaults_to_now_on_the_engine_clock(db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    now = datetime(2026, 3, 5, 8, 15, tzinfo=UTC)
    monkeypatch.setattr(
        "trustengine.cli.session.TrustEngine", partial(TrustEngine, clock=lambda: now)
    )

    ok(db, "record", "ComplaintAcknowledged", "--customer", "cust-1", "--case", "C-1")

    assert exported(db)[-1]["at"] == "2026-03-05T08:15:00+00:00"


def test_values_are_taken_as_the_field_expects_them(db: str) -> None:
    for line in (
        "ApologyIssued --case C-1 --at 2026-03-01T10:00:00Z --accepts-responsibility",
        "CompensationOffered --case C-1 --at 2026-03-01T10:01:00+00:00 --offer 42 "
        "--kind refund --amount 12.50 --currency EUR --addresses-failure=false",
        "CustomerContacted --at 2026-03-01T10:02:00+00:00 --direction inbound "
        "--sentiment -0.5 --summary true",
        "ContactUnanswered --at 2026-03-01T10:03:00+00:00 --attempts 3",
    ):
        ok(db, "record", "--customer", "cust-1", *line.split())

    assert [event["data"] for event in exported(db)[1:]] == [
        {"accepts_responsibility": True},
        {
            "offer": "42",
            "kind": "refund",
            "amount": 12.5,
            "currency": "EUR",
            "addresses_failure": False,
        },
        {"direction": "inbound", "sentiment": -0.5, "summary": "true"},
        {"attempts": 3},
    ]


def test_json_gives_the_data_as_one_object_besides_options(db: str) -> None:
    data = '{"promise": "P-1", "description": "Call back with a delivery slot"}'
    output = ok(db, "record", *PROMISE[:9], "--json", data, *PROMISE[13:])

    assert output == "Recorded PromiseMade for cust-1, case C-1 (event 2).\n"
    assert ok(db, "record", *PROMISE) == (
        "Already stored: PromiseMade for cust-1, case C-1 (event 2); nothing recorded.\n"
    )


# --- errors: one line, exit 2, nothing stored ---------------------------------------------

CASE = ["--customer", "cust-1", "--case", "C-1", "--at", "2026-03-01T10:00:00+00:00"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["Apology", *CASE],
            "unknown event type 'Apology' (did you mean ApologyIssued?)",
        ),
        (
            ["PromiseKept", *CASE, "--promise", "P-1", "--colour", "red"],
            "unknown field data.colour for PromiseKept (allowed: promise)",
        ),
        (
            ["ApologyIssued", *CASE, "--accepts-responsibility", "yes"],
            'ApologyIssued: data.accepts_responsibility = "yes": Input should be a valid boolean '
            "(rule: type)",
        ),
        (
            ["CaseEscalated", *CASE, "--level", "1", "--reason", "Angry"],
            "CaseEscalated: data.level = 1: Input should be greater than or equal to 2 "
            "(rule: range)",
        ),
        (
            ["PromiseMade", *CASE, "--promise", "P-1", "--due", "2026-03-02T12:00:00+00:00"],
            "PromiseMade: missing required field data.description (rule: required)",
        ),
        (
            ["PromiseKept", *CASE, "--promise", "P-9"],
            "promise 'P-9' was never made: PromiseKept needs it made first "
            "(rule: commitment-must-exist)",
        ),
        (
            ["CaseReopened", *CASE, "--reason", "Again"],
            "case 'C-1' is open: only a closed case reopens (rule: reopen-needs-closed-case)",
        ),
        (
            ["ComplaintAcknowledged", *CASE[:4], "--at", "yesterday"],
            'ComplaintAcknowledged: at = "yesterday": a time must be ISO 8601 with an offset, '
            "e.g. 2026-03-01T09:00:00+00:00 (rule: iso-8601-time)",
        ),
        (
            ["ComplaintAcknowledged", *CASE[:4], "--at", "2026-03-01T10:00:00"],
            'ComplaintAcknowledged: at = "2026-03-01T10:00:00": a time needs an offset, e.g. '
            "+00:00 or Z (rule: time-with-offset)",
        ),
        (
            ["ComplaintAcknowledged", *CASE[:4], "--at", "2026-02-28T10:00:00+00:00"],
            "ComplaintAcknowledged at 2026-02-28T10:00:00+00:00 is a late entry (this "
            "customer's last event is at 2026-03-01T09:00:00+00:00): at its place in business "
            "time, case 'C-1' has no ComplaintFiled: ComplaintAcknowledged needs one; it "
            "conflicts with ComplaintFiled at 2026-03-01T09:00:00+00:00 "
            "(3a2877ff-dc9c-5c01-849e-098bda588f1e:1) (rule: case-must-exist)",
        ),
        (
            ["ComplaintAcknowledged", *CASE, "--channel", "fax"],
            "ComplaintAcknowledged: channel = \"fax\": Input should be 'email', 'phone', "
            "'chat', 'sms', 'social', 'in_person', 'web', 'other', 'whatsapp' or 'telegram' "
            "(rule: allowed-values)",
        ),
        (
            ["ConsentUpdated", *CASE, "--email", "true"],
            "ConsentUpdated is a customer-level event: no case",
        ),
        (
            ["ComplaintAcknowledged", *CASE, "--json", '{"message": "Hi"'],
            "--json is not valid JSON: Expecting ',' delimiter",
        ),
        (
            ["ComplaintAcknowledged", *CASE, "--json", "[1]"],
            "'data' must be a JSON object, not an array",
        ),
        (
            ["ComplaintAcknowledged", *CASE, "--json", '{"message": "Hi"}', "--message", "Hi"],
            "data.message is given both in --json and as an option",
        ),
        (
            ["ComplaintAcknowledged", *CASE, "Hi"],
            "unexpected argument 'Hi': give data fields as --name value, e.g. --promise P-1",
        ),
    ],
)
def test_a_bad_event_is_one_line_naming_the_field_or_rule_and_nothing_is_stored(
    db: str, args: list[str], message: str
) -> None:
    result = run(db, "record", *args)

    assert (result.exit_code, result.output) == (2, f"Error: {message}\n")
    assert stored(db) == 1


def test_the_same_event_imported_gets_the_same_reason(db: str, tmp_path: Path) -> None:
    line = {**COMPLAINT, "type": "PromiseKept", "at": "2026-03-01T10:00:00+00:00"}
    line["data"] = {"promise": "P-9"}
    path = tmp_path / "one.jsonl"
    path.write_text(json.dumps(line) + "\n", encoding="utf-8")

    imported = run(db, "import", str(path))
    options = ["--actor", "customer", "--channel", "email", "--promise", "P-9"]
    recorded = run(db, "record", "PromiseKept", *CASE, *options)

    reason = imported.output.splitlines()[0].removeprefix(f"Error: {path}:1: ")
    assert reason.endswith("(rule: commitment-must-exist)")
    assert recorded.output == f"Error: {reason}\n"


@pytest.mark.postgres
def test_record_writes_to_a_postgres_store(postgres_target: str) -> None:
    outputs = [ok(postgres_target, *args_for(COMPLAINT)), ok(postgres_target, "record", *PROMISE)]

    assert outputs == [
        "Recorded ComplaintFiled for cust-1, case C-1 (event 1).\n",
        "Recorded PromiseMade for cust-1, case C-1 (event 2).\n",
    ]
    assert [event["type"] for event in exported(postgres_target)] == [
        "ComplaintFiled",
        "PromiseMade",
    ]


def test_a_missing_store_folder_is_one_line_and_exit_2(tmp_path: Path) -> None:
    target = str(tmp_path / "nowhere" / "trust.db")

    result = run(target, "record", *PROMISE)

    assert (result.exit_code, result.output) == (
        2,
        f"Error: store target '{target}': folder '{tmp_path / 'nowhere'}' does not exist\n",
    )


def test_a_store_locked_by_another_writer_is_one_line_and_exit_2(db: str) -> None:
    blocker = sqlite3.connect(db, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")
    try:
        started = time.monotonic()
        result = run(db, "record", *PROMISE, "--lock-timeout", "1")
        waited = time.monotonic() - started
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()

    assert (result.exit_code, result.output) == (
        2,
        f"Error: cannot write to {db}: waited 1 s for the lock another writer holds on it "
        "(SQLite does not say which process); try again when it is done, or give a longer "
        "--lock-timeout\n",
    )
    assert waited < 10
    assert stored(db) == 1


# --- erasure ---------------------------------------------------------------------------


def test_recording_customer_erased_erases_as_the_erase_command_does(db: str) -> None:
    ok(db, "case", "cust-1", "C-1")  # the store now has a read model

    erasure = ["CustomerErased", "--customer", "cust-1", "--at", "2026-03-02T09:00:00+00:00"]
    output = ok(db, "record", *erasure, "--legal-basis", "GDPR Art. 17 request")

    assert output == "Recorded CustomerErased for cust-1 (event 2).\n"
    case = json.loads(ok(db, "case", "cust-1", "C-1", "--json"))
    assert case["case"]["summary"] == "[erased]"
    replayed = json.loads(ok(db, "timeline", "cust-1", "--json", "--as-of", "2100-01-01"))
    assert replayed[0]["summary"] == "Complaint: [erased] (delivery, severity 2, broken promise)"
    assert ok(db, "erase", "cust-1", "--legal-basis", "again", "--yes") == (
        "cust-1 was already erased; their key is destroyed.\n"
    )


# --- the --field parser ----------------------------------------------------------------


def test_field_names_take_dashes_for_underscores_and_an_equals_sign() -> None:
    assert data_from_args(
        "CorrectiveActionCommitted",
        ["--action", "A-1", "--prevents-recurrence", "--due=2026-03-02T12:00:00+00:00"],
    ) == {"action": "A-1", "prevents_recurrence": True, "due": "2026-03-02T12:00:00+00:00"}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--promise", "P-1", "--promise", "P-2"], "--promise is given twice"),
        (["--description"], "--description needs a value"),
        (["--promise", "--description", "x"], "--promise needs a value"),
    ],
)
def test_a_field_without_a_value_or_twice_is_refused(args: list[str], message: str) -> None:
    with pytest.raises(InputError) as refused:
        data_from_args("PromiseMade", args)

    assert refused.value.message == message


def test_help_ends_with_an_example() -> None:
    result = CliRunner().invoke(main, ["record", "--help"])

    assert "Example: trustengine record PromiseMade --customer cust-042" in result.output
