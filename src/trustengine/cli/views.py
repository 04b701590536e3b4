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

from trustengine.cli.errors import handle_errors
from trustengine.cli.options import db_option, sla_option, views_option
from trustengine.cli.render import progress_bar
from trustengine.cli.session import open_engine, warn_of_problems
from trustengine.readmodel import ReadModel
from trustengine.scoring.sla import DEFAULT_SLA_POLICY

F = TypeVar("F", bound=Callable[..., Any])


@click.command(
    epilog="Example: trustengine rebuild --db postgresql://postgres@127.0.0.1/trust "
    "--views ./trust-views.db --sla sla-uk-fca-disp"
)
@click.option(
    "--policy",
    default=None,
    help="Trust policy to score under (default: the one the tables have, else trust-v1).",
)
@sla_option("SLA policy for the clocks", f"the one the tables have, else {DEFAULT_SLA_POLICY}")
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


__all__ = ["rebuild"]
