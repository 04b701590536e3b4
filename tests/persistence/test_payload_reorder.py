"""Reordering the names in a stored payload (its sealed field list, or its keys) changes
the stored bytes, which the chain hash covers as they are: the library's verify, the
CLI's verify and one customer's audit all catch it, every time it changes a byte."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.audit.stores import demo_store
from trustengine import TrustEngine
from trustengine.cli import main
from trustengine.integrity.verify import verify, verify_customer
from trustengine.persistence.personal import PERSONAL_FIELDS, SEALED

SEALED_TWICE = ("cust-amelia", 3)
"""The demo's first event with two sealed fields (a complaint's summary and remedy)."""


@pytest.fixture
def demo_db(tmp_path: Path) -> str:
    return demo_store(tmp_path / "demo.db")


def stored_state(path: str, rowid: int) -> bytes:
    with sqlite3.connect(path) as conn:
        (state,) = conn.execute(
            "SELECT state FROM stored_events WHERE rowid = ?", (rowid,)
        ).fetchone()
    return bytes(state)


def rewrite(path: str, rowid: int, state: bytes) -> None:
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE stored_events SET state = ? WHERE rowid = ?", (state, rowid))


def compact(payload: dict[str, object]) -> bytes:
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()


def test_every_stored_payload_is_compact_json_with_sorted_sealed_fields(demo_db: str) -> None:
    with sqlite3.connect(demo_db) as conn:
        states = [bytes(row[0]) for row in conn.execute("SELECT state FROM stored_events")]

    sealed = [json.loads(state)[SEALED]["fields"] for state in states if b'"_sealed"' in state]

    assert all(compact(json.loads(state)) == state for state in states)
    assert len(sealed) == 51
    assert all(fields == sorted(fields) and set(fields) <= PERSONAL_FIELDS for fields in sealed)
    assert sum(len(fields) > 1 for fields in sealed) == 4


@pytest.mark.parametrize("what", ["sealed field names", "payload keys"])
def test_reordered_names_in_a_payload_are_caught_by_library_cli_and_audit(
    demo_db: str, what: str
) -> None:
    customer, rowid = SEALED_TWICE
    payload = json.loads(stored_state(demo_db, rowid))
    if what == "sealed field names":
        payload[SEALED]["fields"].reverse()
        assert payload[SEALED]["fields"] == ["summary", "remedy_sought"]
    else:
        payload = dict(reversed(payload.items()))
    rewrite(demo_db, rowid, compact(payload))
    mismatch = (
        f"customer {customer!r} position 3 (event #3): hash mismatch: its type, time, "
        "payload or position was changed"
    )
    engine = TrustEngine(demo_db)

    library = verify(engine)
    own = verify_customer(engine, customer)
    engine.close()
    cli = CliRunner().invoke(main, ["verify", "--db", demo_db])
    audit = CliRunner().invoke(main, ["audit", customer, "--json", "--db", demo_db])

    assert library.problems[0] == mismatch
    assert cli.exit_code == 1
    assert cli.output.splitlines() == [
        *library.problems,
        f"83 events checked: {len(library.problems)} problem(s)",
    ]
    assert own.problems[0] == mismatch.replace(" (event #3)", "")
    assert audit.exit_code == 1


def test_reordering_a_single_sealed_field_changes_no_byte_and_is_no_edit(demo_db: str) -> None:
    state = stored_state(demo_db, 1)  # CustomerRegistered: only the name is sealed
    payload = json.loads(state)
    payload[SEALED]["fields"].reverse()

    assert compact(payload) == state
