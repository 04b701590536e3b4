"""What every command shares: the ``--db`` option, error handling, output and progress.

Listing commands return rows (a list of dicts) and :func:`listing` renders them as a
``rich`` table by default, or as ``--json`` (one array), ``--nl`` (one JSON object a
line) or ``--csv``.

Exit status: 0 ok, 1 a finding (:class:`Finding`: a failed verification, overdue work
with ``--fail-on-overdue``), 2 a usage or input error (:class:`InputError`), 3 an
internal error (a defect: one line, the traceback only with ``--debug``), 130 interrupted.
"""

from __future__ import annotations

import csv
import functools
import inspect
import itertools
import json
import os
import re
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar, cast

import click
from eventsourcing.persistence import MapperDeserialisationError, PersistenceError
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from trustengine.application import TrustEngine
from trustengine.cli.failures import as_click_error, flush_stdout, passes_through
from trustengine.cli.files import write_whole as write_whole  # re-exported for commands
from trustengine.cli.table import cell_text, screen_height, table_lines
from trustengine.exceptions import StoreTargetError, TrustEngineError
from trustengine.files import readable_by_others
from trustengine.persistence.target import (
    APPLICATION_NAME,
    DEFAULT_TARGET,
    ENV_VAR,
    LOCK_TIMEOUT,
    check_cipher_key,
    parse_target,
)
from trustengine.terminal import escape_controls

F = TypeVar("F", bound=Callable[..., Any])


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
    is one line too (:mod:`trustengine.cli.failures`): exit status 3 for a defect."""

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


def db_option(func: F) -> F:
    """Add ``--db TARGET`` (default ``$TRUSTENGINE_DB``, else ``./trustengine.db``),
    ``--cipher-key-file FILE`` (encryption at rest; default ``$TRUSTENGINE_CIPHER_KEY``),
    ``--keys TARGET`` (the key store) and ``--lock-timeout SECONDS``."""
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


def handle_errors(func: F) -> F:
    """Turn library and store errors into one-line messages with exit status 2."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except TrustEngineError as error:
            raise InputError(str(error)) from None
        except PersistenceError as error:
            raise InputError(f"store error: {error}") from None
        except MapperDeserialisationError as error:
            raise InputError(
                f"cannot read the store: {error} (is it encrypted? give --cipher-key-file)"
            ) from None

    return wrapper  # type: ignore[return-value]


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
    tolerance = meta.get("trustengine.future_tolerance")  # see trustengine.cli.tolerance
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


@contextmanager
def progress_bar(label: str, total: int | None) -> Iterator[Callable[[int], None]]:
    """A progress bar on stderr when it is a terminal; otherwise silent."""
    console = Console(stderr=True)
    if not console.is_terminal:
        yield lambda _n: None
        return
    columns = (
        TextColumn("{task.description}", markup=False),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console, transient=True) as bar:
        task = bar.add_task(escape_controls(label), total=total)
        yield lambda n: bar.advance(task, n)


_cell = cell_text


_UTC_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d{1,6})?)?(\+00:00|Z)")
"""An ISO time in UTC, the layout the store writes: shortened by slicing (it is fast)."""


def _short(value: Any) -> str:
    """A table cell: ISO times shortened to minutes (JSON and CSV keep them whole)."""
    text = _cell(value)
    if len(text) >= 16 and text[4] == "-" and text[10] == "T":
        if _UTC_TIME.fullmatch(text) and text[5:7] <= "12" and text[8:10] <= "31":
            return f"{text[:10]} {text[11:16]}"
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            return text
        offset = moment.strftime("%z")
        return moment.strftime("%Y-%m-%d %H:%M") + ("" if offset == "+0000" else f" {offset}")
    return text


def _table_cells(rows: Sequence[dict[str, Any]], columns: Sequence[str]) -> list[list[str]]:
    return [[_short(row.get(name)) for name in columns] for row in rows]


def _echo_lines(lines: Iterable[str]) -> None:
    """Write ``lines`` to stdout a thousand at a time (one write per line is slow)."""
    chunk: list[str] = []
    for line in lines:
        chunk.append(line)
        if len(chunk) == 1000:
            click.echo("\n".join(chunk))
            chunk.clear()
    if chunk:
        click.echo("\n".join(chunk))


