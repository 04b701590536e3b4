"""A rebuild walks the store customer by customer (readmodel/by_customer.py) and gives
the very tables that projecting the store in stored order gives: interleaved customers,
late entries, retractions, corrections, erasures and events that cannot be projected."""

from __future__ import annotations

import random
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.readmodel.conftest import dump
from tests.readmodel.late_history import arrival_order, by_customer, generated
from tests.readmodel.problem_stores import corrupt, store_unchecked
from trustengine import TrustEngine, customer_id
from trustengine.readmodel import ReadModel
from trustengine.readmodel.by_customer import CUT, walk_of

Tables = dict[str, list[tuple[Any, ...]]]
SEEN_AT = 7
"""The column of ``problems`` that says when (wall clock) an event was set aside."""


def comparable(tables: Tables) -> Tables:
    """The tables without ``problems.seen_at`` (when, not what)."""
    out = dict(tables)
    out["problems"] = [row[:SEEN_AT] + row[SEEN_AT + 1 :] for row in tables["problems"]]
    return out


def in_stored_order(engine: TrustEngine, path: Path, batch_size: int) -> Tables:
    """The tables of a new views file caught up from nothing: stored order."""
    with ReadModel(engine, str(path), batch_size=batch_size) as model:
        model.catch_up()
        assert walk_of(model.db) is None
        return comparable(dump(model.db))


def rebuilt(engine: TrustEngine, path: Path, batch_size: int) -> Tables:
    """The tables of a rebuild of a new views file: a walk, as the store holds more
    events than one batch."""
    with ReadModel(engine, str(path), batch_size=batch_size) as model:
        walks: list[bool] = []
        model.rebuild(progress=lambda _done: walks.append(walk_of(model.db) is not None))
        assert walks[0] == ((engine.recorder.max_notification_id() or 0) > batch_size)
        return comparable(dump(model.db))


def record_interleaved(
    engine: TrustEngine, history: list[dict[str, Any]], rng: random.Random, *, late: float
) -> None:
    """Record ``history``'s customers' arrivals (each customer's with a ``late`` share held
    back past later ones) interleaved at random, some contacts entered wrongly and
    corrected or entered by mistake and retracted, and erase some customers at the end."""
    queues = [
        sorted(  # an erasure stays a customer's last arrival: nothing is recorded after it
            (events[i] for i in arrival_order(events, rng, late)),
            key=lambda event: event["type"] == "CustomerErased",
        )
        for events in by_customer(history).values()
    ]
    while queues:
        queue = rng.choice(queues)
        event = queue.pop(0)
        if not queue:
            queues.remove(queue)
        customer = str(event["customer"])
        wrong = event["type"] == "CustomerContacted" and rng.random() < 0.1
        engine.record({**event, "data": {**event["data"], "sentiment": -0.9}} if wrong else event)
        if wrong:
            stored = engine.history(customer)[-1]
            assert stored.event_id is not None
            changes = {"sentiment": event["data"].get("sentiment")}
            engine.correct(customer, stored.event_id, reason="mistyped", changes=changes)
        elif event["type"] == "CustomerContacted" and rng.random() < 0.05:
            mistake = {**event, "at": event["at"].replace(":00+", ":30+")}
            engine.record(mistake)
            stored = engine.history(customer)[-1]
            assert stored.event_id is not None
            engine.retract(customer, stored.event_id, reason="wrong customer")
    for customer in sorted(by_customer(history)):
        if rng.random() < 0.15:
            engine.erase(customer, legal_basis="GDPR Art. 17 request")


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    seed=st.integers(0, 10_000),
    customers=st.integers(2, 12),
    late=st.sampled_from([0.0, 0.2, 0.5]),
    stored_batch=st.integers(1, 60),
    walk_batch=st.integers(1, 23),
)
def test_a_rebuild_customer_by_customer_gives_the_tables_of_stored_order(
    seed: int, customers: int, late: float, stored_batch: int, walk_batch: int
) -> None:
    history = generated(customers, customers * 12, seed=seed)  # more events than a batch
    with tempfile.TemporaryDirectory() as folder:
        engine = TrustEngine(str(Path(folder) / "trust.db"))
        try:
            record_interleaved(engine, history, random.Random(seed), late=late)  # noqa: S311
            expected = in_stored_order(engine, Path(folder) / "stored.db", stored_batch)
            assert rebuilt(engine, Path(folder) / "walked.db", walk_batch) == expected
        finally:
            engine.close()


