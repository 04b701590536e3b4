"""How commands show their answers: one listing decorator (table, ``--json``, ``--nl``,
``--csv``, ``--limit``, the pager), progress bars, and the timeline and trust state that
several commands print.

A table is literal text laid out for the screen (:mod:`trustengine.cli.table`); JSON and CSV
carry every value unchanged."""

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
from typing import Any, TypeVar, cast

import click

from trustengine.cli.files import write_whole as write_whole  # re-exported for commands
from trustengine.cli.options import current_calendar
from trustengine.cli.table import cell_text, screen_height, table_lines
from trustengine.domain.jalali import is_whole_time, jalali_text
from trustengine.terminal.escape import escape_controls

F = TypeVar("F", bound=Callable[..., Any])


@contextmanager
def progress_bar(label: str, total: int | None) -> Iterator[Callable[[int], None]]:
    """A progress bar on stderr when it is a terminal; otherwise silent."""
    from rich.console import Console  # here: a table needs no console (start-up)

    console = Console(stderr=True)
    if not console.is_terminal:
        yield lambda _n: None
        return
    # Here, not above: only long work draws a bar, and rich.progress costs start-up.
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )

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
    cell = _jalali if current_calendar() == "jalali" else _short  # asked once a table
    return [[cell(row.get(name)) for name in columns] for row in rows]


def shown(value: Any) -> str:
    """A cell as a person reads it: :func:`_short`, and a date or time (only a whole one,
    never the start of a sentence) in the calendar of ``--calendar``."""
    return _jalali(value) if current_calendar() == "jalali" else _short(value)


def _jalali(value: Any) -> str:
    """:func:`_short`, with a whole date or time in the Jalali calendar."""
    text = _short(value)
    if isinstance(value, str) and is_whole_time(value):
        return jalali_text(text)
    return text


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
            writer.writerow({k: _csv_cell(row.get(k)) for k in names})
        return
    _echo_lines(table_lines(_table_cells(rows, columns), columns, title))


def _csv_cell(value: Any) -> str:
    """A CSV cell: an object (a timeline step's ``source``) as its JSON, else as a table's."""
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return _cell(value)


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


TIMELINE_COLUMNS = ("at", "type", "case", "actor", "channel", "summary")


TIMELINE_TABLE_COLUMNS = (*TIMELINE_COLUMNS[:5], "trust", "summary")


_SPARKS = "▁▂▃▄▅▆▇█"


def sparkline(scores: Sequence[float]) -> str:
    """Scores 0-100 as one character each, from ▁ (0) to █ (100)."""
    return "".join(_SPARKS[min(7, max(0, int(score / 12.5)))] for score in scores)


def mark_sla(row: dict[str, Any]) -> dict[str, Any]:
    """A timeline row as the table shows it: an SLA breach flagged, a retracted step
    struck through (``~~…~~``) with who retracted it, when and why, a correction and a
    late entry said (docs/trust-model.md, "Late entries and corrections")."""
    amendment = row.get("amendment") or {}
    kind = amendment.get("kind")
    summary = str(row["summary"])
    if row.get("type") == "SlaBreached" and kind != "refuted":
        summary = f"⚠ {summary}"
    notes = []
    if kind in ("retracted", "corrected"):
        if kind == "retracted":
            summary = f"~~{summary}~~"
        who = amendment.get("actor") or "someone unnamed"
        notes.append(
            f"{kind} by {who} on {amendment.get('recorded_at')}: {amendment.get('reason')}"
        )
    elif kind == "refuted":
        notes.append(f"recorded as missed; the history shows it met at {amendment.get('met_at')}")
    late = row.get("late_days")
    if late is not None:
        notes.append(f"entered {late} day{'' if late == 1 else 's'} late")
    row["summary"] = summary + "".join(f" [{note}]" for note in notes)
    return row


def trend_line(rows: Sequence[dict[str, Any]]) -> str | None:
    scores = [float(row["trust"]) for row in rows if row.get("trust") is not None]
    if not scores:
        return None
    return f"trust trend: {sparkline(scores)}  {scores[0]:g} → {scores[-1]:g}"


def print_timeline(rows: Sequence[dict[str, Any]]) -> None:
    """Timeline rows as ``timeline`` shows them: with the trust column and the trend line."""
    render_rows([mark_sla(dict(row)) for row in rows], "table", TIMELINE_TABLE_COLUMNS)
    trend = trend_line(rows)
    if trend:
        click.echo(trend)


def render_state(trust: dict[str, Any]) -> None:
    """A readable trust state (``state --json``'s dict): the headline, the components,
    then each step's effect."""
    parts = ", ".join(f"{name} {value:.1f}" for name, value in trust["components"].items())
    for line in (
        f"{trust['customer']}: {trust['phase']}, "
        f"trust {trust['score']:.1f}/100 ({trust['policy']})",
        f"components: {parts}",
        f"open cases: {trust['open_cases']}, broken promises: {trust['broken_promises']}, "
        f"ceiling: {trust['ceiling']:g}",
    ):
        click.echo(escape_controls(line))
    render_rows(
        trust["explanation"], "table", ("at", "type", "case", "delta", "score", "phase", "reason")
    )


__all__ = [
    "TIMELINE_COLUMNS",
    "TIMELINE_TABLE_COLUMNS",
    "listing",
    "mark_sla",
    "print_timeline",
    "progress_bar",
    "render_rows",
    "render_state",
    "shown",
    "sparkline",
    "trend_line",
]
