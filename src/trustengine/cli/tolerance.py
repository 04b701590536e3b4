"""``--future-tolerance``: how far past the store's clock an event's ``at`` may be."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any, TypeVar

import click

from trustengine.application import default_future_tolerance
from trustengine.times import parse_duration

F = TypeVar("F", bound=Callable[..., Any])
TOLERANCE_KEY = "trustengine.future_tolerance"


def _remember(ctx: click.Context, param: click.Parameter, value: Any) -> None:
    if value is None:
        return
    try:
        ctx.meta[TOLERANCE_KEY] = parse_duration(str(value))
    except ValueError as error:
        raise click.BadParameter(str(error), ctx=ctx, param=param) from None


def current_tolerance() -> timedelta:
    """The ``--future-tolerance`` of the command being run (the default without one)."""
    ctx = click.get_current_context(silent=True)
    if ctx is None:
        return default_future_tolerance()
    value = ctx.meta.get(TOLERANCE_KEY)
    if value is None:
        return default_future_tolerance()
    assert isinstance(value, timedelta)
    return value


def future_tolerance_option(func: F) -> F:
    """Add ``--future-tolerance DURATION`` (default one day)."""
    option = click.option(
        "--future-tolerance",
        metavar="DURATION",
        expose_value=False,
        callback=_remember,
        help="Refuse an event whose time is more than DURATION past the clock "
        "(e.g. 12h, 90m, 0) [default: $TRUSTENGINE_FUTURE_TOLERANCE, else 1d].",
    )
    return option(func)


__all__ = ["TOLERANCE_KEY", "current_tolerance", "future_tolerance_option", "parse_duration"]
