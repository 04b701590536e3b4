"""A recorded miss a late keeping refutes, in the customer aggregate (no I/O).

``trustengine sweep`` records a ``PromiseBroken`` (actor ``system``, at the due time or
later) for a promise still open after its due time. A ``PromiseKept`` at or before the
due time, entered after that miss, shows that it did not happen: both stay, and the
keeping settles the promise. Any other second settlement is still refused by
``commitment-settles-once`` (docs/interchange.md, 2.1).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trustengine.domain.base import CustomerEvent, event_id
from trustengine.domain.customer import Customer
from trustengine.domain.events import (
    ComplaintAcknowledged,
    ComplaintFiled,
    EventCorrected,
    EventRetracted,
    PromiseBroken,
    PromiseKept,
    PromiseMade,
)
from trustengine.domain.history import SYSTEM_ACTOR, Entry, refutes
from trustengine.exceptions import CommitmentAlreadySettledError

KEY = "cust-1"
T = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
RECORDED = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
DUE = 60
"""The promise's due time, in minutes after T."""


def at(minutes: float) -> datetime:
    return T + timedelta(minutes=minutes)


def filed(minutes: float = 0) -> ComplaintFiled:
    return ComplaintFiled(
        customer=KEY,
        case="C-1",
        timestamp=at(minutes),
        category="billing",
        severity=2,
        cause="billing_error",
        summary="Charged twice",
    )


def promise(due: float = DUE) -> PromiseMade:
    return PromiseMade(
        customer=KEY,
        case="C-1",
        timestamp=at(1),
        promise="P-1",
        description="Call back",
        due=at(due),
    )


def ack(minutes: float) -> ComplaintAcknowledged:
    return ComplaintAcknowledged(customer=KEY, case="C-1", timestamp=at(minutes))


def missed(minutes: float = DUE, actor: str | None = SYSTEM_ACTOR) -> PromiseBroken:
    """The miss as the sweep records it (or, with another ``actor``, as a person does)."""
    return PromiseBroken(
        customer=KEY,
        case="C-1",
        timestamp=at(minutes),
        actor=actor,
        promise="P-1",
        reason="not kept by its due time",
    )


def kept(minutes: float) -> PromiseKept:
    return PromiseKept(customer=KEY, case="C-1", timestamp=at(minutes), promise="P-1")


def customer_with(*drafts: CustomerEvent) -> Customer:
    customer = Customer.new(KEY, T)
    for item in drafts:
        customer.record(item, recorded_at=RECORDED)
    return customer


def settled_by(customer: Customer) -> int | None:
    return customer.commitments[("promise", "P-1")].settled_by


def refused(customer: Customer, item: CustomerEvent) -> CommitmentAlreadySettledError:
    version = customer.version
    with pytest.raises(CommitmentAlreadySettledError) as caught:
        customer.record(item, recorded_at=RECORDED)
    assert customer.version == version
    assert caught.value.rule == "commitment-settles-once"
    return caught.value


def test_a_late_keeping_in_time_refutes_the_sweeps_miss_and_settles_the_promise() -> None:
    customer = customer_with(filed(), promise(), missed(), ack(90))
    customer.record(kept(30), recorded_at=RECORDED)  # a late entry, before the miss
    assert settled_by(customer) == 5
    assert customer.last_at == at(90)
    assert customer.stale is False


def test_a_keeping_at_the_due_time_itself_refutes_a_miss_at_that_time() -> None:
    customer = customer_with(filed(), promise(), missed())
    customer.record(kept(DUE), recorded_at=RECORDED)  # in order: the same `at` as the miss
    assert settled_by(customer) == 4


def test_a_miss_recorded_after_the_due_time_is_refuted_by_a_keeping_before_it() -> None:
    # The sweep records at the customer's last time when that is later than the due time.
    customer = customer_with(filed(), promise(), ack(200), missed(200))
    customer.record(kept(59), recorded_at=RECORDED)
    assert settled_by(customer) == 5


def test_a_keeping_after_the_due_time_is_still_refused_naming_the_miss() -> None:
    customer = customer_with(filed(), promise(), missed())
    error = refused(customer, kept(DUE + 1))
    assert error.conflicts == (3,)
    assert str(error) == (
        f"promise 'P-1' is already settled: a PromiseKept at {at(DUE + 1).isoformat()}, "
        f"after its due time {at(DUE).isoformat()}, does not show that the recorded miss "
        "did not happen"
    )


