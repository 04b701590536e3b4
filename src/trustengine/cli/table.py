"""Tables for a person at a terminal, laid out from the data and written line by line.

Every cell is literal text: it goes through :func:`~trustengine.terminal.escape.escape_controls`
and is never read as ``rich`` markup, so ``[ticket 4411]`` and ``[erased]`` show as typed.

The layout is measured in one pass over the cells (:func:`rich.cells.cell_len`, so wide
CJK characters and emoji count two cells and combining marks none), then rows are written
line by line: no ``rich`` Table is built, only the cells' text and widths are kept, and
100,000 rows cost about what their CSV costs (``benchmarks/render_bench.py``). The frame
is rich's ``HEAVY_HEAD`` box, drawn without styles. The width is ``$COLUMNS``, else the
terminal's, else 160 for a file or pipe.

Narrow screens: ids, keys, numbers and times are never cut. Only text columns
(:data:`TEXT_COLUMNS`) give way, wrapping down to :data:`MIN_TEXT` cells; when even that
does not fit, low-priority columns (:data:`LOW_PRIORITY`, in that order) are left out and
a last line names them. If the table is still too wide it runs past the edge rather than
cut a value.
"""

from __future__ import annotations

import json
import os
import sys
import textwrap
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from rich.cells import cell_len, get_character_cell_size

from trustengine.terminal.escape import escape_controls

TEXT_COLUMNS = frozenset(
    {"summary", "reason", "description", "details", "note", "comment", "data", "complaint"}
)
"""Columns of free text: they wrap to fit the screen; every other column is kept whole."""

LOW_PRIORITY = (
    "channel",
    "recorded_at",
    "tier",
    "changed_at",
    "last_contact_at",
    "made_at",
    "settled_at",
    "started_at",
    "stopped_at",
    "addresses_failure",
    "on_time",
    "period",
    "position",
    "actor",
    "owner",
    "hours_overdue",
)
"""Columns a narrow screen leaves out, first to last, once the text columns are narrow."""

MIN_TEXT = 12
"""The narrowest a text column wraps to (or its header, when longer)."""

TINY_TEXT = 6
"""The narrowest a text column is squeezed to before it is left out."""

DEFAULT_WIDTH = 160
"""The width of a table written to a file or pipe when ``COLUMNS`` is not set."""


def screen_width() -> int:
    """``$COLUMNS`` when set, else the terminal's width, else :data:`DEFAULT_WIDTH`."""
    return _screen_size("COLUMNS", 0, DEFAULT_WIDTH)


def screen_height() -> int:
    """``$LINES`` when set, else the terminal's height, else 0 (no screen)."""
    return _screen_size("LINES", 1, 0)


def _screen_size(variable: str, index: int, default: int) -> int:
    text = os.environ.get(variable, "")
    if text.isdigit() and int(text) > 0:
        return int(text)
    try:
        if sys.stdout.isatty():
            return os.get_terminal_size(sys.stdout.fileno())[index]
    except (OSError, ValueError, AttributeError):
        pass
    return default


@dataclass(frozen=True)
class Layout:
    """Which columns a table shows and how wide each is; which it left out."""

    columns: tuple[str, ...]
    widths: tuple[int, ...]
    dropped: tuple[str, ...]
    screen: int

    @property
    def width(self) -> int:
        return sum(self.widths) + 3 * len(self.widths) + 1


