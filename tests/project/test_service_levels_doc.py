"""docs/service-levels.md stays true: its example and commands run as shown, and every
SLA policy file, calendar file and SLA module links to it."""

from __future__ import annotations

import re
import shlex
import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner

from trustengine.cli import main

ROOT = Path(__file__).resolve().parents[2]
DOC = "docs/service-levels.md"
TEXT = (ROOT / DOC).read_text(encoding="utf-8")
LINKING = [
    *sorted((ROOT / "projections").glob("sla-*.toml")),
    *sorted((ROOT / "projections" / "calendars").glob("*.toml")),
    *(ROOT / "src" / "trustengine" / "scoring" / name for name in ("sla.py", "calendars.py")),
    ROOT / "src" / "trustengine" / "scoring" / "calendar_files.py",
]


def fenced(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", TEXT, flags=re.DOTALL)


def test_the_pages_python_example_runs() -> None:
    (code,) = fenced("python")

    exec(compile(code, DOC, "exec"), {"__name__": "service_levels"})  # noqa: S102


def test_the_pages_commands_run_as_shown(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("TRUSTENGINE_DB", raising=False)
    commands = [
        line.removeprefix("$ ")
        for block in fenced("console")
        for line in block.splitlines()
        if line.startswith("$ trustengine ")
    ]

    assert len(commands) == 3
    for command in commands:
        result = CliRunner().invoke(main, shlex.split(command)[1:])
        assert result.exit_code == 0, f"{command}\n{result.output}"


def test_the_toml_examples_on_the_page_parse() -> None:
    for block in fenced("toml"):
        assert tomllib.loads(block)


@pytest.mark.parametrize("path", LINKING, ids=lambda path: path.name)
def test_each_policy_file_and_module_links_the_page(path: Path) -> None:
    assert "docs/service-levels.md" in path.read_text(encoding="utf-8")
