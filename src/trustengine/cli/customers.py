"""Commands a support lead works from: ``customers`` (who needs attention) and ``case``
(everything about one case). Both answer from the read model, caught up first."""

from __future__ import annotations

import json
import re
import textwrap
from collections.abc import Sequence
from typing import Any

import click
from rich.cells import cell_len

from trustengine.cli.errors import handle_errors
from trustengine.cli.options import db_option, views_option
from trustengine.cli.render import listing, render_rows, shown
from trustengine.cli.session import caught_up, open_engine
from trustengine.cli.table import screen_width
from trustengine.readmodel.queries import CUSTOMER_SORTS, CustomerSort
from trustengine.scoring.trust import PHASES
from trustengine.terminal.escape import escape_controls

CUSTOMER_COLUMNS = (
    "customer",
    "score",
    "phase",
    "tier",
    "open_cases",
    "broken_promises",
    "last_contact_at",
    "changed_at",
)


def _none_match(rows: Sequence[dict[str, Any]]) -> str | None:
    return None if rows else "No customer matches."


@click.command(epilog="Example: trustengine customers --at-risk --sort score --limit 20")
@click.option(
    "--phase",
    "phases",
    type=click.Choice(PHASES),
    multiple=True,
    help="Only customers in this phase (repeat for several).",
)
@click.option("--at-risk", is_flag=True, help="Only customers in phase at_risk or lost.")
@click.option(
    "--sort",
    type=click.Choice(CUSTOMER_SORTS),
    default="score",
    show_default=True,
    help="score: lowest trust first; changed: most recently changed first.",
)
@views_option
@db_option
@listing(CUSTOMER_COLUMNS, footer=_none_match)
@handle_errors
def customers(
    phases: tuple[str, ...],
    at_risk: bool,
    sort: CustomerSort,
    limit: int | None,
    views: str | None,
    db: str,
) -> list[dict[str, Any]]:
    """List customers with their trust score, phase, open cases, broken promises and
    last contact, lowest score first.

    --phase and --at-risk together list the customers of all those phases. changed_at is
    when the store recorded the customer's latest event.
    """
    with open_engine(db, views=views) as engine:
        found = caught_up(engine).customers(
            phase=phases or None, at_risk=at_risk, sort=sort, limit=limit
        )
    rows: list[dict[str, Any]] = found.model_dump(mode="json")
    return rows


HAND_OFF_COLUMNS = ("at", "actor", "channel", "summary")
COMMITMENT_COLUMNS = ("kind", "id", "made_at", "due", "status", "settled_at", "on_time", "details")
COMPENSATION_COLUMNS = (
    "offer",
    "kind",
    "amount",
    "currency",
    "addresses_failure",
    "status",
    "at",
    "settled_at",
    "reason",
)
CLOCK_COLUMNS = ("clock", "period", "started_at", "due", "stopped_at", "breached")
CASE_TIMELINE_COLUMNS = ("at", "type", "actor", "channel", "trust", "summary")

_SECTIONS = (
    ("hand_offs", "Hand-offs", HAND_OFF_COLUMNS),
    ("promises", "Promises, corrective actions and follow-ups", COMMITMENT_COLUMNS),
    ("compensation", "Compensation", COMPENSATION_COLUMNS),
    ("sla_clocks", "SLA clocks", CLOCK_COLUMNS),
    ("timeline", "Timeline", CASE_TIMELINE_COLUMNS),
)


@click.command("case", epilog="Example: trustengine case cust-dara C-1012 --json")
@click.argument("customer")
@click.argument("case")
@click.option("--json", "as_json", is_flag=True, help="Output one JSON object.")
@views_option
@db_option
@handle_errors
def case_(customer: str, case: str, as_json: bool, views: str | None, db: str) -> None:
    """Show one case: status, owner and hand-offs, escalation, the complaint, its
    promises, corrective actions and follow-ups, compensation, SLA clocks and timeline.

    --json gives one object whose keys are those sections: case, hand_offs, promises
    (kind promise, action or follow_up), compensation, sla_clocks and timeline.
    """
    with open_engine(db, views=views) as engine:
        found = caught_up(engine, customer).case(customer, case).model_dump(mode="json")
    if as_json:
        click.echo(json.dumps(found, indent=2, ensure_ascii=False, allow_nan=False))
        return
    render_case(found)


