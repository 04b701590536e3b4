"""The due-work query over the read-model tables: what is owed, by when, soonest first."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.examples import event, when
from trustengine import InvalidTimeError, TrustEngine
from trustengine.readmodel import ReadModel
from trustengine.readmodel.due import due_items

DAY = 24 * 60
COMPLAINT = {"category": "delivery", "severity": 2, "cause": "broken_promise", "summary": "Late"}


def record(engine: TrustEngine, *events: dict[str, Any]) -> None:
    engine.record_many(events)


def rows(model: ReadModel, at: datetime, **options: Any) -> list[tuple[Any, ...]]:
    """(due, kind, customer, case, id, overdue, hours_overdue) of each item."""
    model.catch_up()
    return [
        (item.due, item.kind, item.customer, item.case, item.id, item.overdue, item.hours_overdue)
        for item in due_items(model, at, **options)
    ]


def filed(case: str = "C-1", customer: str = "cust-1", at: int = 0) -> dict[str, Any]:
    return event("ComplaintFiled", customer, case, at=at, actor="customer", **COMPLAINT)


def acked(
    case: str = "C-1", by: str = "agent-7", customer: str = "cust-1", at: int = 30
) -> dict[str, Any]:
    return event("ComplaintAcknowledged", customer, case, at=at, actor=by)


def handled() -> list[dict[str, Any]]:
    """Case C-1 filed at T0 and acknowledged by agent-7 half an hour later."""
    return [filed(), acked()]


def resolved() -> list[dict[str, Any]]:
    """C-1's resolution, proposed and then confirmed by the customer at T0 + 120 minutes."""
    return [
        event("ResolutionProposed", case="C-1", at=100, summary="Refund"),
        event("ResolutionConfirmed", case="C-1", at=120, actor="customer"),
    ]


def test_open_commitments_and_running_clocks_are_listed_soonest_first(
    engine: TrustEngine, model: ReadModel
) -> None:
    record(
        engine,
        *handled(),
        event("PromiseMade", case="C-1", at=40, promise="P-1", description="Call", due=when(DAY)),
        event(
            "CorrectiveActionCommitted",
            case="C-1",
            at=50,
            action="A-1",
            description="Fix the van rota",
            due=when(3 * DAY),
        ),
    )

    found = rows(model, when(2 * DAY))

    assert found == [
        (when(DAY), "promise", "cust-1", "C-1", "P-1", True, 24.0),
        (when(3 * DAY), "action", "cust-1", "C-1", "A-1", False, -24.0),
        (when(14 * DAY), "sla:resolution", "cust-1", "C-1", None, False, -288.0),
        (when(56 * DAY), "sla:final_response", "cust-1", "C-1", None, False, -1296.0),
    ]


def test_each_item_carries_its_description_and_the_case_owner(
    engine: TrustEngine, model: ReadModel
) -> None:
    record(
        engine,
        filed(),
        acked(by="agent-7"),
        event("PromiseMade", case="C-1", at=40, promise="P-1", description="Call", due=when(DAY)),
    )
    model.catch_up()

    first = due_items(model, when(DAY + 90))[0]

    assert first.as_dict() == {
        "due": "2026-03-02T09:00:00+00:00",
        "kind": "promise",
        "customer": "cust-1",
        "case": "C-1",
        "id": "P-1",
        "description": "Call",
        "owner": "agent-7",
        "overdue": True,
        "hours_overdue": 1.5,
        "due_explained": None,  # a promise's due time is the promise's own
    }


def test_settled_commitments_and_stopped_clocks_are_not_owed(
    engine: TrustEngine, model: ReadModel
) -> None:
    record(
        engine,
        filed(),
        event("PromiseMade", case="C-1", at=40, promise="P-1", description="Call", due=when(60)),
        event("PromiseKept", case="C-1", at=50, promise="P-1"),
        acked(at=60),
    )

    assert [row[1] for row in rows(model, when(DAY))] == ["sla:resolution", "sla:final_response"]


