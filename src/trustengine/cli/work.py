"""The day's work from the command line: ``due`` (what is owed, soonest first) and
``sweep`` (record what was missed). Thin over :mod:`trustengine.readmodel.due` and
:mod:`trustengine.workflows.sweep`.

Both refuse a store that does not exist rather than create an empty one: a mistyped
``--db`` must not look like a day with nothing due (least of all under
``--fail-on-overdue``).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, TypeVar

import click

from trustengine.cli.errors import Finding, InputError, handle_errors
from trustengine.cli.options import current_calendar, db_option, views_option
from trustengine.cli.render import listing
from trustengine.cli.session import caught_up, open_engine
from trustengine.domain.times import parse_time
from trustengine.exceptions import InvalidTimeError
from trustengine.readmodel.due import DUE_COLUMNS
from trustengine.workflows.sweep import MISS_COLUMNS, run_sweep

F = TypeVar("F", bound=Callable[..., Any])

_AFTER = "trustengine.work.after"
"""ctx.meta key: what to do once the listing is printed (a summary, an exit status)."""


def _after_listing(func: F) -> F:
    """Run what the command queued in ``ctx.meta`` after its rows are printed.

    ``listing`` prints the rows a command returns; a summary line on stderr and the exit
    status of ``--fail-on-overdue`` must come after them.
    """

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> None:
        func(*args, **kwargs)
        for action in click.get_current_context().meta.pop(_AFTER, []):
            action()

    return wrapper  # type: ignore[return-value]


def _then(action: Callable[[], None]) -> None:
    click.get_current_context().meta.setdefault(_AFTER, []).append(action)


def _moment(text: str | None, now: datetime) -> datetime:
    if text is None:
        return now
    try:
        return parse_time(text, calendar=current_calendar())
    except InvalidTimeError as error:
        raise InputError(f"--at: {error}") from None


def _due_footer(rows: Sequence[dict[str, Any]]) -> str:
    overdue = sum(1 for row in rows if row["overdue"])
    noun = "item" if len(rows) == 1 else "items"
    return f"{len(rows)} {noun}, {overdue} overdue"


def _mark_overdue(row: dict[str, Any]) -> dict[str, Any]:
    if row["overdue"]:
        row["kind"] = f"⚠ {row['kind']}"
    return row


DUE_TABLE_COLUMNS = (
    "due",
    "kind",
    "customer",
    "case",
    "id",
    "owner",
    "hours_overdue",
    "description",
)
"""The table marks overdue rows (⚠ before the kind) and puts the long text last."""
AT_HELP = "Judge as of this time (ISO 8601 with an offset, or a date: its end) [default: now]."


@click.command(epilog="Example: trustengine due --overdue --owner agent-7 --fail-on-overdue")
@click.option("--at", "at", metavar="TIME", help=AT_HELP)
@click.option("--overdue", is_flag=True, help="Only what is past due at --at.")
@click.option("--owner", metavar="OWNER", help="Only the work of cases this owner owns.")
@click.option(
    "--fail-on-overdue", is_flag=True, help="Exit with status 1 when anything is overdue."
)
@views_option
@db_option
@_after_listing
@listing(
    DUE_COLUMNS,
    table_columns=DUE_TABLE_COLUMNS,
    table_row=_mark_overdue,
    footer=_due_footer,
)
@handle_errors
def due(
    at: str | None,
    overdue: bool,
    owner: str | None,
    fail_on_overdue: bool,
    views: str | None,
    db: str,
) -> list[dict[str, Any]]:
    """List owed work, soonest first: open promises, corrective actions and follow-ups,
    running SLA clocks, and the follow-ups and CSAT/NPS requests that resolved and
    closed cases are owed.

    A resolved case not yet followed up (a completed follow-up, a CSAT/NPS score, an
    outbound contact or an unanswered outreach about it since) and with no
    follow-up scheduled is owed one a day after the resolution (one row, kind follow_up,
    which also stands for its follow_up SLA clock); a closed
    case with no CSAT/NPS recorded since it was opened is owed a request (kind survey) a
    day after closing. SLA clocks are kinds sla:first_response, sla:resolution,
    sla:follow_up, sla:final_response. hours_overdue is positive past due, negative
    before. Answers from the read model, caught up first.
    """
    with open_engine(db, views=views) as engine:
        moment = _moment(at, engine.clock())
        items = caught_up(engine).due(at=moment, overdue=overdue, owner=owner)
    late = sum(1 for item in items if item.overdue)
    if fail_on_overdue and late:

        def fail() -> None:
            noun = "item is" if late == 1 else "items are"
            raise Finding(f"{late} {noun} overdue as of {moment.isoformat()}")

        _then(fail)
    rows: list[dict[str, Any]] = items.model_dump(mode="json")
    return rows


@click.command(epilog="Example: trustengine sweep --at 2026-03-31 --dry-run")
@click.option("--at", "at", metavar="TIME", help=AT_HELP.replace("Judge", "Sweep"))
@click.option("--dry-run", is_flag=True, help="Show what would be recorded; write nothing.")
@views_option
@db_option
@_after_listing
@listing(MISS_COLUMNS)
@handle_errors
def sweep(at: str | None, dry_run: bool, views: str | None, db: str) -> list[dict[str, Any]]:
    """Record PromiseBroken for each open promise past due and SlaBreached for each
    running SLA clock past due (actor system), as of --at, all or nothing.

    Running it again records nothing: each event's time is the due time (or the
    customer's last event time, when later), so the same miss is always the same fact.
    Lists what was recorded (or would be); one summary line goes to stderr. Corrective
    actions past due are left to trustengine due: the contract has no event for them.
    """
    with open_engine(db, views=views) as engine:
        moment = _moment(at, engine.clock())
        with caught_up(engine).read_model() as model:
            result = run_sweep(model, moment, dry_run=dry_run)
    _then(lambda: click.echo(result.summary(), err=True))
    return [miss.as_dict() for miss in result.misses]


__all__ = ["due", "sweep"]
