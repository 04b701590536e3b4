"""Commands that read one customer's history: ``timeline``."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import click

from trustengine.cli.output import (
    InputError,
    db_option,
    handle_errors,
    listing,
    open_engine,
    render_rows,
)
from trustengine.scoring.policy import DEFAULT_TRUST_POLICY, load_trust_policy
from trustengine.scoring.sla import DEFAULT_SLA_POLICY, load_sla_policy
from trustengine.scoring.trust import TrustModel, TrustState
from trustengine.timeline import timeline_rows
from trustengine.times import parse_time


class TimeParam(click.ParamType):  # type: ignore[type-arg]
    """A time on the command line: ISO 8601 with an offset, or a date."""

    name = "TIME"

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> datetime:
        if isinstance(value, datetime):
            return value
        try:
            return parse_time(str(value))
        except ValueError as error:
            self.fail(str(error), param, ctx)


TIME = TimeParam()

TIMELINE_COLUMNS = ("at", "type", "case", "actor", "channel", "summary")


@click.command(epilog="Example: trustengine timeline cust-boris --case B-77 --as-of 2026-04-01")
@click.argument("customer")
@click.option("--case", "case", metavar="CASE", help="Only this case's events.")
@click.option("--as-of", type=TIME, help="Business time: events that happened by then.")
@click.option("--as-known-at", type=TIME, help="Recorded time: what the store held then.")
@db_option
@listing(TIMELINE_COLUMNS)
@handle_errors
def timeline(
    customer: str,
    case: str | None,
    as_of: datetime | None,
    as_known_at: datetime | None,
    db: str,
) -> list[dict[str, Any]]:
    """Show a customer's remediation steps, oldest first."""
    with open_engine(db) as engine:
        events = engine.history(customer, as_of=as_of, as_known_at=as_known_at)
    return timeline_rows(events, case=case)


@click.command(epilog="Example: trustengine state cust-boris --as-of 2026-03-20 --json")
@click.argument("customer")
@click.option("--as-of", type=TIME, help="Business time: events that happened by then.")
@click.option("--as-known-at", type=TIME, help="Recorded time: what the store held then.")
@click.option(
    "--policy",
    default=DEFAULT_TRUST_POLICY,
    show_default=True,
    help="Trust policy version (a file in projections/) or path to a policy file.",
)
@click.option(
    "--sla",
    "sla_policy",
    default=DEFAULT_SLA_POLICY,
    show_default=True,
    help="SLA policy: sla-default, sla-uk-fca-disp, sla-us-cfpb, sla-eu-psd2 or a path.",
)
@click.option("--json", "as_json", is_flag=True, help="Output JSON.")
@db_option
@handle_errors
def state(
    customer: str,
    as_of: datetime | None,
    as_known_at: datetime | None,
    policy: str,
    sla_policy: str,
    as_json: bool,
    db: str,
) -> None:
    """Show where a customer's trust stands, and why: each event's contribution."""
    model = TrustModel(load_trust_policy(policy), load_sla_policy(sla_policy))
    with open_engine(db) as engine:
        events = engine.history(customer, as_of=as_of, as_known_at=as_known_at)
    if not events:
        raise InputError(f"customer {customer!r} has no events by then")
    trust = model.replay(events)
    if as_json:
        click.echo(json.dumps(trust.as_dict(), indent=2, ensure_ascii=False))
        return
    render_state(trust)


def render_state(trust: TrustState) -> None:
    """A readable trust state: the headline, the components, then each step's effect."""
    parts = ", ".join(f"{name} {value:.1f}" for name, value in trust.components.items())
    click.echo(f"{trust.customer}: {trust.phase}, trust {trust.score:.1f}/100 ({trust.policy})")
    click.echo(f"components: {parts}")
    click.echo(
        f"open cases: {trust.open_cases}, broken promises: {trust.broken_promises}, "
        f"ceiling: {trust.ceiling:g}"
    )
    rows = [c.as_dict() for c in trust.explanation]
    render_rows(rows, "table", ("at", "type", "case", "delta", "score", "phase", "reason"))
