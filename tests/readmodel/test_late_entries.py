"""Late entries, retractions and corrections on the read side: everything that judges a
customer works in business-time order, a retracted event stops counting, a corrected one
counts as its replacement, and the processor folds again only the customers they touch."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.readmodel.late_history import (
    arrival_order,
    by_customer,
    customer_tables,
    generated,
    record_as_it_arrives,
)
from trustengine import TrustEngine
from trustengine.readmodel import ReadModel
from trustengine.readmodel import projector as projector_module
from trustengine.readmodel.sealing import reveal
from trustengine.readmodel.timeline import timeline_rows
from trustengine.scoring.trust import TrustModel

Opener = Callable[..., TrustEngine]


def views_at(engine: TrustEngine, path: Path | None) -> str | None:
    """``path`` for the read model of a durable store (a memory store keeps its own)."""
    return None if path is None or engine.target.backend == "memory" else str(path)


def tables(
    engine: TrustEngine, views: Path | None = None, **kwargs: Any
) -> dict[str, list[dict[str, Any]]]:
    """The customers' tables of a read model of ``engine`` built now."""
    with ReadModel(engine, views_at(engine, views), **kwargs) as model:
        model.catch_up()
        return reveal(engine.personal, customer_tables(model))


def filed(customer: str, case: str, at: str, severity: int = 2) -> dict[str, Any]:
    return {
        "type": "ComplaintFiled",
        "customer": customer,
        "case": case,
        "at": at,
        "data": {
            "category": "billing",
            "severity": severity,
            "cause": "billing_error",
            "summary": "x",
        },
    }


def step(kind: str, customer: str, case: str | None, at: str, **data: Any) -> dict[str, Any]:
    event: dict[str, Any] = {"type": kind, "customer": customer, "at": at, "data": data}
    if case is not None:
        event["case"] = case
    return event


def test_the_arrival_order_of_the_generated_history_has_a_fifth_of_its_events_late() -> None:
    history = generated()
    rng = random.Random(5)  # noqa: S311 - reproducible test data
    moved = total = 0
    for events in by_customer(history).values():
        order = arrival_order(events, rng, 0.2)
        assert sorted(order) == list(range(len(events)))
        total += len(events)
        moved += sum(1 for i, index in enumerate(order) if index < max(order[: i + 1]))
    assert 0.12 < moved / total < 0.3


def test_a_history_arriving_late_with_retractions_gives_the_tables_of_it_in_order(
    open_engine: Opener, tmp_path: Path
) -> None:
    history = generated()
    arriving = open_engine()
    with ReadModel(arriving, views_at(arriving, tmp_path / "views.db"), batch_size=37) as model:
        final, lates = record_as_it_arrives(arriving, history, catch_up=model.catch_up)
        model.catch_up()
        got = reveal(arriving.personal, customer_tables(model))
    assert lates > len(history) // 8
    retractions = [e for e in arriving.all_events() if e.type_name == "EventRetracted"]
    corrections = [e for e in arriving.all_events() if e.type_name == "EventCorrected"]
    assert len(retractions) >= len(history) // 100
    assert corrections

    in_order = TrustEngine(":memory:")  # the backend under test is the arriving one's
    in_order.record_many(final)
    expected = tables(in_order)
    in_order.close()

    assert got == expected


def test_a_read_model_built_at_once_equals_one_that_followed_the_arrivals(
    open_engine: Opener, tmp_path: Path
) -> None:
    arriving = open_engine()
    with ReadModel(arriving, views_at(arriving, tmp_path / "followed.db"), batch_size=11) as model:
        record_as_it_arrives(arriving, generated(12, 240, seed=3), catch_up=model.catch_up)
        model.catch_up()
        followed = reveal(arriving.personal, customer_tables(model))
    assert tables(arriving, tmp_path / "at-once.db") == followed
    assert tables(arriving, tmp_path / "big-batches.db", batch_size=1000) == followed


def test_a_late_entry_is_folded_at_its_place_in_business_time(engine: TrustEngine) -> None:
    engine.record(filed("c", "K-1", "2024-01-10T09:00:00+00:00"))
    engine.record(
        step("CaseClosed", "c", "K-1", "2024-01-20T09:00:00+00:00", confirmed_by_customer=False)
    )
    with ReadModel(engine) as model:
        model.catch_up()
        closed = model.state("c")
        engine.record(step("ComplaintAcknowledged", "c", "K-1", "2024-01-11T09:00:00+00:00"))
        model.catch_up()
        timeline = model.timeline("c")
        state = model.state("c")
    assert [row["type"] for row in timeline] == [
        "ComplaintFiled",
        "ComplaintAcknowledged",
        "CaseClosed",
    ]
    assert [row["position"] for row in timeline] == [1, 3, 2]
    assert [s["type"] for s in state["explanation"]] == [row["type"] for row in timeline]
    assert state["score"] != closed["score"]
    assert state == TrustModel().replay(engine.history("c")).as_dict()


