"""Tables at 80, 100 and 200 columns keep every id, key, number and time whole;
``--limit`` and the pager."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner
from rich.cells import cell_len
from tests.cli.test_customers import (
    cells,
    demo_db,  # noqa: F401 - the fixture, shared
)

from trustengine.cli import main
from trustengine.cli import render as output_module
from trustengine.cli.render import _short
from trustengine.cli.table import TEXT_COLUMNS

WIDTHS = (80, 100, 200)
LISTINGS = {
    "timeline": ("timeline", "cust-boris"),
    "due": ("due", "--at", "2026-04-01"),
    "customers": ("customers",),
}


def _run(width: int, *args: str) -> str:
    result = CliRunner().invoke(main, list(args), env={"COLUMNS": str(width)})
    assert result.exit_code == 0, result.output
    return result.stdout


def _rows(db: str, *args: str) -> list[dict[str, Any]]:
    return list(json.loads(_run(200, *args, "--json", "--db", db)))


def _assert_whole(output: str, rows: list[dict[str, Any]]) -> None:
    """Each shown column that is not free text holds each row's value, whole."""
    table = cells(output)
    header, body = table[0], table[1:]
    values = {name: [row[index] for row in body] for index, name in enumerate(header)}
    for name, shown in values.items():
        if name in TEXT_COLUMNS or name not in rows[0]:
            continue
        expected = [_short(row[name]) for row in rows]
        assert [cell for cell in shown if cell] == [cell for cell in expected if cell], name


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("name", sorted(LISTINGS))
def test_a_listing_fits_the_width_and_keeps_each_value_whole(
    demo_db: str,  # noqa: F811 - the imported fixture
    name: str,
    width: int,
) -> None:
    args = LISTINGS[name]
    output = _run(width, *args, "--db", demo_db)

    assert all(cell_len(line) <= width for line in output.splitlines())
    _assert_whole(output, _rows(demo_db, *args))


def test_due_at_80_columns_leaves_out_owner_hours_and_description_and_says_so(
    demo_db: str,  # noqa: F811 - the imported fixture
) -> None:
    lines = _run(80, "due", "--at", "2026-04-01", "--db", demo_db).splitlines()

    assert lines[:4] == [
        "┏━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━┳━━━━━━━━┳━━━━━━━━━━┓",
        "┃ due              ┃ kind               ┃ customer   ┃ case   ┃ id       ┃",
        "┡━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━╇━━━━━━━━╇━━━━━━━━━━┩",
        "│ 2026-04-23 08:20 │ sla:resolution     │ cust-boris │ C-1002 │          │",
    ]
    assert "│ 2026-06-03 17:00 │ promise            │ cust-chen  │ C-1003 │ P-1003-1 │" in lines
    assert lines[-3:] == [
        "columns not shown at 80 columns: owner, hours_overdue, description; widen the",
        "terminal or use --json",
        "7 items, 0 overdue",
    ]


def test_case_at_80_columns_shows_agent_ids_and_amounts_whole(
    demo_db: str,  # noqa: F811 - the imported fixture
) -> None:
    lines = _run(80, "case", "cust-boris", "C-1002", "--db", demo_db).splitlines()

    assert all(cell_len(line) <= 80 for line in lines)
    assert lines[2:4] == [
        "  complaint:       Charged twice for the March subscription (2 x 89.00 EUR); my",
        "                   bank then charged an overdraft fee",
    ]
    assert (
        "│ 2026-03-20 09:10 │ agent-12 │ other   │ Handed off to billing-team: Billing  │"
    ) in lines
    offer = "│ O-1002-1 │ gift │ 10.0   │ EUR      │ declined │ 2026-04-02 10:00 │ I don't  │"
    assert offer in lines
    assert "│ resolution     │ 2      │ 2026-04-23 08:20 │                  │ no       │" in lines


def test_timeline_at_80_columns_keeps_trust_scores_whole_and_names_the_dropped_columns(
    demo_db: str,  # noqa: F811 - the imported fixture
) -> None:
    output = _run(80, "timeline", "cust-boris", "--db", demo_db)
    scores = [str(row["trust"]) for row in _rows(demo_db, "timeline", "cust-boris")]

    assert [row[3] for row in cells(output)[1:] if row[3]] == ["trust", *scores][1:]
    assert (
        "columns not shown at 80 columns: channel, actor; widen the terminal or use\n--json\n"
    ) in output
    assert output.endswith("trust trend: ▇▄▄▄▄▄▄▄▄▄▄▃▃▃▂▂▂▂▁  75 → 7.8\n")