def layout(natural: dict[str, int], columns: Sequence[str], screen: int) -> Layout:
    """Fit ``columns`` (each ``natural`` cells wide, header included) into ``screen``.

    Text columns wrap down to :data:`MIN_TEXT`; past that, low-priority columns go, in
    :data:`LOW_PRIORITY` order; then text columns squeeze down to :data:`TINY_TEXT`; and
    last the text columns go too, so that what remains (ids, keys, numbers, times) is
    whole. A table of those alone wider than the screen runs past its edge.
    """
    shown = list(columns)
    dropped: list[str] = []
    droppable = [name for name in LOW_PRIORITY if name in shown]

    def minimum(name: str) -> int:
        return min(natural[name], max(MIN_TEXT, cell_len(name)))

    def room() -> int:
        fixed = sum(natural[name] for name in shown if name not in TEXT_COLUMNS)
        return screen - fixed - 3 * len(shown) - 1

    def texts() -> list[str]:
        return [name for name in shown if name in TEXT_COLUMNS]

    def drop(name: str) -> None:
        shown.remove(name)
        dropped.append(name)

    while droppable and room() < sum(minimum(name) for name in texts()):
        drop(droppable.pop(0))
    while len(texts()) > 0 and room() < TINY_TEXT * len(texts()) and len(shown) > 1:
        drop(texts()[-1])
    widths = {name: natural[name] for name in shown}
    free = room()
    if texts() and sum(natural[name] for name in texts()) > free:
        floor = max(TINY_TEXT, min(free // len(texts()), MIN_TEXT))
        widths.update(_share(texts(), natural, lambda name: min(natural[name], floor), free))
    return Layout(tuple(shown), tuple(widths[name] for name in shown), tuple(dropped), screen)


def _share(
    texts: Sequence[str], natural: dict[str, int], minimum: Callable[[str], int], room: int
) -> dict[str, int]:
    """Give text columns ``room`` cells: each its minimum, the rest shared out in turn up
    to each one's natural width."""
    widths = {name: minimum(name) for name in texts}
    spare = room - sum(widths.values())
    while spare > 0:
        hungry = [name for name in texts if widths[name] < natural[name]]
        if not hungry:
            break
        share = max(1, spare // len(hungry))
        for name in hungry:
            grant = min(share, natural[name] - widths[name], spare)
            widths[name] += grant
            spare -= grant
    return widths


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _cells(text))


def _rule(left: str, fill: str, joint: str, right: str, widths: Sequence[int]) -> str:
    return left + joint.join(fill * (width + 2) for width in widths) + right


def _cells(text: str) -> int:
    """Terminal cells ``text`` takes: its length when ASCII (escaped text has no ASCII
    control left), else :func:`rich.cells.cell_len`."""
    return len(text) if text.isascii() else cell_len(text)


def _chop(word: str, width: int) -> tuple[str, str]:
    """The longest head of ``word`` that fits ``width`` cells (at least one character,
    with the zero-width marks that follow it), and the rest."""
    if word.isascii():
        return word[:width], word[width:]
    used = 0
    for index, char in enumerate(word):
        size = get_character_cell_size(char)
        if used + size > width and index > 0:
            return word[:index], word[index:]
        used += size
    return word, ""


def wrap(text: str, width: int) -> list[str]:
    """``text`` in lines of at most ``width`` cells: words as they fit, a word longer
    than a line folded across lines (as ``rich`` wraps with ``overflow="fold"``)."""
    lines: list[str] = []
    line, used = "", -1  # -1: nothing on the line yet
    for word in text.split(" "):
        size = _cells(word)
        if used >= 0 and used + 1 + size <= width:
            line, used = f"{line} {word}", used + 1 + size
            continue
        if used >= 0:
            lines.append(line.rstrip())
        while size > width:
            head, word = _chop(word, width)
            lines.append(head)
            size = _cells(word)
        line, used = word, size
    lines.append(line.rstrip())
    return [part for part in lines if part] or [""]


def table_lines(
    rows: Sequence[Sequence[str]],
    columns: Sequence[str],
    title: str | None = None,
    *,
    screen: int | None = None,
) -> Iterator[str]:
    """The lines of a table of ``rows`` (cells already text) under ``columns``.

    Cells and title are escaped here; the layout is measured in one pass, then each row
    is written as it is reached.
    """
    screen = screen_width() if screen is None else screen
    headers = [escape_controls(name) for name in columns]
    natural = {name: cell_len(header) for name, header in zip(columns, headers, strict=True)}
    cells = [[escape_controls(cell) for cell in row] for row in rows]
    sizes = [[_cells(cell) for cell in row] for row in cells]
    maxima = [natural[name] for name in columns]
    for row_sizes in sizes:
        maxima = [max(pair) for pair in zip(maxima, row_sizes, strict=True)]
    natural = dict(zip(columns, maxima, strict=True))
    plan = layout(natural, columns, screen)
    where = [list(columns).index(name) for name in plan.columns]
    widths = plan.widths
    # Only a text column can be narrower than its widest cell: check those alone.
    narrow = [(i, w) for i, w in zip(where, widths, strict=True) if w < natural[columns[i]]]
    if title:
        text = escape_controls(title)
        left = max(0, (plan.width - cell_len(text)) // 2)
        yield " " * left + _pad(text, plan.width - left)
    yield _rule("┏", "━", "┳", "┓", widths)
    yield "┃ " + " ┃ ".join(_pad(headers[i], w) for i, w in zip(where, widths, strict=True)) + " ┃"
    yield _rule("┡", "━", "╇", "┩", widths)
    shown = list(zip(where, widths, strict=True))
    for row, size in zip(cells, sizes, strict=True):
        if not any(size[i] > w for i, w in narrow):
            yield "│ " + " │ ".join(row[i] + " " * (w - size[i]) for i, w in shown) + " │"
            continue
        parts = [wrap(row[i], w) if size[i] > w else [row[i]] for i, w in shown]
        for line in range(max(len(part) for part in parts)):
            yield (
                "│ "
                + " │ ".join(
                    _pad(part[line] if line < len(part) else "", w)
                    for part, w in zip(parts, widths, strict=True)
                )
                + " │"
            )
    yield _rule("└", "─", "┴", "┘", widths)
    if plan.dropped:
        note = (
            f"columns not shown at {screen} columns: {', '.join(plan.dropped)}; "
            "widen the terminal or use --json"
        )
        yield from textwrap.wrap(note, max(screen, 40), break_on_hyphens=False)


def cell_text(value: Any) -> str:
    """A value as a table cell: nothing for None, yes/no for booleans, compact JSON for
    an object or a list (a timeline step's ``amendment``), else its text."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)
    return str(value)


__all__ = [
    "LOW_PRIORITY",
    "MIN_TEXT",
    "TEXT_COLUMNS",
    "TINY_TEXT",
    "Layout",
    "cell_text",
    "layout",
    "screen_height",
    "screen_width",
    "table_lines",
    "wrap",
]
