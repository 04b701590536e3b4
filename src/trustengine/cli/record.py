"""``trustengine record``: append one event from the command line, exactly as an
imported line would be.

The options build one contract-shaped event (``--customer``, ``--case``, ``--at``,
``--actor``, ``--channel``, and the ``data`` fields as ``--name value`` pairs or
``--json``), which then takes the import path: :func:`trustengine.interchange.codec.parse_event`
and the engine's batch check. So a bad type, field, time or broken rule is reported in
import's words (without the FILE:LINE), and recording a fact the store already has stores
nothing, as re-importing it would.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, get_args

import click

from trustengine.application.engine import utc_now
from trustengine.application.facade import TrustEngine
from trustengine.cli.errors import InputError, handle_errors
from trustengine.cli.fields import (
    DECODER,
    SCOPES,
    data_from_args,
    event_class,
    option,
    requirement,
    rule_text,
)
from trustengine.cli.options import (
    current_calendar,
    current_tolerance,
    db_option,
    future_tolerance_option,
    views_option,
)
from trustengine.cli.session import erase_from_read_model, is_new_store, open_engine
from trustengine.domain.base import Channel, CustomerEvent
from trustengine.domain.events import EVENT_TYPES, CustomerErased
from trustengine.domain.jalali import gregorian_text
from trustengine.exceptions import BatchRejectedError
from trustengine.interchange.codec import did_you_mean, parse_event
from trustengine.interchange.contract import FieldDoc, fields, scope
from trustengine.terminal.escape import escape_controls


def _data(type_name: str, data_json: str | None, args: Sequence[str]) -> Any:
    fields = data_from_args(type_name, args)
    if data_json is None:
        return fields
    try:
        data = DECODER.decode(data_json)
    except (ValueError, RecursionError) as error:
        # RecursionError: arrays or objects nested too deep to decode.
        message = error.msg if isinstance(error, json.JSONDecodeError) else str(error)
        raise InputError(f"--json is not valid JSON: {message}") from None
    if not isinstance(data, dict):
        return data  # validation says what it must be
    for field in fields:
        if field in data:
            raise InputError(f"data.{field} is given both in --json and as an option")
    return {**data, **fields}


def _position(engine: TrustEngine, draft: CustomerEvent) -> int | None:
    """Where the store holds ``draft``'s fact in the customer's history."""
    fact = draft.fact_key()
    for event in reversed(engine.history(draft.customer)):
        if event.fact_key() == fact:
            return event.originator_version
    return None  # e.g. its personal text was erased since


def _describe(draft: CustomerEvent, position: int | None) -> str:
    case = f", case {draft.case}" if draft.case is not None else ""
    where = f" (event {position})" if position is not None else ""
    return f"{draft.type_name} for {draft.customer}{case}{where}"


def _check_alone(draft: CustomerEvent) -> None:
    """Check ``draft`` as the first event of an empty store, storing nothing."""
    scratch = TrustEngine(":memory:", future_tolerance=current_tolerance())
    try:
        scratch.check_numbered([(1, draft)])
    except BatchRejectedError as rejected:
        raise InputError(rejected.problems[0][1]) from None
    finally:
        scratch.close()


class RecordCommand(click.Command):
    """``record``, whose ``--help`` after a TYPE also lists that type's data fields."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        words = [word for word in args if not word.startswith("-")]
        if words and any(word in ctx.help_option_names for word in args):
            known = [word for word in words if word in EVENT_TYPES]
            ctx.meta["record.type"] = known[0] if known else words[0]
        return super().parse_args(ctx, args)

    def format_epilog(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        type_name = ctx.meta.get("record.type")
        if type_name is not None:
            _format_fields(type_name, formatter)
        super().format_epilog(ctx, formatter)


def _need(doc: FieldDoc) -> str:
    """``required``, ``optional`` or ``optional (default X)``."""
    return requirement(doc).replace("yes", "required").replace("no", "optional", 1)


def _format_fields(type_name: str, formatter: click.HelpFormatter) -> None:
    cls = EVENT_TYPES.get(type_name)
    if cls is None:
        formatter.write_paragraph()
        formatter.write_text(f"unknown event type {type_name!r}{did_you_mean(type_name)}")
        return
    docs = fields(cls)
    rows = [
        (f"{option(doc)} {doc.kind.upper()}", f"{_need(doc)}; {rule_text(doc)}") for doc in docs
    ]
    with formatter.section(f"Fields of {type_name} ({SCOPES[scope(cls)]})"):
        if rows:
            formatter.write_dl(rows)
        else:
            formatter.write_text("none: it takes no data")


@click.command(
    cls=RecordCommand,
    context_settings={"ignore_unknown_options": True, "allow_extra_args": True},
    epilog="Example: trustengine record PromiseMade --customer cust-042 --case C-1001 "
    '--promise P-1 --description "Call back with a slot" --due 2026-03-02T12:00:00+00:00',
)
@click.argument("type_name", metavar="TYPE")
@click.option("--customer", required=True, metavar="KEY", help="The customer's key.")
@click.option("--case", metavar="CASE", help="The case's key (case events need one).")
@click.option(
    "--at",
    metavar="TIME",
    help="When it happened: ISO 8601 with an offset [default: now].",
)
@click.option("--actor", help="Who did it: an agent id, customer, system.")
@click.option(
    "--channel", help=f"How: {', '.join(get_args(Channel)[:-1])} or {get_args(Channel)[-1]}."
)
@click.option(
    "--json",
    "data_json",
    metavar="OBJECT",
    help="The event's data as one JSON object (instead of, or besides, --field value).",
)
@future_tolerance_option
@views_option
@db_option
@handle_errors
def record(
    type_name: str,
    customer: str,
    case: str | None,
    at: str | None,
    actor: str | None,
    channel: str | None,
    data_json: str | None,
    views: str | None,
    db: str,
) -> None:
    """Record one event of TYPE, validated and checked as import checks a line.

    TYPE is one of the contract's event types: ComplaintFiled, PromiseMade,
    CaseClosed, CustomerContacted and so on (trustengine types lists them;
    trustengine record TYPE --help lists TYPE's fields).

    Its data fields are options: --promise P-1 --due 2026-03-02T12:00:00+00:00
    --accepts-responsibility true (dashes for underscores; a boolean field alone means
    true), or --json '{"promise": "P-1", ...}'. A bad field or a broken rule is one line
    naming it, and nothing is stored. Recording a fact the store already has stores
    nothing. CustomerErased erases the customer, as trustengine erase does.
    """
    args = click.get_current_context().args
    event_class(type_name)  # an unknown type is refused before any store is opened
    data = _data(type_name, data_json, args)
    envelope = {"case": case, "actor": actor, "channel": channel}

    def draft_at(moment: str) -> CustomerEvent:
        event: dict[str, Any] = {"type": type_name, "customer": customer, "at": moment}
        event.update((key, value) for key, value in envelope.items() if value is not None)
        return parse_event({**event, "data": data})

    # A refused event creates nothing: check it before the store is opened (a new one
    # against an empty store), then stamp the default time on the engine's clock.
    if at is not None and current_calendar() == "jalali":
        at = gregorian_text(at)  # the date typed in Jalali; the time and offset as given
    draft = draft_at(at if at is not None else utc_now().isoformat())
    if is_new_store(db):
        _check_alone(draft)
    with open_engine(db, create=True) as engine:
        try:
            stored = engine.record_many([draft], at_now=at is None)
        except BatchRejectedError as rejected:
            raise InputError(rejected.problems[0][1]) from None
        if at is None and engine.stamped is not None:
            draft = draft.model_copy(update={"timestamp": engine.stamped})
        if isinstance(draft, CustomerErased):
            if not stored:
                # Destroy the key again, in case that erasure stopped before it did.
                engine.erase(customer, legal_basis=draft.legal_basis)
            erase_from_read_model(engine, views)
        position = _position(engine, draft)
    if stored:
        click.echo(escape_controls(f"Recorded {_describe(draft, position)}."))
    else:
        click.echo(
            escape_controls(f"Already stored: {_describe(draft, position)}; nothing recorded.")
        )


__all__ = ["data_from_args", "record"]
