"""``due`` and ``sweep`` on the shared 10,000-customer history agree with the events.

The expected due list is computed here from the stored events alone, replayed in plain
Python (no read model, no trust model): the commitments still open, the SLA clocks still
running (their targets from the SLA policy, started and stopped as
``projections/sla-default.toml`` says), and the follow-ups and CSAT/NPS requests that
resolved and closed cases are owed. A follow-up act about a case (a FollowUpCompleted
whatever it found, a score, an outbound contact, an unanswered outreach) stops its
``follow_up`` clock, as does a reopening. A second history adds waits on the customer,
received times and customers' calendars (tests/paused_history.py) under a policy that
pauses clocks, counts on calendars and runs ``next_reply`` and ``periodic_update``.
"""

from __future__ import annotations

import sqlite3
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.paused_history import paused_policy, with_pauses
from trustengine import TrustEngine, due_items, find_misses, run_sweep
from trustengine.readmodel import ReadModel
from trustengine.scoring.sla import SlaPolicy, load_sla_policy
from trustengine.testing.synth import generate_history

pytestmark = pytest.mark.slow

T = datetime(2026, 9, 1, tzinfo=UTC)
"""Within the generated history (2026-01 to 2027-05), and before now, as a sweep needs."""
DAY = timedelta(days=1)
FOLLOW_UPS = {"FollowUpCompleted", "SatisfactionRecorded", "ContactUnanswered"}
"""Event types that follow a case up; so does an outbound CustomerContacted (an inbound
one is the customer's doing, not the business's follow-up)."""

Item = tuple[datetime, str, str, str, str | None, bool]
"""(due, kind, customer, case, id, overdue)."""


@dataclass
class Clock:
    name: str
    period: int
    due: datetime | None
    stopped: datetime | None = None
    breached: bool = False
    paused: datetime | None = None


@dataclass
class Case:
    opened: datetime
    period: int = 1
    open: bool = True
    owner: str | None = None
    resolved: datetime | None = None
    closed: datetime | None = None
    runs: list[Clock] = field(default_factory=list)
    """Every run of every clock, oldest first."""
    surveys: list[datetime] = field(default_factory=list)


@dataclass
class Commitment:
    kind: str
    case: str
    made: datetime
    due: datetime
    settled: datetime | None = None


@dataclass
class Customer:
    tier: str = "standard"
    calendar: str | None = None
    erased: bool = False
    cases: dict[str, Case] = field(default_factory=dict)
    commitments: dict[tuple[str, str], Commitment] = field(default_factory=dict)


MULTI_RUN = ("next_reply", "periodic_update")