def test_a_rebuild_walks_the_store_then_tracks_its_last_event(
    synth_engine: TrustEngine, read_models: Callable[..., ReadModel]
) -> None:
    model = read_models(synth_engine, batch_size=500)
    seen: list[tuple[int, int, int]] = []

    def progress(_done: int) -> None:
        walk = walk_of(model.db)
        tracked = model.db.execute("SELECT notification_id FROM view_tracking").fetchone()[0]
        seen.append((walk.done if walk else -1, tracked, model.position()))

    assert model.rebuild(progress=progress) == 4000

    assert seen == [(500 * n, 0, 500 * n) for n in range(1, 8)] + [(-1, 4000, 4000)]
    assert CUT not in model.meta()
    customers = [row[0] for row in model.db.execute("SELECT customer FROM customers")]
    assert len(customers) == 200


def test_events_stored_during_a_walk_are_projected_after_it_in_stored_order(
    synth_engine: TrustEngine, read_models: Callable[..., ReadModel], tmp_path: Path
) -> None:
    model = read_models(synth_engine, str(tmp_path / "walked.db"), batch_size=1000)
    arrivals = [
        {"type": "CustomerRegistered", "customer": f"new-{n}", "at": "2026-06-01T10:00:00+00:00"}
        for n in range(3)
    ]

    def progress(_done: int) -> None:
        if arrivals:
            synth_engine.record(arrivals.pop())

    assert model.rebuild(progress=progress) == 4003

    assert model.position() == 4003
    assert comparable(dump(model.db)) == in_stored_order(synth_engine, tmp_path / "s.db", 1000)


def test_a_walk_that_meets_an_event_that_does_not_decode_rebuilds_in_stored_order(
    synth_engine: TrustEngine, sqlite_db: str, tmp_path: Path
) -> None:
    corrupt(sqlite_db, 3000)
    engine = TrustEngine(sqlite_db)
    try:
        expected = in_stored_order(engine, tmp_path / "stored.db", 300)
        assert rebuilt(engine, tmp_path / "walked.db", 300) == expected
        assert len(expected["problems"]) > 1  # the event, and its customer's later ones
    finally:
        engine.close()


def test_an_event_that_cannot_be_folded_is_set_aside_in_a_walk_as_in_stored_order(
    synth_engine: TrustEngine, synthetic_history: list[dict[str, Any]], tmp_path: Path
) -> None:
    history = synth_engine.history(str(synthetic_history[0]["customer"]))
    case = next(event.case for event in history if event.case is not None)
    store_unchecked(synth_engine, history[0].customer, case, level=2**64)
    synth_engine.record(
        {"type": "CustomerRegistered", "customer": "after", "at": "2026-06-01T10:00:00+00:00"}
    )

    expected = in_stored_order(synth_engine, tmp_path / "stored.db", 300)

    assert rebuilt(synth_engine, tmp_path / "walked.db", 300) == expected
    assert [row[5][:30] for row in expected["problems"]] == ["its rows cannot be written: Ov"]


def test_a_walk_keeps_no_walked_customers_keys_in_memory(
    synth_engine: TrustEngine,
    synthetic_history: list[dict[str, Any]],
    read_models: Callable[..., ReadModel],
    tmp_path: Path,
) -> None:
    ids = sorted({customer_id(str(event["customer"])) for event in synthetic_history})
    synth_engine.personal.preload(ids)
    assert synth_engine.personal.uncached(ids) == []

    read_models(synth_engine, str(tmp_path / "walked.db"), batch_size=500).rebuild()

    assert synth_engine.personal.uncached(ids) == ids
