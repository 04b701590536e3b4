"""The terminal table: literal cells, measured from the data, fitted to the screen."""

# ruff: noqa: E501 - the expected tables are written out as wide as they are shown

from __future__ import annotations

import pytest
from rich.cells import cell_len

from trustengine.cli.table import MIN_TEXT, TINY_TEXT, layout, table_lines, wrap

COLUMNS = ("at", "actor", "channel", "trust", "summary")
ROWS = [
    [
        "2026-03-09 08:40",
        "agent-12",
        "email",
        "55.1",
        "[URGENT] charged twice [ticket 4411] \x1b[2J",
    ],
    ["2026-03-10 09:00", "中文客服", "chat", "7.8", "[/] 退款 [bold]x[/bold]"],
]


def test_a_wide_screen_shows_every_cell_literally_on_one_line() -> None:
    assert list(table_lines(ROWS, COLUMNS, "[b]Timeline", screen=200)) == [
        "                                          [b]Timeline                                           ",
        "┏━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━┳━━━━━━━━━┳━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┓",
        "┃ at               ┃ actor    ┃ channel ┃ trust ┃ summary                                      ┃",
        "┡━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━╇━━━━━━━━━╇━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┩",
        "│ 2026-03-09 08:40 │ agent-12 │ email   │ 55.1  │ [URGENT] charged twice [ticket 4411] \\x1b[2J │",
        "│ 2026-03-10 09:00 │ 中文客服 │ chat    │ 7.8   │ [/] 退款 [bold]x[/bold]                      │",
        "└──────────────────┴──────────┴─────────┴───────┴──────────────────────────────────────────────┘",
    ]  # fmt: skip


def test_a_narrow_screen_wraps_the_text_and_leaves_out_the_channel_with_a_note() -> None:
    assert list(table_lines(ROWS, COLUMNS, screen=60)) == [
        "┏━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━┳━━━━━━━┳━━━━━━━━━━━━━━━━━━━━┓",
        "┃ at               ┃ actor    ┃ trust ┃ summary            ┃",
        "┡━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━╇━━━━━━━╇━━━━━━━━━━━━━━━━━━━━┩",
        "│ 2026-03-09 08:40 │ agent-12 │ 55.1  │ [URGENT] charged   │",
        "│                  │          │       │ twice [ticket      │",
        "│                  │          │       │ 4411] \\x1b[2J      │",
        "│ 2026-03-10 09:00 │ 中文客服 │ 7.8   │ [/] 退款           │",
        "│                  │          │       │ [bold]x[/bold]     │",
        "└──────────────────┴──────────┴───────┴────────────────────┘",
        "columns not shown at 60 columns: channel; widen the terminal",
        "or use --json",
    ]  # fmt: skip


@pytest.mark.parametrize("screen", [80, 100, 200])
def test_every_line_fits_the_screen_and_each_value_is_whole(screen: int) -> None:
    columns = ("due", "kind", "customer", "case", "id", "owner", "hours_overdue", "description")
    rows = [
        ["2026-04-23 08:20", "⚠ sla:final_response", "cust-boris", "C-1002", "P-1002-1",
         "agent-12", "-1317.5", "resolution SLA (sla-default), after reopening 1 " * 3],
    ]  # fmt: skip

    lines = list(table_lines(rows, columns, screen=screen))

    assert all(cell_len(line) <= screen for line in lines)
    body = lines[3]
    for value in rows[0][:5]:
        assert f"│ {value} " in body
    if screen == 200:
        assert "│ agent-12 │ -1317.5 " in body
    else:
        dropped = "owner, hours_overdue" + (", description" if screen == 80 else ";")
        assert dropped in " ".join(lines[-2:])


def test_fixed_columns_wider_than_the_screen_run_past_its_edge_rather_than_be_cut() -> None:
    key = "cust-" + "x" * 100
    lines = list(table_lines([[key, "55.1"]], ("customer", "score"), screen=40))

    assert lines[3] == f"│ {key} │ 55.1  │"


def test_text_columns_wrap_down_to_the_minimum_before_any_column_goes() -> None:
    natural = {"at": 16, "summary": 80}
    wide = layout(natural, ("at", "summary"), 16 + MIN_TEXT + 7)
    tight = layout(natural, ("at", "summary"), 16 + TINY_TEXT + 7)
    gone = layout(natural, ("at", "summary"), 16 + TINY_TEXT + 6)

    assert (wide.widths, wide.dropped) == ((16, MIN_TEXT), ())
    assert (tight.widths, tight.dropped) == ((16, TINY_TEXT), ())
    assert (gone.columns, gone.dropped) == (("at",), ("summary",))


@pytest.mark.parametrize(
    ("text", "width", "lines"),
    [
        ("follow up on the resolution: none scheduled", 12,
         ["follow up on", "the", "resolution:", "none", "scheduled"]),
        ("abcdefghijklmnop qr", 6, ["abcdef", "ghijkl", "mnop", "qr"]),
        ("中文字符中文", 5, ["中文", "字符", "中文"]),
        ("ae\u0301e\u0301e\u0301e\u0301", 3, ["ae\u0301e\u0301", "e\u0301e\u0301"]),
    ],
)  # fmt: skip
def test_wrap_fills_lines_by_cells_and_folds_long_words_keeping_marks_on_their_letter(
    text: str, width: int, lines: list[str]
) -> None:
    assert wrap(text, width) == lines
    assert all(cell_len(line) <= width for line in lines)
