"""Every command is documented where users look, and its help carries an example."""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from trustengine.cli import main

ROOT = Path(__file__).resolve().parents[2]
COMMANDS = sorted(main.commands)


def _documented_in_cli_md() -> set[str]:
    text = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    return set(re.findall(r"^### `trustengine ([a-z-]+)`$", text, flags=re.MULTILINE))


def _sections() -> dict[str, str]:
    text = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    parts = re.split(r"^### `trustengine ([a-z-]+)`$", text, flags=re.MULTILINE)
    return {parts[i]: parts[i + 1] for i in range(1, len(parts), 2)}


@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_has_a_section_with_an_example_in_docs_cli_md(name: str) -> None:
    sections = _sections()

    assert name in sections, f"docs/cli.md has no section '### `trustengine {name}`'"
    assert f"    trustengine {name}" in sections[name], f"no example of {name} in its section"


def test_docs_cli_md_documents_no_command_that_does_not_exist() -> None:
    assert _documented_in_cli_md() - set(COMMANDS) == set()


@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_help_ends_with_an_example_of_itself(name: str) -> None:
    command = main.commands[name]
    with click.Context(command, info_name=name) as ctx:
        text = command.get_help(ctx)

    assert f"Example: trustengine {name}" in text


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["state", "cust-1", "--as-of", "yesterday"],
            "Error: Invalid value for '--as-of': 'yesterday' is not a time: use ISO 8601 "
            "with an offset, e.g. 2026-03-01T09:00:00+00:00 (see 'trustengine state --help')",
        ),
        (
            ["timeline"],
            "Error: Missing argument 'CUSTOMER'. (see 'trustengine timeline --help')",
        ),
        (
            ["stat"],
            "Error: No such command 'stat'. Did you mean 'state'? (see 'trustengine --help')",
        ),
        (
            ["verify", "--jsn"],
            "Error: No such option '--jsn'. Did you mean '--json'? "
            "(see 'trustengine verify --help')",
        ),
    ],
)
def test_a_usage_error_is_one_line_and_exit_status_2(args: list[str], message: str) -> None:
    result = CliRunner().invoke(main, args, prog_name="trustengine")

    assert result.exit_code == 2
    assert result.output == message + "\n"


def test_help_still_shows_the_whole_usage() -> None:
    result = CliRunner().invoke(main, ["state", "--help"], prog_name="trustengine")

    assert result.exit_code == 0
    assert result.output.startswith("Usage: trustengine state [OPTIONS] CUSTOMER\n")


def test_python_dash_m_trustengine_runs_the_command_line() -> None:
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-m", "trustengine", "--version"],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("trustengine, version ")
