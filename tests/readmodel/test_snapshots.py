"""``state --as-of`` from fold snapshots gives the full replay's answer, at every time.

The snapshots are taken every few steps here (``SNAPSHOT_EVERY`` patched down), so a
generated history of a few hundred events has dozens of them; the histories arrive as
they might really (late entries, retractions, corrections: ``late_history.py``), and
events stored after the snapshots were made (in order, late, amending, erasing) must
still give the full replay's answer.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.readmodel.late_history import by_customer, generated, record_as_it_arrives
from trustengine import TrustEngine
from trustengine.application.answers import CustomerState
from trustengine.domain.base import CustomerEvent
from trustengine.exceptions import CustomerNotFoundError
from trustengine.persistence.mapper import PydanticMapper
from trustengine.readmodel import snapshots
from trustengine.readmodel.check import check_views
from trustengine.scoring.history import as_of as history_as_of
from trustengine.scoring.trust import TrustModel

EVERY = 5


@pytest.fixture(autouse=True)
def _small_snapshots(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(snapshots, "SNAPSHOT_EVERY", EVERY)


@pytest.fixture
def opened(
    open_durable_engine: Callable[..., TrustEngine], tmp_path: Path
) -> Iterator[Callable[[], TrustEngine]]:
    """Engines on one durable store (SQLite, PostgreSQL; plain and encrypted) whose read
    model is in ``views.db``."""
    views = str(tmp_path / "views.db")
    yield lambda: open_durable_engine(views=views)


def full_replay(engine: TrustEngine, customer: str, moment: datetime) -> CustomerState:
    """The answer as the full replay gives it: every stored event decoded, those as of
    ``moment`` folded (what ``state --as-of`` did before the snapshots)."""
    events = history_as_of(engine.history(customer), moment)
    if not events:
        raise CustomerNotFoundError("nothing by then")
    return CustomerState.model_validate(TrustModel.named().replay(events).as_dict())


def moments(events: list[CustomerEvent]) -> list[datetime]:
    """Every business time of ``events``, a second before every third one, and a day
    before the first and after the last."""
    times = sorted({event.timestamp for event in events})
    out = {times[0] - timedelta(days=1), times[-1] + timedelta(days=1), *times}
    out |= {moment - timedelta(seconds=1) for moment in times[::3]}
    return sorted(out)


def assert_agrees(engine: TrustEngine, customer: str) -> int:
    """``state --as-of`` equals the full replay at every moment; return how many moments
    had events by then."""
    answered = 0
    for moment in moments(engine.history(customer)):
        try:
            expected = full_replay(engine, customer, moment)
        except CustomerNotFoundError:
            with pytest.raises(CustomerNotFoundError, match="has no events as of"):
                engine.state(customer, as_of=moment)
            continue
        got = engine.state(customer, as_of=moment)
        assert got == expected, moment
        assert got.model_dump(mode="json") == expected.model_dump(mode="json")
        answered += 1
    return answered


def kept(engine: TrustEngine, customer: str) -> tuple[Any, ...] | None:
    """The customer's ``replay_folds`` row: (high, steps), or None."""
    with engine.read_model() as model:
        if not model.db.table("replay_folds").exists():
            return None
        row = model.db.execute(
            "SELECT high, steps FROM replay_folds WHERE customer = ?", (customer,)
        ).fetchone()
    return None if row is None else tuple(row)


def test_snapshot_started_state_agrees_with_the_full_replay_at_every_time(
    opened: Callable[[], TrustEngine],
) -> None:
    engine = opened()
    history = generated(customers=2, events=140, seed=21)
    _, lates = record_as_it_arrives(engine, history, late=0.25, retracted=0.05, corrected=0.03)
    assert lates > 0
    engine.catch_up()  # a read model, where the snapshots are kept
    for customer in by_customer(history):
        assert assert_agrees(engine, customer) > 0
        found = kept(engine, customer)
        assert found is not None and found[1] >= EVERY
    # A second process reads the snapshots the first one made.
    other = opened()
    for customer in by_customer(history):
        assert assert_agrees(other, customer) > 0


