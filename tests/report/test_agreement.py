"""The report agrees with the events themselves on the shared 10,000-customer history.

The report reads the read-model tables; these tests recompute the same figures from
``engine.all_events()`` in plain Python (their own percentile, NPS and counting code), for
the whole history and for a window of business time, and compare.
"""

from __future__ import annotations

import math
import statistics
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from trustengine import TrustEngine
from trustengine.domain.base import CustomerEvent
from trustengine.readmodel import ReadModel
from trustengine.report import build_report
from trustengine.scoring.trust import TrustModel

pytestmark = pytest.mark.slow

WINDOWS: dict[str, dict[str, datetime]] = {
    "all": {},
    "february": {
        "since": datetime(2026, 2, 1, tzinfo=UTC),
        "until": datetime(2026, 2, 28, 23, 59, 59, tzinfo=UTC),
    },
}
"""The windows compared: the whole history, and one month of business time."""


@dataclass
class CaseFacts:
    """What the events say about one case."""

    opened: datetime
    category: str
    acknowledged: datetime | None = None
    resolved: datetime | None = None
    closed: datetime | None = None
    confirmed: bool = False
    hand_offs: int = 0


@dataclass
class Facts:
    """Everything the agreement needs, gathered in one pass over the events."""

    ratings: list[tuple[datetime, str, int]] = field(default_factory=list)
    cases: dict[tuple[str, str], CaseFacts] = field(default_factory=dict)
    promises: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    offers: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)


def gather(events: Iterator[CustomerEvent]) -> Facts:
    facts = Facts()
    for e in events:
        kind, at, data = e.type_name, e.timestamp, e.data()
        key = (e.customer, e.case or "")
        case = facts.cases.get(key)
        if kind == "SatisfactionRecorded":
            facts.ratings.append((at, data["metric"], data["score"]))
        elif kind == "ComplaintFiled":
            facts.cases[key] = CaseFacts(opened=at, category=data["category"])
        elif case is None:
            pass
        elif kind == "ComplaintAcknowledged" and case.acknowledged is None:
            case.acknowledged = at
        elif kind == "CaseReassigned":
            case.hand_offs += 1
        elif kind == "ResolutionConfirmed":
            case.resolved, case.confirmed = at, True
        elif kind == "CaseClosed":
            case.closed = at
            if data["confirmed_by_customer"] and not case.confirmed:
                case.resolved, case.confirmed = at, True
        elif kind == "CaseReopened":
            case.resolved = case.closed = None
            case.confirmed = False
        if kind == "PromiseMade":
            facts.promises[(e.customer, data["promise"])] = {
                "made": at,
                "due": data["due"],
                "status": "open",
            }
        elif kind in ("PromiseKept", "PromiseBroken"):
            promise = facts.promises[(e.customer, data["promise"])]
            late = at > promise["due"]
            promise["status"] = "broken" if kind == "PromiseBroken" else "late" if late else "kept"
        elif kind == "CompensationOffered":
            facts.offers[(e.customer, data["offer"])] = {
                "at": at,
                "kind": data["kind"],
                "fits": data["addresses_failure"],
                "status": "pending",
            }
        elif kind in ("CompensationAccepted", "CompensationDeclined"):
            offer = facts.offers[(e.customer, data["offer"])]
            offer["status"] = "accepted" if kind == "CompensationAccepted" else "declined"
    return facts


@pytest.fixture(scope="module")
def facts(ten_thousand_customers: Path) -> Facts:
    engine = TrustEngine(str(ten_thousand_customers))
    try:
        return gather(engine.all_events())
    finally:
        engine.close()


@pytest.fixture(scope="module")
def reports(ten_thousand_customers: Path) -> dict[str, dict[str, Any]]:
    engine = TrustEngine(str(ten_thousand_customers))
    try:
        with ReadModel(engine) as model:
            assert model.pending() == 0
            return {name: build_report(model.db, **window) for name, window in WINDOWS.items()}
    finally:
        engine.close()


def inside(at: datetime, window: dict[str, datetime]) -> bool:
    return window.get("since", at) <= at <= window.get("until", at)


def close(found: float | None, expected: float) -> bool:
    """Equal up to the report's rounding to two places."""
    return found is not None and math.isclose(found, expected, abs_tol=0.0051)


def quantiles(values: list[float]) -> dict[int, float]:
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return {50: cuts[49], 90: cuts[89], 95: cuts[94]}


@pytest.fixture(params=list(WINDOWS))
def case(
    request: pytest.FixtureRequest, reports: dict[str, dict[str, Any]]
) -> tuple[dict[str, datetime], dict[str, Any]]:
    """One window, and the report for it."""
    return WINDOWS[request.param], reports[request.param]


def test_nps_and_csat_agree_with_the_satisfaction_events(facts: Facts, case: Any) -> None:
    window, report = case
    nps = [s for at, metric, s in facts.ratings if metric == "nps" and inside(at, window)]
    csat = [s for at, metric, s in facts.ratings if metric == "csat" and inside(at, window)]
    assert len(nps) > 100 and len(csat) > 100  # the comparison means something

    found = report["satisfaction"]
    promoters, detractors = sum(s > 8 for s in nps), sum(s < 7 for s in nps)

    assert found["nps"]["responses"] == len(nps)
    assert (found["nps"]["promoters"], found["nps"]["detractors"]) == (promoters, detractors)
    assert close(found["nps"]["nps"], (promoters - detractors) * 100 / len(nps))
    assert found["csat"]["responses"] == len(csat)
    assert close(found["csat"]["satisfied_pct"], sum(s in (4, 5) for s in csat) * 100 / len(csat))
    assert close(found["csat"]["mean"], statistics.fmean(csat))


