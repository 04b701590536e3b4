"""Every figure of a report, computed from :class:`~trustengine.report.sources.Sources`.

One function per figure, plain Python over lists, so that each can be checked against a
hand-worked history. Percentages run 0-100 and, like hours and means, are rounded to
:data:`~trustengine.report.window.DIGITS` places; a figure with nothing to measure is
None, never a made-up zero.

Every number a figure depends on (the satisfaction bands, how many issues are named, the
percentiles, the paradox check's minimum, the histogram's bins) comes from the trust
policy the read model was built with (``projections/trust-v1.toml``, sections
``[satisfaction]`` and ``[report]``; docs/trust-model.md, "Satisfaction bands").

Definitions (the report states them too):

- NPS: % promoters minus % detractors, over every NPS score given;
- CSAT: % of CSAT scores that are satisfied, and their mean;
- recovery rate: of the customers who filed a complaint in the window, the share who
  afterwards (still inside the window) entered phase ``restored`` or ``advocate``;
- first response: hours from ``opened_at`` to ``acknowledged_at``; resolution: hours from
  ``opened_at`` to ``resolved_at`` (the customer confirmed the fix), else ``closed_at``;
  percentiles interpolate linearly between ranks;
- SLA clocks: breached (an ``SlaBreached`` event, or stopped after due), met (stopped in
  time) or running; compliance is met / (met + breached);
- promises: kept on time, kept late, broken or open; the ratios are over settled ones;
- the recovery paradox: NPS given while the customer was ``restored`` or ``advocate``
  (after a complaint) against NPS of customers with no complaint on record.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from tests.report.reference.late import late_entries
from tests.report.reference.money import totals
from tests.report.reference.rows import (
    RECOVERED_PHASES,
    Case,
    Clock,
    Offer,
    Promise,
    Recovery,
    Sources,
)
from tests.report.reference.scores import csat, nps, paradox, satisfaction
from trustengine.report.window import (
    Window,
    hours_between,
    percentile,
    period_range,
    rounded,
    share,
)
from trustengine.scoring.policy import TrustPolicy

CLOCK_ORDER = ("first_response", "final_response", "resolution", "follow_up")


def _ranked(
    counts: Counter[str], periods: Sequence[str], by_period: dict[str, Counter[str]], top: int
) -> list[dict[str, Any]]:
    out = []
    for name, total in sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:top]:
        series = [by_period.get(p, Counter())[name] for p in periods]
        change = series[-1] - series[-2] if len(series) > 1 else None
        out.append({"name": name, "complaints": total, "per_period": series, "change": change})
    return out


def _rest(
    counts: Counter[str],
    named: list[dict[str, Any]],
    periods: Sequence[str],
    by_period: dict[str, Counter[str]],
) -> dict[str, Any]:
    """What the top list leaves out, folded together: how many names, their complaints
    in all and per period (so a chart can show "other" rather than drop them)."""
    shown = {row["name"] for row in named}
    rest = [name for name in counts if name not in shown]
    return {
        "names": len(rest),
        "complaints": sum(counts[name] for name in rest),
        "per_period": [sum(by_period.get(p, Counter())[name] for name in rest) for p in periods],
    }


def _top(counts: Counter[str]) -> str | None:
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return ranked[0][0] if ranked else None


def issues(
    cases: Sequence[Case], window: Window, periods: Sequence[str], top: int
) -> dict[str, Any]:
    """Recurring issues: complaints per period, the top categories and causes with their
    counts per period and the change from the previous period to the last, and the rest
    of each folded into ``other_categories`` and ``other_causes``."""
    categories: Counter[str] = Counter()
    causes: Counter[str] = Counter()
    per_category: dict[str, Counter[str]] = {}
    per_cause: dict[str, Counter[str]] = {}
    for case in cases:
        period = window.period(case.opened_at)
        category = case.category or "(none)"
        cause = case.cause or "(none)"
        categories[category] += 1
        causes[cause] += 1
        per_category.setdefault(period, Counter())[category] += 1
        per_cause.setdefault(period, Counter())[cause] += 1
    top_categories = _ranked(categories, periods, per_category, top)
    top_causes = _ranked(causes, periods, per_cause, top)
    return {
        "complaints": len(cases),
        "per_period": [
            {
                "period": p,
                "complaints": sum(per_category.get(p, Counter()).values()),
                "top_category": _top(per_category.get(p, Counter())),
                "top_cause": _top(per_cause.get(p, Counter())),
            }
            for p in periods
        ],
        "categories": top_categories,
        "causes": top_causes,
        "other_categories": _rest(categories, top_categories, periods, per_category),
        "other_causes": _rest(causes, top_causes, periods, per_cause),
    }


def recovery(
    cases: Sequence[Case], recoveries: dict[str, list[Recovery]], window: Window
) -> dict[str, Any]:
    """Recovery rate: complainants in the window who then entered a recovered phase."""
    first: dict[str, Case] = {}
    for case in cases:
        known = first.get(case.customer)
        if known is None or case.opened_position < known.opened_position:
            first[case.customer] = case
    recovered = sum(
        1
        for customer, case in first.items()
        if any(
            entry.position > case.opened_position and window.holds(entry.at)
            for entry in recoveries.get(customer, ())
        )
    )
    return {
        "complainants": len(first),
        "recovered": recovered,
        "rate_pct": share(recovered, len(first)),
        "phases": list(RECOVERED_PHASES),
    }


def _spread(
    hours: list[float], pending: int, start: str, end: str, percentiles: Sequence[int]
) -> dict[str, Any]:
    hours.sort()
    out: dict[str, Any] = {"from": start, "to": end, "cases": len(hours), "pending": pending}
    for p in percentiles:
        out[f"p{p}_hours"] = rounded(percentile(hours, p))
    out["mean_hours"] = rounded(sum(hours) / len(hours)) if hours else None
    return out


def response_times(cases: Sequence[Case], percentiles: Sequence[int]) -> dict[str, Any]:
    """First-response and resolution time percentiles (hours) of the window's cases;
    ``pending`` counts cases not yet acknowledged, or not yet resolved or closed."""
    first: list[float] = []
    resolution: list[float] = []
    for case in cases:
        if case.acknowledged_at is not None:
            first.append(hours_between(case.opened_text, case.acknowledged_at))
        end = case.resolved_at or case.closed_at
        if end is not None:
            resolution.append(hours_between(case.opened_text, end))
    return {
        "first_response": _spread(
            first, len(cases) - len(first), "opened_at", "acknowledged_at", percentiles
        ),
        "resolution": _spread(
            resolution,
            len(cases) - len(resolution),
            "opened_at",
            "resolved_at, else closed_at",
            percentiles,
        ),
    }


def sla(clocks: Sequence[Clock]) -> dict[str, Any]:
    """Per clock: met, breached, running, and compliance (met / (met + breached)); and
    the runs that stood paused while their case awaited the customer, with the hours paused
    (docs/service-levels.md, "Pauses")."""
    counts: dict[str, Counter[str]] = {}
    paused: dict[str, list[float]] = {}
    for clock in clocks:
        status = "breached" if clock.breached else "met" if clock.stopped else "running"
        counts.setdefault(clock.clock, Counter())[status] += 1
        if clock.paused_hours:
            paused.setdefault(clock.clock, []).append(clock.paused_hours)
    names = [c for c in CLOCK_ORDER if c in counts] + sorted(set(counts) - set(CLOCK_ORDER))
    out = {}
    for name in names:
        found = counts[name]
        met, breached = found["met"], found["breached"]
        out[name] = {
            "clocks": sum(found.values()),
            "met": met,
            "breached": breached,
            "running": found["running"],
            "compliance_pct": share(met, met + breached),
            "paused": len(paused.get(name, ())),
            "paused_hours": rounded(sum(paused.get(name, ()))),
        }
    return out


def promises(made: Sequence[Promise]) -> dict[str, Any]:
    """Promises made in the window: kept on time, kept late, broken, open, and the share
    of settled ones kept on time and kept at all."""
    on_time = sum(1 for p in made if p.status == "kept" and p.on_time)
    late = sum(1 for p in made if p.status == "kept" and not p.on_time)
    broken = sum(1 for p in made if p.status == "broken")
    settled = on_time + late + broken
    return {
        "made": len(made),
        "kept_on_time": on_time,
        "kept_late": late,
        "broken": broken,
        "open": len(made) - settled,
        "kept_on_time_pct": share(on_time, settled),
        "kept_pct": share(on_time + late, settled),
    }


def _offer_counts(offers: Sequence[Offer]) -> dict[str, Any]:
    accepted = sum(1 for o in offers if o.status == "accepted")
    declined = sum(1 for o in offers if o.status == "declined")
    return {
        "offers": len(offers),
        "accepted": accepted,
        "declined": declined,
        "pending": len(offers) - accepted - declined,
        "accepted_pct": share(accepted, accepted + declined),
    }


def compensation(offers: Sequence[Offer]) -> dict[str, Any]:
    """Offers by kind and fit (``addresses_failure``), counts by fit, and the money offered
    and accepted per currency (:func:`~trustengine.report.money.totals`)."""
    groups: dict[tuple[str, bool], list[Offer]] = {}
    for offer in offers:
        groups.setdefault((offer.kind, offer.addresses_failure), []).append(offer)
    return {
        "offers": len(offers),
        "by_kind": [
            {"kind": kind, "addresses_failure": fits, **_offer_counts(found)}
            for (kind, fits), found in sorted(groups.items())
        ],
        "by_fit": {
            "fitting": _offer_counts([o for o in offers if o.addresses_failure]),
            "generic": _offer_counts([o for o in offers if not o.addresses_failure]),
        },
        "totals": totals(offers),
    }


def hand_offs(cases: Sequence[Case]) -> dict[str, Any]:
    """Hand-offs (``CaseReassigned``) per case opened in the window: mean and distribution."""
    counts = Counter(case.hand_offs for case in cases)
    return {
        "cases": len(cases),
        "mean": rounded(sum(c.hand_offs for c in cases) / len(cases)) if cases else None,
        "max": max(counts) if counts else None,
        "distribution": [{"hand_offs": k, "cases": counts[k]} for k in sorted(counts)],
    }


def trust_scores(scores: Sequence[float], bins: int) -> dict[str, Any]:
    """Current trust scores of every customer (whatever the window), in ``bins`` equal
    bins over 0-100."""
    width = 100 // bins
    counts = Counter(min(int(score // width), bins - 1) for score in scores)
    return {
        "customers": len(scores),
        "mean": rounded(sum(scores) / len(scores)) if scores else None,
        "bins": [
            {"from": i * width, "to": (i + 1) * width, "customers": counts[i]} for i in range(bins)
        ],
    }


def build_figures(sources: Sources, window: Window, policy: TrustPolicy) -> dict[str, Any]:
    """Every figure of the report, as one JSON-ready dict, under ``policy``'s numbers."""
    bands, settings = policy.satisfaction, policy.report
    times = [c.opened_at for c in sources.cases]
    times += [r.at for r in sources.ratings]
    times += [c.started_at for c in sources.clocks if c.started_at is not None]
    times += [p.made_at for p in sources.promises] + [o.at for o in sources.offers]
    periods = period_range((window.period(t) for t in times), window.by)
    return {
        "window": {**window.as_dict(), "periods": periods, "time_zone": "UTC"},
        "issues": issues(sources.cases, window, periods, settings.top_issues),
        "satisfaction": satisfaction(sources.ratings, window, periods, bands),
        "recovery": recovery(sources.cases, sources.recoveries, window),
        "response_times": response_times(sources.cases, settings.percentiles),
        "sla": sla(sources.clocks),
        "promises": promises(sources.promises),
        "compensation": compensation(sources.offers),
        "hand_offs": hand_offs(sources.cases),
        "recovery_paradox": paradox(
            sources.ratings, sources.complained, bands, settings.paradox_min_responses
        ),
        "trust_scores": trust_scores(sources.scores, settings.score_bins),
        "late_entries": late_entries(sources.entered, window, periods, settings.late_after),
    }


__all__ = [
    "CLOCK_ORDER",
    "build_figures",
    "compensation",
    "csat",
    "hand_offs",
    "issues",
    "nps",
    "paradox",
    "promises",
    "recovery",
    "response_times",
    "satisfaction",
    "sla",
    "trust_scores",
]
