"""The sweep: misses recorded as facts by ``system``, exactly once however often it runs."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

import trustengine.workflows.sweep as sweeping
from tests.examples import event, iso, when
from trustengine import (
    BatchRejectedError,
    Miss,
    SweepTimeError,
    TrustEngine,
    find_misses,
    run_sweep,
)
from trustengine.readmodel import ReadModel

DAY = 24 * 60
COMPLAINT = {"category": "billing", "severity": 3, "cause": "billing_error", "summary": "Twice"}


def story(customer: str = "cust-1") -> list[dict[str, Any]]:
    """A complaint acknowledged in time, with a promise due after a day."""
    return [
        event("ComplaintFiled", customer, "C-1", at=0, actor="customer", **COMPLAINT),
        event("ComplaintAcknowledged", customer, "C-1", at=30, actor="agent-7"),
        event(
            "PromiseMade",
            customer,
            "C-1",
            at=40,
            actor="agent-7",
            promise="P-1",
            description="Refund the second charge",
            due=when(DAY),
        ),
    ]


def types_by_system(engine: TrustEngine, customer: str = "cust-1") -> list[tuple[str, str, Any]]:
    return [
        (e.type_name, e.at.isoformat(), e.data())
        for e in engine.history(customer)
        if e.actor == "system"
    ]


def test_a_sweep_records_broken_promises_and_breached_clocks_as_system(
    engine: TrustEngine, model: ReadModel
) -> None:
    engine.record_many(story())

    result = run_sweep(model, when(15 * DAY))

    assert result.recorded == 2
    assert types_by_system(engine) == [
        ("PromiseBroken", iso(DAY), {"promise": "P-1", "reason": "not kept by its due time"}),
        ("SlaBreached", iso(14 * DAY), {"clock": "resolution", "due": when(14 * DAY)}),
    ]
    assert result.summary() == (
        "Recorded 2 events (1 PromiseBroken, 1 SlaBreached) as of 2026-03-16T09:00:00+00:00."
    )


def test_a_sweep_run_twice_records_nothing_the_second_time(
    engine: TrustEngine, model: ReadModel
) -> None:
    engine.record_many(story())
    run_sweep(model, when(2 * DAY))
    stored = engine.recorder.max_notification_id()

    again = run_sweep(model, when(2 * DAY))
    later = run_sweep(model, when(3 * DAY))

    assert (again.misses, again.recorded, later.misses) == ([], 0, [])
    assert engine.recorder.max_notification_id() == stored
    assert again.summary() == "Nothing to record as of 2026-03-03T09:00:00+00:00."


def test_the_timeline_shows_each_miss_as_a_fact_by_system(
    engine: TrustEngine, model: ReadModel
) -> None:
    engine.record_many(story())
    run_sweep(model, when(2 * DAY))

    steps = [(row["type"], row["actor"], row["at"]) for row in model.timeline("cust-1")]

    assert steps[-1] == ("PromiseBroken", "system", iso(DAY))
    assert model.state("cust-1")["broken_promises"] == 1


def test_a_miss_is_recorded_at_the_customers_last_event_when_that_is_later(
    engine: TrustEngine, model: ReadModel
) -> None:
    engine.record_many(
        [
            *story(),
            event("CustomerContacted", "cust-1", "C-1", at=2 * DAY, direction="inbound"),
        ]
    )

    [miss] = run_sweep(model, when(3 * DAY)).misses

    assert (miss.type, miss.at, miss.due) == ("PromiseBroken", when(2 * DAY), when(DAY))


def test_a_dry_run_finds_the_misses_and_writes_nothing(
    engine: TrustEngine, model: ReadModel
) -> None:
    engine.record_many(story())
    stored = engine.recorder.max_notification_id()

    result = run_sweep(model, when(2 * DAY), dry_run=True)

    assert [m.as_dict() for m in result.misses] == [
        {
            "at": iso(DAY),
            "type": "PromiseBroken",
            "customer": "cust-1",
            "case": "C-1",
            "promise": "P-1",
            "clock": None,
            "due": iso(DAY),
        }
    ]
    assert result.summary() == (
        "Would record 1 event (1 PromiseBroken) as of 2026-03-03T09:00:00+00:00; "
        "nothing was written."
    )
    assert engine.recorder.max_notification_id() == stored


def test_corrective_actions_past_due_are_left_to_the_due_list(
    engine: TrustEngine, model: ReadModel
) -> None:
    engine.record_many(
        [
            *story()[:2],
            event(
                "CorrectiveActionCommitted",
                case="C-1",
                at=40,
                action="A-1",
                description="Fix the billing run",
                due=when(DAY),
            ),
        ]
    )

    assert run_sweep(model, when(2 * DAY)).misses == []


def test_a_clock_with_a_breach_recorded_is_not_breached_again(
    engine: TrustEngine, model: ReadModel
) -> None:
    engine.record_many(
        [
            event("ComplaintFiled", case="C-1", at=0, **COMPLAINT),
            event(
                "SlaBreached",
                case="C-1",
                at=DAY + 5,
                actor="agent-7",
                clock="first_response",
                due=when(DAY),
            ),
        ]
    )

    assert run_sweep(model, when(2 * DAY)).misses == []


def test_erased_customers_are_not_swept(engine: TrustEngine, model: ReadModel) -> None:
    engine.record_many(
        [*story("cust-2"), event("CustomerErased", "cust-2", at=50, legal_basis="Art. 17")]
    )

    assert run_sweep(model, when(2 * DAY)).misses == []


def test_a_sweep_later_than_now_is_refused() -> None:
    engine = TrustEngine(":memory:", clock=lambda: when(DAY))
    try:
        with pytest.raises(SweepTimeError, match="is later than now"):
            run_sweep(engine, when(DAY + 1))
    finally:
        engine.close()


def test_a_time_without_an_offset_is_refused(engine: TrustEngine) -> None:
    with pytest.raises(ValueError, match="has no offset"):
        run_sweep(engine, datetime(2026, 3, 1, 9))


def test_two_sweeps_that_found_the_same_misses_store_them_once(tmp_path: Path) -> None:
    target = str(tmp_path / "trust.db")
    first, second = TrustEngine(target), TrustEngine(target)
    try:
        first.record_many(story())
        with ReadModel(first) as model_a, ReadModel(second) as model_b:
            model_a.catch_up()
            model_b.catch_up()
            plan_a = find_misses(model_a, when(2 * DAY))
            plan_b = find_misses(model_b, when(2 * DAY))

            stored = [
                first.record_many(m.event() for m in plan_a),
                second.record_many(m.event() for m in plan_b),
            ]

        assert plan_a == plan_b
        assert stored == [1, 0]
        assert len(types_by_system(first)) == 1
    finally:
        second.close()
        first.close()


def test_concurrent_sweeps_record_each_miss_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = str(tmp_path / "trust.db")
    setup = TrustEngine(target)
    setup.record_many([*story("cust-1"), *story("cust-2")])
    setup.close()
    both_found = threading.Barrier(2, timeout=30)
    find = sweeping.find_misses

    def find_then_wait(source: Any, at: datetime) -> list[Miss]:
        found = find(source, at)
        if found:
            both_found.wait()  # neither writes before both have read
        return found

    monkeypatch.setattr(sweeping, "find_misses", find_then_wait)
    results: list[int] = []
    errors: list[BaseException] = []

    def sweep_once() -> None:
        engine = TrustEngine(target)
        try:
            results.append(run_sweep(engine, when(2 * DAY)).recorded)
        except BaseException as error:
            errors.append(error)
        finally:
            engine.close()

    threads = [threading.Thread(target=sweep_once) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert sorted(results) == [0, 2]
    check = TrustEngine(target)
    try:
        assert [len(types_by_system(check, c)) for c in ("cust-1", "cust-2")] == [1, 1]
    finally:
        check.close()


def test_a_miss_a_later_event_overtakes_before_the_sweep_writes_is_a_late_entry(
    engine: TrustEngine, model: ReadModel, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine.record_many(story())
    find = sweeping.find_misses
    calls: list[int] = []

    def find_then_someone_writes(source: Any, at: datetime) -> list[Miss]:
        found = find(source, at)
        if not calls:
            engine.record(event("CustomerContacted", case="C-1", at=3 * DAY, direction="inbound"))
        calls.append(len(found))
        return found

    monkeypatch.setattr(sweeping, "find_misses", find_then_someone_writes)

    result = run_sweep(model, when(4 * DAY))

    # The miss keeps its own time, before the later event: a late entry, written at once
    # (it was refused as time going backwards, and the sweep read again).
    assert (calls, result.recorded) == ([1], 1)
    assert types_by_system(engine)[0][0] == "PromiseBroken"
    assert types_by_system(engine)[0][1] < iso(3 * DAY)


def test_a_batch_with_a_real_problem_stores_nothing_and_is_not_retried(
    engine: TrustEngine, model: ReadModel, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine.record_many(story())
    stored = engine.recorder.max_notification_id()
    bogus = Miss("PromiseBroken", "cust-1", "C-1", when(DAY), when(DAY), promise="P-404")
    find = sweeping.find_misses
    calls: list[int] = []

    def with_a_bogus_miss(source: Any, at: datetime) -> list[Miss]:
        calls.append(1)
        return [*find(source, at), bogus]

    monkeypatch.setattr(sweeping, "find_misses", with_a_bogus_miss)

    with pytest.raises(BatchRejectedError, match="'P-404' was never made"):
        run_sweep(model, when(2 * DAY))

    assert len(calls) == 1
    assert engine.recorder.max_notification_id() == stored


def test_a_sweep_opens_the_read_model_of_an_engine_it_is_given(
    open_engine: Callable[..., TrustEngine], tmp_path: Path, backend_target: str
) -> None:
    engine = open_engine()
    engine.record_many(story())
    views = str(tmp_path / "views.db") if backend_target.startswith("postgresql") else None

    first = run_sweep(engine, when(2 * DAY), views=views)
    second = run_sweep(engine, when(2 * DAY), views=views)

    assert (first.recorded, second.recorded) == (1, 0)
    assert [t for t, *_ in types_by_system(engine)] == ["PromiseBroken"]
