"""Commands that read one customer's history: ``timeline`` and ``state``.

Without time or policy overrides they answer from the read model (:mod:`trustengine.readmodel`),
caught up first; with them they replay the customer's events from the store."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import click

from trustengine.cli.errors import handle_errors
from trustengine.cli.options import TIME, db_option, sla_option, views_option
from trustengine.cli.render import (
    TIMELINE_COLUMNS,
    TIMELINE_TABLE_COLUMNS,
    listing,
    mark_sla,
    render_state,
    trend_line,
)
from trustengine.cli.session import caught_up, current_trust_state, open_engine
from trustengine.scoring.policy import DEFAULT_TRUST_POLICY
from trustengine.scoring.sla import DEFAULT_SLA_POLICY


@click.command(epilog="Example: trustengine timeline cust-boris --case C-1002 --as-of 2026-04-01")
@click.argument("customer")
@click.option("--case", "case", metavar="CASE", help="Only this case's events.")
@click.option("--as-of", type=TIME, help="Business time: events that happened by then.")
@click.option("--as-known-at", type=TIME, help="Recorded time: what the store held then.")
@views_option
@db_option
@listing(
    TIMELINE_COLUMNS,
    table_columns=TIMELINE_TABLE_COLUMNS,
    table_row=mark_sla,
    footer=trend_line,
)
@handle_errors
def timeline(
    customer: str,
    case: str | None,
    as_of: datetime | None,
    as_known_at: datetime | None,
    views: str | None,
    db: str,
) -> list[dict[str, Any]]:
    """Show a customer's remediation steps, oldest first.

    Without --as-of/--as-known-at it answers from the read model (caught up first);
    with either, it replays the customer's events from the store, under the policies
    the read model was built with, so both end at the same trust. An unknown customer
    or case, or a time before the first event, is an error (exit 2), not an empty table.
    """
    with open_engine(db, views=views) as engine:
        if as_of is None and as_known_at is None:
            caught_up(engine, customer)
        found = engine.timeline(customer, case=case, as_of=as_of, as_known_at=as_known_at)
    rows: list[dict[str, Any]] = found.model_dump(mode="json")
    return rows


@click.command(epilog="Example: trustengine state cust-boris --as-of 2026-03-20 --json")
@click.argument("customer")
@click.option("--as-of", type=TIME, help="Business time: events that happened by then.")
@click.option("--as-known-at", type=TIME, help="Recorded time: what the store held then.")
@click.option(
    "--policy",
    default=None,
    help="Replay under this trust policy (a file in projections/, or a path) instead of "
    f"answering from the read model [default: the read model's, else {DEFAULT_TRUST_POLICY}].",
)
@sla_option("Replay under this SLA policy", f"the read model's, else {DEFAULT_SLA_POLICY}")
@click.option("--json", "as_json", is_flag=True, help="Output JSON.")
@views_option
@db_option
@handle_errors
def state(
    customer: str,
    as_of: datetime | None,
    as_known_at: datetime | None,
    policy: str | None,
    sla_policy: str | None,
    as_json: bool,
    views: str | None,
    db: str,
) -> None:
    """Show where a customer's trust stands, and why: each event's contribution.

    Without --as-of/--as-known-at/--policy/--sla it answers from the read model (caught
    up first, under the policies it was built with; see trustengine rebuild); with any of
    them, it replays the customer's events from the store, under those same policies
    unless --policy/--sla name others.
    """
    replay = any(option is not None for option in (as_of, as_known_at, policy, sla_policy))
    # A read model with nothing to catch up is read without opening the engine.
    found = None if replay else current_trust_state(db, customer, views)
    if found is None:
        with open_engine(db, views=views) as engine:
            if not replay:
                caught_up(engine, customer)
            found = engine.state(
                customer, as_of=as_of, as_known_at=as_known_at, policy=policy, sla=sla_policy
            ).model_dump(mode="json")
    if as_json:
        click.echo(json.dumps(found, indent=2, ensure_ascii=False, allow_nan=False))
        return
    render_state(found)


__all__ = [
    "state",
    "timeline",
]