def test_a_customer_with_several_late_entries_in_one_batch_is_folded_again_once(
    engine: TrustEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine.record(filed("c", "K-1", "2024-01-10T09:00:00+00:00"))
    engine.record(
        step("CaseClosed", "c", "K-1", "2024-01-20T09:00:00+00:00", confirmed_by_customer=False)
    )
    engine.record(step("ComplaintAcknowledged", "c", "K-1", "2024-01-11T09:00:00+00:00"))
    engine.record(
        step("ApologyIssued", "c", "K-1", "2024-01-12T09:00:00+00:00", accepts_responsibility=True)
    )
    engine.record(step("JustificationGiven", "c", "K-1", "2024-01-13T09:00:00+00:00", summary="y"))
    refolds: list[int] = []
    original = projector_module.fold_into

    def counted(events: Any, *args: Any, **kwargs: Any) -> Any:
        refolds.append(len(events))
        return original(events, *args, **kwargs)

    monkeypatch.setattr(projector_module, "fold_into", counted)
    with ReadModel(engine) as model:
        model.catch_up()
        state = model.state("c")
        timeline = model.timeline("c")
    assert refolds == [5]
    assert [row["position"] for row in timeline] == [1, 3, 4, 5, 2]
    assert state == TrustModel().replay(engine.history("c")).as_dict()


def test_a_retracted_event_stops_counting_but_stays_in_the_timeline_struck(
    engine: TrustEngine,
) -> None:
    engine.record(filed("c", "K-1", "2024-01-10T09:00:00+00:00"))
    engine.record(
        step("ApologyIssued", "c", "K-1", "2024-01-11T09:00:00+00:00", accepts_responsibility=True)
    )
    with ReadModel(engine) as model:
        model.catch_up()
        before = model.state("c")
        apology = engine.history("c")[-1].event_id
        assert apology is not None
        engine.retract("c", apology, reason="sent to another customer", actor="lead-1")
        model.catch_up()
        state = model.state("c")
        timeline = model.timeline("c")
    assert state["events"] == 1 and before["events"] == 2
    assert [s["type"] for s in state["explanation"]] == ["ComplaintFiled"]
    struck = timeline[1]
    assert struck["id"] == apology and struck["counted"] is False
    assert struck["amendment"]["kind"] == "retracted"
    assert struck["amendment"]["actor"] == "lead-1"
    assert struck["amendment"]["reason"] == "sent to another customer"
    assert timeline[2]["type"] == "EventRetracted" and timeline[2]["counted"] is False
    only_filed = TrustEngine(":memory:")
    only_filed.record(filed("c", "K-1", "2024-01-10T09:00:00+00:00"))
    assert state["score"] == only_filed.state("c").score


def test_a_corrected_event_counts_as_its_replacement_at_its_time(engine: TrustEngine) -> None:
    engine.record(filed("c", "K-1", "2024-01-10T09:00:00+00:00", severity=1))
    engine.record(step("ComplaintAcknowledged", "c", "K-1", "2024-01-12T09:00:00+00:00"))
    with ReadModel(engine) as model:
        model.catch_up()
        first = engine.history("c")[0].event_id
        assert first is not None
        engine.correct(
            "c", first, reason="severity mistyped", severity=4, at="2024-01-09T09:00:00+00:00"
        )
        model.catch_up()
        state = model.state("c")
        timeline = model.timeline("c")
        case = model.db.execute("SELECT severity FROM cases WHERE customer = 'c'").fetchone()
    right = TrustEngine(":memory:")
    right.record(filed("c", "K-1", "2024-01-09T09:00:00+00:00", severity=4))
    right.record(step("ComplaintAcknowledged", "c", "K-1", "2024-01-12T09:00:00+00:00"))
    assert state["score"] == right.state("c").score
    assert case[0] == 4
    assert timeline[0]["at"] == "2024-01-09T09:00:00+00:00"
    assert timeline[0]["id"] == first and timeline[0]["amendment"]["kind"] == "corrected"


def test_only_the_customer_a_late_entry_touches_is_folded_again(engine: TrustEngine) -> None:
    for customer in ("a", "b"):
        engine.record(filed(customer, "K-1", "2024-01-10T09:00:00+00:00"))
        engine.record(
            step(
                "CustomerContacted",
                customer,
                None,
                "2024-02-10T09:00:00+00:00",
                direction="inbound",
            )
        )
    with ReadModel(engine) as model:
        model.catch_up()
        model.db.execute("UPDATE timeline SET summary = 'untouched' WHERE customer = 'b'")
        model.db.conn.commit()
        engine.record(step("ComplaintAcknowledged", "a", "K-1", "2024-01-11T09:00:00+00:00"))
        model.catch_up()
        b_rows = model.db.execute("SELECT summary FROM timeline WHERE customer = 'b'").fetchall()
        a_rows = model.db.execute("SELECT summary FROM timeline WHERE customer = 'a'").fetchall()
    assert {row[0] for row in b_rows} == {"untouched"}
    assert len(a_rows) == 3


@pytest.mark.parametrize("hours", [1, 30, 24 * 12 + 5])
def test_a_late_entry_recorded_after_the_threshold_is_marked_with_its_days(
    engine: TrustEngine, hours: int
) -> None:
    now = datetime.now(UTC)
    engine.record(filed("c", "K-1", (now - timedelta(hours=hours + 2)).isoformat()))
    engine.record(step("CustomerContacted", "c", None, now.isoformat(), direction="inbound"))
    engine.record(
        step("ComplaintAcknowledged", "c", "K-1", (now - timedelta(hours=hours)).isoformat())
    )
    with ReadModel(engine) as model:
        model.catch_up()
        rows = model.timeline("c")
    late = None if hours <= 24 else timedelta(hours=hours).days
    assert [row["late_days"] for row in rows] == [None, late, None]
    assert rows == timeline_rows(engine.history("c"))


def test_events_imported_in_order_long_after_they_happened_are_not_marked_late(
    engine: TrustEngine,
) -> None:
    engine.record(filed("c", "K-1", "2024-01-10T09:00:00+00:00"))
    engine.record(step("ComplaintAcknowledged", "c", "K-1", "2024-01-11T09:00:00+00:00"))
    with ReadModel(engine) as model:
        model.catch_up()
        assert [row["late_days"] for row in model.timeline("c")] == [None, None]


def test_a_recorded_miss_a_late_entry_shows_was_met_stays_but_counts_for_nothing(
    engine: TrustEngine,
) -> None:
    engine.record(filed("c", "K-1", "2024-01-10T09:00:00+00:00"))
    with ReadModel(engine) as model:
        model.catch_up()
        (due,) = model.db.execute(
            "SELECT due FROM sla_clocks WHERE clock = 'first_response'"
        ).fetchone()
        engine.record(
            {
                **step("SlaBreached", "c", "K-1", due, clock="first_response", due=due),
                "actor": "system",
            }
        )
        model.catch_up()
        breached = model.state("c")
        engine.record(step("ComplaintAcknowledged", "c", "K-1", "2024-01-10T10:00:00+00:00"))
        model.catch_up()
        state = model.state("c")
        clock = model.db.execute(
            "SELECT stopped_at, breached FROM sla_clocks WHERE clock = 'first_response'"
        ).fetchone()
        timeline = model.timeline("c")
    in_time = TrustEngine(":memory:")
    in_time.record(filed("c", "K-1", "2024-01-10T09:00:00+00:00"))
    in_time.record(step("ComplaintAcknowledged", "c", "K-1", "2024-01-10T10:00:00+00:00"))
    assert state["score"] == in_time.state("c").score != breached["score"]
    assert tuple(clock) == ("2024-01-10T10:00:00+00:00", 0)
    miss = next(row for row in timeline if row["type"] == "SlaBreached")
    assert miss["counted"] is False
    assert miss["amendment"]["kind"] == "refuted"
    assert miss["amendment"]["met_at"] == "2024-01-10T10:00:00+00:00"
    audit = engine.audit("c")
    (shown,) = [row for row in audit.events if row["type"] == "SlaBreached"]
    ack = engine.history("c")[-1]
    assert shown["note"] == (
        f"recorded as missed on {engine.history('c')[1].recorded_at.isoformat()}; a late "
        f"entry recorded on {ack.recorded_at.isoformat()} (ComplaintAcknowledged at "
        f"2024-01-10T10:00:00+00:00, {ack.event_id}) shows it was met"
    )


def test_as_known_at_leaves_out_what_arrived_later_even_when_it_happened_earlier(
    engine: TrustEngine,
) -> None:
    engine.record(filed("c", "K-1", "2024-01-10T09:00:00+00:00"))
    engine.record(
        step("CaseClosed", "c", "K-1", "2024-01-20T09:00:00+00:00", confirmed_by_customer=False)
    )
    known = engine.history("c")[-1].recorded_at
    engine.record(step("ComplaintAcknowledged", "c", "K-1", "2024-01-11T09:00:00+00:00"))
    then = engine.timeline("c", as_known_at=known)
    now = engine.timeline("c")
    assert [row.type for row in then] == ["ComplaintFiled", "CaseClosed"]
    assert [row.type for row in now] == ["ComplaintFiled", "ComplaintAcknowledged", "CaseClosed"]
    assert (
        engine.state("c", as_known_at=known).score
        == TrustModel().replay(engine.history("c")[:2]).score
    )


def test_the_report_counts_late_entries_per_period_and_the_amended_events(
    engine: TrustEngine,
) -> None:
    engine.record(filed("c", "K-1", "2024-01-10T09:00:00+00:00"))
    engine.record(
        step("CustomerContacted", "c", None, "2024-02-10T09:00:00+00:00", direction="inbound")
    )
    engine.record(step("ComplaintAcknowledged", "c", "K-1", "2024-01-11T09:00:00+00:00"))
    contact = engine.history("c")[1].event_id
    assert contact is not None
    engine.retract("c", contact, reason="not this customer")
    late = engine.report(since=datetime(2024, 1, 1, tzinfo=UTC)).late_entries
    assert late["late_entries"] == 1
    assert late["per_period"][0] == {"period": "2024-01", "late_entries": 1}
    assert late["retracted"] == 1 and late["corrected"] == 0
    assert late["threshold_hours"] == 24
