"""Each report figure on a small hand-built history whose answer is worked out by hand.

Times are minutes after T0 (2026-03-01 09:00 UTC, a Sunday in ISO week 9).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from tests.examples import event, iso, when
from tests.report.conftest import Report, resolved_story

HOUR = 60
DAY = 24 * HOUR
APRIL = 31 * DAY
"""2026-04-01 09:00 UTC."""


def complaint(
    customer: str,
    case: str = "C-1",
    at: int = 0,
    *,
    category: str = "delivery",
    cause: str = "other",
) -> dict[str, Any]:
    return event(
        "ComplaintFiled",
        customer,
        case,
        at=at,
        category=category,
        severity=2,
        cause=cause,
        summary="It went wrong",
    )


def score(customer: str, metric: str, value: int, at: int) -> dict[str, Any]:
    return event("SatisfactionRecorded", customer, at=at, metric=metric, score=value)


def test_nps_is_promoters_minus_detractors_and_csat_the_share_of_fours_and_fives(
    report_of: Report,
) -> None:
    history = [score(c, "nps", v, 0) for c, v in zip("abcd", (10, 9, 8, 6), strict=True)]
    history += [score(c, "csat", v, APRIL) for c, v in zip("abcd", (5, 4, 3, 1), strict=True)]

    found = report_of(history)["satisfaction"]

    assert found["nps"] == {
        "responses": 4,
        "promoters": 2,
        "passives": 1,
        "detractors": 1,
        "nps": 25.0,
    }
    assert found["csat"] == {"responses": 4, "satisfied": 2, "satisfied_pct": 50.0, "mean": 3.25}
    assert found["per_period"] == [
        {
            "period": "2026-03",
            "nps": 25.0,
            "nps_responses": 4,
            "csat_satisfied_pct": None,
            "csat_responses": 0,
        },
        {
            "period": "2026-04",
            "nps": None,
            "nps_responses": 0,
            "csat_satisfied_pct": 50.0,
            "csat_responses": 4,
        },
    ]


def test_only_detractors_give_an_nps_of_minus_100(report_of: Report) -> None:
    found = report_of([score("a", "nps", 0, 0), score("b", "nps", 6, 1)])

    assert found["satisfaction"]["nps"]["nps"] == -100.0


def test_first_response_and_resolution_percentiles_interpolate_between_ranks(
    report_of: Report,
) -> None:
    history = [complaint(c) for c in "abcde"]
    history += [
        event("ComplaintAcknowledged", c, "C-1", at=hours * HOUR)
        for c, hours in zip("abcd", (1, 2, 3, 10), strict=True)
    ]
    history += [
        event("ResolutionConfirmed", "a", "C-1", at=24 * HOUR),
        event("CaseClosed", "a", "C-1", at=30 * HOUR, confirmed_by_customer=True),
        event("CaseClosed", "b", "C-1", at=48 * HOUR, confirmed_by_customer=False),
    ]

    found = report_of(history)["response_times"]

    # First response: 1, 2, 3, 10 h; p90 sits at rank 2.7: 3 + 0.7 * 7.
    assert found["first_response"] == {
        "from": "opened_at",
        "to": "acknowledged_at",
        "cases": 4,
        "pending": 1,
        "p50_hours": 2.5,
        "p90_hours": 7.9,
        "p95_hours": 8.95,
        "mean_hours": 4.0,
    }
    # Resolution: a confirmed at 24 h (closing at 30 h does not count), b closed at 48 h.
    assert found["resolution"] == {
        "from": "opened_at",
        "to": "resolved_at, else closed_at",
        "cases": 2,
        "pending": 3,
        "p50_hours": 36.0,
        "p90_hours": 45.6,
        "p95_hours": 46.8,
        "mean_hours": 36.0,
    }


def test_sla_clocks_are_met_breached_by_event_or_by_lateness_or_running(
    report_of: Report,
) -> None:
    history = [complaint(c) for c in "abcd"]
    history += [
        event("ComplaintAcknowledged", "a", "C-1", at=1 * HOUR),  # within 24 h: met
        event("ComplaintAcknowledged", "b", "C-1", at=30 * HOUR),  # after 24 h: breached
        event("SlaBreached", "c", "C-1", at=25 * HOUR, clock="first_response", due=iso(DAY)),
    ]  # d: still running

    found = report_of(history)["sla"]

    running = {
        "clocks": 4,
        "met": 0,
        "breached": 0,
        "running": 4,
        "compliance_pct": None,
        "paused": 0,
        "paused_hours": 0.0,
    }
    assert found == {
        "first_response": {
            "clocks": 4,
            "met": 1,
            "breached": 2,
            "running": 1,
            "compliance_pct": 33.33,
            "paused": 0,
            "paused_hours": 0.0,
        },
        "final_response": running,
        "resolution": running,
    }
    assert list(found) == ["first_response", "final_response", "resolution"]


def test_sla_figures_count_the_runs_that_stood_paused_and_the_hours_paused(
    report_of: Report,
) -> None:
    history = [complaint(c) for c in "ab"]
    history += [
        event("CaseAwaitingCustomer", "a", "C-1", at=1 * HOUR, reason="Receipt"),
        event("CaseResumed", "a", "C-1", at=4 * HOUR),  # 3 hours paused
        event("CaseAwaitingCustomer", "b", "C-1", at=2 * HOUR, reason="Photo"),
        event("CustomerContacted", "b", "C-1", at=3 * HOUR, direction="inbound"),  # 1 hour
    ]

    found = report_of(history)["sla"]

    # sla-default pauses resolution and final_response, not first_response.
    assert (found["resolution"]["paused"], found["resolution"]["paused_hours"]) == (2, 4.0)
    assert (found["final_response"]["paused"], found["final_response"]["paused_hours"]) == (2, 4.0)
    assert (found["first_response"]["paused"], found["first_response"]["paused_hours"]) == (0, 0.0)


def test_promises_are_kept_on_time_kept_late_broken_or_open(report_of: Report) -> None:
    history = [complaint("a")]
    for number in range(1, 5):
        history.append(
            event(
                "PromiseMade",
                "a",
                "C-1",
                at=number,
                promise=f"P-{number}",
                description="Call back",
                due=iso(60),
            )
        )
    history += [
        event("PromiseKept", "a", "C-1", at=30, promise="P-1"),
        event("PromiseKept", "a", "C-1", at=90, promise="P-2"),
        event("PromiseBroken", "a", "C-1", at=100, promise="P-3"),
    ]

    found = report_of(history)["promises"]

    assert found == {
        "made": 4,
        "kept_on_time": 1,
        "kept_late": 1,
        "broken": 1,
        "open": 1,
        "kept_on_time_pct": 33.33,
        "kept_pct": 66.67,
    }


def test_compensation_is_counted_by_kind_and_fit(report_of: Report) -> None:
    offers = [
        ("O-1", "refund", True, "CompensationAccepted"),
        ("O-2", "refund", True, "CompensationDeclined"),
        ("O-3", "gift", False, None),
        ("O-4", "credit", True, "CompensationAccepted"),
    ]
    history = [complaint("a")]
    for minute, (offer, kind, fits, answer) in enumerate(offers, start=1):
        history.append(
            event(
                "CompensationOffered",
                "a",
                "C-1",
                at=minute,
                offer=offer,
                kind=kind,
                amount=10,
                currency="EUR",
                addresses_failure=fits,
            )
        )
        if answer:
            history.append(event(answer, "a", "C-1", at=minute, offer=offer))

    found = report_of(history)["compensation"]

    def counts(offers: int, accepted: int, declined: int, pct: float | None) -> dict[str, Any]:
        pending = offers - accepted - declined
        return {
            "offers": offers,
            "accepted": accepted,
            "declined": declined,
            "pending": pending,
            "accepted_pct": pct,
        }

    assert found == {
        "offers": 4,
        "by_kind": [
            {"kind": "credit", "addresses_failure": True, **counts(1, 1, 0, 100.0)},
            {"kind": "gift", "addresses_failure": False, **counts(1, 0, 0, None)},
            {"kind": "refund", "addresses_failure": True, **counts(2, 1, 1, 50.0)},
        ],
        "by_fit": {"fitting": counts(3, 2, 1, 66.67), "generic": counts(1, 0, 0, None)},
        "totals": {
            "per_currency": [
                {
                    "currency": "EUR",
                    "offers": 4,
                    "offered": "40",
                    "accepted_offers": 2,
                    "accepted": "20",
                    "by_kind": [
                        {"kind": k, "offers": n, "offered": o, "accepted_offers": a, "accepted": t}
                        for k, n, o, a, t in (
                            ("credit", 1, "10", 1, "10"),
                            ("gift", 1, "10", 0, "0"),
                            ("refund", 2, "20", 1, "10"),
                        )
                    ],
                }
            ],
            "offers_without_amount": 0,
        },
    }


def test_hand_offs_per_case_give_a_mean_and_a_distribution(report_of: Report) -> None:
    history = [complaint("a", case) for case in ("C-1", "C-2", "C-3", "C-4")]
    cases = ["C-2"] * 2 + ["C-3"] * 2 + ["C-4"] * 5
    history += [
        event("CaseReassigned", "a", case, at=10 + n, owner=f"agent-{n}")
        for n, case in enumerate(cases)
    ]

    found = report_of(history)["hand_offs"]

    assert found == {
        "cases": 4,
        "mean": 2.25,
        "max": 5,
        "distribution": [
            {"hand_offs": 0, "cases": 1},
            {"hand_offs": 2, "cases": 2},
            {"hand_offs": 5, "cases": 1},
        ],
    }


def test_recovery_rate_counts_complainants_who_then_reach_restored(report_of: Report) -> None:
    history = [*resolved_story("r", "C-1", 0), complaint("d")]

    assert report_of(history)["recovery"] == {
        "complainants": 2,
        "recovered": 1,
        "rate_pct": 50.0,
        "phases": ["restored", "advocate"],
    }
    # r reaches restored at the follow-up, 120 minutes in: after this window ends.
    early = report_of(history, until=when(100))["recovery"]
    assert (early["complainants"], early["recovered"], early["rate_pct"]) == (2, 0, 0.0)


def test_a_recovery_before_the_windows_complaint_does_not_count(report_of: Report) -> None:
    history = [*resolved_story("r", "C-1", 0), complaint("r", "C-2", APRIL)]

    found = report_of(history, since=when(APRIL))["recovery"]

    assert (found["complainants"], found["recovered"], found["rate_pct"]) == (1, 0, 0.0)


def _paradox_history(never: int, never_score: int) -> list[dict[str, Any]]:
    history = resolved_story("r", "C-1", 0)
    history += [score("r", "nps", 10, 200 + n) for n in range(10)]
    history += [score(f"n{n}", "nps", never_score, 300) for n in range(never)]
    # An unrecovered complainant's score belongs to neither group.
    history += [complaint("d"), score("d", "nps", 0, 400)]
    return history


def test_the_paradox_shows_when_recovered_complainants_score_higher(report_of: Report) -> None:
    found = report_of(_paradox_history(10, 8))["recovery_paradox"]

    assert found == {
        "recovered": {"customers": 1, "responses": 10, "nps": 100.0},
        "never_complained": {"customers": 10, "responses": 10, "nps": 0.0},
        "min_responses": 10,
        "difference": 100.0,
        "verdict": "the paradox shows: recovered complainants' NPS is 100 points higher",
    }


def test_the_paradox_check_says_no_paradox_when_scores_are_equal(report_of: Report) -> None:
    found = report_of(_paradox_history(10, 10))["recovery_paradox"]

    assert found["verdict"] == "no paradox: recovered complainants' NPS is the same"


def test_the_paradox_check_says_plainly_when_a_group_is_too_small_or_empty(
    report_of: Report,
) -> None:
    small = report_of(_paradox_history(9, 8))["recovery_paradox"]
    empty = report_of(_paradox_history(0, 8))["recovery_paradox"]

    assert small["verdict"] == (
        "cannot tell: too few NPS scores (10 recovered, 9 never complained; need 10 each)"
    )
    assert small["difference"] == 100.0
    assert empty["verdict"] == "cannot tell: no NPS scores from never complained in this window"
    assert empty["never_complained"] == {"customers": 0, "responses": 0, "nps": None}


def test_recurring_issues_rank_categories_and_causes_with_their_trend(report_of: Report) -> None:
    march = [("delivery", "broken_promise")] * 2 + [("billing", "billing_error")]
    april = [("delivery", "broken_promise")] + [("billing", "billing_error")] * 3
    history = [
        complaint(f"m{n}", category=category, cause=cause)
        for n, (category, cause) in enumerate(march)
    ] + [
        complaint(f"a{n}", at=APRIL, category=category, cause=cause)
        for n, (category, cause) in enumerate(april)
    ]

    found = report_of(history)["issues"]

    assert found["complaints"] == 7
    assert found["per_period"] == [
        {
            "period": "2026-03",
            "complaints": 3,
            "top_category": "delivery",
            "top_cause": "broken_promise",
        },
        {
            "period": "2026-04",
            "complaints": 4,
            "top_category": "billing",
            "top_cause": "billing_error",
        },
    ]
    assert found["categories"] == [
        {"name": "billing", "complaints": 4, "per_period": [1, 3], "change": 2},
        {"name": "delivery", "complaints": 3, "per_period": [2, 1], "change": -1},
    ]
    assert [c["name"] for c in found["causes"]] == ["billing_error", "broken_promise"]


def test_only_the_five_most_frequent_categories_are_named(report_of: Report) -> None:
    names = ["g", "f", "e", "d", "c", "b", "a"]
    found = report_of([complaint(f"c{n}", category=name) for n, name in enumerate(names)])

    assert [c["name"] for c in found["issues"]["categories"]] == ["a", "b", "c", "d", "e"]
    assert found["issues"]["categories"][0]["change"] is None  # one period: no trend yet


def test_the_categories_and_causes_beyond_the_top_five_are_folded_together(
    report_of: Report,
) -> None:
    names = ["g", "f", "e", "d", "c", "b", "a", "a"]
    history = [complaint(f"c{n}", category=name) for n, name in enumerate(names)]
    history.append(complaint("late", at=APRIL, category="h"))

    found = report_of(history)["issues"]

    # a (2), then b, c, d, e (1 each, by name) are named; f, g (March) and h (April) not.
    assert [c["name"] for c in found["categories"]] == ["a", "b", "c", "d", "e"]
    assert found["other_categories"] == {"names": 3, "complaints": 3, "per_period": [2, 1]}
    assert found["other_causes"] == {"names": 0, "complaints": 0, "per_period": [0, 0]}


def test_weeks_without_events_show_as_zeros(report_of: Report) -> None:
    found = report_of([complaint("a"), complaint("b", at=21 * DAY)], by="week")

    assert found["window"]["periods"] == ["2026-W09", "2026-W10", "2026-W11", "2026-W12"]
    assert [p["complaints"] for p in found["issues"]["per_period"]] == [1, 0, 0, 1]


def test_an_event_falls_in_the_period_of_its_business_time_in_utc(report_of: Report) -> None:
    late_evening = event(
        "SatisfactionRecorded", "a", at="2026-03-31T23:30:00-02:00", metric="nps", score=9
    )

    found = report_of([late_evening])

    assert found["window"]["periods"] == ["2026-04"]


def test_the_window_includes_both_of_its_bounds(report_of: Report) -> None:
    history = [score("a", "nps", 10, 0), score("b", "nps", 0, 10), score("c", "nps", 0, 20)]

    found = report_of(history, since=when(0), until=when(10))

    assert found["satisfaction"]["nps"]["responses"] == 2
    assert found["window"] == {
        "since": "2026-03-01T09:00:00+00:00",
        "until": "2026-03-01T09:10:00+00:00",
        "by": "month",
        "periods": ["2026-03"],
        "time_zone": "UTC",
    }


def test_an_erased_customers_scores_still_count(report_of: Report) -> None:
    history = [
        event("SatisfactionRecorded", "a", at=0, metric="nps", score=9, comment="Lovely"),
        event("CustomerErased", "a", at=5, legal_basis="GDPR Art. 17 request"),
    ]

    found = report_of(history)

    assert found["satisfaction"]["nps"]["promoters"] == 1


def test_trust_scores_are_everyones_current_score_in_ten_bins(report_of: Report) -> None:
    history = [
        event("CustomerRegistered", "a", at=0),
        event("CustomerRegistered", "b", at=0),
        complaint("c", at=APRIL),
    ]

    found = report_of(history, until=datetime(2026, 3, 2, tzinfo=UTC))["trust_scores"]

    assert found["customers"] == 3  # c too, though its complaint is after the window
    assert [b["customers"] for b in found["bins"]] == [0, 0, 0, 0, 0, 0, 1, 2, 0, 0]
    assert found["bins"][7] == {"from": 70, "to": 80, "customers": 2}


def test_an_empty_store_gives_no_figures_rather_than_zeros(report_of: Report) -> None:
    found = report_of([])

    assert found["window"]["periods"] == []
    assert found["satisfaction"]["nps"]["nps"] is None
    assert found["response_times"]["first_response"]["p50_hours"] is None
    assert found["promises"]["kept_on_time_pct"] is None
    assert found["hand_offs"] == {"cases": 0, "mean": None, "max": None, "distribution": []}
    assert found["trust_scores"]["mean"] is None


@pytest.mark.parametrize(
    ("window", "message"),
    [
        (
            {"since": when(10), "until": when(0)},
            "since 2026-03-01T09:10:00+00:00 is after until 2026-03-01T09:00:00+00:00: "
            "the window is empty",
        ),
        ({"by": "day"}, "cannot group by 'day': use week or month"),
        ({"since": datetime(2026, 3, 1)}, "since 2026-03-01T00:00:00 has no offset"),
    ],
)
def test_a_window_that_cannot_be_used_is_refused(
    report_of: Report, window: dict[str, Any], message: str
) -> None:
    from trustengine import ReportWindowError

    with pytest.raises(ReportWindowError) as raised:
        report_of([], **window)

    assert str(raised.value) == message
