"""Fixtures for the integrity tests: a demo store, a signing key pair and a checkpoint."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from trustengine.cli import main


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), prog_name="trustengine")


@pytest.fixture(scope="session")
def demo_master(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("demo") / "trustengine.db"
    result = run("demo", "--db", str(path))
    assert result.exit_code == 0, result.output
    return path


@pytest.fixture
def demo_db(demo_master: Path, tmp_path: Path) -> str:
    """A fresh copy of the demo store (83 events), its own for each test."""
    path = tmp_path / "trustengine.db"
    shutil.copy2(demo_master, path)
    shutil.copy2(demo_master.with_suffix(".keys"), path.with_suffix(".keys"))  # its key store
    return str(path)


@pytest.fixture
def signing_key(tmp_path: Path) -> Path:
    """A new signing key pair: the private key's path (the public one is beside it)."""
    path = tmp_path / "ledger-signing"
    result = run("keygen", "--signing", "--output", str(path))
    assert result.exit_code == 0, result.output
    return path


@pytest.fixture
def checkpoint(demo_db: str, signing_key: Path, tmp_path: Path) -> Path:
    """A checkpoint of the demo store, signed with ``signing_key``."""
    path = tmp_path / "checkpoint.json"
    result = run("seal", "--sign", str(signing_key), "--output", str(path), "--db", demo_db)
    assert result.exit_code == 0, result.output
    return path


def load(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))