def test_a_late_keeping_after_the_due_time_is_refused_for_the_miss_it_would_leave() -> None:
    customer = customer_with(filed(), promise(), missed(200), ack(210))
    error = refused(customer, kept(DUE + 30))
    assert error.conflicts == (3,)
    assert str(error) == (
        f"PromiseKept at {at(DUE + 30).isoformat()} is a late entry (this customer's last "
        f"event is at {at(210).isoformat()}) that would leave PromiseBroken at "
        f"{at(200).isoformat()} ({event_id(customer.id, 3)}) breaking a rule: promise "
        f"'P-1' is already settled: a PromiseKept at {at(DUE + 30).isoformat()}, after its "
        f"due time {at(DUE).isoformat()}, does not show that the recorded miss did not happen"
    )


@pytest.mark.parametrize("actor", [None, "agent-7", "customer", "System"])
def test_a_keeping_does_not_refute_a_miss_a_person_recorded(actor: str | None) -> None:
    customer = customer_with(filed(), promise(), missed(actor=actor), ack(90))
    error = refused(customer, kept(30))
    assert error.conflicts == (3,)
    assert str(error).endswith(
        "promise 'P-1' is already settled: a PromiseBroken not recorded by 'system' is a "
        "person's word, which a PromiseKept does not refute; retract or correct it first"
    )


def test_a_system_miss_recorded_before_the_due_time_is_not_refuted() -> None:
    customer = customer_with(filed(), promise(), missed(40), ack(90))
    error = refused(customer, kept(30))
    assert error.conflicts == (3,)
    assert str(error).endswith("promise 'P-1' is already settled")


def test_a_miss_recorded_after_the_keeping_is_refused_as_before() -> None:
    customer = customer_with(filed(), promise(), kept(30))
    error = refused(customer, missed())
    assert error.conflicts == (3,)
    assert str(error) == "promise 'P-1' is already settled"


def test_a_refuted_miss_leaves_the_promise_settled_once_more() -> None:
    customer = customer_with(filed(), promise(), missed(), ack(90), kept(30))
    assert refused(customer, kept(40)).conflicts == (5,)
    assert refused(customer, missed(95)).conflicts == (5,)


def test_retracting_the_keeping_lets_the_miss_count_again() -> None:
    customer = customer_with(filed(), promise(), missed(), ack(90), kept(30))
    retraction = EventRetracted(
        customer=KEY, timestamp=at(500), event=event_id(customer.id, 5), reason="wrong promise"
    )
    customer.record(retraction, recorded_at=RECORDED)
    assert settled_by(customer) == 3


def test_correcting_the_due_time_before_the_keeping_is_refused_for_the_miss() -> None:
    customer = customer_with(filed(), promise(), missed(), ack(90), kept(30))
    correction = EventCorrected(
        customer=KEY,
        timestamp=at(500),
        event=event_id(customer.id, 2),
        replacement=promise(due=20),
        reason="due earlier",
    )
    with pytest.raises(CommitmentAlreadySettledError) as caught:
        customer.record(correction, recorded_at=RECORDED)
    assert caught.value.conflicts == (3,)
    assert customer.version == 5


def test_a_customer_replayed_from_its_events_keeps_the_refutation() -> None:
    original = customer_with(filed(), promise(), missed(), ack(90), kept(30))
    rebuilt: Customer | None = None
    for event in original.pending_events:
        rebuilt = event.mutate(rebuilt)
    assert isinstance(rebuilt, Customer)
    assert settled_by(rebuilt) == 5
    assert refused(rebuilt, kept(45)).conflicts == (5,)


@settings(max_examples=80, deadline=None)
@given(
    kept_at=st.integers(min_value=2, max_value=300),
    due=st.integers(min_value=2, max_value=300),
    miss_after=st.integers(min_value=0, max_value=100),
)
def test_a_late_keeping_is_accepted_exactly_when_it_is_at_or_before_the_due_time(
    kept_at: int, due: int, miss_after: int
) -> None:
    customer = customer_with(filed(), promise(due), missed(due + miss_after))
    keeping = kept(kept_at)
    if kept_at <= due:
        customer.record(keeping, recorded_at=RECORDED)
        assert settled_by(customer) == 4
    else:
        assert refused(customer, keeping).conflicts == (3,)


def test_the_rule_is_one_function_of_the_two_entries_and_the_due_time() -> None:
    keeping = Entry.of(kept(30), 5)
    miss = Entry.of(missed(), 3)
    assert refutes(keeping, miss, at(DUE)) is True
    assert refutes(keeping, miss, None) is False
    assert refutes(Entry.of(kept(30), 2), miss, at(DUE)) is False  # entered before the miss
    assert refutes(keeping, Entry.of(missed(actor="agent-7"), 3), at(DUE)) is False
    assert refutes(miss, keeping, at(DUE)) is False
