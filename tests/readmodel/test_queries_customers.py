"""The read model's answers for ``trustengine customers`` and ``trustengine case``."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from tests.readmodel.conftest import demo_lines
from trustengine import CustomerNotFoundError, TrustEngine, UnknownCaseError
from trustengine.interchange.jsonl import import_lines
from trustengine.readmodel import ReadModel
from trustengine.readmodel.queries import AT_RISK_PHASES

RECORDED = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
"""When the demo history is recorded in these tests."""


class Clock:
    """A recorded-time clock the test moves by hand."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock(RECORDED)


@pytest.fixture
def engine(tmp_path: Path, clock: Clock) -> Iterator[TrustEngine]:
    engine = TrustEngine(str(tmp_path / "trust.db"), clock=clock)
    import_lines(engine, demo_lines(), name="demo.jsonl")
    yield engine
    engine.close()


@pytest.fixture
def model(engine: TrustEngine) -> Iterator[ReadModel]:
    with ReadModel(engine) as model:
        model.catch_up()
        yield model


def keys(rows: list[dict[str, object]]) -> list[object]:
    return [row["customer"] for row in rows]


def contact_chen(engine: TrustEngine, model: ReadModel) -> None:
    """Record an outbound contact with cust-chen (business time 2026-05-27 09:00 UTC) at
    the clock's time, and catch the read model up."""
    engine.record(
        {
            "type": "CustomerContacted",
            "customer": "cust-chen",
            "at": "2026-05-27T09:00:00+00:00",
            "data": {"direction": "outbound"},
        }
    )
    model.catch_up()


def test_customers_lists_everyone_lowest_score_first_with_their_standing(
    model: ReadModel,
) -> None:
    rows = model.customers()

    assert keys(rows) == ["cust-boris", "cust-chen", "cust-dara", "cust-esme", "cust-amelia"]
    assert rows[0] == {
        "customer": "cust-boris",
        "score": 7.8,
        "phase": "lost",
        "tier": "standard",
        "open_cases": 1,
        "broken_promises": 1,
        "cases": 1,
        "last_contact_at": "2026-04-09T11:30:00+00:00",
        "last_event_at": "2026-04-14T19:02:00+00:00",
        "phase_since": "2026-04-03T09:00:00+00:00",
        "changed_at": "2026-06-01T12:00:00+00:00",
    }


def test_customers_keeps_only_the_phases_asked_for(model: ReadModel) -> None:
    assert keys(model.customers(phases=AT_RISK_PHASES)) == ["cust-boris"]
    assert keys(model.customers(phases=["restored", "advocate"])) == [
        "cust-dara",
        "cust-esme",
        "cust-amelia",
    ]
    assert model.customers(phases=["steady"]) == []
    assert model.customers(phases=[]) == []


def test_customers_sorted_by_change_puts_the_latest_recorded_first(
    engine: TrustEngine, model: ReadModel, clock: Clock
) -> None:
    clock.now = RECORDED + timedelta(hours=1)
    contact_chen(engine, model)

    rows = model.customers(sort="changed")

    assert keys(rows) == ["cust-chen", "cust-amelia", "cust-boris", "cust-dara", "cust-esme"]
    assert rows[0]["changed_at"] == "2026-06-01T13:00:00+00:00"
    assert rows[0]["last_contact_at"] == "2026-05-27T09:00:00+00:00"


def test_customers_compares_change_times_as_instants_across_offsets(
    engine: TrustEngine, model: ReadModel, clock: Clock
) -> None:
    # 13:30 at +02:00 is 11:30 UTC: earlier than the demo's 12:00 UTC, though it sorts
    # later as text.
    clock.now = datetime(2026, 6, 1, 13, 30, tzinfo=timezone(timedelta(hours=2)))
    contact_chen(engine, model)

    assert keys(model.customers(sort="changed"))[-1] == "cust-chen"


def test_customers_limit_keeps_the_first_rows_of_the_order(model: ReadModel) -> None:
    assert keys(model.customers(limit=2)) == ["cust-boris", "cust-chen"]


def test_customers_refuses_an_unknown_sort(model: ReadModel) -> None:
    with pytest.raises(ValueError, match="unknown sort 'name': use one of score, changed"):
        model.customers(sort="name")  # type: ignore[arg-type]