def render_case(found: dict[str, Any]) -> None:
    """A case (``case --json``'s dict) for a person: a header block, then one table per
    section (a section with no rows is one line saying so)."""
    screen = screen_width()
    for line in case_header(found["case"]):
        click.echo("\n".join(_hanging(escape_controls(line), screen)))
    for key, title, columns in _SECTIONS:
        rows = found[key]
        click.echo()
        if key == "promises":
            rows = [_with_details(row) for row in rows]
        if rows:
            render_rows(rows, "table", columns, title)
        else:
            click.echo(f"{title}: none")
        if key == "sla_clocks":
            _explain_dues(rows, screen)


def _explain_dues(clocks: list[dict[str, Any]], screen: int) -> None:
    """How each clock's due time was computed (docs/service-levels.md), one a line."""
    explained = [c for c in clocks if c.get("due_explained")]
    if not explained:
        return
    click.echo()
    click.echo("How each due time was computed:")
    for clock in explained:
        run = f", run {clock['run']}" if clock.get("run", 1) != 1 else ""
        line = f"  {clock['clock']} (period {clock['period']}{run}): {clock['due_explained']}"
        click.echo("\n".join(_hanging(escape_controls(line), screen)))


_FACT = re.compile(r"  [^:]+:\s+")


def _hanging(line: str, screen: int) -> list[str]:
    """A header fact wider than the screen, wrapped under its value's first column."""
    if cell_len(line) <= screen:
        return [line]
    label = _FACT.match(line)
    indent = " " * (label.end() if label else 2)
    parts = textwrap.wrap(
        line, max(screen, len(indent) + 20), subsequent_indent=indent, break_on_hyphens=False
    )
    return parts or [line]


def _with_details(row: dict[str, Any]) -> dict[str, Any]:
    """A commitment with its description and note (outcome, evidence or reason) in one
    column, the last, which the table lets wrap."""
    note = row["note"]
    if note and row["kind"] == "follow_up":
        note = f"outcome: {note}"
    parts = [row["description"], note]
    return {**row, "details": " / ".join(part for part in parts if part)}


def _waits(case: dict[str, Any]) -> list[tuple[str, Any]]:
    """The header facts of a case's waits on the customer (none: no facts)."""
    try:
        pauses = json.loads(case.get("pauses") or "[]")
    except ValueError:  # erased: the reasons are gone
        pauses = []
    facts: list[tuple[str, Any]] = []
    if case.get("awaiting_since"):
        reason = pauses[-1]["reason"] if pauses else "?"
        facts.append(("awaiting", f"since {shown(case['awaiting_since'])}: {reason}"))
    if pauses:
        hours = round(float(case.get("paused_seconds") or 0) / 3600, 1)
        reasons = "; ".join(
            f"{p['reason']} ({'customer' if p['on'] == 'customer' else 'third party'})"
            for p in pauses
        )
        facts.append(("paused", f"{hours}h in all, {len(pauses)} wait(s): {reasons}"))
    return facts


def case_header(case: dict[str, Any]) -> list[str]:
    """The header block of ``case`` (a ``cases`` row), one fact a line."""
    status = case["status"]
    if case["confirmed_by_customer"]:
        status += ", resolution confirmed by the customer"
    if case["reopened"]:
        times = "once" if case["reopened"] == 1 else f"{case['reopened']} times"
        status += f", reopened {times} (last {shown(case['reopened_at'])})"
    hand_offs = case["hand_offs"]
    owner = case["owner"] or "nobody yet"
    facts = [
        ("status", status),
        ("complaint", case["summary"]),
        (
            "category",
            f"{case['category']}, severity {case['severity']}, cause {case['cause']}",
        ),
        ("owner", f"{owner} ({hand_offs} hand-off{'' if hand_offs == 1 else 's'})"),
        ("escalation", f"level {case['escalation_level']}"),
        ("opened", case["opened_at"]),
        ("acknowledged", case["acknowledged_at"]),
        ("proposed", case["proposed_at"]),
        ("resolved", case["resolved_at"]),
        ("closed", case["closed_at"]),
        ("broken promises", case["broken_promises"]),
        ("SLA breaches", case["sla_breaches"]),
        *_waits(case),
    ]
    width = max(len(name) for name, _ in facts) + 2
    lines = [f"Case {case['case']} of {case['customer']}"]
    lines += [
        f"  {name + ':':<{width}}{shown(value)}" for name, value in facts if value is not None
    ]
    return lines


__all__ = ["case_", "customers"]