class Replay:
    """Folds events into :class:`Customer` records, one handler per event type.

    Clocks as docs/service-levels.md says: started at ``received`` when a complaint has
    one; on the customer's calendar key when the policy maps it; the policy's ``pauses``
    stop while a case awaits the customer, and their due times move as
    :meth:`SlaPolicy.resume` says when the wait ends; ``next_reply`` and
    ``periodic_update`` run where the policy sets them a target.
    """

    def __init__(self, sla: SlaPolicy) -> None:
        self.sla = sla
        self.customers: dict[str, Customer] = defaultdict(Customer)

    def apply(self, e: Any) -> None:
        customer = self.customers[e.customer]
        case = customer.cases.get(e.case) if e.case is not None else None
        handler = getattr(self, f"on_{e.type_name}", None)
        if handler is not None:
            handler(e, customer, case)
        case = customer.cases.get(e.case) if e.case is not None else None
        outbound = e.type_name == "CustomerContacted" and e.direction == "outbound"
        if case is not None and (e.type_name in FOLLOW_UPS or outbound):
            self.stop(customer, case, "follow_up", e.at)  # a no-op unless it runs

    def calendar(self, customer: Customer) -> str | None:
        key = customer.calendar
        return key if key in self.sla.calendars else None

    def start(self, customer: Customer, case: Case, clock: str, at: datetime) -> None:
        mine = [run for run in case.runs if run.name == clock]
        if clock in MULTI_RUN:
            if self.sla.target(clock, customer.tier) is None:
                return
            if mine and mine[-1].stopped is None:
                return
        elif any(run.period == case.period for run in mine):
            return
        due = self.sla.due(clock, at, customer.tier, self.calendar(customer))
        case.runs.append(Clock(clock, case.period, due))

    def latest(self, case: Case, clock: str) -> Clock | None:
        runs = [run for run in case.runs if run.name == clock and run.period <= case.period]
        return runs[-1] if runs else None

    def unpause(self, customer: Customer, run: Clock, at: datetime) -> None:
        if run.paused is None:
            return
        if run.due is not None:
            run.due, _ = self.sla.resume(
                run.name, run.due, run.paused, at, customer.tier, self.calendar(customer)
            )
        run.paused = None

    def resume(self, customer: Customer, case: Case, at: datetime) -> None:
        for run in case.runs:
            self.unpause(customer, run, at)

    def stop(self, customer: Customer, case: Case, clock: str, at: datetime) -> None:
        run = self.latest(case, clock)
        if run is not None and run.stopped is None:
            self.unpause(customer, run, at)
            run.stopped = at
            run.breached = run.breached or (run.due is not None and at > run.due)

    def on_CustomerRegistered(self, e: Any, c: Customer, _: Case | None) -> None:
        c.tier, c.calendar = e.tier, e.calendar

    def on_CustomerErased(self, e: Any, c: Customer, _: Case | None) -> None:
        c.erased = True

    def on_ComplaintFiled(self, e: Any, c: Customer, _: Case | None) -> None:
        case = c.cases[e.case] = Case(opened=e.at)
        for clock in ("first_response", "resolution", "final_response", "periodic_update"):
            self.start(c, case, clock, e.received or e.at)

    def on_ComplaintAcknowledged(self, e: Any, c: Customer, case: Case) -> None:
        case.owner = case.owner or e.actor
        self.stop(c, case, "first_response", e.at)

    def on_CaseReassigned(self, e: Any, c: Customer, case: Case) -> None:
        case.owner = e.owner

    def on_ResolutionProposed(self, e: Any, c: Customer, case: Case) -> None:
        self.stop(c, case, "final_response", e.at)

    def on_ResolutionConfirmed(self, e: Any, c: Customer, case: Case) -> None:
        case.resolved = e.at
        self.stop(c, case, "resolution", e.at)
        self.start(c, case, "follow_up", e.at)

    def on_CaseClosed(self, e: Any, c: Customer, case: Case) -> None:
        self.resume(c, case, e.at)
        case.open, case.closed = False, e.at
        if e.confirmed_by_customer and case.resolved is None:
            case.resolved = e.at
        for clock in ("resolution", "final_response", *MULTI_RUN):
            self.stop(c, case, clock, e.at)
        self.start(c, case, "follow_up", e.at)

    def on_CaseReopened(self, e: Any, c: Customer, case: Case) -> None:
        self.stop(c, case, "follow_up", e.at)
        case.open, case.closed, case.resolved = True, None, None
        case.period += 1
        case.opened = e.at
        self.start(c, case, "resolution", e.at)
        self.start(c, case, "periodic_update", e.at)

    def on_CaseAwaitingCustomer(self, e: Any, c: Customer, case: Case) -> None:
        for clock in self.sla.pauses:
            run = self.latest(case, clock)
            if run is not None and run.stopped is None and run.paused is None:
                run.paused = e.at

    def on_CaseResumed(self, e: Any, c: Customer, case: Case) -> None:
        self.resume(c, case, e.at)

    def on_CustomerContacted(self, e: Any, c: Customer, case: Case | None) -> None:
        if case is None:
            return
        if e.direction == "inbound":
            self.resume(c, case, e.at)
            if case.open:
                self.start(c, case, "next_reply", e.at)
            return
        self.stop(c, case, "next_reply", e.at)
        if case.open:
            self.stop(c, case, "periodic_update", e.at)
            self.start(c, case, "periodic_update", e.at)

    def on_FollowUpCompleted(self, e: Any, c: Customer, case: Case) -> None:
        c.commitments[("follow_up", e.follow_up)].settled = e.at

    def on_SlaBreached(self, e: Any, c: Customer, case: Case) -> None:
        run = self.latest(case, e.clock)
        if run is None:
            case.runs.append(Clock(e.clock, case.period, e.due, breached=True))
        else:
            run.breached = True

    def on_SatisfactionRecorded(self, e: Any, c: Customer, case: Case | None) -> None:
        if case is not None:
            case.surveys.append(e.at)

    def make(self, e: Any, c: Customer, kind: str, ident: str) -> None:
        c.commitments[(kind, ident)] = Commitment(kind, e.case, e.at, e.due)

    def on_PromiseMade(self, e: Any, c: Customer, _: Case) -> None:
        self.make(e, c, "promise", e.promise)

    def on_CorrectiveActionCommitted(self, e: Any, c: Customer, _: Case) -> None:
        self.make(e, c, "action", e.action)

    def on_FollowUpScheduled(self, e: Any, c: Customer, _: Case) -> None:
        self.make(e, c, "follow_up", e.follow_up)

    def on_PromiseKept(self, e: Any, c: Customer, _: Case) -> None:
        c.commitments[("promise", e.promise)].settled = e.at

    on_PromiseBroken = on_PromiseKept

    def on_CorrectiveActionCompleted(self, e: Any, c: Customer, _: Case) -> None:
        c.commitments[("action", e.action)].settled = e.at


