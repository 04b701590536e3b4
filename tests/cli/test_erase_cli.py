"""erase asks before it destroys anything, and an erasure never makes a later demo or
re-import fail: lines for erased customers are skipped and counted."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from trustengine.cli import main

ERASE = ["erase", "cust-esme", "--legal-basis", "GDPR Art. 17 request"]
NEEDS_YES = (
    "Error: erase cannot be undone: give --yes to confirm it when not on a terminal "
    "(nothing was erased)\n"
)
CONTACT = ["record", "CustomerContacted", "--customer", "cust-esme", "--direction", "inbound"]
QUESTION = "Erase cust-esme's personal data for good? This cannot be undone. [y/N]: "


@pytest.fixture
def demo_db(tmp_path: Path) -> str:
    db = str(tmp_path / "demo.db")
    assert CliRunner().invoke(main, ["demo", "--db", db]).exit_code == 0
    return db


def esme_erased(db: str) -> bool:
    result = CliRunner().invoke(main, ["export", "--customer", "cust-esme", "--db", db])
    return '"type":"CustomerErased"' in result.output


def test_off_a_terminal_erase_needs_yes_and_erases_nothing(demo_db: str) -> None:
    result = CliRunner().invoke(main, [*ERASE, "--db", demo_db])

    assert (result.exit_code, result.stdout, result.stderr) == (2, "", NEEDS_YES)
    assert not esme_erased(demo_db)


def test_yes_erases_without_asking(demo_db: str) -> None:
    result = CliRunner().invoke(main, [*ERASE, "--yes", "--db", demo_db])

    assert (result.exit_code, result.output) == (
        0,
        "Erased cust-esme: their personal data can no longer be read.\n",
    )
    assert esme_erased(demo_db)


@pytest.fixture
def on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("trustengine.cli.privacy.on_terminal", lambda: True)


@pytest.mark.usefixtures("on_a_terminal")
def test_on_a_terminal_erase_asks_and_a_yes_erases(demo_db: str) -> None:
    result = CliRunner().invoke(main, [*ERASE, "--db", demo_db], input="y\n")

    assert result.exit_code == 0
    assert result.stderr == QUESTION + "y\n"  # CliRunner echoes the answer
    assert result.stdout == "Erased cust-esme: their personal data can no longer be read.\n"
    assert esme_erased(demo_db)


@pytest.mark.usefixtures("on_a_terminal")
@pytest.mark.parametrize("answer", ["n\n", "\n"])
def test_on_a_terminal_anything_but_yes_erases_nothing(demo_db: str, answer: str) -> None:
    result = CliRunner().invoke(main, [*ERASE, "--db", demo_db], input=answer)

    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == QUESTION + answer + "Error: not confirmed: nothing was erased\n"
    assert not esme_erased(demo_db)


@pytest.mark.usefixtures("on_a_terminal")
def test_on_a_terminal_an_unknown_customer_is_refused_before_the_question(demo_db: str) -> None:
    result = CliRunner().invoke(
        main, ["erase", "cust-nobody", "--legal-basis", "x", "--db", demo_db], input="y\n"
    )

    assert (result.exit_code, result.stderr) == (
        2,
        f"Error: no customer 'cust-nobody' in {demo_db}\n",
    )


def test_demo_runs_again_after_an_erasure_and_counts_the_skipped_lines(demo_db: str) -> None:
    CliRunner().invoke(main, [*ERASE, "--yes", "--db", demo_db])

    result = CliRunner().invoke(main, ["demo", "--db", demo_db])

    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0] == (
        f"Loaded 0 new events (79 already stored, 4 lines for erased customers skipped) "
        f"into {demo_db}."
    )


def test_an_export_made_before_an_erasure_imports_again(demo_db: str, tmp_path: Path) -> None:
    backup = tmp_path / "backup.jsonl"
    runner = CliRunner()
    runner.invoke(main, ["export", "--db", demo_db, "--output", str(backup)])
    runner.invoke(main, [*ERASE, "--yes", "--db", demo_db])
    runner.invoke(
        main, ["erase", "cust-boris", "--legal-basis", "request", "--yes", "--db", demo_db]
    )

    result = runner.invoke(main, ["import", str(backup), "--db", demo_db])

    assert (result.exit_code, result.output) == (
        0,
        f"Imported 0 events (64 already stored, 19 lines for erased customers skipped) "
        f"from {backup}.\n",
    )
    assert runner.invoke(main, ["verify", "--db", demo_db]).output == "85 events checked: ok\n"


def test_recording_for_an_erased_customer_is_still_refused(demo_db: str) -> None:
    CliRunner().invoke(main, [*ERASE, "--yes", "--db", demo_db])

    result = CliRunner().invoke(
        main,
        [*CONTACT, "--db", demo_db],
    )

    assert result.exit_code == 2
    assert result.stderr == (
        "Error: customer 'cust-esme' was erased: CustomerContacted cannot be recorded for them "
        "(rule: erased-customer-takes-nothing)\n"
    )
