"""The former satisfaction figures (NPS, CSAT, the recovery-paradox check), verbatim."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

from tests.report.reference.rows import RECOVERED_PHASES, Rating
from trustengine.report.window import Window, rounded, share
from trustengine.scoring.policy import SatisfactionBands


def nps(scores: Sequence[int], bands: SatisfactionBands) -> dict[str, Any]:
    """Net Promoter Score of 0-10 scores: responses, promoters, passives, detractors, nps."""
    found = Counter(bands.nps_band(s) for s in scores)
    promoters, detractors = found["promoter"], found["detractor"]
    score = 100.0 * (promoters - detractors) / len(scores) if scores else None
    return {
        "responses": len(scores),
        "promoters": promoters,
        "passives": len(scores) - promoters - detractors,
        "detractors": detractors,
        "nps": rounded(score),
    }


def csat(scores: Sequence[int], bands: SatisfactionBands) -> dict[str, Any]:
    """Customer satisfaction of 1-5 scores: responses, satisfied, satisfied_pct, mean."""
    satisfied = sum(1 for s in scores if bands.csat_band(s) == "satisfied")
    return {
        "responses": len(scores),
        "satisfied": satisfied,
        "satisfied_pct": share(satisfied, len(scores)),
        "mean": rounded(sum(scores) / len(scores)) if scores else None,
    }


def satisfaction(
    ratings: Sequence[Rating], window: Window, periods: Sequence[str], bands: SatisfactionBands
) -> dict[str, Any]:
    """NPS and CSAT over the window, and per period, and the bands they count by."""
    by_period: dict[str, list[Rating]] = {}
    for rating in ratings:
        by_period.setdefault(window.period(rating.at), []).append(rating)

    def scores(items: Iterable[Rating], metric: str) -> list[int]:
        return [r.score for r in items if r.metric == metric]

    per_period = []
    for p in periods:
        found = by_period.get(p, [])
        period_nps = nps(scores(found, "nps"), bands)
        period_csat = csat(scores(found, "csat"), bands)
        per_period.append(
            {
                "period": p,
                "nps": period_nps["nps"],
                "nps_responses": period_nps["responses"],
                "csat_satisfied_pct": period_csat["satisfied_pct"],
                "csat_responses": period_csat["responses"],
            }
        )
    return {
        "nps": nps(scores(ratings, "nps"), bands),
        "csat": csat(scores(ratings, "csat"), bands),
        "per_period": per_period,
        "bands": bands.as_dict(),
    }


def _group(ratings: Sequence[Rating], bands: SatisfactionBands) -> dict[str, Any]:
    scores = [r.score for r in ratings]
    return {
        "customers": len({r.customer for r in ratings}),
        "responses": len(scores),
        "nps": nps(scores, bands)["nps"],
    }


def paradox(
    ratings: Sequence[Rating], complained: set[str], bands: SatisfactionBands, minimum: int
) -> dict[str, Any]:
    """The recovery-paradox check: NPS given while recovered vs by never-complainers;
    fewer than ``minimum`` scores in either group and it says it cannot tell."""
    nps_ratings = [r for r in ratings if r.metric == "nps"]
    recovered = _group([r for r in nps_ratings if r.phase_before in RECOVERED_PHASES], bands)
    never = _group([r for r in nps_ratings if r.customer not in complained], bands)
    difference = None
    if recovered["nps"] is not None and never["nps"] is not None:
        difference = rounded(recovered["nps"] - never["nps"])
    return {
        "recovered": recovered,
        "never_complained": never,
        "min_responses": minimum,
        "difference": difference,
        "verdict": _verdict(recovered, never, difference, minimum),
    }


def _verdict(
    recovered: dict[str, Any], never: dict[str, Any], difference: float | None, minimum: int
) -> str:
    empty = [
        name
        for name, group in (("recovered complainants", recovered), ("never complained", never))
        if not group["responses"]
    ]
    if empty:
        return f"cannot tell: no NPS scores from {' or '.join(empty)} in this window"
    small = min(recovered["responses"], never["responses"])
    if small < minimum:
        return (
            f"cannot tell: too few NPS scores ({recovered['responses']} recovered, "
            f"{never['responses']} never complained; need {minimum} each)"
        )
    assert difference is not None
    if difference > 0:
        return f"the paradox shows: recovered complainants' NPS is {difference:g} points higher"
    if difference < 0:
        return f"no paradox: recovered complainants' NPS is {-difference:g} points lower"
    return "no paradox: recovered complainants' NPS is the same"


__all__ = ["csat", "nps", "paradox", "satisfaction"]
