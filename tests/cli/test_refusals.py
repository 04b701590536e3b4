"""A refused command creates nothing, and what a user or a cron job can hand a command
(not a store, JSON nested 100,000 deep, a full disk) is one line and exit 2."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from eventsourcing.persistence import OperationalError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from trustengine.cli import main

CONTACT = ["record", "CustomerContacted", "--customer", "cust-1", "--direction", "inbound"]
PROMISE = [
    *("record", "PromiseMade", "--customer", "cust-1", "--case", "C-9", "--promise", "P-1"),
    *("--description", "Call back", "--due", "2026-03-02T12:00:00+00:00"),
]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            PROMISE,
            "case 'C-9' has no ComplaintFiled: PromiseMade needs one (rule: case-must-exist)",
        ),
        (
            ["record", "ComplaintFiled", "--customer", "c", "--case", "C-1"],
            "ComplaintFiled: missing required fields data.category, data.severity, "
            "data.cause, data.summary (rule: required)",
        ),
        (
            [*CONTACT, "--at", "yesterday"],
            'CustomerContacted: at = "yesterday": a time must be ISO 8601 with an offset, '
            "e.g. 2026-03-01T09:00:00+00:00 (rule: iso-8601-time)",
        ),
    ],
    ids=["rule", "field", "time"],
)
def test_a_refused_record_creates_no_store(tmp_path: Path, args: list[str], message: str) -> None:
    result = CliRunner().invoke(main, [*args, "--db", str(tmp_path / "new.db")])

    assert (result.exit_code, result.stderr) == (2, f"Error: {message}\n")
    assert list(tmp_path.iterdir()) == []


def test_an_accepted_record_still_creates_the_store(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, [*CONTACT, "--db", str(tmp_path / "new.db")])

    assert (result.exit_code, result.output) == (
        0,
        "Recorded CustomerContacted for cust-1 (event 1).\n",
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["new.db", "new.keys"]


NOT_STORES = {
    "text": b"hello, this is a note\n",
    "png": b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8,
}


@pytest.mark.parametrize("kind", sorted(NOT_STORES))
@pytest.mark.parametrize(
    "command", [["customers"], ["verify"], ["export"], CONTACT], ids=lambda c: c[0]
)
def test_a_file_that_is_not_a_store_is_one_line_and_left_alone(
    tmp_path: Path, kind: str, command: list[str]
) -> None:
    path = tmp_path / f"not-a-store.{kind}"
    path.write_bytes(NOT_STORES[kind])

    result = CliRunner().invoke(main, [*command, "--db", str(path)])

    assert (result.exit_code, result.output) == (
        2,
        f"Error: cannot open store {path}: file is not a database\n",
    )
    assert path.read_bytes() == NOT_STORES[kind]


def test_json_nested_100000_deep_is_refused_by_name(tmp_path: Path) -> None:
    nested = "[" * 100_000 + "]" * 100_000

    result = CliRunner().invoke(main, [*CONTACT, "--json", nested, "--db", str(tmp_path / "n.db")])

    assert (result.exit_code, result.stderr) == (
        2,
        "Error: --json is not valid JSON: maximum recursion depth exceeded while decoding a "
        "JSON array from a unicode string\n",
    )
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("depth", [50, 500, 5_000])
def test_a_deeply_nested_field_value_is_refused_in_one_line(tmp_path: Path, depth: int) -> None:
    nested = "[" * depth + "]" * depth

    result = CliRunner().invoke(
        main, [*CONTACT, "--json", f'{{"summary": {nested}}}', "--db", str(tmp_path / "n.db")]
    )

    assert result.exit_code == 2
    assert len(result.stderr.splitlines()) == 1
    assert len(result.stderr) < 500
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("error", "message"),
    [
        (
            OperationalError("database or disk is full"),
            "cannot write to {db}: database or disk is full",
        ),
        (
            sqlite3.OperationalError("database or disk is full"),
            "cannot write the SQLite store: no space left on the device",
        ),
        (
            OSError(28, "No space left on device"),
            "cannot write the output: no space left on the device",
        ),
    ],
    ids=["eventsourcing", "sqlite3", "oserror"],
)
def test_a_full_disk_while_recording_is_one_line_and_exit_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, error: Exception, message: str
) -> None:
    db = str(tmp_path / "t.db")
    assert CliRunner().invoke(main, [*CONTACT, "--db", db]).exit_code == 0

    def full(*_args: Any, **_kwargs: Any) -> None:
        raise error

    monkeypatch.setattr("trustengine.application.engine.Ledger.save", full)
    result = CliRunner().invoke(main, [*CONTACT, "--at", "2026-01-01T00:00:00Z", "--db", db])

    assert (result.exit_code, result.stderr) == (2, "Error: " + message.format(db=db) + "\n")


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=10,
)


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    data=st.one_of(
        st.text(max_size=40),
        JSON_VALUES.map(json.dumps),
        st.dictionaries(st.sampled_from(["summary", "direction", "x"]), JSON_VALUES).map(
            json.dumps
        ),
        st.integers(1, 3000).map(lambda depth: "[" * depth + "]" * depth),
    )
)
def test_any_json_given_to_record_is_one_line_or_recorded_never_a_traceback(
    tmp_path: Path, data: str
) -> None:
    db = tmp_path / "fuzz.db"
    db.unlink(missing_ok=True)

    result = CliRunner().invoke(main, [*CONTACT, "--json", data, "--db", str(db)])

    assert result.exit_code in (0, 2), result.output
    if result.exit_code == 2:
        assert result.stderr.startswith("Error: ")
        assert len(result.stderr.splitlines()) == 1
        assert not db.exists()
    else:
        assert result.output == "Recorded CustomerContacted for cust-1 (event 1).\n"


def test_a_field_name_with_a_newline_stays_on_one_line(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main, [*CONTACT, "--json", '{"a\\nb": 1}', "--db", str(tmp_path / "n.db")]
    )

    assert (result.exit_code, result.stderr) == (
        2,
        "Error: unknown field data.'a\\nb' for CustomerContacted "
        "(allowed: direction, sentiment, summary)\n",
    )
