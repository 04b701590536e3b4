"""Verification of one customer's stored events: what the audit reports as verified."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.audit.stores import delete_event, demo_store, edit_payload
from trustengine import CustomerNotFoundError, TrustEngine
from trustengine.verify import verify, verify_customer


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

    assert check.problems == [
        "customer 'cust-chen' position 5: follows position 3: events missing or reordered",
        "customer 'cust-chen' position 5: hash mismatch: its type, time, payload or "
        "position was changed",
        "customer 'cust-chen': position(s) 4 have a recorded hash but no stored event: "
        "events were deleted",
    ]
    assert not verify(engine).ok
    engine.close()


def test_a_truncated_tail_is_caught_by_the_hash_left_behind(demo_db: str) -> None:
    delete_event(demo_db, "cust-chen", 8)
    engine = TrustEngine(demo_db)

    check = verify_customer(engine, "cust-chen")

    assert check.problems == [
        "customer 'cust-chen': position(s) 8 have a recorded hash but no stored event: "
        "events were deleted"
    ]
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
