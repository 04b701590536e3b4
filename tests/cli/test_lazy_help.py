"""``trustengine --help`` lists every command without loading any command's module."""

from __future__ import annotations

import importlib
import subprocess
import sys

import click
from click.testing import CliRunner

from trustengine.cli import COMMANDS, main

PROBE = """
import sys
from trustengine.cli import main
try:
    main(["--help"], prog_name="trustengine")
except SystemExit:
    pass
print(sorted(m for m in sys.modules if m.startswith(("trustengine.", "eventsourcing", "pydantic"))))
"""


def test_the_listing_loads_no_command_module_and_no_store_code() -> None:
    result = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, check=True, timeout=60
    )

    loaded = result.stdout.strip().splitlines()[-1]
    assert loaded == "['trustengine.cli', 'trustengine.cli.errors', 'trustengine.exceptions']"


def test_the_listing_names_every_command_with_its_summary() -> None:
    result = CliRunner().invoke(main, ["--help"], prog_name="trustengine")

    assert result.exit_code == 0
    listed = result.output.split("Commands:\n", 1)[1].split("\n\n", 1)[0].splitlines()
    assert [line.split(None, 1) for line in listed] == [
        [name, COMMANDS[name][2]] for name in sorted(COMMANDS)
    ]


def test_the_table_holds_each_command_of_the_cli_modules_once() -> None:
    found = {
        value.name
        for module in {module for module, _, _ in COMMANDS.values()}
        for value in vars(importlib.import_module(f"trustengine.cli.{module}")).values()
        if isinstance(value, click.Command)
    }

    assert found == set(COMMANDS)
    for name, (module, attr, summary) in COMMANDS.items():
        command = getattr(importlib.import_module(f"trustengine.cli.{module}"), attr)
        assert command.name == name
        assert summary.endswith(".") and len(summary) <= 60, name


def test_a_command_loaded_on_demand_runs_and_shows_its_own_help() -> None:
    result = CliRunner().invoke(main, ["timeline", "--help"], prog_name="trustengine")

    assert result.exit_code == 0
    assert result.output.startswith("Usage: trustengine timeline [OPTIONS] CUSTOMER\n")
