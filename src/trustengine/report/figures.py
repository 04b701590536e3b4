"""Every figure of a report, computed from :class:`~trustengine.report.sources.Sources`.

One function per figure, plain Python over what SQL counted (and the few lists a figure
needs whole), so that each can be checked against a hand-worked history. Percentages
run 0-100 and, like hours and means, are rounded to
:data:`~trustengine.report.window.DIGITS` places; a figure with nothing to measure is
None, never a made-up zero. The satisfaction figures are in :mod:`.scores`.

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

from trustengine.report.late import late_entries
from trustengine.report.money import totals
from trustengine.report.scores import csat, nps, paradox, satisfaction
from trustengine.report.sources import RECOVERED_PHASES, Cases, Offers, Sources
from trustengine.report.window import Window, percentile, period_range, rounded, share
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


def issues(cases: Cases, periods: Sequence[str], top: int) -> dict[str, Any]:
    """Recurring issues: complaints per period, the top categories and causes with their
    counts per period and the change from the previous period to the last, and the rest
    of each folded into ``other_categories`` and ``other_causes``."""
    categories: Counter[str] = Counter()
    causes: Counter[str] = Counter()
    per_category: dict[str, Counter[str]] = {}
    per_cause: dict[str, Counter[str]] = {}
    for (period, stored_category, stored_cause), opened in cases.opened.items():
        category = stored_category or "(none)"
        cause = stored_cause or "(none)"
        categories[category] += opened
        causes[cause] += opened
        per_category.setdefault(period, Counter())[category] += opened
        per_cause.setdefault(period, Counter())[cause] += opened
    top_categories = _ranked(categories, periods, per_category, top)
    top_causes = _ranked(causes, periods, per_cause, top)
    return {
        "complaints": cases.count,
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


def recovery(cases: Cases) -> dict[str, Any]:
    """Recovery rate: complainants in the window who then entered a recovered phase."""
    return {
        "complainants": cases.complainants,
        "recovered": cases.recovered,
        "rate_pct": share(cases.recovered, cases.complainants),
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


def response_times(cases: Cases, percentiles: Sequence[int]) -> dict[str, Any]:
    """First-response and resolution time percentiles (hours) of the window's cases;
    ``pending`` counts cases not yet acknowledged, or not yet resolved or closed."""
    first, resolution, count = cases.first_response, cases.resolution, cases.count
    return {
        "first_response": _spread(
            first, count - len(first), "opened_at", "acknowledged_at", percentiles
        ),
        "resolution": _spread(
            resolution,
            count - len(resolution),
            "opened_at",
            "resolved_at, else closed_at",
            percentiles,
        ),
    }


def sla(clocks: Counter[tuple[Any, str]], paused: dict[Any, list[float]]) -> dict[str, Any]:
    """Per clock: met, breached, running, and compliance (met / (met + breached)); and
    the runs that stood paused while their case awaited the customer, with the hours paused
    (docs/service-levels.md, "Pauses"). ``clocks`` counts runs per (clock, status)."""
    counts: dict[Any, Counter[str]] = {}
    for (clock, status), runs in clocks.items():
        counts.setdefault(clock, Counter())[status] += runs
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


def promises(made: Counter[tuple[Any, bool]]) -> dict[str, Any]:
    """Promises made in the window (counted per status and whether kept on time): kept on
    time, kept late, broken, open, and the share of settled ones kept on time and kept."""
    on_time = sum(n for (status, in_time), n in made.items() if status == "kept" and in_time)
    late = sum(n for (status, in_time), n in made.items() if status == "kept" and not in_time)
    broken = sum(n for (status, _), n in made.items() if status == "broken")
    settled = on_time + late + broken
    total = sum(made.values())
    return {
        "made": total,
        "kept_on_time": on_time,
        "kept_late": late,
        "broken": broken,
        "open": total - settled,
        "kept_on_time_pct": share(on_time, settled),
        "kept_pct": share(on_time + late, settled),
    }


def _offer_counts(statuses: Counter[Any]) -> dict[str, Any]:
    offers = sum(statuses.values())
    accepted, declined = statuses["accepted"], statuses["declined"]
    return {
        "offers": offers,
        "accepted": accepted,
        "declined": declined,
        "pending": offers - accepted - declined,
        "accepted_pct": share(accepted, accepted + declined),
    }


def compensation(offers: Offers) -> dict[str, Any]:
    """Offers by kind and fit (``addresses_failure``), counts by fit, and the money offered
    and accepted per currency (:func:`~trustengine.report.money.totals`)."""
    groups: dict[tuple[Any, bool], Counter[Any]] = {}
    by_fit: dict[bool, Counter[Any]] = {True: Counter(), False: Counter()}
    for (kind, fits, status), n in offers.counts.items():
        groups.setdefault((kind, fits), Counter())[status] += n
        by_fit[fits][status] += n
    total = sum(offers.counts.values())
    return {
        "offers": total,
        "by_kind": [
            {"kind": kind, "addresses_failure": fits, **_offer_counts(found)}
            for (kind, fits), found in sorted(groups.items(), key=lambda item: item[0])
        ],
        "by_fit": {
            "fitting": _offer_counts(by_fit[True]),
            "generic": _offer_counts(by_fit[False]),
        },
        "totals": totals(offers.priced, total - len(offers.priced)),
    }


def hand_offs(cases: Cases) -> dict[str, Any]:
    """Hand-offs (``CaseReassigned``) per case opened in the window: mean and distribution."""
    counts, count = cases.hand_offs, cases.count
    total = sum(hand_offs * n for hand_offs, n in counts.items())
    return {
        "cases": count,
        "mean": rounded(total / count) if count else None,
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
    periods = period_range(sources.periods, window.by)
    return {
        "window": {**window.as_dict(), "periods": periods, "time_zone": "UTC"},
        "issues": issues(sources.cases, periods, settings.top_issues),
        "satisfaction": satisfaction(sources.ratings, periods, bands),
        "recovery": recovery(sources.cases),
        "response_times": response_times(sources.cases, settings.percentiles),
        "sla": sla(sources.clocks, sources.paused),
        "promises": promises(sources.promises),
        "compensation": compensation(sources.offers),
        "hand_offs": hand_offs(sources.cases),
        "recovery_paradox": paradox(
            sources.recovered, sources.never_complained, bands, settings.paradox_min_responses
        ),
        "trust_scores": trust_scores(sources.scores, settings.score_bins),
        "late_entries": late_entries(sources.late, sources.amended, periods, settings.late_after),
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