def test_case_gives_the_case_row_with_booleans_and_each_section(model: ReadModel) -> None:
    found = model.case("cust-dara", "C-1012")

    assert found["case"] == {
        "customer": "cust-dara",
        "case": "C-1012",
        "status": "closed",
        "opened_at": "2026-05-06T08:10:00+00:00",
        "severity": 3,
        "category": "privacy",
        "cause": "data_incident",
        "summary": "Received another customer's invoice, and mine apparently went to someone else",
        "owner": "privacy-office",
        "hand_offs": 1,
        "escalation_level": 2,
        "acknowledged_at": "2026-05-06T08:40:00+00:00",
        "proposed_at": "2026-05-19T16:30:00+00:00",
        "resolved_at": "2026-05-20T09:10:00+00:00",
        "closed_at": "2026-05-20T09:15:00+00:00",
        "confirmed_by_customer": True,
        "reopened": 0,
        "reopened_at": None,
        "broken_promises": 0,
        "sla_breaches": 0,
        "last_event_at": "2026-05-21T12:00:00+00:00",
        "awaiting_since": None,
        "paused_seconds": 0.0,
        "pauses": None,
    }
    assert found["hand_offs"] == [
        {
            "at": "2026-05-06T09:05:00+00:00",
            "actor": "agent-3",
            "channel": "other",
            "summary": "Handed off to privacy-office: Data incidents are owned by the "
            "privacy office",
            "position": 16,
        }
    ]
    assert found["promises"] == [
        {
            "kind": "action",
            "id": "A-1012-1",
            "description": "Add an automated address-to-account check to the invoice print run",
            "made_at": "2026-05-06T11:40:00+00:00",
            "due": "2026-05-20T17:00:00+00:00",
            "status": "completed",
            "settled_at": "2026-05-19T16:00:00+00:00",
            "on_time": True,
            "prevents_recurrence": True,
            "note": "Check live since 19 May; 14,210 invoices printed with no mismatch",
        }
    ]
    assert found["compensation"] == [
        {
            "offer": "O-1012-1",
            "kind": "credit",
            "amount": 50.0,
            "currency": "EUR",
            "addresses_failure": True,
            "status": "accepted",
            "at": "2026-05-06T11:45:00+00:00",
            "settled_at": "2026-05-07T07:55:00+00:00",
            "reason": None,
        }
    ]
    assert [(c["clock"], c["period"], c["breached"]) for c in found["sla_clocks"]] == [
        ("first_response", 1, False),
        ("final_response", 1, False),
        ("resolution", 1, True),
        ("follow_up", 1, True),
    ]


def test_case_commitments_come_in_the_order_they_were_made(model: ReadModel) -> None:
    found = model.case("cust-amelia", "C-1001")

    assert [(row["kind"], row["id"], row["status"], row["note"]) for row in found["promises"]] == [
        ("promise", "P-1001-1", "kept", None),
        (
            "action",
            "A-1001-1",
            "completed",
            "Dispatch procedure DL-04 v3 published 11 March; all twelve dispatchers briefed "
            "and signed off",
        ),
        ("follow_up", "F-1001-1", "completed", "satisfied"),
    ]


def test_a_reopened_case_has_a_second_period_of_its_resolution_clock(model: ReadModel) -> None:
    found = model.case("cust-boris", "C-1002")

    assert (found["case"]["status"], found["case"]["reopened"]) == ("open", 1)
    assert [(c["clock"], c["period"], c["stopped_at"]) for c in found["sla_clocks"]] == [
        ("first_response", 1, "2026-03-19T16:40:00+00:00"),
        ("final_response", 1, "2026-04-03T09:00:00+00:00"),
        ("resolution", 1, "2026-04-03T09:00:00+00:00"),
        ("follow_up", 1, "2026-04-09T08:20:00+00:00"),  # stopped by the reopening
        ("resolution", 2, None),
    ]
    assert [row["summary"] for row in found["hand_offs"]] == [
        "Handed off to billing-team: Billing question",
        "Handed off to agent-19: Billing team returned it to front-line support",
        "Handed off to agent-4: Shift change",
    ]


def test_case_timeline_is_the_case_timeline_with_the_trust_score_after_each_step(
    model: ReadModel,
) -> None:
    found = model.case("cust-boris", "C-1002")

    scores = {step["position"]: step["score"] for step in model.state("cust-boris")["explanation"]}
    expected = [
        {**row, "trust": scores[row["position"]]}
        for row in model.timeline("cust-boris", case="C-1002")
    ]
    assert found["timeline"] == expected
    assert len(expected) == 17


def test_case_of_an_unknown_customer_or_case_names_what_is_missing(
    model: ReadModel, engine: TrustEngine
) -> None:
    where = engine.target.display
    with pytest.raises(CustomerNotFoundError) as unknown_customer:
        model.case("cust-nobody", "C-1001")
    with pytest.raises(UnknownCaseError) as unknown_case:
        model.case("cust-dara", "C-1001")

    assert str(unknown_customer.value) == f"no customer 'cust-nobody' in {where}"
    assert str(unknown_case.value) == f"customer 'cust-dara' has no case 'C-1001' in {where}"


def test_case_of_an_erased_customer_shows_no_personal_text(
    engine: TrustEngine, model: ReadModel
) -> None:
    engine.erase("cust-amelia", legal_basis="GDPR Art. 17 request")
    model.catch_up()

    found = model.case("cust-amelia", "C-1001")

    assert found["case"]["summary"] == "[erased]"
    assert {row["description"] for row in found["promises"]} == {"[erased]", None}
