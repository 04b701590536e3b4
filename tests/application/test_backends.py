"""The engine on every storage backend: memory, SQLite and PostgreSQL.

Each test here runs once per backend (the ``engine``/``open_engine`` fixtures) or once per
backend that several engines can share (``open_durable_engine``: SQLite, PostgreSQL).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import pytest

import trustengine.application.writing as application
from tests.examples import (
    AMENDMENTS,
    ERASED_KEY,
    EXAMPLES,
    KEY,
    case_opened,
    event,
    history,
    history_length,
    key_history,
    when,
)
from trustengine import TrustEngine
from trustengine.domain import EVENT_TYPES, customer_id
from trustengine.domain.base import EPOCH
from trustengine.exceptions import (
    BatchRejectedError,
    CaseAlreadyExistsError,
    CaseClosedError,
    CaseNotClosedError,
    CaseNotFoundError,
    CommitmentAlreadySettledError,
    CommitmentCaseMismatchError,
    ConcurrencyError,
    CustomerErasedError,
    CustomerNotFoundError,
    DuplicateCommitmentError,
    InvalidEventError,
    UnknownCommitmentError,
    UnknownEventTypeError,
)
from trustengine.interchange.codec import parse_event, to_contract

Opener = Callable[..., TrustEngine]


def now() -> datetime:
    return datetime.now(tz=UTC)


def stored(engine: TrustEngine) -> list[dict[str, Any]]:
    """Everything in the store, contract-shaped, in the order it was stored."""
    return [to_contract(item) for item in engine.all_events()]


def contract_history(engine: TrustEngine, key: str = KEY, **filters: Any) -> list[dict[str, Any]]:
    return [to_contract(item) for item in engine.history(key, **filters)]


# --- round trips ---------------------------------------------------------------------------


def test_every_event_type_round_trips_through_the_store(engine: TrustEngine) -> None:
    events = [*history(), *AMENDMENTS]
    assert {item["type"] for item in events} == set(EVENT_TYPES)
    before = now()
    results = [engine.record(item) for item in events]
    after = now()
    assert results == [True] * len(events)

    assert contract_history(engine) == [*key_history(), *AMENDMENTS]
    assert contract_history(engine, ERASED_KEY) == [EXAMPLES["CustomerErased"]]
    assert stored(engine) == events

    everything = list(engine.all_events())
    assert {item.type_name for item in everything} == set(EVENT_TYPES)
    for item in everything:
        assert item.recorded_at != EPOCH
        assert before <= item.recorded_at <= after
        assert item.recorded_at != item.timestamp  # recorded time is not business time
    recorded_times = [item.recorded_at for item in everything]
    assert recorded_times == sorted(recorded_times)
    assert len(set(recorded_times)) == len(recorded_times)  # one write per record()


def test_a_batch_holding_every_event_type_round_trips_through_the_store(
    engine: TrustEngine,
) -> None:
    events = history()
    before = now()
    assert engine.record_many(events) == len(events) == history_length()
    after = now()
    assert stored(engine) == events
    assert contract_history(engine) == key_history()
    recorded_times = {item.recorded_at for item in engine.all_events()}
    assert len(recorded_times) == 1  # one batch, one recorded time
    (recorded_at,) = recorded_times
    assert before <= recorded_at <= after


def test_decoded_events_are_the_same_facts_as_the_recorded_ones(engine: TrustEngine) -> None:
    engine.record_many(history())
    decoded = engine.history(KEY)
    again = engine.history(KEY)
    assert decoded == again
    assert [item.fact_key() for item in decoded] == [
        item.fact_key() for item in (parse_event(obj) for obj in key_history())
    ]


def test_versions_are_gapless_from_one_per_customer(engine: TrustEngine) -> None:
    engine.record_many(history())
    engine.record(event("CustomerContacted", at=60, direction="outbound"))
    engine.record(event("CustomerRegistered", "cust-3", at=0))
    for key, count in ((KEY, history_length()), (ERASED_KEY, 1), ("cust-3", 1)):
        events = engine.history(key)
        assert [item.originator_version for item in events] == list(range(1, count + 1))
        assert {item.originator_id for item in events} == {customer_id(key)}


def test_notifications_number_every_stored_event_once(engine: TrustEngine) -> None:
    engine.record_many(history())
    ids = [notification.id for notification in engine.notifications()]
    assert len(ids) == history_length()
    assert ids == sorted(set(ids))
    assert [n.id for n in engine.notifications(start=ids[10])] == ids[10:]


# --- rules, through the store -----------------------------------------------------------------

RULE_VIOLATIONS: list[Any] = [
    pytest.param(
        [case_opened()],
        event("ComplaintAcknowledged", case="C-9", at=1),
        CaseNotFoundError,
        None,
        id="case-must-exist",
    ),
    pytest.param(
        [case_opened()], case_opened(at=1), CaseAlreadyExistsError, None, id="case-key-unique"
    ),
    pytest.param(
        [case_opened(), event("CaseClosed", case="C-1", at=1, confirmed_by_customer=True)],
        event(
            "PromiseMade",
            case="C-1",
            at=2,
            promise="P-1",
            description="d",
            due="2026-03-09T00:00:00+00:00",
        ),
        CaseClosedError,
        None,
        id="closed-case-takes-only-settlements",
    ),
    pytest.param(
        [case_opened()],
        event("CaseReopened", case="C-1", at=1, reason="r"),
        CaseNotClosedError,
        None,
        id="reopen-needs-closed-case",
    ),
    pytest.param(
        [
            case_opened(),
            event(
                "FollowUpScheduled",
                case="C-1",
                at=1,
                follow_up="F-1",
                due="2026-03-09T00:00:00+00:00",
            ),
        ],
        event(
            "FollowUpScheduled", case="C-1", at=2, follow_up="F-1", due="2026-03-10T00:00:00+00:00"
        ),
        DuplicateCommitmentError,
        None,
        id="commitment-id-unique",
    ),
    pytest.param(
        [case_opened()],
        event("CompensationAccepted", case="C-1", at=1, offer="O-1"),
        UnknownCommitmentError,
        None,
        id="commitment-must-exist",
    ),
    pytest.param(
        [
            case_opened(),
            event(
                "PromiseMade",
                case="C-1",
                at=1,
                promise="P-1",
                description="d",
                due="2026-03-09T00:00:00+00:00",
            ),
            event("PromiseKept", case="C-1", at=2, promise="P-1"),
        ],
        event("PromiseBroken", case="C-1", at=3, promise="P-1"),
        CommitmentAlreadySettledError,
        None,
        id="commitment-settles-once",
    ),
    pytest.param(
        [
            case_opened("C-1"),
            case_opened("C-2"),
            event(
                "CorrectiveActionCommitted",
                case="C-1",
                at=1,
                action="A-1",
                description="d",
                due="2026-03-09T00:00:00+00:00",
            ),
        ],
        event("CorrectiveActionCompleted", case="C-2", at=2, action="A-1"),
        CommitmentCaseMismatchError,
        None,
        id="commitment-settles-in-its-case",
    ),
    pytest.param(
        [case_opened(at=10)],
        event("ComplaintAcknowledged", case="C-1", at=9),
        CaseNotFoundError,
        None,
        id="late-entry-before-its-case",
    ),
    pytest.param(
        [case_opened(), event("CustomerErased", at=1, legal_basis="GDPR")],
        event("CustomerRegistered", at=2),
        CustomerErasedError,
        None,
        id="erased-customer-takes-nothing",
    ),
    pytest.param(
        [case_opened()],
        event("ConsentUpdated", case="C-1", at=1, email=True),
        InvalidEventError,
        "case",
        id="customer-level-event-with-a-case",
    ),
    pytest.param(
        [case_opened()],
        event("ResolutionProposed", at=1, summary="s"),
        InvalidEventError,
        "case",
        id="case-event-without-a-case",
    ),
    pytest.param(
        [case_opened()],
        event("CaseEscalated", case="C-1", at=1, level=1, reason="r"),
        InvalidEventError,
        "data.level",
        id="invalid-field",
    ),
    pytest.param(
        [case_opened()],
        event("CaseEscalatedd", case="C-1", at=1),
        UnknownEventTypeError,
        "type",
        id="unknown-type",
    ),
]


@pytest.mark.parametrize(("setup", "bad", "error", "field"), RULE_VIOLATIONS)
def test_a_rule_violation_raises_its_error_and_stores_nothing(
    engine: TrustEngine,
    setup: list[dict[str, Any]],
    bad: dict[str, Any],
    error: type[Exception],
    field: str | None,
) -> None:
    assert engine.record_many(setup) == len(setup)
    before = stored(engine)
    with pytest.raises(error) as caught:
        engine.record(bad)
    assert type(caught.value) is error
    if field is not None:
        assert caught.value.field == field  # type: ignore[attr-defined]
    assert stored(engine) == before
    assert [item.originator_version for item in engine.history(KEY)] == list(
        range(1, len(setup) + 1)
    )


def test_a_rejected_first_event_leaves_no_customer(engine: TrustEngine) -> None:
    with pytest.raises(CaseNotFoundError):
        engine.record(event("ComplaintAcknowledged", case="C-1"))
    with pytest.raises(CustomerNotFoundError):
        engine.history(KEY)
    assert stored(engine) == []


def test_recording_the_same_fact_again_stores_nothing(engine: TrustEngine) -> None:
    assert engine.record(case_opened()) is True
    assert engine.record(case_opened()) is False
    assert len(stored(engine)) == 1


def test_the_same_fact_twice_in_one_batch_is_stored_once(engine: TrustEngine) -> None:
    assert engine.record_many([case_opened(), case_opened()]) == 1
    assert stored(engine) == [case_opened()]


def test_a_later_fact_with_equal_content_is_a_new_fact(engine: TrustEngine) -> None:
    unanswered = [event("ContactUnanswered", at=minute, attempts=1) for minute in (0, 1)]
    assert engine.record_many(unanswered) == 2
    assert stored(engine) == unanswered


# --- batches ---------------------------------------------------------------------------------


def _bad_batch() -> list[dict[str, Any]]:
    return [
        case_opened("C-1", at=0),  # 1 good
        event(
            "ComplaintFiled", case="C-2", at=1, category="x", severity=9, cause="other", summary="s"
        ),  # 2 field
        event("ComplaintAcknowledged", case="C-1", at=2),  # 3 good
        event("PromiseKept", case="C-1", at=3, promise="P-404"),  # 4 rule
        event("ApologyIssued", case="C-1", at=4, accepts_responsibility=True),  # 5 good
        event("ResolutionProposed", case="C-1", at=1, summary="s"),  # 6 good (late entry)
        event("NotAnEventType", case="C-1", at=5),  # 7 type
        event("CustomerRegistered", "cust-2", case="C-1", at=0),  # 8 scope
    ]


def test_a_batch_with_bad_items_lists_every_bad_position_and_stores_nothing(
    engine: TrustEngine,
) -> None:
    with pytest.raises(BatchRejectedError) as caught:
        engine.record_many(_bad_batch())
    rejected = caught.value
    assert [position for position, _ in rejected.problems] == [2, 4, 7, 8]
    messages = dict(rejected.problems)
    assert messages[2].startswith("ComplaintFiled: data.severity = 9: ")
    assert messages[4].endswith("(rule: commitment-must-exist)")
    assert messages[7] == "unknown event type 'NotAnEventType'"
    assert "customer-level" in messages[8]
    assert sorted(type(cause).__name__ for cause in rejected.causes) == sorted(
        [
            "InvalidEventError",
            "UnknownCommitmentError",
            "UnknownEventTypeError",
            "InvalidEventError",
        ]
    )
    assert str(rejected).startswith("4 bad events; nothing was stored\nitem 2: ")
    assert stored(engine) == []
    with pytest.raises(CustomerNotFoundError):
        engine.history(KEY)


def test_a_batch_with_only_rule_violations_lists_each_and_stores_nothing(
    engine: TrustEngine,
) -> None:
    engine.record(case_opened("C-0", at=0))
    before = stored(engine)
    batch = [
        event("ComplaintAcknowledged", case="C-0", at=1),  # 1 good
        event("CaseReopened", case="C-0", at=2, reason="r"),  # 2 not closed
        event("PromiseBroken", case="C-0", at=3, promise="P-1"),  # 3 unknown
        event("ConsentUpdated", "cust-2", at=0, sms=False),  # 4 good (other customer)
        event("ComplaintAcknowledged", "cust-2", case="C-1", at=1),  # 5 no such case
    ]
    with pytest.raises(BatchRejectedError) as caught:
        engine.record_many(batch)
    assert [position for position, _ in caught.value.problems] == [2, 3, 5]
    assert [type(cause) for cause in caught.value.causes] == [
        CaseNotClosedError,
        UnknownCommitmentError,
        CaseNotFoundError,
    ]
    assert stored(engine) == before
    with pytest.raises(CustomerNotFoundError):
        engine.history("cust-2")


def test_the_good_items_of_a_rejected_batch_can_be_recorded_afterwards(
    engine: TrustEngine,
) -> None:
    batch = _bad_batch()
    with pytest.raises(BatchRejectedError):
        engine.record_many(batch)
    good = [batch[0], batch[2], batch[4]]
    assert engine.record_many(good) == 3
    assert contract_history(engine) == good


def test_recording_the_same_batch_again_stores_nothing(engine: TrustEngine) -> None:
    assert engine.record_many(history()) == history_length()
    assert engine.record_many(history()) == 0
    assert engine.record_many(reversed(history())) == 0
    assert stored(engine) == history()


def test_a_batch_overlapping_stored_facts_stores_only_the_new_ones(
    engine: TrustEngine,
) -> None:
    events = history()
    assert engine.record_many(events[:10]) == 10
    assert engine.record_many(events) == history_length() - 10
    assert stored(engine) == events


def test_an_empty_batch_stores_nothing(engine: TrustEngine) -> None:
    assert engine.record_many([]) == 0
    assert stored(engine) == []


def test_record_many_reports_progress_per_new_event(engine: TrustEngine) -> None:
    ticks: list[int] = []
    engine.record_many(history()[:5], progress=ticks.append)
    assert sum(ticks) == 5


# --- reading ---------------------------------------------------------------------------------


@pytest.mark.parametrize("minutes", [0, 8, 13, 27, 60])
def test_history_as_of_keeps_events_at_or_before_the_business_time(
    engine: TrustEngine,
    minutes: int,
) -> None:
    engine.record_many(history())
    as_of = when(minutes)
    expected = [item for item in key_history() if datetime.fromisoformat(item["at"]) <= as_of]
    assert contract_history(engine, as_of=as_of) == expected
    assert len(expected) >= 1


def test_history_as_of_compares_instants_not_wall_clocks(engine: TrustEngine) -> None:
    engine.record_many([case_opened(at=0), event("ComplaintAcknowledged", case="C-1", at=30)])
    same_instant = datetime.fromisoformat("2026-03-01T11:30:00+02:00")  # 09:30 UTC
    assert len(engine.history(KEY, as_of=same_instant)) == 2
    just_before = same_instant - timedelta(microseconds=1)
    assert len(engine.history(KEY, as_of=just_before)) == 1


def test_history_as_of_before_the_first_event_is_empty(engine: TrustEngine) -> None:
    engine.record(case_opened(at=10))
    assert engine.history(KEY, as_of=when(9)) == []


def _clock(*times: datetime) -> Callable[[], datetime]:
    remaining: Iterator[datetime] = iter(times)
    return lambda: next(remaining)


R1 = datetime(2026, 6, 1, 12, 0, 0, 123456, tzinfo=UTC)
R2 = R1 + timedelta(hours=1)
R3 = R1 + timedelta(days=1)


def test_history_as_known_at_keeps_events_recorded_by_then(open_engine: Opener) -> None:
    engine = open_engine(clock=_clock(R1, R2, R3))
    first, second, third = (
        case_opened(at=0),
        event("ComplaintAcknowledged", case="C-1", at=1),
        event("ApologyIssued", case="C-1", at=2, accepts_responsibility=False),
    )
    for item in (first, second, third):
        assert engine.record(item)
    assert [item.recorded_at for item in engine.history(KEY)] == [R1, R2, R3]
    assert contract_history(engine, as_known_at=R1 - timedelta(microseconds=1)) == []
    assert contract_history(engine, as_known_at=R1) == [first]
    assert contract_history(engine, as_known_at=R2 + timedelta(minutes=5)) == [first, second]
    assert contract_history(engine, as_known_at=R3) == [first, second, third]


def test_history_as_of_and_as_known_at_combine(open_engine: Opener) -> None:
    engine = open_engine(clock=_clock(R1, R2))
    early = event("ContactUnanswered", at=0, attempts=1)
    late_news = event("CustomerContacted", at=1, direction="inbound")
    engine.record(early)
    engine.record(late_news)
    assert contract_history(engine, as_of=when(1), as_known_at=R1) == [early]
    assert contract_history(engine, as_of=when(0), as_known_at=R2) == [early]
    assert contract_history(engine, as_of=when(1), as_known_at=R2) == [early, late_news]


def test_an_unknown_customer_is_not_found(engine: TrustEngine) -> None:
    with pytest.raises(CustomerNotFoundError, match="'nobody'"):
        engine.history("nobody")
    engine.record_many(history())
    with pytest.raises(CustomerNotFoundError) as caught:
        engine.history("cust-1 ")
    assert isinstance(caught.value, LookupError)


def test_a_fresh_store_has_no_events(engine: TrustEngine) -> None:
    assert list(engine.all_events()) == []
    assert list(engine.notifications()) == []


# --- several engines on one store ---------------------------------------------------------------


def test_a_second_engine_on_the_same_store_sees_the_first_ones_events(
    open_durable_engine: Opener,
) -> None:
    first = open_durable_engine()
    assert first.record_many(history()) == history_length()
    second = open_durable_engine()
    assert contract_history(second) == key_history()
    assert stored(second) == history()
    assert second.record(event("CustomerContacted", at=60, direction="outbound"))
    assert contract_history(first)[-1] == event("CustomerContacted", at=60, direction="outbound")
    assert second.record_many(history()) == 0


def test_events_survive_closing_and_reopening_the_store(open_durable_engine: Opener) -> None:
    first = open_durable_engine()
    first.record_many(history())
    first.close()
    reopened = open_durable_engine()
    assert stored(reopened) == history()
    assert [item.originator_version for item in reopened.history(KEY)] == list(
        range(1, history_length())
    )


def _interleave(engine: TrustEngine, before_save: Callable[[int], None]) -> list[int]:
    """Make ``engine`` call ``before_save(attempt)`` after loading, just before each save."""
    attempts: list[int] = []
    original = engine.save

    def save(*objs: Any, **kwargs: Any) -> Any:
        attempts.append(len(attempts) + 1)
        before_save(attempts[-1])
        return original(*objs, **kwargs)

    engine.save = save  # type: ignore[method-assign]
    return attempts


def test_interleaved_writers_to_one_customer_both_succeed(open_durable_engine: Opener) -> None:
    first, second = open_durable_engine(), open_durable_engine()
    first.record(case_opened(at=0))
    other = event("ComplaintAcknowledged", case="C-1", at=1, actor="agent-2")
    mine = event("ApologyIssued", case="C-1", at=2, accepts_responsibility=True)

    def the_other_writer_goes_first(attempt: int) -> None:
        if attempt == 1:  # ``first`` loaded the customer at version 1
            assert second.record(other)

    attempts = _interleave(first, the_other_writer_goes_first)
    assert first.record(mine) is True
    assert attempts == [1, 2]  # the first save conflicted; the retry reloaded and won
    assert contract_history(second) == [case_opened(at=0), other, mine]
    assert [item.originator_version for item in first.history(KEY)] == [1, 2, 3]


def test_interleaved_batches_over_several_customers_lose_nothing(
    open_durable_engine: Opener,
) -> None:
    first, second = open_durable_engine(), open_durable_engine()
    first.record_many([case_opened(at=0), case_opened(at=0, customer="cust-2")])
    others = [event("ContactUnanswered", "cust-2", at=1, attempts=n) for n in (1, 2)]
    mine = [
        event("ComplaintAcknowledged", case="C-1", at=2),
        event("ComplaintAcknowledged", "cust-2", case="C-1", at=2),
    ]

    def the_other_writer_goes_first(attempt: int) -> None:
        if attempt <= 2:
            assert second.record(others[attempt - 1])

    attempts = _interleave(first, the_other_writer_goes_first)
    assert first.record_many(mine) == 2
    assert attempts == [1, 2, 3]
    assert contract_history(second, "cust-2") == [
        case_opened(at=0, customer="cust-2"),
        *others,
        mine[1],
    ]
    assert contract_history(second) == [case_opened(at=0), mine[0]]


def test_a_retried_write_is_checked_against_the_other_writers_events(
    open_durable_engine: Opener,
) -> None:
    first, second = open_durable_engine(), open_durable_engine()
    first.record(case_opened(at=0))
    closing = event("CaseClosed", case="C-1", at=1, confirmed_by_customer=False)

    def the_other_writer_closes_the_case(attempt: int) -> None:
        if attempt == 1:
            assert second.record(closing)

    attempts = _interleave(first, the_other_writer_closes_the_case)
    with pytest.raises(CaseClosedError):
        first.record(event("CaseEscalated", case="C-1", at=2, level=2, reason="r"))
    assert attempts == [1]  # the retry's recheck rejected it before any second save
    assert contract_history(second) == [case_opened(at=0), closing]


def test_a_writer_that_keeps_losing_gives_up_with_a_concurrency_error(
    open_durable_engine: Opener,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(application, "time", SimpleNamespace(sleep=lambda seconds: None))
    first, second = open_durable_engine(), open_durable_engine()
    first.record(case_opened(at=0))
    others = [
        event("ContactUnanswered", at=1, attempts=n) for n in range(1, application.MAX_ATTEMPTS + 1)
    ]

    def the_other_writer_always_goes_first(attempt: int) -> None:
        assert second.record(others[attempt - 1])

    attempts = _interleave(first, the_other_writer_always_goes_first)
    with pytest.raises(ConcurrencyError):
        first.record(event("ComplaintAcknowledged", case="C-1", at=2))
    assert attempts == list(range(1, application.MAX_ATTEMPTS + 1))
    assert contract_history(second) == [case_opened(at=0), *others]
