"""A report as plain text for a terminal or a mail: one short section per figure.

Plain aligned columns rather than drawn tables, so the text reads the same in a pipe, a
log or a mail client; ``--json`` is the form for programs.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from trustengine.domain.jalali import Calendar, dates_in, shown_time
from trustengine.report.window import band, shown
from trustengine.terminal.escape import escape_controls
from trustengine.terminal.width import cell_width as cell_len

_NUMBER = re.compile(r"^([+-]?\d+(\.\d+)?%?|-)$")


def _signed(value: int | None) -> str:
    if value is None:
        return "-"
    return f"{value:+d}" if value else "0"


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def _columns(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> list[str]:
    """Rows under headers, two spaces apart: numbers right-aligned, text left."""
    cells = [list(headers)] + [[escape_controls(shown(cell)) for cell in row] for row in rows]
    numeric = [all(_NUMBER.match(row[i]) for row in cells[1:]) for i in range(len(headers))]
    widths = [max(cell_len(row[i]) for row in cells) for i in range(len(headers))]
    lines = []
    for row in cells:
        parts = [_align(row[i], widths[i], right=numeric[i]) for i in range(len(headers))]
        lines.append("  " + "  ".join(parts).rstrip())
    return lines


def _align(text: str, width: int, *, right: bool) -> str:
    """``text`` padded to ``width`` terminal cells (a CJK character takes two)."""
    pad = " " * (width - cell_len(text))
    return pad + text if right else text + pad


def _window(report: dict[str, Any]) -> str:
    window = report["window"]
    periods = window["periods"]
    span = f"{periods[0]} to {periods[-1]}" if periods else "no events"
    bounds = []
    if window["since"]:
        bounds.append(f"since {shown_time(window['since'])}")
    if window["until"]:
        bounds.append(f"until {shown_time(window['until'])}")
    limits = ", ".join(bounds) if bounds else "all business time"
    return f"Report: {span}, by {window['by']} ({limits}; periods in UTC)"


def _issues(report: dict[str, Any]) -> list[str]:
    issues = report["issues"]
    lines = [f"Recurring issues: {_plural(issues['complaints'], 'complaint')} (cases opened)"]
    lines += _columns(
        ("period", "complaints", "top category", "top cause"),
        [
            (shown_time(p["period"]), p["complaints"], p["top_category"], p["top_cause"])
            for p in issues["per_period"]
        ],
    )
    for key, label in (("categories", "category"), ("causes", "cause")):
        rows = [
            (r["name"], r["complaints"], " ".join(map(str, r["per_period"])), _signed(r["change"]))
            for r in issues[key]
        ]
        other = issues[f"other_{key}"]
        if other["names"]:  # the rest, folded into one row rather than left out
            spread = " ".join(map(str, other["per_period"]))
            rows.append((f"other ({other['names']})", other["complaints"], spread, "-"))
        if rows:
            lines += _columns((f"top {label}", "complaints", "per period", "change"), rows)
    return lines


def _satisfaction(report: dict[str, Any]) -> list[str]:
    nps, csat = report["satisfaction"]["nps"], report["satisfaction"]["csat"]
    lines = ["Satisfaction"]
    lines.append(
        f"  NPS {shown(nps['nps'])} from {_plural(nps['responses'], 'score')}: "
        f"{_plural(nps['promoters'], 'promoter')} ({band(report, 'nps', 'promoters')}), "
        f"{_plural(nps['passives'], 'passive')}, "
        f"{_plural(nps['detractors'], 'detractor')} ({band(report, 'nps', 'detractors')})"
    )
    lines.append(
        f"  CSAT {shown(csat['satisfied_pct'], '%')} satisfied "
        f"({band(report, 'csat', 'satisfied')}) of "
        f"{_plural(csat['responses'], 'score')}, mean {shown(csat['mean'])}"
    )
    lines += _columns(
        ("period", "NPS", "scores", "CSAT %", "scores"),
        [
            (
                p["period"],
                p["nps"],
                p["nps_responses"],
                p["csat_satisfied_pct"],
                p["csat_responses"],
            )
            for p in report["satisfaction"]["per_period"]
        ],
    )
    return lines


def _recovery(report: dict[str, Any]) -> list[str]:
    rec = report["recovery"]
    return [
        f"Recovery: {rec['recovered']} of {_plural(rec['complainants'], 'complainant')} reached "
        f"{' or '.join(rec['phases'])} ({shown(rec['rate_pct'], '%')})"
    ]


def _times(report: dict[str, Any]) -> list[str]:
    lines = ["Response times (hours; cases opened in the window)"]
    rows = []
    for name, found in report["response_times"].items():
        rows.append(
            (
                f"{name.replace('_', ' ')}: {found['from']} to {found['to']}",
                found["cases"],
                found["pending"],
                found["p50_hours"],
                found["p90_hours"],
                found["p95_hours"],
            )
        )
    lines += _columns(("measure", "cases", "pending", "p50", "p90", "p95"), rows)
    return lines


def _sla(report: dict[str, Any]) -> list[str]:
    rows = [
        (name, c["clocks"], c["met"], c["breached"], c["running"], shown(c["compliance_pct"], "%"))
        for name, c in report["sla"].items()
    ]
    return [
        "SLA clocks",
        *_columns(("clock", "clocks", "met", "breached", "running", "compliance"), rows),
    ]


def _promises(report: dict[str, Any]) -> list[str]:
    p = report["promises"]
    return [
        f"Promises: {p['made']} made; {p['kept_on_time']} kept on time, {p['kept_late']} kept "
        f"late, {p['broken']} broken, {p['open']} open; of those settled "
        f"{shown(p['kept_on_time_pct'], '%')} kept on time, {shown(p['kept_pct'], '%')} kept"
    ]


def _compensation(report: dict[str, Any]) -> list[str]:
    comp = report["compensation"]
    lines = [f"Compensation: {_plural(comp['offers'], 'offer')}"]
    rows = [
        (
            r["kind"],
            "fits" if r["addresses_failure"] else "generic",
            r["offers"],
            r["accepted"],
            r["declined"],
            r["pending"],
        )
        for r in comp["by_kind"]
    ]
    rows += [
        (f"all {fit}", "", c["offers"], c["accepted"], c["declined"], c["pending"])
        for fit, c in comp["by_fit"].items()
    ]
    lines += _columns(("kind", "fit", "offers", "accepted", "declined", "pending"), rows)
    return lines + _money(comp["totals"])


def _money(totals: dict[str, Any]) -> list[str]:
    """The amounts offered and accepted, per currency and, when there are several, kind."""
    rows: list[tuple[Any, ...]] = []
    for found in totals["per_currency"]:
        currency = found["currency"] or "(no currency)"
        kinds = found["by_kind"]
        for row in ([found] if len(kinds) > 1 else []) + kinds:
            kind = row.get("kind", "all kinds")
            rows.append(
                (
                    currency,
                    kind,
                    row["offers"],
                    row["offered"],
                    row["accepted_offers"],
                    row["accepted"],
                )
            )
    without = totals["offers_without_amount"]
    lines = [f"  Money offered and accepted ({_plural(without, 'offer')} without an amount)"]
    if rows:
        headers = ("currency", "kind", "offers", "amount offered", "accepted", "amount accepted")
        lines += _columns(headers, rows)
    return lines


def _hand_offs(report: dict[str, Any]) -> list[str]:
    h = report["hand_offs"]
    spread = ", ".join(f"{d['cases']} with {d['hand_offs']}" for d in h["distribution"])
    return [
        f"Hand-offs per case: mean {shown(h['mean'])} over {_plural(h['cases'], 'case')}, "
        f"max {shown(h['max'])}" + (f"; {spread}" if spread else "")
    ]


def _paradox(report: dict[str, Any]) -> list[str]:
    p = report["recovery_paradox"]
    lines = ["Recovery paradox (NPS while restored/advocate vs never complained)"]
    lines += _columns(
        ("group", "customers", "scores", "NPS"),
        [
            (
                "recovered complainants",
                p["recovered"]["customers"],
                p["recovered"]["responses"],
                p["recovered"]["nps"],
            ),
            (
                "never complained",
                p["never_complained"]["customers"],
                p["never_complained"]["responses"],
                p["never_complained"]["nps"],
            ),
        ],
    )
    lines.append(f"  {p['verdict']}")
    return lines


def _scores(report: dict[str, Any]) -> list[str]:
    t = report["trust_scores"]
    bins = ", ".join(
        f"{b['from']}-{b['to']}: {b['customers']}" for b in t["bins"] if b["customers"]
    )
    return [
        f"Trust scores now: {_plural(t['customers'], 'customer')}, "
        f"mean {shown(t['mean'])} ({bins or '-'})"
    ]


def _late(report: dict[str, Any]) -> list[str]:
    late = report["late_entries"]
    spread = " ".join(str(p["late_entries"]) for p in late["per_period"])
    return [
        f"Late entries (out of order, recorded over {late['threshold_hours']:g} h after "
        f"they happened): {late['late_entries']}" + (f" (per period: {spread})" if spread else ""),
        f"  retracted {late['retracted']}, corrected {late['corrected']}, "
        f"recorded misses the history shows met {late['misses_shown_met']}",
    ]


def report_text(report: dict[str, Any], *, calendar: Calendar = "gregorian") -> str:
    """The report (:func:`~trustengine.report.build_report`'s dict) as readable text;
    ``calendar`` is the calendar whole dates and times are shown in."""
    with dates_in(calendar):
        return _report_text(report)


def _report_text(report: dict[str, Any]) -> str:
    sections = (
        [_window(report)],
        _issues(report),
        _satisfaction(report),
        _recovery(report),
        _times(report),
        _sla(report),
        _promises(report),
        _compensation(report),
        _hand_offs(report),
        _paradox(report),
        _scores(report),
        _late(report),
    )
    # Each line is escaped whole: a newline or escape inside a name cannot break or
    # recolour the text (escaping twice changes nothing).
    return "\n\n".join("\n".join(map(escape_controls, lines)) for lines in sections) + "\n"


__all__ = [
    "report_text",
]