def expected_items(events: Iterator[Any], at: datetime, sla: SlaPolicy | None = None) -> list[Item]:
    """The due list as of ``at``, from the events alone (under ``sla``, else sla-default)."""
    replay = Replay(sla or load_sla_policy("sla-default"))
    for event in events:
        replay.apply(event)
    items: list[Item] = []

    def add(due: datetime, kind: str, key: str, case: str, ident: str | None) -> None:
        items.append((due, kind, key, case, ident, due < at))

    for key, customer in replay.customers.items():
        if customer.erased:
            continue
        planned = set()
        for (kind, ident), made in customer.commitments.items():
            if made.settled is None:
                add(made.due, kind, key, made.case, ident)
                if kind == "follow_up":
                    planned.add(made.case)
        for name, case in customer.cases.items():
            running = [
                run
                for run in case.runs
                if run.stopped is None and run.paused is None and run.due is not None
            ]
            resolved = case.resolved or case.closed
            owed = any(r.name == "follow_up" and r.stopped is None for r in case.runs)
            if resolved is not None and owed and name not in planned:
                folded = [run.due for run in running if run.name == "follow_up" and run.due]
                running = [run for run in running if run.name != "follow_up"]
                add(min([resolved + DAY, *folded]), "follow_up", key, name, None)
            for run in running:
                assert run.due is not None
                add(run.due, f"sla:{run.name}", key, name, None)
            if not case.open and not any(s >= case.opened for s in case.surveys):
                assert case.closed is not None
                add(case.closed + DAY, "survey", key, name, None)
    return sorted(items, key=lambda i: (i[0], i[2], i[3], i[1], i[4] or ""))


def observed(model: ReadModel, at: datetime, **options: Any) -> list[Item]:
    return [
        (i.due, i.kind, i.customer, i.case, i.id, i.overdue)
        for i in due_items(model, at, **options)
    ]


@pytest.fixture
def store(ten_thousand_customers: Path, tmp_path: Path) -> Iterator[TrustEngine]:
    """An engine on a copy of the shared store (the sweep writes to it)."""
    copy = tmp_path / "store.db"
    with sqlite3.connect(ten_thousand_customers) as source, sqlite3.connect(copy) as target:
        source.backup(target)
    keys = ten_thousand_customers.with_suffix(".keys")  # and its key store
    with sqlite3.connect(keys) as source, sqlite3.connect(copy.with_suffix(".keys")) as target:
        source.backup(target)
    engine = TrustEngine(str(copy))
    yield engine
    engine.close()


def test_due_agrees_with_the_due_list_computed_from_the_events(store: TrustEngine) -> None:
    expected = expected_items(store.all_events(), T)
    with ReadModel(store) as model:
        model.catch_up()
        found = observed(model, T)

    kinds = Counter(item[1] for item in expected)
    assert min(kinds[k] for k in ("promise", "action", "follow_up", "survey")) > 50
    assert kinds["sla:resolution"] > 50
    assert sorted(found, key=lambda i: (i[0], i[2], i[3], i[1], i[4] or "")) == expected
    assert [item[0] for item in found] == sorted(item[0] for item in found)  # soonest first