def test_overdue_keeps_only_what_is_past_due_at_the_time_given(
    engine: TrustEngine, model: ReadModel
) -> None:
    record(engine, filed())

    found = rows(model, when(DAY + 60), overdue_only=True)

    assert found == [(when(DAY), "sla:first_response", "cust-1", "C-1", None, True, 1.0)]


def test_a_due_time_equal_to_the_time_given_is_not_yet_overdue(
    engine: TrustEngine, model: ReadModel
) -> None:
    record(engine, filed())

    assert rows(model, when(DAY), overdue_only=True) == []


def test_owner_keeps_the_work_of_the_cases_that_owner_owns(
    engine: TrustEngine, model: ReadModel
) -> None:
    record(
        engine,
        filed("C-1"),
        filed("C-2", at=1),
        acked("C-1", by="agent-7", at=30),
        acked("C-2", by="agent-7", at=31),
        event("CaseReassigned", case="C-2", at=40, owner="agent-9"),
    )

    mine = rows(model, when(DAY), owner="agent-9")

    assert {(row[3], row[1]) for row in mine} == {
        ("C-2", "sla:resolution"),
        ("C-2", "sla:final_response"),
    }


def test_a_resolved_case_with_no_follow_up_is_owed_one_a_day_later_in_one_row(
    engine: TrustEngine, model: ReadModel
) -> None:
    record(engine, *handled(), *resolved())
    model.catch_up()

    items = due_items(model, when(120 + DAY + 30))

    assert [(i.kind, i.id, i.due, i.overdue, i.hours_overdue) for i in items] == [
        ("follow_up", None, when(120 + DAY), True, 0.5)
    ]
    assert items[0].description == (
        "follow up on the resolution: none scheduled; follow-up SLA (sla-default)"
    )


def test_a_case_closed_without_confirmation_is_owed_a_follow_up_and_a_survey(
    engine: TrustEngine, model: ReadModel
) -> None:
    record(
        engine,
        *handled(),
        event("CaseClosed", case="C-1", at=200, confirmed_by_customer=False),
    )

    assert rows(model, when(200)) == [
        (when(200 + DAY), "follow_up", "cust-1", "C-1", None, False, -24.0),
        (when(200 + DAY), "survey", "cust-1", "C-1", None, False, -24.0),
    ]


def test_a_scheduled_follow_up_replaces_the_derived_one_and_the_clock_shows_beside_it(
    engine: TrustEngine, model: ReadModel
) -> None:
    record(
        engine,
        *handled(),
        *resolved(),
        event("FollowUpScheduled", case="C-1", at=130, follow_up="F-1", due=when(120 + 3 * DAY)),
    )

    assert rows(model, when(120)) == [
        (when(120 + DAY), "sla:follow_up", "cust-1", "C-1", None, False, -24.0),
        (when(120 + 3 * DAY), "follow_up", "cust-1", "C-1", "F-1", False, -72.0),
    ]


def test_a_completed_follow_up_settles_the_follow_up_and_its_clock(
    engine: TrustEngine, model: ReadModel
) -> None:
    record(
        engine,
        *handled(),
        *resolved(),
        event("FollowUpScheduled", case="C-1", at=130, follow_up="F-1", due=when(2 * DAY)),
        event("FollowUpCompleted", case="C-1", at=140, follow_up="F-1", outcome="satisfied"),
    )

    assert rows(model, when(3 * DAY)) == []


def test_a_follow_up_done_before_the_resolution_does_not_cover_it(
    engine: TrustEngine, model: ReadModel
) -> None:
    record(
        engine,
        *handled(),
        event("FollowUpScheduled", case="C-1", at=40, follow_up="F-1", due=when(60)),
        event("FollowUpCompleted", case="C-1", at=50, follow_up="F-1", outcome="issue_persists"),
        *resolved(),
    )

    assert [row[1] for row in rows(model, when(120))] == ["follow_up"]


