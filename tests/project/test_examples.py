"""Every script in examples/ runs, on the embedded store and in memory."""

from __future__ import annotations

import runpy
import sys
from pathlib import Path

import pytest

EXAMPLES = sorted((Path(__file__).resolve().parents[2] / "examples").glob("*.py"))


@pytest.mark.parametrize("script", EXAMPLES, ids=lambda p: p.name)
@pytest.mark.parametrize("store", ["memory", "sqlite"])
def test_example_runs_and_prints_its_story(
    script: Path,
    store: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    target = ":memory:" if store == "memory" else str(tmp_path / "example.db")
    monkeypatch.setattr(sys, "argv", [str(script), target])

    runpy.run_path(str(script), run_name="__main__")

    out = capsys.readouterr().out
    assert out.strip(), f"{script.name} printed nothing"
    assert "Traceback" not in out


def test_quickstart_refuses_a_commitment_on_a_closed_case_and_dedupes_a_retry(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    script = next(p for p in EXAMPLES if p.name == "quickstart.py")
    monkeypatch.setattr(sys, "argv", [str(script)])

    runpy.run_path(str(script), run_name="__main__")

    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == (
        "refused: case 'C-1001' is closed: PromiseMade needs it reopened first "
        "(rule: closed-case-takes-only-settlements)"
    )
    assert lines[1] == "stored the same fact again: False"
    assert lines[2] == "12 events for cust-042:"


def test_read_api_example_reads_the_demo_and_names_what_is_missing(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    script = next(p for p in EXAMPLES if p.name == "read_api.py")
    monkeypatch.setattr(sys, "argv", [str(script)])

    runpy.run_path(str(script), run_name="__main__")

    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "at risk: cust-boris trust 7.8 (lost)"
    assert "not found: no customer 'cust-nobody' in :memory:" in lines
    assert "not found: customer 'cust-chen' has no case 'C-9' in :memory:" in lines
    assert "83 steps read by 4 threads for 5 customers" in lines
