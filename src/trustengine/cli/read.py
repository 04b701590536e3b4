"""Commands that read one customer's history: ``timeline``."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import click

from trustengine.cli.output import db_option, handle_errors, listing, open_engine
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