def test_every_miss_a_sweep_finds_is_overdue_on_the_due_list(store: TrustEngine) -> None:
    with ReadModel(store) as model:
        model.catch_up()
        overdue = observed(model, T, overdue_only=True)
        misses = find_misses(model, T)

    by_case = {(i[2], i[3], i[1]) for i in overdue}
    promises = {(i[2], i[3], i[4]) for i in overdue if i[1] == "promise"}
    for miss in misses:
        if miss.type == "PromiseBroken":
            assert (miss.customer, miss.case, miss.promise) in promises
        else:
            kinds = {f"sla:{miss.clock}"} | ({"follow_up"} if miss.clock == "follow_up" else set())
            assert by_case & {(miss.customer, miss.case, kind) for kind in kinds}
    assert {m.type for m in misses} == {"PromiseBroken", "SlaBreached"}


UNBREACHED = """
SELECT COUNT(*) FROM sla_clocks
WHERE stopped_at IS NULL AND breached = 0 AND julianday(due) < julianday(?)
  AND customer NOT IN (SELECT customer FROM timeline WHERE type = 'CustomerErased')
"""
"""Running clocks past due with no breach recorded (erased customers aside: a sweep leaves
those alone)."""


def test_after_a_sweep_no_overdue_promise_is_left_and_a_second_sweep_records_nothing(
    store: TrustEngine,
) -> None:
    before = store.recorder.max_notification_id() or 0
    with ReadModel(store) as model:
        result = run_sweep(model, T)
        again = run_sweep(model, T)
        overdue = observed(model, T, overdue_only=True)
        unbreached = model.db.execute(UNBREACHED, (T.isoformat(),)).fetchone()[0]
    swept = [store.mapper.to_domain_event(n) for n in store.notifications(start=before + 1)]

    assert result.recorded == len(result.misses) == len(swept) > 1000
    assert (again.misses, again.recorded) == ([], 0)
    assert [i for i in overdue if i[1] == "promise"] == []
    assert unbreached == 0
    assert {e.actor for e in swept} == {"system"}
    facts = Counter((e.customer, e.case, e.type_name, e.data().get("promise")) for e in swept)
    assert max(count for (*_, promise), count in facts.items() if promise) == 1
    clocks = Counter((e.customer, e.case, e.data().get("clock")) for e in swept)
    assert max(count for (*_, clock), count in clocks.items() if clock) == 1


def test_due_and_sweep_agree_with_a_plain_replay_on_a_history_with_waits_and_calendars(
    tmp_path: Path,
) -> None:
    history = with_pauses(generate_history(800, 12000))
    sla_path = paused_policy(tmp_path)
    sla = load_sla_policy(sla_path)
    engine = TrustEngine(str(tmp_path / "store.db"))
    try:
        assert engine.record_many(history) == len(history)
        expected = expected_items(engine.all_events(), T, sla)
        with ReadModel(engine) as model:
            model.rebuild("trust-v1", sla_path)
            found = observed(model, T)
            overdue = observed(model, T, overdue_only=True)
            misses = find_misses(model, T)
            paused = model.db.execute(
                "SELECT COUNT(*) FROM sla_clocks WHERE paused_at IS NOT NULL"
            ).fetchone()[0]
    finally:
        engine.close()

    kinds = Counter(item[1] for item in expected)
    assert min(kinds[k] for k in ("sla:next_reply", "sla:periodic_update", "sla:resolution")) > 5
    assert paused > 5  # clocks standing paused at the end are left out of both
    assert sorted(found, key=lambda i: (i[0], i[2], i[3], i[1], i[4] or "")) == expected
    by_case = {(i[2], i[3], i[1]) for i in overdue}
    for miss in misses:
        if miss.type == "SlaBreached":
            kinds_of = {f"sla:{miss.clock}"} | (
                {"follow_up"} if miss.clock == "follow_up" else set()
            )
            assert by_case & {(miss.customer, miss.case, kind) for kind in kinds_of}