def test_a_warm_replay_decodes_only_the_steps_after_its_snapshot(
    opened: Callable[[], TrustEngine], monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = opened()
    history = generated(customers=1, events=120, seed=3)
    record_as_it_arrives(engine, history, late=0.2, retracted=0.05, corrected=0.03)
    engine.catch_up()
    customer = str(history[0]["customer"])
    stored = engine.history(customer)
    middle = sorted(event.timestamp for event in stored)[len(stored) // 2]
    engine.state(customer, as_of=middle)  # makes the snapshots
    decoded: list[int] = []
    original = PydanticMapper.to_domain_event

    def counting(mapper: PydanticMapper, record: Any) -> Any:
        decoded.append(record.originator_version)
        return original(mapper, record)

    monkeypatch.setattr(PydanticMapper, "to_domain_event", counting)
    got = engine.state(customer, as_of=middle)
    assert 0 < len(decoded) <= 2 * EVERY  # the steps since one snapshot, their corrections
    monkeypatch.setattr(PydanticMapper, "to_domain_event", original)
    assert got == full_replay(engine, customer, middle)


def test_events_stored_after_the_snapshots_still_give_the_full_replays_answer(
    opened: Callable[[], TrustEngine],
) -> None:
    engine = opened()
    history = generated(customers=1, events=90, seed=8)
    record_as_it_arrives(engine, history, late=0.0, retracted=0.0, corrected=0.0)
    engine.catch_up()
    customer = str(history[0]["customer"])
    assert_agrees(engine, customer)
    made = kept(engine, customer)
    assert made is not None
    stored = engine.history(customer)
    last = max(event.timestamp for event in stored)
    first = min(event.timestamp for event in stored)
    middle = sorted(event.timestamp for event in stored)[len(stored) // 2]

    # In order: folded on top of the snapshots, which stay as they were made.
    engine.contact(customer, direction="inbound", sentiment=0.6, at=last + timedelta(hours=1))
    assert_agrees(engine, customer)
    assert kept(engine, customer) == made

    # A late entry in the snapshots' prefix: made again from the whole history.
    engine.contact(customer, direction="outbound", sentiment=-0.8, at=middle + timedelta(1e-3))
    assert_agrees(engine, customer)
    remade = kept(engine, customer)
    assert remade is not None and remade[0] > made[0]

    # A retraction of an early contact, then a correction of another.
    contacts = [e for e in engine.history(customer) if e.type_name == "CustomerContacted"]
    first_contact, second_contact = (str(e.event_id) for e in contacts[:2])
    assert contacts[1].timestamp < middle + timedelta(days=30)  # in a snapshot's prefix
    engine.retract(customer, first_contact, reason="entered for the wrong customer")
    assert_agrees(engine, customer)
    engine.correct(customer, second_contact, reason="mistyped", changes={"sentiment": -1.0})
    assert_agrees(engine, customer)
    assert kept(engine, customer) != remade

    # A time before the first event is still "no events by then", whatever is kept.
    with pytest.raises(CustomerNotFoundError, match=f"customer {customer!r} has no events as of"):
        engine.state(customer, as_of=first - timedelta(seconds=1))


def test_an_erasure_after_the_snapshots_gives_the_full_replays_answer(
    opened: Callable[[], TrustEngine],
) -> None:
    engine = opened()
    history = generated(customers=1, events=60, seed=4)
    record_as_it_arrives(engine, history, late=0.1, retracted=0.05, corrected=0.03)
    engine.catch_up()
    customer = str(history[0]["customer"])
    assert_agrees(engine, customer)
    last = max(event.timestamp for event in engine.history(customer))
    engine.erase_customer(customer, legal_basis="GDPR art. 17", at=last + timedelta(hours=1))
    assert_agrees(engine, customer)


def test_as_known_at_is_answered_by_the_full_replay_of_what_was_recorded_then(
    opened: Callable[[], TrustEngine],
) -> None:
    engine = opened()
    history = generated(customers=1, events=80, seed=6)
    record_as_it_arrives(engine, history, late=0.2, retracted=0.05, corrected=0.03)
    engine.catch_up()
    customer = str(history[0]["customer"])
    stored = engine.history(customer)
    known = sorted(event.recorded_at for event in stored)[len(stored) // 3]
    then = [event for event in stored if event.recorded_at <= known]
    for moment in moments(then)[::3]:
        events = history_as_of(then, moment)
        if not events:
            continue
        expected = CustomerState.model_validate(TrustModel.named().replay(events).as_dict())
        engine.state(customer, as_of=moment)  # snapshots of the whole history are kept
        assert engine.state(customer, as_of=moment, as_known_at=known) == expected


def test_a_customer_with_few_steps_is_replayed_in_full_and_nothing_is_kept(
    opened: Callable[[], TrustEngine],
) -> None:
    engine = opened()
    engine.catch_up()
    at = datetime.fromisoformat("2024-03-01T09:00:00+00:00")
    for hour in range(EVERY - 1):
        moment = at + timedelta(hours=hour)
        engine.contact("cust-few", direction="inbound", sentiment=0.1, at=moment)
    assert assert_agrees(engine, "cust-few") > 0
    assert kept(engine, "cust-few") is None
    with pytest.raises(CustomerNotFoundError, match="no customer 'nobody'"):
        engine.state("nobody", as_of=at)


def test_a_store_without_a_read_model_gets_none_made_by_a_replay(tmp_path: Path) -> None:
    store = tmp_path / "trust.db"
    views = tmp_path / "views.db"
    history = generated(customers=1, events=40, seed=2)
    with TrustEngine(str(store), views=str(views)) as engine:
        engine.record_many(history)
        customer = str(history[0]["customer"])
        assert assert_agrees(engine, customer) > 0
    assert not views.exists()
    names = sqlite3.connect(store).execute("SELECT name FROM sqlite_master").fetchall()
    assert ("replay_folds",) not in names


def test_verify_views_finds_fold_snapshots_edited_by_hand_and_rebuild_drops_them(
    tmp_path: Path,
) -> None:
    history = generated(customers=1, events=40, seed=2)
    customer = str(history[0]["customer"])
    with TrustEngine(str(tmp_path / "trust.db")) as engine:
        engine.record_many(history)
        engine.catch_up()
        moment = max(event.timestamp for event in engine.history(customer))
        honest = engine.state(customer, as_of=moment)
        with engine.read_model() as model:
            assert check_views(model).problems == []
            model.db.execute(
                "UPDATE replay_snapshots SET explanation = replace(explanation, "
                "'\"score\":', '\"score\":1') WHERE seq = ?",
                (EVERY,),
            )
            model.db.conn.commit()
            found = check_views(model).problems
            assert found == [
                f"the fold snapshots of customer {customer!r} (trust-v1, sla-default) are not "
                "those their stored events make: rebuild the read model"
            ]
            model.rebuild()
            assert not model.db.table("replay_snapshots").exists()
            assert check_views(model).problems == []
        assert engine.state(customer, as_of=moment) == honest


def test_another_sla_policy_keeps_snapshots_of_its_own_and_agrees_with_its_full_replay(
    tmp_path: Path,
) -> None:
    history = generated(customers=1, events=60, seed=9)
    customer = str(history[0]["customer"])
    with TrustEngine(str(tmp_path / "trust.db")) as engine:
        record_as_it_arrives(engine, history, late=0.2, retracted=0.05, corrected=0.03)
        engine.catch_up()
        stored = engine.history(customer)
        for moment in moments(stored)[::4]:
            events = history_as_of(stored, moment)
            if not events:
                continue
            replayed = TrustModel.named(None, "sla-us-cfpb").replay(events).as_dict()
            got = engine.state(customer, as_of=moment, sla="sla-us-cfpb")
            assert got == CustomerState.model_validate(replayed)
            assert engine.state(customer, as_of=moment) == full_replay(engine, customer, moment)
        with engine.read_model() as model:
            kept_under = model.db.execute(
                "SELECT sla_policy FROM replay_folds WHERE customer = ? ORDER BY 1", (customer,)
            ).fetchall()
        assert kept_under == [("sla-default",), ("sla-us-cfpb",)]
