"""A ``PromiseBroken`` the sweep recorded, that a late ``PromiseKept`` in time refutes, on
the read side: the miss stays in the ledger and the timeline, marked ``refuted``, and
counts for nothing; the promise ledger, trust, due work, the report and the audit follow
the history as now known, and the read model agrees with a fold from scratch and with a
replay (docs/trust-model.md, "Recorded misses stay facts")."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from trustengine import TrustEngine
from trustengine.exceptions import CommitmentAlreadySettledError
from trustengine.readmodel import ReadModel, fold_customer
from trustengine.readmodel.projections import PROJECTED_TABLES
from trustengine.readmodel.sealing import reveal
from trustengine.readmodel.timeline import timeline_rows
from trustengine.scoring.trust import TrustModel
from trustengine.workflows.sweep import run_sweep

DUE = "2024-01-10T12:00:00+00:00"
SWEPT_AT = datetime(2024, 1, 10, 12, 30, tzinfo=UTC)
"""A sweep after the promise's due time, before any SLA clock's."""


def event(kind: str, at: str, case: str | None = "K-1", **data: Any) -> dict[str, Any]:
    line: dict[str, Any] = {"type": kind, "customer": "c", "at": at, "data": data}
    if case is not None:
        line["case"] = case
    return line


BEFORE_THE_MISS = [
    event(
        "ComplaintFiled",
        "2024-01-10T09:00:00+00:00",
        category="billing",
        severity=2,
        cause="billing_error",
        summary="Charged twice",
    ),
    event("ComplaintAcknowledged", "2024-01-10T09:10:00+00:00"),
    event(
        "PromiseMade",
        "2024-01-10T09:20:00+00:00",
        promise="P-1",
        description="Refund by noon",
        due=DUE,
    ),
]
CONTACT = event("CustomerContacted", "2024-01-10T13:00:00+00:00", None, direction="inbound")


def kept(at: str) -> dict[str, Any]:
    return event("PromiseKept", at, promise="P-1")


def swept(engine: TrustEngine, model: ReadModel, *later: dict[str, Any]) -> None:
    """Record the history up to the promise's due time, sweep (the miss is folded), then
    ``later``."""
    engine.record_many(BEFORE_THE_MISS)
    result = run_sweep(model, SWEPT_AT)
    assert [(miss.type, miss.at.isoformat()) for miss in result.misses] == [("PromiseBroken", DUE)]
    assert result.recorded == 1
    for line in later:
        engine.record(line)
    model.catch_up()


def customer_rows(engine: TrustEngine, model: ReadModel) -> dict[str, list[dict[str, Any]]]:
    out = {}
    for table in PROJECTED_TABLES:
        rows = model.db.table(table.name).rows_where("customer = ?", ["c"])
        out[table.name] = sorted(
            (reveal(engine.personal, dict(row), "c") for row in rows), key=repr
        )
    return out


@pytest.fixture
def store(
    open_engine: Callable[..., TrustEngine], backend_target: str, tmp_path: Path
) -> TrustEngine:
    """An engine on a fresh store of each backend (memory, SQLite, PostgreSQL), its
    payloads in the clear and encrypted, its read model in a views file of the test's
    (a memory store's: in memory)."""
    if backend_target == ":memory:":
        return open_engine()
    return open_engine(views=str(tmp_path / "views.db"))


@pytest.fixture
def views(store: TrustEngine) -> Iterator[ReadModel]:
    """A read model of ``store`` where the engine keeps its own (a memory store: in
    memory)."""
    path = None if store.target.backend == "memory" else store.views_location
    with ReadModel(store, path) as model:
        yield model


CASES = [
    pytest.param([CONTACT, kept("2024-01-10T11:00:00+00:00")], id="late-entry"),
    pytest.param([kept(DUE)], id="at-the-due-time-in-order"),
]


@pytest.mark.parametrize("later", CASES)
def test_a_refuted_miss_stays_in_the_timeline_and_counts_for_nothing(
    store: TrustEngine, views: ReadModel, later: list[dict[str, Any]]
) -> None:
    swept(store, views, *later)
    timeline = views.timeline("c")
    state = views.state("c")
    promise = views.db.execute(
        "SELECT status, settled_at, on_time FROM promises WHERE id = 'P-1'"
    ).fetchone()

    keeping = later[-1]["at"]
    miss = next(row for row in timeline if row["type"] == "PromiseBroken")
    assert (miss["counted"], miss["actor"], miss["at"]) == (False, "system", DUE)
    assert miss["amendment"] == {
        "kind": "refuted",
        "by": None,
        "recorded_at": None,
        "actor": None,
        "reason": None,
        "met_at": keeping,
    }
    assert tuple(promise) == ("kept", keeping, 1)
    assert state["broken_promises"] == 0
    in_time = TrustEngine(":memory:")
    in_time.record_many(sorted([*BEFORE_THE_MISS, *later], key=lambda line: line["at"]))
    assert state["score"] == in_time.state("c").score


@pytest.mark.parametrize("later", CASES)
def test_the_read_model_agrees_with_a_fold_from_scratch_and_a_replay(
    store: TrustEngine, views: ReadModel, later: list[dict[str, Any]]
) -> None:
    swept(store, views, *later)
    followed = customer_rows(store, views)

    events = store.history("c")
    folded = fold_customer(events, TrustModel()).as_stored()
    assert followed == {name: sorted(rows, key=repr) for name, rows in folded.rows.items()}
    assert views.state("c") == TrustModel().replay(events).as_dict()
    assert views.timeline("c") == timeline_rows(events)


def test_due_work_the_sweep_and_the_report_follow_the_corrected_history(
    store: TrustEngine, views: ReadModel
) -> None:
    swept(store, views, CONTACT, kept("2024-01-10T11:00:00+00:00"))

    again = run_sweep(views, SWEPT_AT)
    assert (again.misses, again.recorded) == ([], 0)
    due = store.due(at=SWEPT_AT)
    assert [item.kind for item in due] == ["sla:resolution", "sla:final_response"]
    report = store.report(since=datetime(2024, 1, 1, tzinfo=UTC))
    assert report.promises["kept_on_time"] == 1
    assert report.promises["broken"] == 0
    assert report.late_entries["misses_shown_met"] == 1


def test_the_audit_says_when_the_miss_was_recorded_and_which_entry_shows_it_was_met(
    store: TrustEngine, views: ReadModel
) -> None:
    swept(store, views, CONTACT, kept("2024-01-10T11:00:00+00:00"))

    history = store.history("c")
    miss, keeping = history[3], history[5]
    audit = store.audit("c")
    (shown,) = [row for row in audit.events if row["type"] == "PromiseBroken"]
    assert (shown["counted"], shown["retracted"]) == (False, False)
    assert shown["note"] == (
        f"recorded as missed on {miss.recorded_at.isoformat()}; a late entry recorded on "
        f"{keeping.recorded_at.isoformat()} (PromiseKept at 2024-01-10T11:00:00+00:00, "
        f"{keeping.event_id}) shows it was met"
    )
    (ledger,) = audit.commitments
    assert (ledger["status"], ledger["settled_at"], ledger["on_time"]) == (
        "kept",
        "2024-01-10T11:00:00+00:00",
        True,
    )
    assert audit.summary["commitments"]["broken"] == 0
    assert audit.trust.broken_promises == 0


def test_retracting_the_keeping_brings_the_miss_back(store: TrustEngine, views: ReadModel) -> None:
    swept(store, views, CONTACT, kept("2024-01-10T11:00:00+00:00"))
    keeping = store.history("c")[-1].event_id
    assert keeping is not None

    store.retract("c", keeping, reason="another customer's refund")
    views.catch_up()

    promise = views.db.execute("SELECT status FROM promises WHERE id = 'P-1'").fetchone()
    miss = next(row for row in views.timeline("c") if row["type"] == "PromiseBroken")
    assert (promise[0], miss["counted"], miss["amendment"]) == ("broken", True, None)
    assert views.state("c")["broken_promises"] == 1


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(minutes=st.integers(min_value=-160, max_value=60), followed=st.booleans())
def test_any_keeping_the_rules_let_in_after_the_miss_gives_the_tables_of_a_fold(
    minutes: int, followed: bool
) -> None:
    engine = TrustEngine(":memory:")
    with engine, ReadModel(engine) as model:
        swept(engine, model)
        at = datetime.fromisoformat(DUE) + timedelta(minutes=minutes)
        if minutes > 0:  # after the due time: refused
            with pytest.raises(CommitmentAlreadySettledError):
                engine.record(kept(at.isoformat()))
            return
        engine.record(kept(at.isoformat()))
        if followed:
            engine.record(CONTACT)
        model.catch_up()
        events = engine.history("c")
        folded = fold_customer(events, TrustModel()).as_stored()
        assert customer_rows(engine, model) == {
            name: sorted(rows, key=repr) for name, rows in folded.rows.items()
        }
        assert model.state("c") == TrustModel().replay(events).as_dict()
        assert model.state("c")["broken_promises"] == 0
