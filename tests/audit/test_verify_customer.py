"""Verification of one customer's stored events: what the audit reports as verified."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.audit.stores import delete_event, demo_store, edit_payload
from trustengine import CustomerNotFoundError, TrustEngine, customer_id
from trustengine.cli import main
from trustengine.integrity.verify import CustomerVerification, verify, verify_customer


@pytest.fixture
def demo_db(tmp_path: Path) -> str:
    return demo_store(tmp_path / "demo.db")


def test_an_untouched_customer_verifies_with_every_event_decoded(demo_db: str) -> None:
    engine = TrustEngine(demo_db)

    check = verify_customer(engine, "cust-amelia")

    assert check.as_dict() == {"customer": "cust-amelia", "ok": True, "events": 19, "problems": []}
    assert [event.originator_version for event in check.decoded] == list(range(1, 20))
    engine.close()


def test_an_edited_payload_is_named_by_customer_and_position(demo_db: str) -> None:
    edit_payload(demo_db, "cust-amelia", 3, b'"severity":2', b'"severity":3')
    engine = TrustEngine(demo_db)

    check = verify_customer(engine, "cust-amelia")

    assert check.problems == [
        "customer 'cust-amelia' position 3: hash mismatch: its type, time, payload or "
        "position was changed"
    ]
    assert len(check.decoded) == 19
    assert verify_customer(engine, "cust-boris").ok
    engine.close()


def test_a_deleted_event_is_a_gap_and_breaks_the_next_hash(demo_db: str) -> None:
    delete_event(demo_db, "cust-chen", 4)
    engine = TrustEngine(demo_db)

    check = verify_customer(engine, "cust-chen")

    assert check.problems[:3] == [
        "customer 'cust-chen' position 5: follows position 3: events missing or reordered",
        "customer 'cust-chen' position 5: hash mismatch: its type, time, payload or "
        "position was changed",
        "customer 'cust-chen': position(s) 4 have a recorded hash but no stored event: "
        "events were deleted",
    ]
    assert check.problems[3].startswith("store head: the store records 83 events with head ")
    assert len(check.problems) == 4
    assert not verify(engine).ok
    engine.close()


def test_a_truncated_tail_is_caught_by_the_hash_left_behind(demo_db: str) -> None:
    delete_event(demo_db, "cust-chen", 8)
    engine = TrustEngine(demo_db)

    check = verify_customer(engine, "cust-chen")

    assert check.problems[0] == (
        "customer 'cust-chen': position(s) 8 have a recorded hash but no stored event: "
        "events were deleted"
    )
    assert check.problems[1].startswith("store head: the store records 83 events with head ")
    assert len(check.problems) == 2
    engine.close()


def test_an_event_that_does_not_decode_is_reported_and_left_out(demo_db: str) -> None:
    edit_payload(demo_db, "cust-chen", 3, b'"customer":"cust-chen"', b'"customer":1')
    engine = TrustEngine(demo_db)

    check = verify_customer(engine, "cust-chen")

    assert len(check.problems) == 2
    assert check.problems[0].startswith("customer 'cust-chen' position 3: does not decode: ")
    assert check.problems[1].startswith("customer 'cust-chen' position 3: hash mismatch")
    assert [event.originator_version for event in check.decoded] == [1, 2, 4, 5, 6, 7, 8]
    engine.close()


def test_a_customer_without_events_is_not_found(demo_db: str) -> None:
    engine = TrustEngine(demo_db)

    with pytest.raises(CustomerNotFoundError, match="no customer 'nobody'"):
        verify_customer(engine, "nobody")
    engine.close()


def last_position(path: str, customer: str) -> int:
    with sqlite3.connect(path) as conn:
        (position,) = conn.execute(
            "SELECT MAX(originator_version) FROM stored_events WHERE originator_id = ?",
            (customer_id(customer).hex,),
        ).fetchone()
    return int(position)


def delete_hashes(path: str, customer: str, first: int) -> None:
    """Delete the recorded hashes of ``customer``'s positions from ``first`` on."""
    with sqlite3.connect(path) as conn:
        conn.execute(
            "DELETE FROM event_hashes WHERE originator_id = ? AND originator_version >= ?",
            (customer_id(customer).hex, first),
        )


def head_problem(check: CustomerVerification) -> list[str]:
    return [p for p in check.problems if p.startswith("store head: the store records 83 ")]


def test_the_last_event_deleted_with_its_hash_is_caught_by_the_store_head(demo_db: str) -> None:
    last = last_position(demo_db, "cust-chen")
    delete_event(demo_db, "cust-chen", last)
    delete_hashes(demo_db, "cust-chen", last)
    engine = TrustEngine(demo_db)

    check = verify_customer(engine, "cust-chen")

    assert len(check.problems) == 1
    assert head_problem(check) == check.problems
    assert "the recorded hashes fold to 82 with head" in check.problems[0]
    assert check.problems[0].endswith(
        "events were removed, added or reordered in the ledger, so this record may be "
        "incomplete: run trustengine verify"
    )
    engine.close()


def test_a_truncated_tail_deleted_with_its_hashes_is_caught_by_the_store_head(
    demo_db: str,
) -> None:
    last = last_position(demo_db, "cust-chen")
    for position in (last - 2, last - 1, last):
        delete_event(demo_db, "cust-chen", position)
    delete_hashes(demo_db, "cust-chen", last - 2)
    engine = TrustEngine(demo_db)

    check = verify_customer(engine, "cust-chen")

    assert len(check.problems) == 1
    assert "the recorded hashes fold to 80 with head" in head_problem(check)[0]
    engine.close()


def test_two_events_swapped_in_the_stores_order_are_caught_by_the_store_head(
    demo_db: str,
) -> None:
    with sqlite3.connect(demo_db) as conn:
        ids = [
            int(row[0])
            for row in conn.execute(
                "SELECT rowid FROM stored_events WHERE originator_id = ? ORDER BY rowid",
                (customer_id("cust-chen").hex,),
            )
        ]
        first, other = ids[2], ids[2] + 1  # a Chen event and the next one stored
        conn.execute("UPDATE stored_events SET rowid = -1 WHERE rowid = ?", (first,))
        conn.execute("UPDATE stored_events SET rowid = ? WHERE rowid = ?", (first, other))
        conn.execute("UPDATE stored_events SET rowid = ? WHERE rowid = -1", (other,))
    engine = TrustEngine(demo_db)

    check = verify_customer(engine, "cust-chen")

    assert len(check.problems) == 1
    assert "the recorded hashes fold to 83 with head" in head_problem(check)[0]
    assert not verify(engine).ok
    engine.close()


def test_the_audit_command_exits_1_on_a_last_event_deleted_with_its_hash(demo_db: str) -> None:
    last = last_position(demo_db, "cust-chen")
    delete_event(demo_db, "cust-chen", last)
    delete_hashes(demo_db, "cust-chen", last)

    result = CliRunner().invoke(main, ["audit", "cust-chen", "--json", "--db", demo_db])

    assert result.exit_code == 1
    assert "verification of 'cust-chen' found 1 problem(s): store head: " in result.output
