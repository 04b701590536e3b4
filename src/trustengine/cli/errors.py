"""What the command line does with an error no command caught: one line, never a traceback.

Commands turn the errors they expect into :class:`~trustengine.cli.errors.InputError`
(exit status 2). Whatever else escapes a command ends here, in the ``trustengine`` group:

- a full disk (``ENOSPC``, ``EDQUOT``, SQLite's "database or disk is full") is the
  machine's state, not a defect: one line naming it, exit status 2;
- an interrupt (Ctrl-C) is one line and exit status 130, as a shell reports SIGINT;
  exit status 1 would read as a finding;
- anything else is a defect of trustengine: one line naming the exception, exit status 3.
  With ``--debug`` (or ``$TRUSTENGINE_DEBUG``) the traceback comes first.

Click's own exceptions (usage errors, ``--help``, ``Abort``, ``Exit``) and a closed pipe on
stdout (``trustengine export | head``: click exits quietly) pass through untouched.
"""

from __future__ import annotations

import errno
import functools
import sqlite3
import sys
import traceback
from collections.abc import Callable
from typing import IO, Any, TypeVar

import click

from trustengine.exceptions import TrustEngineError

F = TypeVar("F", bound=Callable[..., Any])

DEBUG = "trustengine.debug"
DEBUG_ENV_VAR = "TRUSTENGINE_DEBUG"
INTERNAL = "trustengine: internal error: {}; rerun with --debug for the traceback"
FULL_DISK = "cannot write {}: no space left on the device"
INTERRUPTED = "trustengine: interrupted"
INTERRUPTED_STATUS = 130
MAX_DETAIL = 200
"""At most this many characters of an exception's message go into the one line."""

_FULL = {errno.ENOSPC, errno.EDQUOT}


class InternalError(click.ClickException):
    """A defect of trustengine: exit status 3, one line on stderr (no ``Error:`` prefix)."""

    exit_code = 3

    def show(self, file: IO[Any] | None = None) -> None:
        click.echo(self.message, err=True)


class Interrupted(click.ClickException):
    """Ctrl-C: exit status 130, one line on stderr."""

    exit_code = INTERRUPTED_STATUS

    def show(self, file: IO[Any] | None = None) -> None:
        click.echo(err=True)  # end the line the terminal's ^C is on
        click.echo(self.message, err=True)


def debug_option(func: Any) -> Any:
    """Add the group's ``--debug`` (also ``$TRUSTENGINE_DEBUG``) to ``func``."""

    def remember(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
        ctx.meta[DEBUG] = value

    return click.option(
        "--debug",
        is_flag=True,
        envvar=DEBUG_ENV_VAR,
        expose_value=False,
        is_eager=True,
        callback=remember,
        help=f"Show the traceback of an internal error (env {DEBUG_ENV_VAR}).",
    )(func)


def passes_through(error: BaseException) -> bool:
    """Whether click should handle ``error`` itself."""
    if isinstance(error, (click.ClickException, click.exceptions.Exit, click.Abort)):
        return True
    return isinstance(error, OSError) and error.errno == errno.EPIPE


def as_click_error(error: BaseException, ctx: click.Context) -> click.ClickException:
    """The one-line click error that stands for an uncaught ``error``."""
    # Imported here: output imports this module for its group.
    from trustengine.cli.errors import InputError

    if isinstance(error, KeyboardInterrupt):
        return Interrupted(INTERRUPTED)
    full = _full_disk(error)
    if full is not None:
        return InputError(FULL_DISK.format(full))
    if ctx.meta.get(DEBUG):
        traceback.print_exception(error, file=sys.stderr)
    return InternalError(INTERNAL.format(describe(error)))


def describe(error: BaseException) -> str:
    """``Type: message`` on one line, the message cut to :data:`MAX_DETAIL` characters."""
    detail = " ".join(str(error).split())
    if len(detail) > MAX_DETAIL:
        detail = detail[:MAX_DETAIL] + "…"
    name = type(error).__name__
    return f"{name}: {detail}" if detail else name


def _full_disk(error: BaseException) -> str | None:
    """What was being written when the disk filled up, or None for another error."""
    if isinstance(error, OSError) and error.errno in _FULL:
        return str(error.filename) if error.filename else "the output"
    cause: BaseException | None = error
    while cause is not None:
        if isinstance(cause, sqlite3.OperationalError) and "disk is full" in str(cause):
            return "the SQLite store"
        cause = cause.__cause__ or cause.__context__
    return None


def flush_stdout() -> None:
    """Flush stdout now, inside the command, so that a write that fails (a full disk) is
    reported like any other instead of as Python's "Exception ignored" at exit."""
    sys.stdout.flush()


__all__ = [
    "DEBUG",
    "DEBUG_ENV_VAR",
    "INTERNAL",
    "InternalError",
    "as_click_error",
    "debug_option",
    "describe",
    "flush_stdout",
    "passes_through",
]


class InputError(click.ClickException):
    """Bad input or an unusable store: exit status 2, one clear message, no traceback."""

    exit_code = 2


class Finding(click.ClickException):
    """The command worked and found something wrong: exit status 1, one line on stderr."""

    exit_code = 1


class CommandGroup(click.Group):
    """The ``trustengine`` group: a usage error (bad option, bad time, missing argument) is
    one line and exit status 2, like every other input error, instead of click's usage
    block; ``--help`` still shows the whole usage. Any other error a command lets escape
    is one line too (above): exit status 3 for a defect."""

    def make_context(
        self,
        info_name: str | None,
        args: list[str],
        parent: click.Context | None = None,
        **extra: Any,
    ) -> click.Context:
        try:
            return super().make_context(info_name, args, parent, **extra)
        except click.UsageError as error:
            raise _one_line(error) from None

    def invoke(self, ctx: click.Context) -> Any:
        try:
            result = super().invoke(ctx)
            flush_stdout()
        except click.UsageError as error:
            raise _one_line(error) from None
        except BaseException as error:
            # Anything a command did not catch: one line, never a traceback (see failures).
            if passes_through(error) or not isinstance(error, (Exception, KeyboardInterrupt)):
                raise
            raise as_click_error(error, ctx) from None
        return result


def _one_line(error: click.UsageError) -> click.ClickException:
    if isinstance(error, click.exceptions.NoArgsIsHelpError):
        return error  # no arguments at all: the help is the answer
    where = error.ctx.command_path if error.ctx is not None else "trustengine"
    message = " ".join(error.format_message().split())
    return InputError(f"{message} (see '{where} --help')")


def handle_errors(func: F) -> F:
    """Turn library and store errors into one-line messages with exit status 2."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except TrustEngineError as error:
            raise InputError(str(error)) from None
        except Exception as error:
            # eventsourcing's errors can only come from code that loaded it: a command
            # that never did (`--help`, a read of a current read model) does not load it.
            persistence = sys.modules.get("eventsourcing.persistence")
            if persistence is None:
                raise
            if isinstance(error, persistence.PersistenceError):
                raise InputError(f"store error: {error}") from None
            if isinstance(error, persistence.MapperDeserialisationError):
                raise InputError(
                    f"cannot read the store: {error} (is it encrypted? give --cipher-key-file)"
                ) from None
            raise

    return wrapper  # type: ignore[return-value]
