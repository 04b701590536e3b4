"""The audit report as one self-contained HTML page: the same content as the JSON.

It uses the shared page shell (:mod:`trustengine.html.page`): its own CSS, an inline SVG of
the trust score over time, no script and nothing loaded from anywhere, so the page can be
archived with the case file and read offline years later.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from trustengine.domain.jalali import Calendar, dates_in
from trustengine.html.charts import line_chart
from trustengine.html.page import FSI, PDI, Html, contained, esc, isolated, page, table


def to_html(report: dict[str, Any], *, calendar: Calendar = "gregorian") -> str:
    """The report (as :func:`~trustengine.audit.build_audit` returns it) as an HTML page;
    ``calendar`` is the calendar its tables show whole dates and times in."""
    with dates_in(calendar):
        return _to_html(report)


def _to_html(report: dict[str, Any]) -> str:
    # The customer and the case are the user's words: each in its own isolate.
    title = f"Audit of {FSI}{contained(report['customer'])}{PDI}"
    heading = f"Audit of {isolated(report['customer'])}"
    if report["case"] is not None:
        title += f", case {FSI}{contained(report['case'])}{PDI}"
        heading += f", case {isolated(report['case'])}"
    body = "".join(
        (
            _verification(report["verification"]),
            _summary(report["summary"]),
            _trust(report["trust"], whole_customer=report["case"] is not None),
            _section("Cases", report["cases"], CASE_COLUMNS, ("severity", "hand_offs")),
            _section("Events", [_event(row) for row in report["events"]], EVENT_COLUMNS),
            _section("Promise ledger", report["commitments"], COMMITMENT_COLUMNS),
            _section("SLA compliance", report["sla_clocks"], CLOCK_COLUMNS, ("period",)),
            _section("Compensation", report["compensation"], OFFER_COLUMNS, ("amount",)),
        )
    )
    return page(title, body, subtitle=_subtitle(report), heading=Html(heading))


# Each section's columns: the page shows them all; the terminal (``trustengine audit``)
# shows the same columns less the wide ones.
CASE_COLUMNS = (
    "case",
    "status",
    "opened_at",
    "severity",
    "category",
    "owner",
    "hand_offs",
    "escalation_level",
    "acknowledged_at",
    "closed_at",
    "reopened",
    "summary",
)
EVENT_COLUMNS = (
    "position",
    "at",
    "recorded_at",
    "type",
    "case",
    "actor",
    "channel",
    "summary",
    "note",
    "data",
)
COMMITMENT_COLUMNS = (
    "kind",
    "id",
    "case",
    "description",
    "made_at",
    "due",
    "status",
    "settled_at",
    "on_time",
    "overdue",
    "note",
)
CLOCK_COLUMNS = ("case", "clock", "period", "started_at", "due", "stopped_at", "late", "status")
OFFER_COLUMNS = (
    "offer",
    "case",
    "kind",
    "amount",
    "currency",
    "addresses_failure",
    "status",
    "offered_at",
    "settled_at",
    "reason",
)
EXPLANATION_COLUMNS = ("position", "at", "type", "case", "delta", "score", "phase", "reason")


def _subtitle(report: dict[str, Any]) -> Html:
    """The options the report was made under; names and texts a user chose (a policy
    path, the preset's description) each in an isolate."""
    judged = esc(report["judged_by"].replace("_", " "))
    parts = [
        f"as of {esc(report['as_of'] or 'every event on record')}",
        f"as known at {esc(report['as_known_at'] or 'the latest record')}",
        f"open work judged at {esc(report['judged_at'])} ({judged})",
        f"trust policy {isolated(report['policy'])}",
        f"SLA preset {isolated(report['sla_policy'])}: {isolated(report['sla_description'])}",
    ]
    return Html("; ".join(parts))


def _event(row: dict[str, Any]) -> dict[str, Any]:
    """The event's data as ``field: value`` pairs, and its one-line summary, with each
    value from the ledger in its own isolate (the JSON keeps the exact values)."""
    data = "; ".join(
        f"{esc(key)}: {isolated(_plain(value))}" for key, value in sorted(row["data"].items())
    )
    texts = [value for value in row["data"].values() if isinstance(value, str) and value]
    summary = _isolating(row["summary"], texts)
    if row.get("retracted"):
        summary = Html(f"<del>{summary}</del>")  # it stays on record, struck through
    note = isolated(row["note"]) if row.get("note") else ""
    return {**row, "summary": summary, "note": note, "data": Html(data)}


def _isolating(sentence: str, texts: Sequence[str]) -> Html:
    """``sentence`` as HTML with every occurrence of one of ``texts`` (the event's own
    values, which the summary quotes) in its own ``<bdi>``: "Complaint: <Persian>? (…)"
    keeps the "?" with the Persian words instead of letting them swallow the brackets."""
    if not texts:
        return isolated(sentence)
    pattern = re.compile("|".join(re.escape(t) for t in sorted(set(texts), key=len, reverse=True)))
    parts, end = [], 0
    for match in pattern.finditer(sentence):
        parts += [esc(sentence[end : match.start()]), isolated(match[0])]
        end = match.end()
    parts.append(esc(sentence[end:]))
    return Html("".join(parts))


def _plain(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def _cells(rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Booleans as yes/no, so a table reads as the JSON means."""
    return [
        {
            key: ("yes" if value else "no") if isinstance(value, bool) else value
            for key, value in r.items()
        }
        for r in rows
    ]


def _section(
    heading: str,
    rows: Sequence[dict[str, Any]],
    columns: Sequence[str],
    numeric: Sequence[str] = (),
) -> str:
    if not rows:
        return f"<h2>{esc(heading)}</h2><p>None.</p>"
    return f"<h2>{esc(heading)}</h2>" + _scrolling(table(_cells(rows), columns, numeric=numeric))


def _scrolling(html: str) -> str:
    """A wide table scrolls sideways inside the page instead of running off it."""
    return f'<div style="overflow-x: auto">{html}</div>'


def _verification(check: dict[str, Any]) -> str:
    if check["ok"]:
        return (
            '<h2>Verification</h2><p class="ok">Verified: all '
            f"{esc(check['events'])} stored events of this customer decode, run without a gap "
            "and match the tamper-evidence chain.</p>"
        )
    items = "".join(f"<li>{isolated(problem)}</li>" for problem in check["problems"])
    return (
        f'<h2>Verification</h2><p class="bad">Verification FAILED: {len(check["problems"])} '
        f"problem(s) in {esc(check['events'])} stored events of this customer.</p>"
        f'<ul class="bad">{items}</ul>'
    )


def _summary(summary: dict[str, Any]) -> str:
    promises = summary["commitments"]
    clocks = summary["sla_clocks"]
    offers = summary["compensation"]
    amounts = ", ".join(
        f"{amount:.2f} {currency}".strip()
        for currency, amount in offers["accepted_amounts"].items()
    )
    rows = [
        {"what": "events shown", "value": summary["events"]},
        {"what": "cases", "value": summary["cases"]},
        {
            "what": "commitments",
            "value": f"{promises['made']} made: {promises['kept']} kept, "
            f"{promises['completed']} completed, {promises['broken']} broken, "
            f"{promises['open']} open ({promises['overdue']} overdue); "
            f"{promises['on_time']} on time, {promises['late']} late",
        },
        {
            "what": "SLA clocks",
            "value": f"{clocks['met']} met, {clocks['breached']} breached, "
            f"{clocks['running']} running",
        },
        {
            "what": "compensation",
            "value": f"{offers['offered']} offered: {offers['accepted']} accepted, "
            f"{offers['declined']} declined, {offers['open']} open"
            + (f"; accepted {amounts}" if amounts else ""),
        },
    ]
    return "<h2>Summary</h2>" + table(rows, ("what", "value"))


def _trust(trust: dict[str, Any], *, whole_customer: bool) -> str:
    components = ", ".join(f"{name} {value:.1f}" for name, value in trust["components"].items())
    headline = (
        f"<p>Trust <strong>{trust['score']:.1f}</strong>/100, phase "
        f"<strong>{esc(trust['phase'])}</strong> (ceiling {trust['ceiling']:g}; {esc(components)}; "
        f"{esc(trust['open_cases'])} open case(s), {esc(trust['broken_promises'])} broken "
        "promise(s)).</p>"
    )
    if whole_customer:
        headline += (
            '<p class="meta">Trust belongs to the customer: it is scored over every case.</p>'
        )
    explanation = trust["explanation"]
    return (
        "<h2>Trust and why</h2>"
        + headline
        + score_chart(explanation)
        + _scrolling(
            table(explanation, EXPLANATION_COLUMNS, numeric=("position", "delta", "score"))
        )
    )


def score_chart(steps: Sequence[dict[str, Any]]) -> str:
    """An inline SVG of the score after each step, placed by business time."""
    if not steps:
        return ""
    chart = line_chart(
        [f"{step['at']} {step['type']}" for step in steps],
        [("Trust score", [float(step["score"]) for step in steps])],
        title="Trust score after each event",
        low=0.0,
        high=100.0,
        positions=[datetime.fromisoformat(step["at"]).timestamp() for step in steps],
        ticks=(0, 25, 50, 75, 100),
    )
    return (
        f"<figure>{chart}<figcaption>Trust score (0-100) after each event, by business "
        "time.</figcaption></figure>"
    )


__all__ = [
    "CASE_COLUMNS",
    "CLOCK_COLUMNS",
    "COMMITMENT_COLUMNS",
    "EVENT_COLUMNS",
    "EXPLANATION_COLUMNS",
    "OFFER_COLUMNS",
    "score_chart",
    "to_html",
]
