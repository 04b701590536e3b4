"""Opening a store and its read model for one command, and bringing the read model up to date."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, TypeVar

import click

from trustengine.application.tolerance import default_future_tolerance
from trustengine.cli.errors import InputError
from trustengine.cli.files import write_whole as write_whole  # re-exported for commands
from trustengine.cli.options import CIPHER_KEY, KEYS_KEY, LOCK_TIMEOUT_KEY, TOLERANCE_KEY
from trustengine.cli.render import progress_bar
from trustengine.exceptions import TrustEngineError
from trustengine.persistence.settled import is_settled
from trustengine.persistence.target import (
    APPLICATION_NAME,
    LOCK_TIMEOUT,
    parse_target,
)
from trustengine.readmodel.current import current_state
from trustengine.readmodel.problems import count_problems

if TYPE_CHECKING:  # imported where used: a current read model is read without the engine
    from trustengine.application.facade import TrustEngine
    from trustengine.readmodel.read_model import ReadModel

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
    engine = _engine_class()(
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


def __getattr__(name: str) -> Any:
    # TrustEngine is imported when a command first opens a store (a current read model is
    # read without it), and looked up here each time, so that it can be replaced here.
    if name == "TrustEngine":
        from trustengine.application.facade import TrustEngine

        globals()[name] = TrustEngine
        return TrustEngine
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _engine_class() -> type[TrustEngine]:
    engine_class: type[TrustEngine] = sys.modules[__name__].TrustEngine
    return engine_class


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


def current_trust_state(db: str, customer: str, views: str | None) -> dict[str, Any] | None:
    """``state CUSTOMER``'s answer (the dict ``--json`` prints) read straight from the read
    model, when opening the engine would find nothing to do: the store settled
    (:func:`~trustengine.persistence.settled.is_settled`: nothing to create, mark, move,
    finish or refuse) and its read model current
    (:func:`~trustengine.readmodel.current.current_state`: nothing to catch up, nothing
    set aside). Else None: the command opens the engine, which does what is left, or
    refuses, as always. The answer is validated as the engine's is
    (:class:`~trustengine.application.answers.CustomerState`)."""
    ctx = click.get_current_context(silent=True)
    meta = ctx.meta if ctx is not None else {}
    try:
        default_future_tolerance()  # a malformed setting refuses the command: the engine says so
        target = parse_target(db, cipher_key=meta.get(CIPHER_KEY))
    except TrustEngineError:
        return None
    if not is_settled(target, meta.get(KEYS_KEY)):
        return None
    found = current_state(target, views, customer)
    if found is None:
        return None
    from trustengine.application.answers import CustomerState  # pydantic: only for an answer

    answer: dict[str, Any] = CustomerState.model_validate(found).model_dump(mode="json")
    return answer


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
    from trustengine.readmodel.read_model import ReadModel

    model = ReadModel.existing(engine, views)
    if model is not None:
        with model:
            model.catch_up()


__all__ = [
    "MISSING_STORE",
    "caught_up",
    "current_trust_state",
    "erase_from_read_model",
    "is_new_store",
    "open_engine",
    "warn_of_problems",
]
