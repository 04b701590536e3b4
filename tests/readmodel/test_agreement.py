"""The read model agrees with replay: ``state`` and ``timeline`` from the tables equal
what replaying the customer's events gives, for the demo and a synthetic history, and for
one that arrives with late entries, retractions and corrections; and, for a history with
waits, received times and customers' calendars under a policy that pauses clocks on
calendars, the clock and case rows equal a fold from scratch."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.paused_history import paused_policy, with_pauses
from tests.readmodel.conftest import DEMO_CUSTOMERS
from tests.readmodel.late_history import generated, record_as_it_arrives
from trustengine import TrustEngine
from trustengine.exceptions import CustomerNotFoundError
from trustengine.readmodel import ReadModel, fold_customer
from trustengine.readmodel.schema import SPECS
from trustengine.readmodel.sealing import reveal
from trustengine.readmodel.timeline import timeline_rows
from trustengine.scoring.policy import load_trust_policy
from trustengine.scoring.sla import load_sla_policy
from trustengine.scoring.trust import TrustModel

Opener = Callable[..., ReadModel]


def customers_of(engine: TrustEngine) -> list[str]:
    return sorted({event.customer for event in engine.all_events()})


def assert_agrees(
    engine: TrustEngine, model: ReadModel, customer: str, scoring: TrustModel
) -> None:
    events = engine.history(customer)
    assert model.state(customer) == scoring.replay(events).as_dict(), customer
    assert model.timeline(customer) == timeline_rows(events), customer
    for case in {event.case for event in events if event.case}:
        assert model.timeline(customer, case=case) == timeline_rows(events, case=case)


def test_state_and_timeline_of_every_demo_customer_equal_a_replay(
    demo_engine: TrustEngine, read_models: Opener
) -> None:
    model = read_models(demo_engine)
    model.catch_up()
    scoring = TrustModel()

    assert customers_of(demo_engine) == list(DEMO_CUSTOMERS)
    for customer in DEMO_CUSTOMERS:
        assert_agrees(demo_engine, model, customer, scoring)


def test_state_and_timeline_of_every_synthetic_customer_equal_a_replay(
    synth_engine: TrustEngine, read_models: Opener
) -> None:
    model = read_models(synth_engine, batch_size=333)
    model.catch_up()
    scoring = TrustModel()

    customers = customers_of(synth_engine)
    assert len(customers) == 200
    for customer in customers:
        assert_agrees(synth_engine, model, customer, scoring)


def test_a_history_with_late_entries_retractions_and_corrections_equals_a_replay(
    open_engine: Callable[..., TrustEngine], read_models: Opener, tmp_path: Path
) -> None:
    engine = open_engine()
    views = None if engine.target.backend == "memory" else str(tmp_path / "views.db")
    model = read_models(engine, views, batch_size=7)
    record_as_it_arrives(
        engine, generated(15, 300, seed=11), retracted=0.05, corrected=0.05, catch_up=model.catch_up
    )
    model.catch_up()
    kinds = {event.type_name for event in engine.all_events()}
    assert {"EventRetracted", "EventCorrected"} <= kinds
    scoring = TrustModel()
    for customer in customers_of(engine):
        assert_agrees(engine, model, customer, scoring)


def test_a_read_model_rebuilt_under_other_policies_equals_a_replay_under_them(
    synth_engine: TrustEngine, read_models: Opener
) -> None:
    model = read_models(synth_engine)
    model.rebuild("trust-v1", "sla-uk-fca-disp")
    scoring = TrustModel(load_trust_policy("trust-v1"), load_sla_policy("sla-uk-fca-disp"))

    for customer in customers_of(synth_engine)[:40]:
        assert_agrees(synth_engine, model, customer, scoring)
    assert model.meta()["sla_policy"] == "sla-uk-fca-disp"
    assert model.catch_up() == 0
    assert model.state("cust-00001")["sla_policy"] == "sla-uk-fca-disp"


def test_an_unknown_customer_is_not_found_in_the_read_model(
    demo_engine: TrustEngine, read_models: Opener
) -> None:
    model = read_models(demo_engine)
    model.catch_up()

    with pytest.raises(CustomerNotFoundError, match="no customer 'cust-nobody'"):
        model.state("cust-nobody")
    with pytest.raises(CustomerNotFoundError, match="no customer 'cust-nobody'"):
        model.timeline("cust-nobody")
    assert model.timeline("cust-amelia", case="no-such-case") == []


@pytest.mark.postgres
@pytest.mark.parametrize("durable_target", ["postgres"], indirect=True)
def test_a_postgres_store_is_projected_into_its_views_file_exactly_once(
    durable_target: str,
    tmp_path: Path,
    synthetic_history: list[dict[str, object]],
    read_models: Opener,
) -> None:
    engine = TrustEngine(durable_target)
    try:
        engine.record_many(synthetic_history[:3000])
        views = str(tmp_path / "views.db")
        model = read_models(engine, views, batch_size=500)
        assert model.location == views
        assert model.catch_up() == 3000
        engine.record_many(synthetic_history[3000:])

        assert model.catch_up() == 1000

        assert model.position() == engine.recorder.max_notification_id()
        assert model.db.table("timeline").count == 4000
        scoring = TrustModel()
        for customer in customers_of(engine)[:50]:
            assert_agrees(engine, model, customer, scoring)
    finally:
        engine.close()


def test_a_history_with_waits_and_calendars_agrees_with_a_fold_from_scratch(
    engines: Callable[..., TrustEngine],
    synthetic_history: list[dict[str, object]],
    read_models: Opener,
    tmp_path: Path,
) -> None:
    sla = paused_policy(tmp_path)
    engine = engines()
    history = with_pauses(synthetic_history)  # type: ignore[arg-type]
    assert engine.record_many(history) == len(history)
    model = read_models(engine, batch_size=250)
    model.rebuild("trust-v1", sla)
    scoring = TrustModel(load_trust_policy("trust-v1"), load_sla_policy(sla))

    kinds = {event["type"] for event in history}
    assert {"CaseAwaitingCustomer", "CaseResumed"} <= kinds
    paused = model.db.execute("SELECT COUNT(*) FROM sla_clocks WHERE paused_seconds > 0")
    assert paused.fetchone()[0] > 20
    for customer in customers_of(engine):
        assert_agrees(engine, model, customer, scoring)
        folded = fold_customer(engine.history(customer), scoring).as_stored()
        for table in ("sla_clocks", "cases"):
            stored = [
                reveal(engine.personal, dict(row), customer)
                for row in model.db.table(table).rows_where("customer = ?", [customer])
            ]
            key = SPECS[table].key_of
            assert sorted(stored, key=key) == sorted(folded.rows[table], key=key), customer
