"""The house rules that tools can check: mypy strict on src/, ruff on everything."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", *args], cwd=ROOT, capture_output=True, text=True, timeout=600
    )


@pytest.mark.slow
def test_mypy_strict_finds_nothing_in_src() -> None:
    result = run("mypy")

    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_finds_nothing() -> None:
    result = run("ruff", "check", "src", "tests", "examples", "benchmarks")

    assert result.returncode == 0, result.stdout + result.stderr


def test_every_public_name_is_exported_and_exists() -> None:
    import trustengine

    missing = [name for name in trustengine.__all__ if not hasattr(trustengine, name)]

    assert missing == []


def test_every_error_ends_in_error_and_says_when_it_is_raised() -> None:
    from trustengine import exceptions

    errors = [
        value
        for value in vars(exceptions).values()
        if isinstance(value, type) and issubclass(value, Exception)
    ]

    assert errors
    for error in errors:
        assert error.__name__.endswith("Error"), error
        assert issubclass(error, exceptions.TrustEngineError), error
        assert (error.__doc__ or "").startswith("Raised when"), error
