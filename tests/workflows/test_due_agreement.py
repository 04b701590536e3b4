"""``due`` and ``sweep`` on the shared 10,000-customer history agree with the events.

The expected due list is computed here from the stored events alone, replayed in plain
Python (no read model, no trust model): the commitments still open, the SLA clocks still
running (their targets from the SLA policy, started and stopped as
``projections/sla-default.toml`` says), and the follow-ups and CSAT/NPS requests that
resolved and closed cases are owed. A follow-up act about a case (a FollowUpCompleted
whatever it found, a score, an outbound contact, an unanswered outreach) stops its
``follow_up`` clock, as does a reopening.
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

from trustengine import TrustEngine, due_items, find_misses, run_sweep
from trustengine.readmodel import ReadModel
from trustengine.scoring.sla import SlaPolicy, load_sla_policy

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
    due: datetime | None
    stopped: datetime | None = None
    breached: bool = False


@dataclass
class Case:
    opened: datetime
    period: int = 1
    open: bool = True
    owner: str | None = None
    resolved: datetime | None = None
    closed: datetime | None = None
    clocks: dict[tuple[str, int], Clock] = field(default_factory=dict)
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
    erased: bool = False
    cases: dict[str, Case] = field(default_factory=dict)
    commitments: dict[tuple[str, str], Commitment] = field(default_factory=dict)


class Replay:
    """Folds events into :class:`Customer` records, one handler per event type."""

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
            self.stop(case, "follow_up", e.at)  # a no-op unless it runs

    def start(self, customer: Customer, case: Case, clock: str, at: datetime) -> None:
        if (clock, case.period) not in case.clocks:
            case.clocks[(clock, case.period)] = Clock(self.sla.due(clock, at, customer.tier))

    def latest(self, case: Case, clock: str) -> Clock | None:
        runs = [p for (name, p) in case.clocks if name == clock and p <= case.period]
        return case.clocks[(clock, max(runs))] if runs else None

    def stop(self, case: Case, clock: str, at: datetime) -> None:
        run = self.latest(case, clock)
        if run is not None and run.stopped is None:
            run.stopped = at
            run.breached = run.breached or (run.due is not None and at > run.due)

    def on_CustomerRegistered(self, e: Any, c: Customer, _: Case | None) -> None:
        c.tier = e.tier

    def on_CustomerErased(self, e: Any, c: Customer, _: Case | None) -> None:
        c.erased = True

    def on_ComplaintFiled(self, e: Any, c: Customer, _: Case | None) -> None:
        case = c.cases[e.case] = Case(opened=e.at)
        for clock in ("first_response", "resolution", "final_response"):
            self.start(c, case, clock, e.at)

    def on_ComplaintAcknowledged(self, e: Any, c: Customer, case: Case) -> None:
        case.owner = case.owner or e.actor
        self.stop(case, "first_response", e.at)

    def on_CaseReassigned(self, e: Any, c: Customer, case: Case) -> None:
        case.owner = e.owner

    def on_ResolutionProposed(self, e: Any, c: Customer, case: Case) -> None:
        self.stop(case, "final_response", e.at)

    def on_ResolutionConfirmed(self, e: Any, c: Customer, case: Case) -> None:
        case.resolved = e.at
        self.stop(case, "resolution", e.at)
        self.start(c, case, "follow_up", e.at)

    def on_CaseClosed(self, e: Any, c: Customer, case: Case) -> None:
        case.open, case.closed = False, e.at
        if e.confirmed_by_customer and case.resolved is None:
            case.resolved = e.at
        self.stop(case, "resolution", e.at)
        self.stop(case, "final_response", e.at)
        self.start(c, case, "follow_up", e.at)

    def on_CaseReopened(self, e: Any, c: Customer, case: Case) -> None:
        self.stop(case, "follow_up", e.at)
        case.open, case.closed, case.resolved = True, None, None
        case.period += 1
        case.opened = e.at
        self.start(c, case, "resolution", e.at)

    def on_FollowUpCompleted(self, e: Any, c: Customer, case: Case) -> None:
        c.commitments[("follow_up", e.follow_up)].settled = e.at

    def on_SlaBreached(self, e: Any, c: Customer, case: Case) -> None:
        run = self.latest(case, e.clock)
        if run is None:
            case.clocks[(e.clock, case.period)] = Clock(e.due, breached=True)
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


def expected_items(events: Iterator[Any], at: datetime) -> list[Item]:
    """The due list as of ``at``, from the events alone."""
    replay = Replay(load_sla_policy("sla-default"))
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
            running = {
                (clock, period): run
                for (clock, period), run in case.clocks.items()
                if run.stopped is None and run.due is not None
            }
            resolved = case.resolved or case.closed
            owed = any(n == "follow_up" and r.stopped is None for (n, _), r in case.clocks.items())
            if resolved is not None and owed and name not in planned:
                folded = [run.due for (clock, _), run in running.items() if clock == "follow_up"]
                running = {k: run for k, run in running.items() if k[0] != "follow_up"}
                add(min([resolved + DAY, *folded]), "follow_up", key, name, None)
            for (clock, _), run in running.items():
                assert run.due is not None
                add(run.due, f"sla:{clock}", key, name, None)
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
