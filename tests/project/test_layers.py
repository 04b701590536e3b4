"""The architecture's contracts hold (docs/architecture.md): layers in order, the domain
on its own, the write side apart from the read side, click and rich only in the CLI, and
CLI command modules independent of each other."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "src" / "trustengine"


def _contracts() -> list[dict[str, object]]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    contracts: list[dict[str, object]] = config["tool"]["importlinter"]["contracts"]
    return contracts


def test_the_import_contracts_are_kept() -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from importlinter.cli import lint_imports; sys.exit(lint_imports())",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "5 kept, 0 broken" in result.stdout


def test_every_package_and_top_level_module_has_a_place_in_the_layers() -> None:
    layers = next(c for c in _contracts() if c["type"] == "layers")["layers"]
    assert isinstance(layers, list)
    placed = {name.strip() for layer in layers for name in str(layer).split("|")}
    found = {
        f"trustengine.{path.stem if path.is_file() else path.name}"
        for path in PACKAGE.iterdir()
        if (path.is_dir() and (path / "__init__.py").exists())
        or (path.suffix == ".py" and path.stem not in ("__init__", "__main__"))
    }
    split = {name.rsplit(".", 1)[0] for name in placed if name.count(".") > 1}
    # A package split across layers has each of its modules placed.
    found |= {
        f"{package}.{path.stem}"
        for package in split
        for path in (PACKAGE / package.split(".")[1]).glob("*.py")
        if path.stem != "__init__"
    }

    unplaced = {name for name in found if name not in placed and name not in split}

    assert unplaced == set()


def test_there_are_no_loose_modules_beside_the_layers() -> None:
    loose = sorted(
        path.name
        for path in PACKAGE.glob("*.py")
        if path.name not in ("__init__.py", "__main__.py", "exceptions.py")
    )

    assert loose == []


def test_every_command_module_of_the_cli_is_in_the_independence_contract() -> None:
    independent = next(c for c in _contracts() if c["type"] == "independence")["modules"]
    assert isinstance(independent, list)
    shared = {
        "__init__",
        "errors",
        "options",
        "session",
        "render",
        "table",
        "files",
        "fields",
        "checkpoints",
        "importing",
    }
    commands = {
        f"trustengine.cli.{path.stem}"
        for path in (PACKAGE / "cli").glob("*.py")
        if path.stem not in shared
    }

    assert commands == set(independent)