def test_response_time_percentiles_agree_with_the_case_events(facts: Facts, case: Any) -> None:
    window, report = case
    opened = [c for c in facts.cases.values() if inside(c.opened, window)]
    first = [(c.acknowledged - c.opened).total_seconds() / 3600 for c in opened if c.acknowledged]
    ends = [(c.resolved or c.closed, c.opened) for c in opened]
    resolution = [(end - start).total_seconds() / 3600 for end, start in ends if end]
    found = report["response_times"]

    for name, hours in (("first_response", first), ("resolution", resolution)):
        assert found[name]["cases"] == len(hours), name
        assert found[name]["pending"] == len(opened) - len(hours), name
        for p, expected in quantiles(hours).items():
            assert close(found[name][f"p{p}_hours"], expected), (name, p)


def test_promises_kept_agree_with_the_promise_events(facts: Facts, case: Any) -> None:
    window, report = case
    made = [p for p in facts.promises.values() if inside(p["made"], window)]
    counts = Counter(p["status"] for p in made)
    settled = counts["kept"] + counts["late"] + counts["broken"]

    assert report["promises"]["made"] == len(made) > 100
    assert (
        report["promises"]["kept_on_time"],
        report["promises"]["kept_late"],
        report["promises"]["broken"],
        report["promises"]["open"],
    ) == (counts["kept"], counts["late"], counts["broken"], counts["open"])
    assert close(report["promises"]["kept_on_time_pct"], counts["kept"] * 100 / settled)


def test_compensation_counts_agree_with_the_offer_events(facts: Facts, case: Any) -> None:
    window, report = case
    offers = [o for o in facts.offers.values() if inside(o["at"], window)]
    expected = Counter((o["kind"], o["fits"], o["status"]) for o in offers)
    found: Counter[tuple[str, bool, str]] = Counter()
    for row in report["compensation"]["by_kind"]:
        for status in ("accepted", "declined", "pending"):
            if row[status]:
                found[(row["kind"], row["addresses_failure"], status)] = row[status]

    assert report["compensation"]["offers"] == len(offers) > 100
    assert found == expected


def test_hand_offs_per_case_agree_with_the_reassignments(facts: Facts, case: Any) -> None:
    window, report = case
    hand_offs = [c.hand_offs for c in facts.cases.values() if inside(c.opened, window)]
    found = report["hand_offs"]

    assert found["cases"] == len(hand_offs)
    assert close(found["mean"], statistics.fmean(hand_offs))
    assert {d["hand_offs"]: d["cases"] for d in found["distribution"]} == Counter(hand_offs)


def test_the_top_categories_agree_with_the_complaints(facts: Facts, case: Any) -> None:
    window, report = case
    counts = Counter(c.category for c in facts.cases.values() if inside(c.opened, window))
    top = sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:5]

    assert report["issues"]["complaints"] == sum(counts.values())
    assert [(c["name"], c["complaints"]) for c in report["issues"]["categories"]] == top


@dataclass
class Scored:
    """Each NPS score with the phase its customer was in just before it, from a replay."""

    nps: list[tuple[str, datetime, int, str]] = field(default_factory=list)
    complained: set[str] = field(default_factory=set)


@pytest.fixture(scope="module")
def scored(ten_thousand_customers: Path) -> Scored:
    engine = TrustEngine(str(ten_thousand_customers))
    model, states, out = TrustModel(), {}, Scored()
    try:
        for e in engine.all_events():
            state = states.get(e.customer) or states.setdefault(
                e.customer, model.new_state(e.customer)
            )
            before = state.phase
            model.apply(state, e)
            if e.type_name == "ComplaintFiled":
                out.complained.add(e.customer)
            elif e.type_name == "SatisfactionRecorded" and e.data()["metric"] == "nps":
                out.nps.append((e.customer, e.timestamp, e.data()["score"], before))
        return out
    finally:
        engine.close()


def test_the_recovery_paradox_groups_agree_with_the_phase_before_each_score(
    scored: Scored, case: Any
) -> None:
    window, report = case
    inside_window = [r for r in scored.nps if inside(r[1], window)]
    recovered = [r for r in inside_window if r[3] in ("restored", "advocate")]
    never = [r for r in inside_window if r[0] not in scored.complained]
    found = report["recovery_paradox"]

    def nps(rows: list[tuple[str, datetime, int, str]]) -> float:
        return (sum(r[2] > 8 for r in rows) - sum(r[2] < 7 for r in rows)) * 100 / len(rows)

    assert found["recovered"]["responses"] == len(recovered) > 50
    assert found["recovered"]["customers"] == len({r[0] for r in recovered})
    assert close(found["recovered"]["nps"], nps(recovered))
    assert found["never_complained"]["responses"] == len(never) > 50
    assert close(found["never_complained"]["nps"], nps(never))
