"""``trustengine retract`` and ``trustengine correct``: amend a stored event by its id.

Thin commands over :meth:`~trustengine.TrustEngine.retract` and
:meth:`~trustengine.TrustEngine.correct`: the event is found by the id export shows, the
amendment is recorded now, and a broken rule is one line naming it (exit 2), nothing
stored.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import click

from trustengine.cli.errors import InputError, handle_errors
from trustengine.cli.fields import data_from_args
from trustengine.cli.options import db_option
from trustengine.cli.session import open_engine
from trustengine.exceptions import DomainRuleError
from trustengine.terminal.escape import escape_controls


@contextmanager
def _rule_named() -> Iterator[None]:
    try:
        yield
    except DomainRuleError as error:
        raise InputError(f"{error} (rule: {error.rule})") from None


@click.command(
    epilog="Example: trustengine retract 3a2877ff-dc9c-5c01-849e-098bda588f1e:3 "
    '--reason "Entered for the wrong customer"'
)
@click.argument("event_id", metavar="EVENT_ID")
@click.option("--reason", required=True, help="Why the event is retracted.")
@click.option("--actor", help="Who retracts it.")
@db_option
@handle_errors
def retract(event_id: str, reason: str, actor: str | None, db: str) -> None:
    """Retract the stored event EVENT_ID (as export shows it): it stays in the ledger
    and stops counting. Refused, naming them, when later events depend on it."""
    with open_engine(db) as engine, _rule_named():
        customer = engine.customer_of(event_id)
        target = engine.stored_event(customer, event_id)
        stored = engine.retract(customer, event_id, reason=reason, actor=actor)
    what = f"{target.type_name} {event_id} of {customer}"
    message = f"Retracted {what}." if stored else f"Already retracted: {what}; nothing recorded."
    click.echo(escape_controls(message))


@click.command(
    context_settings={"ignore_unknown_options": True, "allow_extra_args": True},
    epilog="Example: trustengine correct 3a2877ff-dc9c-5c01-849e-098bda588f1e:4 "
    '--attempts 3 --reason "Three calls, not two"',
)
@click.argument("event_id", metavar="EVENT_ID")
@click.option("--reason", required=True, help="Why the event is corrected.")
@click.option("--actor", help="Who corrects it.")
@click.option("--at", "event_at", metavar="TIME", help="The event's corrected time.")
@click.option("--case", metavar="CASE", help="The event's corrected case.")
@click.option("--channel", help="The event's corrected channel.")
@click.option("--data-reason", metavar="TEXT", help="The event's own corrected reason field.")
@db_option
@handle_errors
def correct(
    event_id: str,
    reason: str,
    actor: str | None,
    event_at: str | None,
    case: str | None,
    channel: str | None,
    data_reason: str | None,
    db: str,
) -> None:
    """Correct the stored event EVENT_ID: the same event with the fields given as
    --name value (its data fields, and --at, --case, --channel) counts in its place.
    --reason says why it is corrected; --data-reason corrects the event's own reason."""
    args = click.get_current_context().args
    with open_engine(db) as engine, _rule_named():
        customer = engine.customer_of(event_id)
        target = engine.stored_event(customer, event_id)
        changes: dict[str, Any] = data_from_args(target.type_name, args)
        envelope = {"at": event_at, "case": case, "channel": channel, "reason": data_reason}
        changes.update((key, value) for key, value in envelope.items() if value is not None)
        if not changes:
            raise InputError("give at least one field to correct, e.g. --summary TEXT")
        stored = engine.correct(customer, event_id, reason=reason, actor=actor, changes=changes)
    what = f"{target.type_name} {event_id} of {customer}"
    message = f"Corrected {what}." if stored else f"Already corrected: {what}; nothing recorded."
    click.echo(escape_controls(message))


__all__ = ["correct", "retract"]
