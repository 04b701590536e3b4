"""Whatever a command lets escape is one line on stderr, never a traceback: exit status 3
for a defect (the traceback only with --debug), 2 for a full disk, 130 for Ctrl-C."""

from __future__ import annotations

import errno
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from trustengine.cli import main

INTERNAL = "trustengine: internal error: RuntimeError: boom; rerun with --debug for the traceback\n"


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> str:
    db = str(tmp_path_factory.mktemp("failures") / "demo.db")
    assert CliRunner().invoke(main, ["demo", "--db", db]).exit_code == 0
    return db


def export_raises(monkeypatch: pytest.MonkeyPatch, error: BaseException) -> None:
    def fail(*_args: Any, **_kwargs: Any) -> int:
        raise error

    monkeypatch.setattr("trustengine.cli.ledger.export_lines", fail)


def test_an_unexpected_exception_is_one_line_and_exit_status_3(
    demo_db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    export_raises(monkeypatch, RuntimeError("boom"))

    result = CliRunner().invoke(main, ["export", "--db", demo_db])

    assert (result.exit_code, result.stdout, result.stderr) == (3, "", INTERNAL)


def test_a_long_multiline_message_is_cut_to_one_line_of_200_characters(
    demo_db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    export_raises(monkeypatch, ValueError("first\nsecond " + "x" * 500))

    result = CliRunner().invoke(main, ["export", "--db", demo_db])

    detail = ("first second " + "x" * 500)[:200]
    assert (result.exit_code, result.stderr) == (
        3,
        f"trustengine: internal error: ValueError: {detail}…; "
        "rerun with --debug for the traceback\n",
    )


@pytest.mark.parametrize("how", ["option", "environment"])
def test_debug_shows_the_traceback_before_the_line(
    how: str, demo_db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    export_raises(monkeypatch, RuntimeError("boom"))
    args, env = (["--debug"], {}) if how == "option" else ([], {"TRUSTENGINE_DEBUG": "1"})

    result = CliRunner().invoke(main, [*args, "export", "--db", demo_db], env=env)

    assert result.exit_code == 3
    assert result.stderr.startswith("Traceback (most recent call last):\n")
    assert result.stderr.endswith("RuntimeError: boom\n" + INTERNAL)


def test_without_debug_there_is_no_traceback(demo_db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    export_raises(monkeypatch, RuntimeError("boom"))

    result = CliRunner().invoke(main, ["export", "--db", demo_db], env={"TRUSTENGINE_DEBUG": ""})

    assert "Traceback" not in result.output
    assert result.stderr == INTERNAL


def test_ctrl_c_is_one_line_and_exit_status_130(
    demo_db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    export_raises(monkeypatch, KeyboardInterrupt())

    result = CliRunner().invoke(main, ["export", "--db", demo_db])

    assert (result.exit_code, result.stderr) == (130, "\ntrustengine: interrupted\n")


def test_a_closed_pipe_on_stdout_ends_quietly(
    demo_db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    export_raises(monkeypatch, BrokenPipeError(errno.EPIPE, "Broken pipe"))

    result = CliRunner().invoke(main, ["export", "--db", demo_db])

    assert (result.exit_code, result.output) == (1, "")


def test_click_errors_and_exit_statuses_pass_through_unchanged(demo_db: str) -> None:
    runner = CliRunner()

    usage = runner.invoke(main, ["export", "--no-such-option", "--db", demo_db])
    unknown = runner.invoke(main, ["case", "cust-nobody", "C-1", "--db", demo_db])
    finding = runner.invoke(main, ["due", "--fail-on-overdue", "--db", demo_db])
    version = runner.invoke(main, ["--version"])

    assert (usage.exit_code, usage.stderr) == (
        2,
        "Error: No such option '--no-such-option'. (see 'main export --help')\n",
    )
    assert unknown.exit_code == 2 and unknown.stderr.startswith("Error: no customer 'cust-nobody'")
    assert finding.exit_code == 1
    assert (version.exit_code, version.output) == (0, "trustengine, version 0.1.0\n")


def test_a_full_disk_is_one_line_and_exit_status_2(
    demo_db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    export_raises(monkeypatch, OSError(errno.ENOSPC, "No space left on device"))

    result = CliRunner().invoke(main, ["export", "--db", demo_db])

    assert (result.exit_code, result.stderr) == (
        2,
        "Error: cannot write the output: no space left on the device\n",
    )


def test_a_full_disk_names_the_file_when_it_is_known(
    demo_db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    export_raises(monkeypatch, OSError(errno.ENOSPC, "No space left on device", "out.jsonl"))

    result = CliRunner().invoke(main, ["export", "--db", demo_db])

    assert (result.exit_code, result.stderr) == (
        2,
        "Error: cannot write out.jsonl: no space left on the device\n",
    )


def test_sqlite_saying_the_disk_is_full_is_exit_status_2(
    demo_db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    export_raises(monkeypatch, sqlite3.OperationalError("database or disk is full"))

    result = CliRunner().invoke(main, ["export", "--db", demo_db])

    assert (result.exit_code, result.stderr) == (
        2,
        "Error: cannot write the SQLite store: no space left on the device\n",
    )


@pytest.mark.skipif(
    not Path("/dev/full").is_char_device(),
    reason="needs the /dev/full device",
)
def test_exporting_to_a_stdout_on_a_full_device_is_one_line(demo_db: str) -> None:
    # --output refuses a device by name; a shell's "> /dev/full" is standard output.
    with Path("/dev/full").open("w") as full:
        result = subprocess.run(
            [sys.executable, "-m", "trustengine", "export", "--db", demo_db],
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            timeout=60,
            check=False,
        )

    assert (result.returncode, result.stderr) == (
        2,
        "Error: cannot write the output: no space left on the device\n",
    )
