"""A report as one self-contained HTML page: the figures, their charts, the trends.

Built on the shared shell (:mod:`trustengine.html.page`): inline CSS and SVG, no script,
nothing fetched, so the page can be archived or mailed and opened offline.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from trustengine.domain.jalali import Calendar, dates_in, shown_time
from trustengine.html.charts import (
    BAD,
    GOOD,
    LATE,
    WAITING,
    bar_chart,
    histogram,
    line_chart,
    stacked_bars,
)
from trustengine.html.page import esc, page, table
from trustengine.report.window import band, shown


def _figure(chart: str, caption: str, n: str) -> str:
    """A chart with its caption, which states the sample size ``n`` it was drawn from."""
    return (
        f"<figure>{chart}<figcaption>{esc(caption)} "
        f'<span class="n">n = {esc(n)}</span></figcaption></figure>'
    )


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


def _section(title: str, *parts: str) -> str:
    return f"<h2>{esc(title)}</h2>" + "".join(parts)


def _p(text: str) -> str:
    return f"<p>{esc(text)}</p>"


Column = str | tuple[str, str]
"""A table column: (header, key), or a bare key whose header is the key with spaces."""


def _grid(
    rows: Sequence[dict[str, Any]], named: Sequence[Column], *, amounts: Sequence[str] = ()
) -> str:
    """A table of ``rows`` with ``named`` columns; numbers (and the money in ``amounts``,
    decimal text) right-aligned and shown as the text report shows them."""
    columns = [(c.replace("_", " "), c) if isinstance(c, str) else c for c in named]
    cells = [
        {
            head: shown(row[key])
            if row[key] is None or isinstance(row[key], int | float)
            else row[key]
            for head, key in columns
        }
        for row in rows
    ]
    numeric = [
        head
        for head, key in columns
        if key in amounts or any(isinstance(row[key], int | float) for row in rows)
    ]
    return table(cells, [head for head, _ in columns], numeric=numeric)


def _outcomes(
    bars: Sequence[tuple[str, Sequence[float]]],
    outcomes: Sequence[str],
    title: str,
    caption: str,
    n: str,
    colours: Sequence[str] = (GOOD, BAD, WAITING),
) -> str:
    """A figure of stacked bars, one segment per outcome: good, bad, still open."""
    labels = [o.replace("_", " ") for o in outcomes]
    return _figure(stacked_bars(bars, labels, title=title, colours=colours), caption, n)


def _summary(r: dict[str, Any]) -> str:
    sat, times = r["satisfaction"], r["response_times"]
    rows = [
        {"figure": "Complaints", "value": shown(r["issues"]["complaints"])},
        {"figure": "NPS", "value": shown(sat["nps"]["nps"])},
        {
            "figure": f"CSAT ({band(r, 'csat', 'satisfied')})",
            "value": shown(sat["csat"]["satisfied_pct"], "%"),
        },
        {"figure": "Recovery rate", "value": shown(r["recovery"]["rate_pct"], "%")},
        {
            "figure": "First response p50",
            "value": shown(times["first_response"]["p50_hours"], " h"),
        },
        {"figure": "Resolution p50", "value": shown(times["resolution"]["p50_hours"], " h")},
        {"figure": "Promises kept on time", "value": shown(r["promises"]["kept_on_time_pct"], "%")},
        {"figure": "Hand-offs per case", "value": shown(r["hand_offs"]["mean"])},
    ]
    return _section("Summary", table(rows, ["figure", "value"], numeric=["value"]))


def _trends(r: dict[str, Any]) -> str:
    periods = r["window"]["periods"]
    sat = r["satisfaction"]["per_period"]
    issues = r["issues"]
    satisfaction = line_chart(
        periods,
        [
            ("NPS", [p["nps"] for p in sat]),
            ("CSAT % satisfied", [p["csat_satisfied_pct"] for p in sat]),
        ],
        title="NPS and CSAT per period",
        low=-100,
        high=100,
    )
    every = [p["complaints"] for p in issues["per_period"]]
    top = issues["categories"][:3]
    rest = [total - sum(c["per_period"][index] for c in top) for index, total in enumerate(every)]
    lines = [("all complaints", every)] + [(c["name"], c["per_period"]) for c in top]
    if any(rest):  # the categories not drawn, as one line rather than left out
        lines.append(("other categories", rest))
    complaints = line_chart(periods, lines, title="Complaints per period")
    scores = r["satisfaction"]["nps"]["responses"], r["satisfaction"]["csat"]["responses"]
    return _section(
        "Trends",
        _figure(
            satisfaction,
            f"NPS (-100 to 100) and CSAT (% of {band(r, 'csat', 'satisfied')} scores) per period.",
            f"{_count(scores[0], 'NPS score')}, {_count(scores[1], 'CSAT score')}",
        ),
        _figure(
            complaints,
            "Complaints per period, the three most frequent categories, and the others.",
            _count(issues["complaints"], "complaint"),
        ),
    )


def _issues(r: dict[str, Any]) -> str:
    issues = r["issues"]
    parts = []
    for key, label in (("categories", "category"), ("causes", "cause")):
        title = f"Top {key}"
        items = [(c["name"], float(c["complaints"])) for c in issues[key]]
        other = issues[f"other_{key}"]
        if other["names"]:  # folded into one bar, never silently dropped
            items.append((f"other ({other['names']} {key})", float(other["complaints"])))
        parts.append(
            _figure(
                bar_chart(items, title=title),
                f"Complaints by {label}.",
                _count(issues["complaints"], "complaint"),
            )
        )
    rows = [
        {**c, "per period": " ".join(map(str, c["per_period"])), "kind": "category"}
        for c in issues["categories"]
    ] + [
        {**c, "per period": " ".join(map(str, c["per_period"])), "kind": "cause"}
        for c in issues["causes"]
    ]
    parts.append(_grid(rows, ["kind", "name", "complaints", "per period", "change"]))
    parts.append(_grid(issues["per_period"], ["period", "complaints", "top_category", "top_cause"]))
    return _section(f"Recurring issues ({issues['complaints']} complaints)", *parts)


def _satisfaction(r: dict[str, Any]) -> str:
    nps, csat = r["satisfaction"]["nps"], r["satisfaction"]["csat"]
    return _section(
        "Satisfaction",
        _p(
            f"NPS {shown(nps['nps'])} from {nps['responses']} scores (promoters, "
            f"{band(r, 'nps', 'promoters')}: {nps['promoters']}; passives: {nps['passives']}; "
            f"detractors, {band(r, 'nps', 'detractors')}: {nps['detractors']}). CSAT "
            f"{shown(csat['satisfied_pct'], '%')} of {csat['responses']} scores were "
            f"{band(r, 'csat', 'satisfied')}; mean {shown(csat['mean'])}."
        ),
        _grid(
            r["satisfaction"]["per_period"],
            [
                "period",
                ("NPS", "nps"),
                ("NPS scores", "nps_responses"),
                (f"CSAT % {band(r, 'csat', 'satisfied')}", "csat_satisfied_pct"),
                ("CSAT scores", "csat_responses"),
            ],
        ),
    )


def _recovery(r: dict[str, Any]) -> str:
    rec = r["recovery"]
    paradox = r["recovery_paradox"]
    rows = [
        {"group": "recovered complainants", **paradox["recovered"]},
        {"group": "never complained", **paradox["never_complained"]},
    ]
    return _section(
        "Recovery",
        _p(
            f"{rec['recovered']} of {rec['complainants']} complainants reached "
            f"{' or '.join(rec['phases'])} ({shown(rec['rate_pct'], '%')})."
        ),
        "<h3>Recovery paradox</h3>",
        _p("NPS given while restored or advocate, against customers with no complaint."),
        _grid(
            rows,
            [
                "group",
                "customers",
                ("NPS scores", "responses"),
                ("NPS", "nps"),
            ],
        ),
        _p(paradox["verdict"]),
    )


def _times(r: dict[str, Any]) -> str:
    rows = [
        {"measure": name.replace("_", " "), **found} for name, found in r["response_times"].items()
    ]
    bars = [
        (f"{row['measure']} p{p}", float(row[f"p{p}_hours"]))
        for row in rows
        for p in (50, 90, 95)
        if row[f"p{p}_hours"] is not None
    ]
    return _section(
        "Response times",
        _figure(
            bar_chart(bars, title="Hours to respond and resolve", unit=" h"),
            "Percentiles, hours.",
            ", ".join(f"{_count(row['cases'], 'case')} ({row['measure']})" for row in rows),
        ),
        _grid(
            rows,
            [
                "measure",
                "from",
                "to",
                "cases",
                "pending",
                ("p50 h", "p50_hours"),
                ("p90 h", "p90_hours"),
                ("p95 h", "p95_hours"),
            ],
        ),
    )


def _sla(r: dict[str, Any]) -> str:
    clocks = r["sla"]
    outcomes = ["met", "breached", "running"]
    bars = [(name, [c[o] for o in outcomes]) for name, c in clocks.items()]
    rows = [{"clock": name, **c} for name, c in clocks.items()]
    return _section(
        "SLA compliance",
        _outcomes(
            bars,
            outcomes,
            "SLA clocks",
            "Each clock's runs: met, breached, still running.",
            _count(sum(c["clocks"] for c in clocks.values()), "clock run"),
        ),
        _grid(rows, ["clock", "clocks", *outcomes, ("compliance %", "compliance_pct")]),
    )


def _promises(r: dict[str, Any]) -> str:
    p = r["promises"]
    outcomes = ["kept_on_time", "kept_late", "broken", "open"]
    bars = [("promises", [p[o] for o in outcomes])]
    return _section(
        "Promises",
        _outcomes(
            bars,
            outcomes,
            "Promises",
            "Promises made in the window, by outcome.",
            _count(p["made"], "promise"),
            colours=(GOOD, LATE, BAD, WAITING),
        ),
        _grid(
            [p],
            [
                "made",
                *outcomes,
                ("% of settled kept on time", "kept_on_time_pct"),
                ("% of settled kept", "kept_pct"),
            ],
        ),
    )


def _compensation(r: dict[str, Any]) -> str:
    comp = r["compensation"]
    outcomes = ["accepted", "declined", "pending"]
    rows = [
        {**row, "fit": "fits the failure" if row["addresses_failure"] else "generic"}
        for row in comp["by_kind"]
    ]
    bars = [(f"{row['kind']} ({row['fit']})", [row[o] for o in outcomes]) for row in rows]
    return _section(
        f"Compensation ({comp['offers']} offers)",
        _outcomes(
            bars,
            outcomes,
            "Offers by kind and fit",
            "Offers by kind and whether they address the failure.",
            _count(comp["offers"], "offer"),
        ),
        _grid(
            rows, ["kind", "fit", "offers", *outcomes, ("% of answered accepted", "accepted_pct")]
        ),
        _money(comp["totals"]),
    )


def _money(totals: dict[str, Any]) -> str:
    """The amounts offered and accepted per currency, then per kind within it."""
    rows = []
    for found in totals["per_currency"]:
        currency = found["currency"] or "(no currency)"
        kinds = found["by_kind"]
        whole = [{**found, "kind": "all kinds"}] if len(kinds) > 1 else []
        rows += [{**row, "currency": currency} for row in whole + kinds]
    without = totals["offers_without_amount"]
    columns: list[Column] = [
        "currency",
        "kind",
        "offers",
        ("amount offered", "offered"),
        ("accepted", "accepted_offers"),
        ("amount accepted", "accepted"),
    ]
    grid = _grid(rows, columns, amounts=("offered", "accepted")) if rows else ""
    return (
        "<h3>Money offered and accepted</h3>"
        + _p(f"Added up exactly, per currency; {_count(without, 'offer')} carried no amount.")
        + grid
    )


def _hand_offs(r: dict[str, Any]) -> str:
    h = r["hand_offs"]
    counts = {d["hand_offs"]: d["cases"] for d in h["distribution"]}
    bins = [(str(n), counts.get(n, 0)) for n in range(max(counts, default=-1) + 1)]
    return _section(
        "Hand-offs per case",
        _p(f"Mean {shown(h['mean'])} over {h['cases']} cases; most {shown(h['max'])}."),
        _figure(
            histogram(bins, title="Cases by number of hand-offs"),
            "Cases by hand-offs.",
            _count(h["cases"], "case"),
        ),
    )


def _scores(r: dict[str, Any]) -> str:
    t = r["trust_scores"]
    bins = [(f"{b['from']}-{b['to']}", b["customers"]) for b in t["bins"]]
    return _section(
        "Trust scores now",
        _p(f"{t['customers']} customers, mean score {shown(t['mean'])} (current, any window)."),
        _figure(
            histogram(bins, title="Customers by trust score"),
            "Current trust score, 0-100.",
            _count(t["customers"], "customer"),
        ),
    )


def _late(r: dict[str, Any]) -> str:
    late = r["late_entries"]
    rows = [{"period": p["period"], "late entries": p["late_entries"]} for p in late["per_period"]]
    return _section(
        "Late entries and corrections",
        _p(
            f"{late['late_entries']} events entered out of order, over "
            f"{late['threshold_hours']:g} hours after they happened; {late['retracted']} "
            f"retracted, {late['corrected']} corrected, {late['misses_shown_met']} recorded "
            "misses the history now shows were met."
        ),
        table(rows, ["period", "late entries"], numeric=["late entries"]),
    )


def report_html(report: dict[str, Any], *, calendar: Calendar = "gregorian") -> str:
    """The report (:func:`~trustengine.report.build_report`'s dict) as one HTML page;
    ``calendar`` is the calendar its table cells show whole dates and times in."""
    with dates_in(calendar):
        return _report_html(report)


def _report_html(report: dict[str, Any]) -> str:
    window = report["window"]
    periods = window["periods"]
    span = f"{periods[0]} to {periods[-1]}" if periods else "no events"
    bounds = [f"{name} {shown_time(window[name])}" for name in ("since", "until") if window[name]]
    subtitle = (
        f"{span}, by {window['by']} (business time, periods in UTC"
        + (f"; {', '.join(bounds)}" if bounds else "")
        + ")"
    )
    body = "".join(
        (
            _summary(report),
            _trends(report),
            _issues(report),
            _satisfaction(report),
            _recovery(report),
            _times(report),
            _sla(report),
            _promises(report),
            _compensation(report),
            _hand_offs(report),
            _scores(report),
            _late(report),
        )
    )
    return page("trustengine report", body, subtitle=subtitle)


__all__ = [
    "Column",
    "report_html",
]
