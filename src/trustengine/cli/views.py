"""The read model on the command line: ``rebuild``, and the ``--views`` option.

The read commands ask the engine's read methods (:mod:`trustengine.application.reading`), which
answer from the read model when no time or policy override is given; they catch it up
first with :func:`caught_up`, for the progress bar.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TypeVar

import click

from trustengine.application.engine import TrustEngine
from trustengine.cli.output import db_option, handle_errors, open_engine, progress_bar
from trustengine.readmodel import DEFAULT_VIEWS, VIEWS_ENV_VAR, ReadModel
from trustengine.readmodel.problems import count_problems

F = TypeVar("F", bound=Callable[..., Any])


def views_option(func: F) -> F:
    """Add ``--views PATH``: where a PostgreSQL store's read model lives."""
    return click.option(
        "--views",
        "views",
        default=None,
        metavar="PATH",
        help=(
            "SQLite file of the read-model tables (default: the store's own file for an "
            f"SQLite store, memory for :memory:, ${VIEWS_ENV_VAR} or {DEFAULT_VIEWS} for "
            "PostgreSQL)."
        ),
    )(func)


def caught_up(engine: TrustEngine, customer: str | None = None) -> TrustEngine:
    """``engine`` with its read model caught up with every stored event, showing progress
    on stderr (the read methods would catch it up anyway, silently).

    When the read model holds events it could not project, one line on stderr says so
    (about ``customer``, when given and among them): the command goes on, exit status
    unchanged.
    """
    with progress_bar("Catching up the read model", engine.lag() or None) as advance:
        engine.catch_up(progress=advance)
    with engine.read_model() as model:
        warn_of_problems(model, customer)
    return engine


def warn_of_problems(model: ReadModel, customer: str | None = None) -> None:
    """Say on stderr, in one line, what the read model leaves out (nothing if nothing)."""
    found = count_problems(model.db, customer) if customer is not None else None
    if found is None or not found.events:
        found = count_problems(model.db)
    notice = found.notice()
    if notice is not None:
        click.echo(f"warning: {notice}", err=True)


def erase_from_read_model(engine: TrustEngine, views: str | None) -> None:
    """After an erasure: bring an existing read model up to date, which rewrites the
    customer's personal text there to ``[erased]`` (a store with none is left alone)."""
    model = ReadModel.existing(engine, views)
    if model is not None:
        with model:
            model.catch_up()


@click.command(
    epilog="Example: trustengine rebuild --db postgresql://postgres@127.0.0.1/trust "
    "--views ./trust-views.db --sla sla-uk-fca-disp"
)
@click.option(
    "--policy",
    default=None,
    help="Trust policy to score under (default: the one the tables have, else trust-v1).",
)
@click.option(
    "--sla",
    "sla_policy",
    default=None,
    help="SLA policy for the clocks (default: the one the tables have, else sla-default).",
)
@views_option
@db_option
@handle_errors
def rebuild(policy: str | None, sla_policy: str | None, views: str | None, db: str) -> None:
    """Drop the read-model tables and replay every stored event into them.

    The tables (customers, cases, timeline, promises, compensation, sla_clocks,
    score_history, satisfaction) and the SQL views from projections/*.sql are recreated,
    then filled in batches; an interrupted rebuild is continued by the next rebuild or
    catch-up. A --views file built from another store is taken over.
    """
    started = time.perf_counter()
    with open_engine(db) as engine, ReadModel(engine, views, adopt=True) as model:
        total = engine.recorder.max_notification_id() or 0
        with progress_bar("Rebuilding the read model", total) as advance:
            count = model.rebuild(policy, sla_policy, progress=advance)
        meta = model.meta()
        where = "memory" if model.location == ":memory:" else model.location
        seconds = time.perf_counter() - started
        click.echo(
            f"Rebuilt the read model from {count} events in {seconds:.1f} s "
            f"(policy {meta['policy']}, SLA {meta['sla_policy']}) into {where}."
        )
        warn_of_problems(model)


__all__ = ["caught_up", "erase_from_read_model", "rebuild", "views_option", "warn_of_problems"]