def render_rows(
    rows: Sequence[dict[str, Any]], fmt: str, columns: Sequence[str], title: str | None = None
) -> None:
    """Write ``rows`` to stdout as a table, JSON array, JSON lines or CSV.

    The table is literal text, laid out for the screen (:mod:`trustengine.cli.table`);
    JSON and CSV carry every value unchanged."""
    if fmt == "json":
        click.echo(json.dumps(list(rows), indent=2, ensure_ascii=False, default=str))
        return
    if fmt == "nl":
        for row in rows:
            click.echo(json.dumps(row, ensure_ascii=False, default=str))
        return
    if fmt == "csv":
        names = list(columns) + [k for k in (rows[0] if rows else {}) if k not in columns]
        writer = csv.DictWriter(sys.stdout, fieldnames=names, lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: _cell(row.get(k)) for k in names})
        return
    _echo_lines(table_lines(_table_cells(rows, columns), columns, title))


def _on_terminal() -> bool:
    return sys.stdout.isatty()


def _paged(pager: bool | None, height: int) -> bool:
    """Whether ``height`` lines go through the pager, as git decides: never unless
    stdout is a terminal; with neither --pager nor --no-pager, when they are more than
    the screen holds."""
    if pager is False or not _on_terminal():
        return False
    return pager is True or height > screen_height()


def _page(lines: Iterable[str]) -> None:
    """``lines`` through ``$PAGER`` (default ``less``; ``$LESS`` defaults to ``FRX``, so a
    short text quits at once, colours pass and the screen is not cleared)."""
    os.environ.setdefault("LESS", "FRX")

    def chunks() -> Iterator[str]:
        batch: list[str] = []
        first = True
        for line in lines:
            batch.append(line)
            if len(batch) == 1000:
                yield ("" if first else "\n") + "\n".join(batch)
                batch.clear()
                first = False
        if batch:
            yield ("" if first else "\n") + "\n".join(batch)

    click.echo_via_pager(chunks())  # click ends the text with the last newline


def listing(
    columns: Sequence[str],
    title: str | None = None,
    *,
    table_columns: Sequence[str] | None = None,
    table_row: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
    footer: Callable[[Sequence[dict[str, Any]]], str | None] | None = None,
) -> Callable[[F], F]:
    """Make a command that returns rows print them as a table, ``--json``, ``--nl`` or
    ``--csv``, at most ``--limit N`` of them; a table taller than the terminal goes
    through the pager (``--pager/--no-pager``).

    A command whose function takes a ``limit`` argument is given ``--limit`` to apply
    itself (in its query); any other gets every row and the first N are shown.
    ``table_row`` and ``footer`` dress the table for a person (marks, a trend line);
    JSON and CSV always carry the rows as they are.
    """

    def decorate(func: F) -> F:
        takes_limit = "limit" in inspect.signature(func).parameters

        @functools.wraps(func)
        def wrapper(
            *args: Any, fmt: str, limit: int | None, pager: bool | None, **kwargs: Any
        ) -> None:
            if takes_limit:
                kwargs["limit"] = limit
            rows = func(*args, **kwargs)
            if limit is not None:
                rows = rows[:limit]
            if fmt != "table":
                render_rows(rows, fmt, columns, title)
                return
            shown = [table_row(dict(row)) for row in rows] if table_row else rows
            names = table_columns or columns
            lines: Iterable[str] = table_lines(_table_cells(shown, names), names, title)
            line = footer(rows) if footer else None
            if line:
                lines = itertools.chain(lines, [escape_controls(line)])
            if pager is not False and _on_terminal():
                lines = list(lines)  # a terminal: count the lines to know if they fit
                if _paged(pager, len(lines)):
                    _page(lines)
                    return
            _echo_lines(lines)

        options = (
            click.option("--table", "fmt", flag_value="table", default=True, hidden=True),
            click.option("--json", "fmt", flag_value="json", help="Output one JSON array."),
            click.option("--nl", "fmt", flag_value="nl", help="Output one JSON object a line."),
            click.option("--csv", "fmt", flag_value="csv", help="Output CSV."),
            click.option(
                "--limit", type=click.IntRange(min=1), metavar="N", help="At most N rows."
            ),
            click.option(
                "--pager/--no-pager",
                default=None,
                help="Page a table through $PAGER (default: when it is taller than the "
                "terminal; never into a pipe).",
            ),
        )
        command: Any = wrapper
        for option in options:
            command = option(command)
        return cast(F, command)

    return decorate
