"""Late entries, retractions and corrections in the customer aggregate (no I/O).

The rules are checked at each event's place in business time (``at``, then arrival):
a late entry is accepted when it and every event after it keep them, and refused naming
the rule and the events it conflicts with otherwise (docs/interchange.md, 2.1).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trustengine.domain.base import CustomerEvent, event_id
from trustengine.domain.customer import Customer
from trustengine.domain.events import (
    ApologyIssued,
    CaseClosed,
    CaseEscalated,
    ComplaintAcknowledged,
    ComplaintFiled,
    ConsentUpdated,
    CustomerContacted,
    EventCorrected,
    EventRetracted,
    PromiseKept,
    PromiseMade,
)
from trustengine.exceptions import (
    AlreadyRetractedError,
    AmendmentIsFinalError,
    CaseClosedError,
    CaseNotFoundError,
    CommitmentAlreadySettledError,
    CorrectionMismatchError,
    EventNotFoundError,
    InvalidEventError,
    RetractionConflictError,
    UnknownCommitmentError,
)

KEY = "cust-1"
T = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
RECORDED = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


def at(minutes: float) -> datetime:
    return T + timedelta(minutes=minutes)


def filed(minutes: float, case: str = "C-1") -> ComplaintFiled:
    return ComplaintFiled(
        customer=KEY,
        case=case,
        timestamp=at(minutes),
        category="billing",
        severity=2,
        cause="billing_error",
        summary="Charged twice",
    )


def ack(minutes: float, case: str = "C-1") -> ComplaintAcknowledged:
    return ComplaintAcknowledged(customer=KEY, case=case, timestamp=at(minutes))


def escalated(minutes: float, case: str = "C-1") -> CaseEscalated:
    return CaseEscalated(customer=KEY, case=case, timestamp=at(minutes), level=2, reason="r")


def closed(minutes: float, case: str = "C-1") -> CaseClosed:
    return CaseClosed(customer=KEY, case=case, timestamp=at(minutes), confirmed_by_customer=False)


def promise(minutes: float, ident: str = "P-1") -> PromiseMade:
    return PromiseMade(
        customer=KEY,
        case="C-1",
        timestamp=at(minutes),
        promise=ident,
        description="Call back",
        due=at(minutes + 60),
    )


def kept(minutes: float, ident: str = "P-1") -> PromiseKept:
    return PromiseKept(customer=KEY, case="C-1", timestamp=at(minutes), promise=ident)


def customer_with(*drafts: CustomerEvent) -> Customer:
    customer = Customer.new(KEY, T)
    for item in drafts:
        customer.record(item, recorded_at=RECORDED)
    return customer


def eid(customer: Customer, version: int) -> str:
    return event_id(customer.id, version)


def retraction(customer: Customer, version: int, minutes: float = 500) -> EventRetracted:
    return EventRetracted(
        customer=KEY, timestamp=at(minutes), event=eid(customer, version), reason="by mistake"
    )


def correction(
    customer: Customer, version: int, replacement: CustomerEvent, minutes: float = 500
) -> EventCorrected:
    return EventCorrected(
        customer=KEY,
        timestamp=at(minutes),
        event=eid(customer, version),
        replacement=replacement,
        reason="entered wrongly",
    )


def snapshot(customer: Customer) -> tuple[Any, ...]:
    commitments = {key: value.settled for key, value in customer.commitments.items()}
    return (customer.version, dict(customer.cases), commitments, customer.last_at)


def refused(customer: Customer, item: CustomerEvent, error: type[Exception]) -> Exception:
    before = snapshot(customer)
    pending = list(customer.pending_events)
    with pytest.raises(error) as caught:
        customer.record(item, recorded_at=RECORDED)
    assert type(caught.value) is error
    assert snapshot(customer) == before
    assert customer.pending_events == pending
    return caught.value


# --- late entries ------------------------------------------------------------------------


def test_a_late_entry_that_keeps_the_rules_is_accepted_and_keeps_the_last_time() -> None:
    customer = customer_with(filed(0), escalated(60))
    customer.record(ack(30), recorded_at=RECORDED)
    assert customer.version == 3
    assert customer.last_at == at(60)
    assert customer.cases == {"C-1": True}


def test_a_late_entry_before_its_cases_complaint_names_the_complaint() -> None:
    customer = customer_with(filed(60))
    error = refused(customer, ack(30), CaseNotFoundError)
    assert error.conflicts == (1,)  # type: ignore[attr-defined]
    assert f"ComplaintFiled at {at(60).isoformat()} ({eid(customer, 1)})" in str(error)
    assert "is a late entry" in str(error)


def test_a_late_close_refused_for_the_later_event_it_would_break_names_that_event() -> None:
    customer = customer_with(filed(0), escalated(60), ack(90))
    error = refused(customer, closed(30), CaseClosedError)
    assert error.conflicts == (2,)  # type: ignore[attr-defined]
    assert str(error) == (
        f"CaseClosed at {at(30).isoformat()} is a late entry (this customer's last event is "
        f"at {at(90).isoformat()}) that would leave CaseEscalated at {at(60).isoformat()} "
        f"({eid(customer, 2)}) breaking a rule: case 'C-1' is closed: CaseEscalated needs "
        "it reopened first"
    )


def test_a_late_settlement_of_a_settled_commitment_names_the_settling_event() -> None:
    customer = customer_with(filed(0), promise(1), kept(50), ack(60))
    error = refused(customer, kept(20), CommitmentAlreadySettledError)
    assert error.conflicts == (3,)  # type: ignore[attr-defined]


def test_a_late_settlement_before_its_commitment_names_the_later_maker() -> None:
    customer = customer_with(filed(0), promise(40))
    error = refused(customer, kept(20), UnknownCommitmentError)
    assert error.conflicts == (2,)  # type: ignore[attr-defined]


def test_an_event_at_the_same_time_as_the_last_is_in_order() -> None:
    customer = customer_with(filed(0))
    customer.record(ack(0), recorded_at=RECORDED)
    assert customer.stale is False


def test_a_late_entry_with_a_wrong_scope_is_refused_for_its_scope() -> None:
    customer = customer_with(filed(60))
    item = ConsentUpdated(customer=KEY, case="C-1", timestamp=at(1), email=True)
    error = refused(customer, item, InvalidEventError)
    assert error.field == "case"  # type: ignore[attr-defined]


def test_a_replayed_customer_with_late_entries_enforces_the_same_rules() -> None:
    original = customer_with(filed(0), escalated(60), ack(30), closed(90))
    rebuilt: Customer | None = None
    for event in original.pending_events:
        rebuilt = event.mutate(rebuilt)
    assert isinstance(rebuilt, Customer)
    assert snapshot(rebuilt) == snapshot(original)
    refused(rebuilt, escalated(95), CaseClosedError)
    refused(rebuilt, closed(70), CaseClosedError)  # a second close at its place: closed


_CONTACTS = st.lists(st.integers(min_value=0, max_value=300), min_size=1, max_size=12)


@settings(max_examples=60, deadline=None)
@given(_CONTACTS, st.randoms(use_true_random=False))
def test_customer_level_events_arriving_in_any_order_give_the_same_rules(
    minutes: list[int], random: Any
) -> None:
    history: list[CustomerEvent] = [filed(0), ack(10), escalated(20), closed(400)]
    contacts: list[CustomerEvent] = [
        CustomerContacted(customer=KEY, timestamp=at(m), direction="inbound", summary=f"c{i}")
        for i, m in enumerate(minutes)
    ]
    in_order = sorted([*history, *contacts], key=lambda e: e.timestamp)
    shuffled = list(contacts)
    random.shuffle(shuffled)
    arrived = customer_with(*history, *shuffled)
    expected = customer_with(*in_order)
    assert snapshot(arrived)[1:] == snapshot(expected)[1:]


# --- retractions -----------------------------------------------------------------------


def test_a_retracted_event_stops_counting_for_the_rules() -> None:
    customer = customer_with(filed(0), promise(1), kept(2))
    customer.record(retraction(customer, 3), recorded_at=RECORDED)
    assert customer.commitments[("promise", "P-1")].settled is False
    customer.record(kept(3), recorded_at=RECORDED)  # it can be kept now


def test_retracting_a_complaint_with_later_events_is_refused_naming_the_dependents() -> None:
    customer = customer_with(filed(0), ack(1), escalated(2))
    error = refused(customer, retraction(customer, 1), RetractionConflictError)
    assert error.conflicts == (2, 3)  # type: ignore[attr-defined]
    assert str(error) == (
        f"EventRetracted: retracting ComplaintFiled at {at(0).isoformat()} "
        f"({eid(customer, 1)}) would leave ComplaintAcknowledged at {at(1).isoformat()} "
        f"({eid(customer, 2)}), CaseEscalated at {at(2).isoformat()} ({eid(customer, 3)}) "
        "breaking a rule; retract them first"
    )


def test_retracting_the_dependents_first_lets_the_complaint_be_retracted() -> None:
    customer = customer_with(filed(0), ack(1))
    customer.record(retraction(customer, 2), recorded_at=RECORDED)
    customer.record(retraction(customer, 1), recorded_at=RECORDED)
    assert customer.cases == {}


def test_an_event_is_retracted_once() -> None:
    customer = customer_with(filed(0), ack(1))
    customer.record(retraction(customer, 2), recorded_at=RECORDED)
    error = refused(customer, retraction(customer, 2, minutes=501), AlreadyRetractedError)
    assert error.conflicts == (3,)  # type: ignore[attr-defined]


def test_a_retraction_is_final() -> None:
    customer = customer_with(filed(0), ack(1))
    customer.record(retraction(customer, 2), recorded_at=RECORDED)
    refused(customer, retraction(customer, 3), AmendmentIsFinalError)


@pytest.mark.parametrize("version", [4, 99])
def test_an_event_the_customer_does_not_have_is_not_retracted(version: int) -> None:
    customer = customer_with(filed(0), ack(1), ack(2))
    refused(customer, retraction(customer, version), EventNotFoundError)


def test_another_customers_event_is_not_retracted() -> None:
    customer = customer_with(filed(0))
    other = Customer.new("cust-2", T)
    item = EventRetracted(
        customer=KEY, timestamp=at(9), event=event_id(other.id, 1), reason="by mistake"
    )
    refused(customer, item, EventNotFoundError)


def test_a_retraction_takes_no_case() -> None:
    customer = customer_with(filed(0))
    item = EventRetracted(
        customer=KEY, case="C-1", timestamp=at(9), event=eid(customer, 1), reason="r"
    )
    refused(customer, item, InvalidEventError)


# --- corrections -----------------------------------------------------------------------


def test_a_corrected_event_counts_at_its_replacements_time() -> None:
    customer = customer_with(filed(0), ack(5), closed(60))
    customer.record(correction(customer, 3, closed(90)), recorded_at=RECORDED)
    customer.record(escalated(70), recorded_at=RECORDED)  # open at 70 now: a late entry
    assert customer.last_at == at(90)


def test_a_correction_that_breaks_a_rule_at_its_place_is_refused() -> None:
    customer = customer_with(filed(10), ack(20))
    error = refused(customer, correction(customer, 2, ack(5)), CaseNotFoundError)
    assert error.conflicts == (1,)  # type: ignore[attr-defined]
    assert str(error).startswith(
        f"EventCorrected: the replacement of {eid(customer, 2)}, at its place in business time"
    )


def test_a_correction_that_breaks_a_later_event_names_it() -> None:
    customer = customer_with(filed(0), escalated(30), closed(60))
    error = refused(customer, correction(customer, 3, closed(20)), CaseClosedError)
    assert error.conflicts == (2,)  # type: ignore[attr-defined]


def test_a_replacement_keeps_the_type_and_customer() -> None:
    customer = customer_with(filed(0), ack(1))
    apology = ApologyIssued(customer=KEY, case="C-1", timestamp=at(1), accepts_responsibility=True)
    refused(customer, correction(customer, 2, apology), CorrectionMismatchError)
    stranger = ComplaintAcknowledged(customer="cust-2", case="C-1", timestamp=at(1))
    refused(customer, correction(customer, 2, stranger), CorrectionMismatchError)


def test_a_corrected_event_can_be_corrected_again_and_then_retracted() -> None:
    customer = customer_with(filed(0), ack(5), escalated(9))
    customer.record(correction(customer, 3, escalated(7)), recorded_at=RECORDED)
    customer.record(correction(customer, 3, escalated(8), minutes=501), recorded_at=RECORDED)
    customer.record(retraction(customer, 3), recorded_at=RECORDED)
    refused(customer, correction(customer, 3, escalated(6), minutes=502), AlreadyRetractedError)


def test_a_correction_is_final() -> None:
    customer = customer_with(filed(0), ack(5))
    customer.record(correction(customer, 2, ack(6)), recorded_at=RECORDED)
    refused(customer, retraction(customer, 3), AmendmentIsFinalError)


def test_a_replacement_is_a_new_event_not_a_stored_one() -> None:
    customer = customer_with(filed(0), ack(5))
    stored = customer.pending_events[1]
    with pytest.raises(ValueError, match="a replacement is a new event"):
        correction(customer, 2, stored)


def test_a_replacement_given_in_the_contracts_shape_is_the_same_event() -> None:
    customer = customer_with(filed(0), ack(5))
    shaped = correction(customer, 2, ack(6)).model_copy()
    given_dict = EventCorrected(
        customer=KEY,
        timestamp=at(500),
        event=eid(customer, 2),
        reason="entered wrongly",
        replacement={  # type: ignore[arg-type]  # the contract's shape, as a caller may pass it
            "type": "ComplaintAcknowledged",
            "customer": KEY,
            "case": "C-1",
            "at": at(6).isoformat(),
            "data": {},
        },
    )
    assert given_dict == shaped
