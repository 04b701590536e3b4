"""The ``follow_up`` SLA clock stops at the first follow-up act about the case, whatever it
found, and at a reopening; ``due``, ``sweep`` and the SQL view follow it without rules of
their own. Whether the follow-up restored trust is the trust model's separate question."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from tests.examples import event, iso, when
from trustengine import TrustEngine, due_items, find_misses
from trustengine.readmodel import ReadModel
from trustengine.scoring.trust import TrustModel

DAY = 24 * 60
RESOLVED = 120
"""Minutes after T0 when the case is resolved; the clock (24h) is due a day later."""
COMPLAINT = {"category": "delivery", "severity": 2, "cause": "other", "summary": "Late"}


def resolved_and_closed() -> list[dict[str, Any]]:
    return [
        event("ComplaintFiled", case="C-1", at=0, actor="customer", **COMPLAINT),
        event("ComplaintAcknowledged", case="C-1", at=30, actor="agent-7"),
        event("ResolutionConfirmed", case="C-1", at=RESOLVED, actor="customer"),
        event("CaseClosed", case="C-1", at=RESOLVED + 5, confirmed_by_customer=True),
    ]


def follow_up(outcome: str, at: int) -> list[dict[str, Any]]:
    return [
        event("FollowUpScheduled", case="C-1", at=at - 1, follow_up="F-1", due=when(2 * DAY)),
        event("FollowUpCompleted", case="C-1", at=at, follow_up="F-1", outcome=outcome),
    ]


def clocks(model: ReadModel) -> list[tuple[Any, ...]]:
    """(period, started_at, stopped_at, breached) of each follow_up clock."""
    model.catch_up()
    return model.db.execute(
        "SELECT period, started_at, stopped_at, breached FROM sla_clocks "
        "WHERE clock = 'follow_up' ORDER BY period"
    ).fetchall()


def followed_up(engine: TrustEngine) -> bool:
    """Whether the trust model, replaying the history, counts case C-1 followed up."""
    return TrustModel().replay(engine.history("cust-1")).cases["C-1"].followed_up


AFTER = RESOLVED + 60
"""A follow-up an hour after the resolution: well within the clock."""

ACTS = {
    "a satisfied follow-up": follow_up("satisfied", AFTER),
    "a follow-up that found the issue persists": follow_up("issue_persists", AFTER),
    "a follow-up with no answer": follow_up("no_answer", AFTER),
    "a promoter NPS": [event("SatisfactionRecorded", case="C-1", at=AFTER, metric="nps", score=9)],
    "a detractor NPS": [event("SatisfactionRecorded", case="C-1", at=AFTER, metric="nps", score=2)],
    "a low CSAT": [event("SatisfactionRecorded", case="C-1", at=AFTER, metric="csat", score=1)],
    "an outbound contact": [event("CustomerContacted", case="C-1", at=AFTER, direction="outbound")],
}
NOT_ACTS = {
    "an inbound contact": [
        event("CustomerContacted", case="C-1", at=AFTER, direction="inbound", sentiment=0.9)
    ],
    "an outbound contact about no case": [
        event("CustomerContacted", at=AFTER, direction="outbound", sentiment=0.9)
    ],
    "a score about no case": [event("SatisfactionRecorded", at=AFTER, metric="nps", score=10)],
}


@pytest.mark.parametrize("events", ACTS.values(), ids=ACTS.keys())
def test_the_follow_up_clock_stops_at_each_follow_up_act_whatever_it_found(
    engine: TrustEngine, model: ReadModel, events: list[dict[str, Any]]
) -> None:
    engine.record_many([*resolved_and_closed(), *events])

    assert clocks(model) == [(1, iso(RESOLVED), iso(AFTER), 0)]


@pytest.mark.parametrize("events", NOT_ACTS.values(), ids=NOT_ACTS.keys())
def test_the_follow_up_clock_runs_on_past_what_is_not_the_business_following_the_case_up(
    engine: TrustEngine, model: ReadModel, events: list[dict[str, Any]]
) -> None:
    engine.record_many([*resolved_and_closed(), *events])

    assert clocks(model) == [(1, iso(RESOLVED), None, 0)]


def test_an_unanswered_outreach_on_a_resolved_case_stops_the_clock(
    engine: TrustEngine, model: ReadModel
) -> None:
    engine.record_many(
        [
            *resolved_and_closed()[:3],
            event("ContactUnanswered", case="C-1", at=AFTER, attempts=2),
        ]
    )

    assert clocks(model) == [(1, iso(RESOLVED), iso(AFTER), 0)]


def test_a_follow_up_that_finds_the_issue_persists_meets_the_sla_but_not_the_trust_model(
    engine: TrustEngine, model: ReadModel
) -> None:
    engine.record_many([*resolved_and_closed(), *follow_up("issue_persists", AFTER)])

    assert clocks(model) == [(1, iso(RESOLVED), iso(AFTER), 0)]
    assert not followed_up(engine)
    assert TrustModel().replay(engine.history("cust-1")).phase == "at_risk"


def test_a_score_between_the_confirmation_and_the_close_stops_the_clock(
    engine: TrustEngine, model: ReadModel
) -> None:
    engine.record_many(
        [
            *resolved_and_closed()[:3],
            event("SatisfactionRecorded", case="C-1", at=RESOLVED + 2, metric="nps", score=10),
            event("CaseClosed", case="C-1", at=RESOLVED + 5, confirmed_by_customer=True),
        ]
    )

    assert clocks(model) == [(1, iso(RESOLVED), iso(RESOLVED + 2), 0)]


def test_a_follow_up_before_the_resolution_does_not_stop_the_clock_it_has_not_started(
    engine: TrustEngine, model: ReadModel
) -> None:
    events = resolved_and_closed()
    engine.record_many([*events[:2], *follow_up("satisfied", 60), *events[2:]])

    assert clocks(model) == [(1, iso(RESOLVED), None, 0)]


def test_a_follow_up_after_the_due_time_stops_the_clock_late(
    engine: TrustEngine, model: ReadModel
) -> None:
    late = RESOLVED + DAY + 30
    engine.record_many(
        [
            *resolved_and_closed(),
            event("SatisfactionRecorded", case="C-1", at=late, metric="csat", score=5),
        ]
    )

    assert clocks(model) == [(1, iso(RESOLVED), iso(late), 1)]


@pytest.mark.parametrize(
    ("reopened", "breached"), [(RESOLVED + 60, 0), (RESOLVED + DAY + 60, 1)], ids=["early", "late"]
)
def test_a_reopening_stops_the_follow_up_clock_breached_only_if_past_due(
    engine: TrustEngine, model: ReadModel, reopened: int, breached: int
) -> None:
    engine.record_many(
        [*resolved_and_closed(), event("CaseReopened", case="C-1", at=reopened, reason="Again")]
    )

    assert clocks(model) == [(1, iso(RESOLVED), iso(reopened), breached)]


def test_the_next_resolution_after_a_reopening_needs_a_follow_up_of_its_own(
    engine: TrustEngine, model: ReadModel
) -> None:
    second = RESOLVED + 3 * DAY
    engine.record_many(
        [
            *resolved_and_closed(),
            *follow_up("satisfied", AFTER),
            event("CaseReopened", case="C-1", at=AFTER + 60, reason="Again"),
            event("ResolutionConfirmed", case="C-1", at=second, actor="customer"),
            event("CaseClosed", case="C-1", at=second + 5, confirmed_by_customer=True),
        ]
    )

    assert clocks(model) == [(1, iso(RESOLVED), iso(AFTER), 0), (2, iso(second), None, 0)]
    assert not followed_up(engine)


def test_due_and_sweep_leave_a_reopened_case_s_old_follow_up_alone(
    engine: TrustEngine, model: ReadModel
) -> None:
    reopened = RESOLVED + 60
    engine.record_many(
        [*resolved_and_closed(), event("CaseReopened", case="C-1", at=reopened, reason="Again")]
    )
    model.catch_up()
    later = when(reopened) + timedelta(days=30)

    assert [item.kind for item in due_items(model, later)] == ["sla:resolution"]
    assert [(m.type, m.clock) for m in find_misses(model, later)] == [("SlaBreached", "resolution")]
    listed = model.db.execute("SELECT clock FROM overdue_sla_clocks").fetchall()
    assert ("follow_up",) not in listed


def test_a_score_after_closing_settles_the_derived_follow_up(
    engine: TrustEngine, model: ReadModel
) -> None:
    engine.record_many(
        [
            *resolved_and_closed(),
            event("SatisfactionRecorded", case="C-1", at=AFTER, metric="nps", score=9),
        ]
    )
    model.catch_up()

    assert due_items(model, when(RESOLVED + 2 * DAY)) == []


def test_a_follow_up_whatever_it_found_settles_the_derived_follow_up_and_sweeps_nothing(
    engine: TrustEngine, model: ReadModel
) -> None:
    engine.record_many([*resolved_and_closed(), *follow_up("issue_persists", AFTER)])
    model.catch_up()
    at = when(RESOLVED + 2 * DAY)

    items = due_items(model, at)

    assert [(i.kind, i.id, i.due, i.overdue) for i in items] == [
        ("survey", None, when(RESOLVED + 5 + DAY), True),
    ]
    assert find_misses(model, at) == []


def test_a_resolved_case_nobody_follows_up_is_owed_one_and_swept_as_a_breach(
    engine: TrustEngine, model: ReadModel
) -> None:
    engine.record_many(resolved_and_closed())
    model.catch_up()
    at = when(RESOLVED + 2 * DAY)

    assert [(i.kind, i.id, i.due, i.overdue) for i in due_items(model, at)] == [
        ("follow_up", None, when(RESOLVED + DAY), True),
        ("survey", None, when(RESOLVED + 5 + DAY), True),
    ]
    assert [(m.type, m.clock, m.due) for m in find_misses(model, at)] == [
        ("SlaBreached", "follow_up", when(RESOLVED + DAY))
    ]


def test_the_derived_follow_up_is_due_a_day_after_the_resolution_as_the_clock_is(
    engine: TrustEngine, model: ReadModel
) -> None:
    engine.record_many(resolved_and_closed())
    model.catch_up()

    (item,) = [i for i in due_items(model, when(RESOLVED)) if i.kind == "follow_up"]
    (started, due) = model.db.execute(
        "SELECT started_at, due FROM sla_clocks WHERE clock = 'follow_up'"
    ).fetchone()

    assert item.due == datetime.fromisoformat(due)
    assert item.due - datetime.fromisoformat(started) == timedelta(days=1)
