"""demo prints its timeline from the store it loaded, whatever read model lies around."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from trustengine import TrustEngine
from trustengine.cli import main


def test_demo_on_postgres_ignores_another_stores_views_file_in_the_folder(
    postgres_target: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    other = str(tmp_path / "other.db")
    assert runner.invoke(main, ["demo", "--db", other]).exit_code == 0
    built = runner.invoke(main, ["rebuild", "--db", other, "--views", "trustengine-views.db"])
    assert built.exit_code == 0, built.output

    loaded = runner.invoke(main, ["demo", "--db", postgres_target])

    assert loaded.exit_code == 0, loaded.output
    assert "trust trend:" in loaded.output


def test_a_timeline_replayed_under_named_policies_reads_no_read_model(tmp_path: Path) -> None:
    engine = TrustEngine(str(tmp_path / "t.db"), views=str(tmp_path / "views.db"))
    try:
        engine.file_complaint(
            "cust-1",
            "C-1",
            category="billing",
            severity=2,
            cause="billing_error",
            summary="Charged twice",
        )
        rows = engine.timeline("cust-1", policy="trust-v1", sla="sla-default")
    finally:
        engine.close()

    assert [row.type for row in rows] == ["ComplaintFiled"]
    assert not (tmp_path / "views.db").exists()
