"""The ``audit`` command: one customer's complete, verified record, as text, JSON or HTML.

The report itself is the library's (:mod:`trustengine.audit`); this module parses the
options, writes the chosen form and sets the exit status: 1 when the customer's stored
events fail verification (the report is still written, saying what is wrong).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import click

from trustengine.audit import to_html, to_json
from trustengine.audit.html import (
    CLOCK_COLUMNS,
    COMMITMENT_COLUMNS,
    EVENT_COLUMNS,
    EXPLANATION_COLUMNS,
    OFFER_COLUMNS,
)
from trustengine.cli.errors import Finding, InputError, handle_errors
from trustengine.cli.files import write_whole
from trustengine.cli.options import TIME, current_calendar, db_option, sla_option
from trustengine.cli.render import render_rows
from trustengine.cli.session import open_engine
from trustengine.scoring.policy import DEFAULT_TRUST_POLICY
from trustengine.scoring.sla import DEFAULT_SLA_POLICY
from trustengine.terminal.escape import escape_controls


@click.command(
    epilog="Example: trustengine audit cust-boris --sla sla-uk-fca-disp --html boris.html"
)
@click.argument("customer")
@click.option("--case", "case", metavar="CASE", help="Only this case's events and commitments.")
@click.option("--as-of", type=TIME, help="Business time: events that happened by then.")
@click.option("--as-known-at", type=TIME, help="Recorded time: what the store held then.")
@sla_option("SLA preset for the clocks", f"the read model's, else {DEFAULT_SLA_POLICY}")
@click.option(
    "--policy",
    default=None,
    help="Trust policy (a file in projections/, or a path) "
    f"[default: the read model's, else {DEFAULT_TRUST_POLICY}].",
)
@click.option("--json", "as_json", is_flag=True, help="Output the report as JSON.")
@click.option(
    "--html",
    "html_file",
    metavar="FILE",
    default=None,
    help="Write the report as one self-contained HTML page to FILE and print its path.",
)
@db_option
@handle_errors
def audit(
    customer: str,
    case: str | None,
    as_of: datetime | None,
    as_known_at: datetime | None,
    sla_policy: str | None,
    policy: str | None,
    as_json: bool,
    html_file: str | None,
    db: str,
) -> None:
    """The complete, verified record of one customer (or one --case), as the store held it.

    Every event with business and recorded time, actor and channel; the promise ledger;
    SLA compliance per clock under the --sla preset; compensation; the trust state and
    its explanation; and the verification of the customer's stored events. The same
    store and options always give byte-identical JSON. Exits 1 when verification finds a
    problem (the report is still written).
    """
    if as_json and html_file is not None:
        raise InputError("give either --json or --html FILE, not both")
    with open_engine(db) as engine:
        report = engine.audit(
            customer,
            case=case,
            as_of=as_of,
            as_known_at=as_known_at,
            policy=policy,
            sla=sla_policy,
        ).model_dump(mode="json")
    if as_json:
        click.echo(to_json(report), nl=False)
    elif html_file is not None:
        write_whole("--html", html_file, to_html(report, calendar=current_calendar()), private=True)
        click.echo(html_file)
    else:
        render_text(report)
    check = report["verification"]
    if not check["ok"]:
        raise Finding(
            f"verification of {customer!r} found {len(check['problems'])} problem(s): "
            f"{check['problems'][0]}"
        )


def _without(columns: tuple[str, ...], *wide: str) -> tuple[str, ...]:
    return tuple(column for column in columns if column not in wide)


def render_text(report: dict[str, Any]) -> None:
    """The report for a person at a terminal: a headline, then one table per section."""
    trust = report["trust"]
    check = report["verification"]
    scope = f", case {report['case']}" if report["case"] else ""
    verdict = "ok" if check["ok"] else f"FAILED, {len(check['problems'])} problem(s)"
    lines = [
        f"Audit of {report['customer']}{scope}: as of {report['as_of'] or 'all events'}, "
        f"as known at {report['as_known_at'] or 'the latest record'}; open work judged at "
        f"{report['judged_at']}; policy {report['policy']}, SLA {report['sla_policy']}",
        f"verification: {verdict} ({check['events']} stored events checked)",
        *(f"  {problem}" for problem in check["problems"]),
        f"trust: {trust['score']:.1f}/100, {trust['phase']}",
    ]
    for line in lines:
        click.echo(escape_controls(line))
    # The page's columns, less those too wide for a terminal.
    sections = (
        ("Events", "events", _without(EVENT_COLUMNS, "data")),
        ("Promise ledger", "commitments", _without(COMMITMENT_COLUMNS, "description", "note")),
        ("SLA compliance", "sla_clocks", _without(CLOCK_COLUMNS, "late")),
        ("Compensation", "compensation", _without(OFFER_COLUMNS, "offered_at", "reason")),
        ("Trust explanation", "", _without(EXPLANATION_COLUMNS, "case")),
    )
    for title, key, columns in sections:
        rows = report[key] if key else trust["explanation"]
        if key == "events":  # a retracted event stays on record, struck through
            rows = [
                {**row, "summary": f"~~{row['summary']}~~"} if row.get("retracted") else row
                for row in rows
            ]
        if rows:
            render_rows(rows, "table", columns, title=title)


__all__ = ["audit", "render_text"]
