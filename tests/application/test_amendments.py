"""Late entries, event ids, retractions, corrections and the time guards, on every backend.

Each test runs on memory, SQLite and PostgreSQL, in the clear and encrypted at rest (the
``engine``/``open_durable_engine`` fixtures of tests/conftest.py).
"""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from tests.examples import case_opened, event
from trustengine import TrustEngine
from trustengine.application.engine import FUTURE_TOLERANCE, FUTURE_TOLERANCE_ENV
from trustengine.domain.customer import customer_id
from trustengine.domain.events import EventCorrected, EventRetracted
from trustengine.exceptions import (
    BatchRejectedError,
    CaseNotFoundError,
    EventNotFoundError,
    FutureEventError,
    InvalidEventError,
    RetractionConflictError,
)
from trustengine.interchange.codec import dumps
from trustengine.interchange.jsonl import export_lines, import_lines
from trustengine.persistence.personal import ERASED

KEY = "cust-1"
NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


def _id(version: int, key: str = KEY) -> str:
    return f"{customer_id(key)}:{version}"


def _case(engine: TrustEngine) -> None:
    engine.record_many(
        [
            case_opened(at=0),
            event("ComplaintAcknowledged", case="C-1", at=5),
            event("CaseEscalated", case="C-1", at=60, level=2, reason="Slow"),
        ]
    )


def test_every_stored_event_has_its_customer_id_and_version_as_id(engine: TrustEngine) -> None:
    _case(engine)
    assert [item.event_id for item in engine.history(KEY)] == [_id(1), _id(2), _id(3)]
    assert engine.customer_of(_id(2)) == KEY


def test_an_unknown_event_id_is_not_found(engine: TrustEngine) -> None:
    _case(engine)
    with pytest.raises(EventNotFoundError):
        engine.customer_of(_id(4))
    with pytest.raises(EventNotFoundError):
        engine.customer_of(_id(1, "cust-404"))
    with pytest.raises(InvalidEventError):
        engine.customer_of("cust-1:1")


def test_a_late_entry_is_stored_after_the_others_and_checked_at_its_place(
    engine: TrustEngine,
) -> None:
    _case(engine)
    assert engine.record(event("ApologyIssued", case="C-1", at=30, accepts_responsibility=True))
    assert [item.originator_version for item in engine.history(KEY)] == [1, 2, 3, 4]
    with pytest.raises(CaseNotFoundError):
        engine.record(event("CaseReassigned", case="C-1", at=-5, owner="agent-9"))


def test_a_late_entry_is_checked_as_well_by_an_engine_that_replays_the_store(
    open_durable_engine: Callable[..., TrustEngine],
) -> None:
    first = open_durable_engine()
    _case(first)
    first.record(event("CaseClosed", case="C-1", at=90, confirmed_by_customer=False))
    first.record(event("ComplaintAcknowledged", case="C-1", at=70))  # late, case still open
    second = open_durable_engine()
    with pytest.raises(BatchRejectedError) as caught:
        second.record_many([event("CaseEscalated", case="C-1", at=95, level=3, reason="r")])
    assert caught.value.problems[0][1].endswith("(rule: closed-case-takes-only-settlements)")


def test_retract_stores_an_event_retracted_naming_the_event(engine: TrustEngine) -> None:
    _case(engine)
    assert engine.retract(KEY, _id(3), reason="Escalated by mistake", actor="agent-7")
    last = engine.history(KEY)[-1]
    assert isinstance(last, EventRetracted)
    assert (last.event, last.reason, last.actor) == (_id(3), "Escalated by mistake", "agent-7")


def test_retracting_a_complaint_with_later_events_is_refused(engine: TrustEngine) -> None:
    _case(engine)
    with pytest.raises(RetractionConflictError) as caught:
        engine.retract(KEY, _id(1), reason="Not a complaint")
    assert caught.value.conflicts == (2, 3)
    assert len(engine.history(KEY)) == 3


def test_correct_stores_the_event_with_its_changes_in_its_place(engine: TrustEngine) -> None:
    _case(engine)
    assert engine.correct(KEY, _id(3), reason="Level 3, not 2", level=3, at=when_(50))
    last = engine.history(KEY)[-1]
    assert isinstance(last, EventCorrected)
    assert last.replacement.model_dump(
        exclude={"originator_id", "originator_version", "recorded_at"}
    ) == {
        **engine.history(KEY)[2].model_dump(
            exclude={"originator_id", "originator_version", "recorded_at"}
        ),
        "level": 3,
        "timestamp": when_(50),
    }
    assert engine.stored_event(KEY, _id(3)) == last.replacement
    assert engine.correct(KEY, _id(3), reason="Level 4", level=4)
    assert engine.stored_event(KEY, _id(3)).level == 4  # type: ignore[attr-defined]


def when_(minutes: int) -> datetime:
    return datetime(2026, 3, 1, 9, 0, tzinfo=UTC) + timedelta(minutes=minutes)


