"""The options and value types that commands share: ``--db`` and its companions, ``--views``,
times, ``--against`` and public keys. See docs/cli.md."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from trustengine.application.tolerance import default_future_tolerance
from trustengine.cli.files import write_whole as write_whole  # re-exported for commands
from trustengine.domain.jalali import CALENDARS, Calendar
from trustengine.domain.times import parse_duration, parse_time
from trustengine.exceptions import CheckpointError, StoreTargetError
from trustengine.persistence.chain import Seal
from trustengine.persistence.files import readable_by_others
from trustengine.persistence.target import (
    DEFAULT_TARGET,
    ENV_VAR,
    LOCK_TIMEOUT,
    check_cipher_key,
)
from trustengine.readmodel.location import DEFAULT_VIEWS, VIEWS_ENV_VAR
from trustengine.scoring.policy import policy_dir

if TYPE_CHECKING:
    from trustengine.integrity.checkpoint import Checkpoint

F = TypeVar("F", bound=Callable[..., Any])


CIPHER_KEY = "trustengine.cipher_key"


LOCK_TIMEOUT_KEY = "trustengine.lock_timeout"


KEYS_KEY = "trustengine.keys"


KEYS_ENV_VAR = "TRUSTENGINE_KEYS"


def _remember_cipher_key(ctx: click.Context, _param: click.Parameter, value: Any) -> None:
    if value is None:
        return
    try:
        mode = readable_by_others(value)
        text = Path(value).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        reason = error.strerror if isinstance(error, OSError) else "not UTF-8 text"
        raise click.BadParameter(f"cannot read {value}: {reason}") from None
    if mode is not None:
        raise click.BadParameter(
            f"{value}: others have access to the cipher key (mode {mode:o}): chmod 600 {value}"
        )
    try:
        ctx.meta[CIPHER_KEY] = check_cipher_key(text)
    except StoreTargetError as error:
        raise click.BadParameter(f"{value}: {error}") from None


def _remember_keys(ctx: click.Context, _param: click.Parameter, value: Any) -> None:
    if value is not None:
        ctx.meta[KEYS_KEY] = value


def _remember_lock_timeout(ctx: click.Context, _param: click.Parameter, value: Any) -> None:
    if value is not None:
        ctx.meta[LOCK_TIMEOUT_KEY] = value


CALENDAR_KEY = "trustengine.calendar"
CALENDAR_ENV_VAR = "TRUSTENGINE_CALENDAR"


def _remember_calendar(ctx: click.Context, _param: click.Parameter, value: Any) -> None:
    if value is not None:
        ctx.meta[CALENDAR_KEY] = value


def current_calendar() -> Calendar:
    """The calendar this command shows and reads dates in (``--calendar``)."""
    ctx = click.get_current_context(silent=True)
    chosen = ctx.meta.get(CALENDAR_KEY) if ctx is not None else None
    return "jalali" if chosen == "jalali" else "gregorian"


def calendar_option(func: F) -> F:
    """Add ``--calendar gregorian|jalali`` (default ``$TRUSTENGINE_CALENDAR``, else
    gregorian): the calendar dates are shown in and typed in; storage stays ISO 8601
    Gregorian, and so do ``--json``, ``--nl`` and ``--csv``."""
    return click.option(
        "--calendar",
        type=click.Choice(CALENDARS),
        envvar=CALENDAR_ENV_VAR,
        is_eager=True,  # read before the times typed beside it
        expose_value=False,
        callback=_remember_calendar,
        help=(
            "Show and read dates in this calendar (storage and JSON stay Gregorian; "
            f"env {CALENDAR_ENV_VAR})."
        ),
    )(func)


def sla_presets() -> list[str]:
    """The SLA presets shipped in ``projections/`` (a new ``sla-*.toml`` is one more)."""
    return sorted(path.stem for path in policy_dir().glob("sla-*.toml"))


def sla_option(purpose: str, default: str) -> Callable[[F], F]:
    """``--sla PRESET`` (a preset of :func:`sla_presets`, ``NAME:COUNTRY`` for a preset
    that takes one, or a path), whose help names the presets there are."""

    def decorate(func: F) -> F:
        return click.option(
            "--sla",
            "sla_policy",
            default=None,
            metavar="PRESET",
            help=f"{purpose}: {', '.join(sla_presets())} (sla-eu-psd2:DE names a country), "
            f"or a path [default: {default}]. See docs/service-levels.md.",
        )(func)

    return decorate


def db_option(func: F) -> F:
    """Add ``--db TARGET`` (default ``$TRUSTENGINE_DB``, else ``./trustengine.db``),
    ``--cipher-key-file FILE`` (encryption at rest; default ``$TRUSTENGINE_CIPHER_KEY``),
    ``--keys TARGET`` (the key store), ``--lock-timeout SECONDS`` and ``--calendar``."""
    func = calendar_option(func)
    func = click.option(
        "--keys",
        envvar=KEYS_ENV_VAR,
        metavar="TARGET",
        expose_value=False,
        callback=_remember_keys,
        help=(
            "Key store of the customers' erasure keys: an SQLite file or a postgresql:// URL "
            f"(default: the store's path with .keys; env {KEYS_ENV_VAR})."
        ),
    )(func)
    func = click.option(
        "--lock-timeout",
        type=click.IntRange(min=1),
        default=LOCK_TIMEOUT,
        show_default=True,
        metavar="SECONDS",
        expose_value=False,
        callback=_remember_lock_timeout,
        help="Longest wait for a lock another writer holds, then exit 2 naming it.",
    )(func)
    func = click.option(
        "--cipher-key-file",
        type=click.Path(dir_okay=False),
        envvar="TRUSTENGINE_CIPHER_KEY_FILE",
        expose_value=False,
        callback=_remember_cipher_key,
        help="File holding the store's cipher key (encrypts every stored payload).",
    )(func)
    return click.option(
        "--db",
        "db",
        envvar=ENV_VAR,
        default=DEFAULT_TARGET,
        show_default=True,
        metavar="TARGET",
        help=f"Store: an SQLite file, ':memory:', or a postgresql:// URL (env {ENV_VAR}).",
    )(func)


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


class TimeParam(click.ParamType):  # type: ignore[type-arg]
    """A time on the command line: ISO 8601 with an offset, or a date."""

    name = "TIME"

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> datetime:
        if isinstance(value, datetime):
            return value
        try:
            return parse_time(str(value), calendar=current_calendar())
        except ValueError as error:
            self.fail(str(error), param, ctx)


TIME = TimeParam()


class AgainstParam(click.ParamType):  # type: ignore[type-arg]
    """``--against``: a seal as ``seal`` prints it (COUNT:HEAD), or a checkpoint file."""

    name = "SEAL|CHECKPOINT"

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> Seal | Checkpoint:
        # Here, not above: only --against reads a checkpoint (signatures cost start-up).
        from trustengine.integrity.checkpoint import Checkpoint

        if isinstance(value, Seal | Checkpoint):
            return value
        text = str(value)
        try:
            return Seal.parse(text)
        except ValueError as error:
            if not Path(text).exists():
                self.fail(f"{error}, or a checkpoint file (no file {text!r})", param, ctx)
        try:
            return Checkpoint.load(Path(text))
        except CheckpointError as error:
            self.fail(str(error), param, ctx)


def public_key_option(func: Any) -> Any:
    return click.option(
        "--public-key",
        type=click.Path(dir_okay=False),
        help="The signer's public key (NAME.pub): check the checkpoint's signature too.",
    )(func)


TOLERANCE_KEY = "trustengine.future_tolerance"


def _remember_tolerance(ctx: click.Context, param: click.Parameter, value: Any) -> None:
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
        callback=_remember_tolerance,
        help="Refuse an event whose time is more than DURATION past the clock "
        "(e.g. 12h, 90m, 0) [default: $TRUSTENGINE_FUTURE_TOLERANCE, else 1d].",
    )
    return option(func)


__all__ = [
    "CALENDAR_ENV_VAR",
    "CALENDAR_KEY",
    "CIPHER_KEY",
    "KEYS_ENV_VAR",
    "KEYS_KEY",
    "LOCK_TIMEOUT_KEY",
    "TIME",
    "TOLERANCE_KEY",
    "AgainstParam",
    "TimeParam",
    "calendar_option",
    "current_calendar",
    "current_tolerance",
    "db_option",
    "future_tolerance_option",
    "public_key_option",
    "sla_option",
    "sla_presets",
    "views_option",
]
