"""Every example in docs/cli.md runs as shown against the demo store.

An example is one indented block (its lines run in turn, as one shell script), in a
fresh folder holding a fresh copy of the demo store and of examples/, so that each
example stands alone and whatever it writes lands in that folder. It must exit 0, or
the status its last line documents with a trailing ``# exit N``.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from trustengine.cli import main

ROOT = Path(__file__).resolve().parents[2]
CLI_MD = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
EXIT = re.compile(r"#\s*exit (\d+)\b")


def examples(text: str) -> list[str]:
    """The indented blocks of ``text`` (Markdown code blocks) that run ``trustengine``."""
    blocks = re.findall(r"(?:^|\n\n)((?: {4}\S.*(?:\n|$))+)", text)
    found = ["\n".join(line[4:] for line in block.rstrip("\n").split("\n")) for block in blocks]
    return [block for block in found if block.startswith("trustengine ")]


EXAMPLES = examples(CLI_MD)


def expected_status(example: str) -> int:
    found = EXIT.search(example.splitlines()[-1])
    return int(found.group(1)) if found else 0


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("demo")
    store = folder / "trustengine.db"
    result = CliRunner().invoke(main, ["demo", "--db", str(store)])
    assert result.exit_code == 0, result.output
    return store


def test_docs_cli_md_has_an_example_of_every_command_and_they_are_all_collected() -> None:
    shown = {
        line.split()[1]
        for example in EXAMPLES
        for line in example.splitlines()
        if line.startswith("trustengine ")
    }

    assert shown >= set(main.commands)
    assert len(EXAMPLES) >= 18


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda text: text.splitlines()[0][:60])
def test_every_docs_cli_md_example_runs_as_shown_against_the_demo(
    example: str, demo_store: Path, tmp_path: Path
) -> None:
    shutil.copy2(demo_store, tmp_path / "trustengine.db")
    shutil.copy2(demo_store.with_suffix(".keys"), tmp_path / "trustengine.keys")  # its key store
    shutil.copytree(ROOT / "examples", tmp_path / "examples")  # the import --from examples
    env = {name: value for name, value in os.environ.items() if not name.startswith("TRUSTENGINE_")}
    # ``trustengine`` is this interpreter's, whatever PATH says.
    script = f'set -e\ntrustengine() {{ "{sys.executable}" -m trustengine "$@"; }}\n{example}\n'

    result = subprocess.run(
        ["bash", "-c", script],
        cwd=tmp_path,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == expected_status(example), (
        f"{example}\nexit {result.returncode}\n{result.stdout[-1500:]}{result.stderr[-1500:]}"
    )
    assert "Traceback" not in result.stderr


def test_an_example_is_an_indented_block_and_may_document_its_exit_status() -> None:
    text = "Intro\n\n    trustengine seal > s.txt\n    trustengine verify\n\nMore\n\n    other\n"

    assert examples(text) == ["trustengine seal > s.txt\ntrustengine verify"]
    assert expected_status("trustengine due --fail-on-overdue  # exit 1: overdue") == 1
    assert expected_status("trustengine seal") == 0