def test_at_200_columns_nothing_is_left_out(demo_db: str) -> None:  # noqa: F811 - fixture
    for args in LISTINGS.values():
        assert "columns not shown" not in _run(200, *args, "--db", demo_db)


# --- --limit ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "count"),
    [
        (("timeline", "cust-boris", "--limit", "3"), 3),
        (("due", "--at", "2026-04-01", "--limit", "2"), 2),
        (("customers", "--limit", "4"), 4),
        (("sweep", "--at", "2026-08-01", "--dry-run", "--limit", "1"), 1),
    ],
)
def test_every_listing_takes_limit_for_every_format(
    demo_db: str,  # noqa: F811 - the imported fixture
    args: tuple[str, ...],
    count: int,
) -> None:
    assert len(_rows(demo_db, *args)) == count
    csv = _run(200, *args, "--csv", "--db", demo_db)
    assert len(csv.splitlines()) == count + 1
    table = _run(200, *args, "--db", demo_db)
    assert len([row for row in cells(table)[1:] if row[0]]) == count


def test_limit_below_one_is_a_usage_error(demo_db: str) -> None:  # noqa: F811 - fixture
    result = CliRunner().invoke(main, ["due", "--limit", "0", "--db", demo_db])

    assert result.exit_code == 2
    assert "--limit" in result.output


# --- the pager --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pager", "height", "is_terminal", "paged"),
    [
        (None, 51, True, True),
        (None, 50, True, False),
        (True, 10, True, True),
        (False, 100, True, False),
        (True, 100, False, False),
        (None, 100, False, False),
    ],
)
def test_the_pager_is_used_as_git_uses_it(
    monkeypatch: pytest.MonkeyPatch, pager: bool | None, height: int, is_terminal: bool, paged: bool
) -> None:
    monkeypatch.setenv("LINES", "50")
    monkeypatch.setattr(output_module, "_on_terminal", lambda: is_terminal)

    assert output_module._paged(pager, height) is paged


@pytest.mark.parametrize(("lines", "paged"), [("5", True), ("500", False)])
def test_a_table_taller_than_the_terminal_goes_whole_to_the_pager_with_less_defaults(
    demo_db: str,  # noqa: F811 - the imported fixture
    monkeypatch: pytest.MonkeyPatch,
    lines: str,
    paged: bool,
) -> None:
    args = ("due", "--at", "2026-04-01", "--db", demo_db)
    plain = _run(200, *args)
    pages: list[str] = []
    monkeypatch.delenv("LESS", raising=False)
    monkeypatch.setattr(output_module, "_on_terminal", lambda: True)
    monkeypatch.setattr(click, "echo_via_pager", lambda text: pages.append("".join(text) + "\n"))
    monkeypatch.setenv("LINES", lines)

    output = _run(200, *args)

    if paged:
        assert (output, pages) == ("", [plain])
        assert output_module.os.environ["LESS"] == "FRX"
    else:
        assert (output, pages) == (plain, [])


def test_pager_options_are_in_the_help_of_every_listing() -> None:
    for name in ("timeline", "due", "customers", "sweep"):
        help_text = _run(200, name, "--help")
        assert "--pager / --no-pager" in help_text and "--limit N" in help_text


def test_no_pager_writes_to_stdout(demo_db: str, tmp_path: Path) -> None:  # noqa: F811 - fixture
    assert _run(200, "customers", "--no-pager", "--db", demo_db).startswith("┏━━")


# --- demo: the first screen --------------------------------------------------------------


def test_demo_shows_the_trust_column_and_the_trend_line_as_timeline_does(tmp_path: Path) -> None:
    db = str(tmp_path / "trust.db")
    first = _run(160, "demo", "--customer", "cust-boris", "--db", db)
    timeline = _run(160, "timeline", "cust-boris", "--db", db)

    table = first[first.index("┏") : first.index("Next:")]
    assert table == timeline
    assert cells(table)[0] == ["at", "type", "case", "actor", "channel", "trust", "summary"]
    assert "trust trend: ▇▄▄▄▄▄▄▄▄▄▄▃▃▃▂▂▂▂▁  75 → 7.8\nNext: trustengine timeline" in first