def test_a_score_after_the_resolution_but_before_closing_settles_survey_and_follow_up(
    engine: TrustEngine, model: ReadModel
) -> None:
    record(
        engine,
        *handled(),
        event("ResolutionConfirmed", case="C-1", at=120, actor="customer"),
        event("SatisfactionRecorded", case="C-1", at=125, metric="csat", score=4),
        event("CaseClosed", case="C-1", at=130, confirmed_by_customer=True),
    )

    assert rows(model, when(130)) == []


def test_a_reopened_case_owes_a_new_survey_and_no_longer_the_old_follow_up(
    engine: TrustEngine, model: ReadModel
) -> None:
    record(
        engine,
        *handled(),
        event("ResolutionConfirmed", case="C-1", at=120, actor="customer"),
        event("SatisfactionRecorded", case="C-1", at=125, metric="nps", score=9),
        event("CaseClosed", case="C-1", at=130, confirmed_by_customer=True),
        event("CaseReopened", case="C-1", at=200, reason="It broke again"),
    )
    assert [row[1] for row in rows(model, when(200))] == ["sla:resolution"]

    record(engine, event("CaseClosed", case="C-1", at=300, confirmed_by_customer=True))

    assert rows(model, when(300)) == [
        (when(300 + DAY), "follow_up", "cust-1", "C-1", None, False, -24.0),
        (when(300 + DAY), "survey", "cust-1", "C-1", None, False, -24.0),
    ]


def test_a_follow_up_row_is_due_at_the_earlier_of_a_day_and_the_sla_follow_up_clock(
    engine: TrustEngine, model: ReadModel, tmp_path: Path
) -> None:
    policy = tmp_path / "sla-quick.toml"
    policy.write_text(
        'version = "sla-quick"\ndescription = "A fast follow-up"\n'
        '[first_response]\nall = "24h"\n[follow_up]\nall = "4h"\n',
        encoding="utf-8",
    )
    record(engine, *handled(), event("ResolutionConfirmed", case="C-1", at=120))
    model.rebuild(sla=str(policy))

    items = due_items(model, when(120))

    assert [(i.kind, i.due, i.description) for i in items] == [
        (
            "follow_up",
            when(120 + 4 * 60),
            "follow up on the resolution: none scheduled; follow-up SLA (sla-quick)",
        )
    ]


def test_a_running_clock_with_a_breach_recorded_stays_listed_and_says_so(
    engine: TrustEngine, model: ReadModel
) -> None:
    record(
        engine,
        filed(),
        event(
            "SlaBreached", case="C-1", at=DAY, actor="system", clock="first_response", due=when(DAY)
        ),
    )
    model.catch_up()

    first = due_items(model, when(DAY + 60))[0]

    assert (first.kind, first.description, first.overdue) == (
        "sla:first_response",
        "first response SLA (sla-default); breach recorded",
        True,
    )


def test_erased_customers_are_left_out(engine: TrustEngine, model: ReadModel) -> None:
    record(
        engine,
        filed(customer="cust-1"),
        filed(customer="cust-2"),
        event("CustomerErased", "cust-2", at=10, legal_basis="GDPR Art. 17"),
    )

    assert {row[2] for row in rows(model, when(DAY))} == {"cust-1"}


def test_a_time_without_an_offset_is_refused(model: ReadModel) -> None:
    with pytest.raises(InvalidTimeError, match="has no offset"):
        due_items(model, datetime(2026, 3, 1, 9))


def test_due_items_are_judged_as_of_now_by_default(engine: TrustEngine, model: ReadModel) -> None:
    record(engine, filed())
    model.catch_up()

    before = datetime.now(tz=UTC)
    first = due_items(model)[0]
    after = datetime.now(tz=UTC)

    assert first.kind == "sla:first_response"
    hours = [round((moment - when(DAY)) / timedelta(hours=1), 1) for moment in (before, after)]
    assert hours[0] <= first.hours_overdue <= hours[1]
