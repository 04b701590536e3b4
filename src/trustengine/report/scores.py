"""The report's satisfaction figures: NPS and CSAT over the window and per period, and
the recovery-paradox check (docs/trust-model.md, "Satisfaction bands").

Every figure here needs only how many times each score was given, so the scores come
counted (:class:`~collections.Counter` of score -> times) from SQL
(:mod:`.sources`); :func:`nps` and :func:`csat` take a plain list too.

- NPS: % promoters minus % detractors, over every NPS score given;
- CSAT: % of CSAT scores that are satisfied, and their mean;
- the recovery paradox: NPS given while the customer was ``restored`` or ``advocate``
  (after a complaint) against NPS of customers with no complaint on record.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

from trustengine.report.sources import Group
from trustengine.report.window import rounded, share
from trustengine.scoring.policy import SatisfactionBands


def _counted(scores: Sequence[int] | Counter[int]) -> Counter[int]:
    return scores if isinstance(scores, Counter) else Counter(scores)


def nps(scores: Sequence[int] | Counter[int], bands: SatisfactionBands) -> dict[str, Any]:
    """Net Promoter Score of 0-10 scores (a list, or a count of each score): responses,
    promoters, passives, detractors, nps."""
    given = _counted(scores)
    found: Counter[str] = Counter()
    for score, times in given.items():
        found[bands.nps_band(score)] += times
    responses = sum(given.values())
    promoters, detractors = found["promoter"], found["detractor"]
    value = 100.0 * (promoters - detractors) / responses if responses else None
    return {
        "responses": responses,
        "promoters": promoters,
        "passives": responses - promoters - detractors,
        "detractors": detractors,
        "nps": rounded(value),
    }


def csat(scores: Sequence[int] | Counter[int], bands: SatisfactionBands) -> dict[str, Any]:
    """Customer satisfaction of 1-5 scores (a list, or a count of each score): responses,
    satisfied, satisfied_pct, mean."""
    given = _counted(scores)
    satisfied = sum(times for s, times in given.items() if bands.csat_band(s) == "satisfied")
    responses = sum(given.values())
    total = sum(score * times for score, times in given.items())
    return {
        "responses": responses,
        "satisfied": satisfied,
        "satisfied_pct": share(satisfied, responses),
        "mean": rounded(total / responses) if responses else None,
    }


def _of(ratings: Iterable[tuple[tuple[str, Any, int], int]], metric: str) -> Counter[int]:
    found: Counter[int] = Counter()
    for (_, given, score), times in ratings:
        if given == metric:
            found[score] += times
    return found


def satisfaction(
    ratings: Counter[tuple[str, Any, int]], periods: Sequence[str], bands: SatisfactionBands
) -> dict[str, Any]:
    """NPS and CSAT over the window, and per period, and the bands they count by;
    ``ratings`` counts the scores given per (period, metric, score)."""
    by_period: dict[str, list[tuple[tuple[str, Any, int], int]]] = {}
    for item in ratings.items():
        by_period.setdefault(item[0][0], []).append(item)
    per_period = []
    for p in periods:
        found = by_period.get(p, [])
        period_nps = nps(_of(found, "nps"), bands)
        period_csat = csat(_of(found, "csat"), bands)
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
        "nps": nps(_of(ratings.items(), "nps"), bands),
        "csat": csat(_of(ratings.items(), "csat"), bands),
        "per_period": per_period,
        "bands": bands.as_dict(),
    }


def _group(group: Group, bands: SatisfactionBands) -> dict[str, Any]:
    found = nps(group.scores, bands)
    return {"customers": group.customers, "responses": found["responses"], "nps": found["nps"]}


def paradox(
    recovered_scores: Group, never_scores: Group, bands: SatisfactionBands, minimum: int
) -> dict[str, Any]:
    """The recovery-paradox check: NPS given while recovered vs by never-complainers;
    fewer than ``minimum`` scores in either group and it says it cannot tell."""
    recovered = _group(recovered_scores, bands)
    never = _group(never_scores, bands)
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
