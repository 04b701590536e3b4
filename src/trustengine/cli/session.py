"""Opening a store and its read model for one command, and bringing the read model up to date."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import click

from trustengine.application.facade import TrustEngine
from trustengine.cli.errors import InputError
from trustengine.cli.files import write_whole as write_whole  # re-exported for commands
from trustengine.cli.options import CIPHER_KEY, KEYS_KEY, LOCK_TIMEOUT_KEY, TOLERANCE_KEY
from trustengine.cli.render import progress_bar
from trustengine.persistence.target import (
    APPLICATION_NAME,
    LOCK_TIMEOUT,
    parse_target,
)
from trustengine.readmodel import ReadModel
from trustengine.readmodel.problems import count_problems

F = TypeVar("F", bound=Callable[..., Any])


MISSING_STORE = (
    "no store at {}: check --db, or load one with trustengine import (nothing was created)"
)


def is_new_store(db: str) -> bool:
    """Whether ``db`` names an SQLite file that does not exist yet: a command that would
    create it checks its input first, so that a refused command leaves nothing behind."""
    target = parse_target(db)
    return target.path is not None and not target.path.exists()


@contextmanager
def open_engine(
    db: str, *, create: bool = False, views: str | None = None
) -> Iterator[TrustEngine]:
    """Open the store named by ``db`` (its read model in ``views``) for one command.

    Only commands that add events (``create``) may start a new SQLite file: for any other
    a missing file is a mistyped ``--db``, and an empty store made there would answer
    "nothing wrong" or "no such customer" instead of saying so.
    """
    target = parse_target(db)
    if not create and target.path is not None and not target.path.exists():
        raise InputError(MISSING_STORE.format(target.display))
    ctx = click.get_current_context(silent=True)
    meta = ctx.meta if ctx is not None else {}
    name = f"trustengine {ctx.info_name}" if ctx is not None else "trustengine"
    engine = TrustEngine(
        db,
        cipher_key=meta.get(CIPHER_KEY),
        lock_timeout=meta.get(LOCK_TIMEOUT_KEY, LOCK_TIMEOUT),
        env={APPLICATION_NAME: name},
        views=views,
        keys=meta.get(KEYS_KEY),
    )
    tolerance = meta.get(TOLERANCE_KEY)  # --future-tolerance
    if tolerance is not None:
        engine.future_tolerance = tolerance
    if engine.migrated_keys:
        click.echo(
            f"moved {engine.migrated_keys} customer key(s) out of {target.display} into the "
            f"key store {engine.key_store.display} (back it up on its own)",
            err=True,
        )
    try:
        yield engine
    finally:
        engine.close()


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


__all__ = [
    "MISSING_STORE",
    "caught_up",
    "erase_from_read_model",
    "is_new_store",
    "open_engine",
    "warn_of_problems",
]