def test_a_correction_with_a_field_its_type_lacks_is_refused(engine: TrustEngine) -> None:
    _case(engine)
    with pytest.raises(InvalidEventError, match="promise"):
        engine.correct(KEY, _id(3), reason="r", promise="P-1")


def test_an_export_with_amendments_imports_into_an_empty_store_with_the_same_ids(
    open_durable_engine: Callable[..., TrustEngine],
) -> None:
    first = open_durable_engine()
    _case(first)
    first.record(event("ComplaintAcknowledged", case="C-1", at=3))  # a late entry
    first.retract(KEY, _id(4), reason="Twice")
    first.correct(KEY, _id(3), reason="Level 3", level=3)
    exported = io.StringIO()
    export_lines(first, exported)
    with TrustEngine(":memory:") as second:
        result = import_lines(second, exported.getvalue().splitlines())
        again = io.StringIO()
        export_lines(second, again)
        assert result.stored == 6
        assert again.getvalue() == exported.getvalue()
        assert import_lines(second, exported.getvalue().splitlines()).stored == 0


def test_a_replacements_personal_text_is_erased_with_the_customer(
    open_durable_engine: Callable[..., TrustEngine],
) -> None:
    engine = open_durable_engine()
    _case(engine)
    engine.correct(KEY, _id(3), reason="Why it went up", changes={"reason": "Slow and rude"})
    engine.erase(KEY, legal_basis="GDPR art. 17")
    reopened = open_durable_engine()
    correction = next(e for e in reopened.history(KEY) if isinstance(e, EventCorrected))
    assert correction.reason == ERASED
    assert correction.replacement.reason == ERASED  # type: ignore[attr-defined]
    assert "Slow and rude" not in dumps(correction)
    assert "Why it went up" not in dumps(correction)


# --- guards ------------------------------------------------------------------------------


def test_an_event_past_the_clock_and_its_tolerance_is_refused(
    open_engine: Callable[..., TrustEngine],
) -> None:
    engine = open_engine(clock=lambda: NOW, future_tolerance=FUTURE_TOLERANCE)
    assert engine.record(event("CustomerRegistered", at=NOW + timedelta(days=1)))
    with pytest.raises(FutureEventError) as caught:
        engine.record(event("ConsentUpdated", at=NOW + timedelta(days=1, seconds=1), email=True))
    assert caught.value.rule == "not-in-the-future"
    assert str(caught.value) == (
        "ConsentUpdated at 2026-06-02T12:00:01+00:00 is in the future: the store's clock "
        "says 2026-06-01T12:00:00+00:00, and an event may be at most 1 day ahead of it "
        "(--future-tolerance)"
    )


def test_the_future_tolerance_is_a_setting(open_engine: Callable[..., TrustEngine]) -> None:
    engine = open_engine(clock=lambda: NOW, future_tolerance=timedelta(0))
    with pytest.raises(FutureEventError):
        engine.record(event("CustomerRegistered", at=NOW + timedelta(seconds=1)))
    engine.future_tolerance = timedelta(days=400)
    assert engine.record(event("CustomerRegistered", at=NOW + timedelta(days=399)))


@pytest.mark.parametrize("at", ["9999-12-31T23:00+00:00", "1969-12-31T23:59:59+00:00"])
def test_a_time_outside_1970_to_2200_is_refused_at_the_door(engine: TrustEngine, at: str) -> None:
    with pytest.raises(InvalidEventError, match=r"\(rule: time-in-range\)"):
        engine.record(event("CustomerRegistered", at=at))
    with pytest.raises(InvalidEventError, match=r"data\.due = .*\(rule: time-in-range\)"):
        engine.record(event("PromiseMade", case="C-1", promise="P-1", description="d", due=at))


def test_a_correction_into_the_future_is_refused_as_an_event_there_is(
    open_engine: Callable[..., TrustEngine],
) -> None:
    engine = open_engine(clock=lambda: NOW, future_tolerance=FUTURE_TOLERANCE)
    _case(engine)
    with pytest.raises(FutureEventError, match=r"^EventCorrected at 2062-03-01T09:00:00"):
        engine.correct(KEY, _id(3), reason="r", at=datetime(2062, 3, 1, 9, tzinfo=UTC))


def test_the_default_tolerance_is_one_day_or_the_environments(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(FUTURE_TOLERANCE_ENV)
    with TrustEngine(":memory:") as engine:
        assert engine.future_tolerance == timedelta(days=1)
    monkeypatch.setenv(FUTURE_TOLERANCE_ENV, "12h")
    with TrustEngine(":memory:") as engine:
        assert engine.future_tolerance == timedelta(hours=12)
    with TrustEngine(":memory:", future_tolerance=timedelta.max) as engine:
        assert engine.record(event("CustomerRegistered", at="2199-12-31T00:00:00+00:00"))
