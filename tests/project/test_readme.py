"""The README stays true: its commands run as shown, and CI runs its test command."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from trustengine.cli import main

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def fenced(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", README, flags=re.DOTALL)


def setup_commands() -> tuple[str, str]:
    bash = [block.strip() for block in fenced("bash")]
    return bash[0], bash[1]


def test_readme_starts_with_the_two_setup_commands_main_job_then_tests() -> None:
    main_job, tests = setup_commands()

    assert main_job.endswith("trustengine demo")
    assert tests.endswith("-m pytest")
    assert README.index(main_job) < README.index("## The event vocabulary")


def test_ci_runs_exactly_the_readme_test_command() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")

    _, tests = setup_commands()
    assert tests in ci.splitlines()


def test_every_console_command_in_the_readme_runs_as_shown(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("TRUSTENGINE_DB", raising=False)
    commands = [
        line.removeprefix("$ ")
        for block in fenced("console")
        for line in block.splitlines()
        if line.startswith("$ trustengine ")
    ]
    runner = CliRunner()

    assert len(commands) >= 5
    for command in commands:
        result = runner.invoke(main, shlex.split(command)[1:])
        assert result.exit_code == 0, f"{command}\n{result.output}"
    assert not_ignored(tmp_path) == []


def not_ignored(folder: Path) -> list[str]:
    """The files in ``folder`` that git would offer to commit were ``folder`` the
    repository's top: what the README's commands write must be covered by .gitignore."""
    names = [str(path.relative_to(folder)) for path in folder.rglob("*") if path.is_file()]
    assert names, "the README's commands wrote nothing"
    checked = subprocess.run(
        ["git", "check-ignore", "--no-index", "--verbose", "--non-matching", *names],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    return [line.split("\t")[-1] for line in checked.stdout.splitlines() if line.startswith("::")]


def test_every_json_line_in_the_readme_imports_cleanly(tmp_path: Path) -> None:
    lines = [line for block in fenced("json") for line in block.splitlines() if line.strip()]
    path = tmp_path / "readme.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")

    result = CliRunner().invoke(main, ["import", str(path), "--db", str(tmp_path / "t.db")])

    assert result.exit_code == 0, result.output
    assert result.output == f"Imported {len(lines)} events (0 already stored) from {path}.\n"


def test_the_readme_embedding_example_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    (code,) = fenced("python")

    exec(compile(code, "README.md", "exec"), {"__name__": "readme"})  # noqa: S102

    assert (tmp_path / "trustengine.db").exists()
    lines = capsys.readouterr().out.splitlines()
    assert "2026-03-02T08:00:00+00:00 PromiseKept 62.1" in lines  # read back, with trust
    assert "sla:resolution cust-042 C-1001 144.0" in lines
    assert lines[-1] == "open"


@pytest.mark.slow
def test_the_main_job_command_works_on_a_fresh_copy(tmp_path: Path) -> None:
    """Run the README's first command verbatim in a clean copy of the repository."""
    main_job, _ = setup_commands()
    copy = tmp_path / "fresh"
    tracked = (
        subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True)
        .stdout.decode()
        .split("\0")
    )
    for name in filter(None, tracked):
        source = ROOT / name
        if source.is_file():
            (copy / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, copy / name)
    env = {k: v for k, v in os.environ.items() if k not in ("TRUSTENGINE_DB", "VIRTUAL_ENV")}
    env["PATH"] = os.pathsep.join(
        p for p in env.get("PATH", "").split(os.pathsep) if not p.startswith(sys.prefix)
    )

    result = subprocess.run(
        ["bash", "-c", main_job], cwd=copy, env=env, capture_output=True, text=True, timeout=900
    )

    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert "Loaded 83 new events (0 already stored) into trustengine.db." in result.stdout
    assert (copy / "trustengine.db").exists()


@pytest.mark.postgres
def test_the_postgres_section_runs_as_shown_against_the_server(
    postgres_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import uuid

    import psycopg

    monkeypatch.chdir(tmp_path)
    schema = f"te_readme_{uuid.uuid4().hex[:12]}"
    commands = [
        line.removeprefix("$ ").replace("schema=trustengine_demo", f"schema={schema}")
        for block in fenced("postgres")
        for line in block.splitlines()
        if line.startswith("$ trustengine ")
    ]
    runner = CliRunner()
    try:
        assert len(commands) >= 4
        for command in commands:
            result = runner.invoke(main, shlex.split(command)[1:])
            assert result.exit_code == 0, f"{command}\n{result.output}"
    finally:
        with psycopg.connect(postgres_url, autocommit=True) as connection:
            connection.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
            connection.execute(f'DROP SCHEMA IF EXISTS "{schema}_keys" CASCADE')


def test_the_quick_tier_the_readme_gives_selects_tests_and_leaves_out_slow_and_postgres() -> None:
    quick = [block.strip() for block in fenced("bash")][2]
    assert quick == '.venv/bin/python -m pytest -m "not slow and not postgres"'
    expression = shlex.split(quick)[-1]

    collected = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "--collect-only",
            "-q",
            "-p",
            "no:cacheprovider",
            "-m",
            expression,
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )

    assert collected.returncode == 0, collected.stdout[-2000:] + collected.stderr
    summary = collected.stdout.strip().splitlines()[-1]
    counts = re.match(r"(\d+)/(\d+) tests collected \((\d+) deselected\)", summary)
    assert counts is not None, summary
    selected, deselected = int(counts[1]), int(counts[3])
    assert selected > 1000 and deselected > 100, summary


def test_the_unit_tier_the_readme_gives_needs_no_postgresql_and_no_slow_test() -> None:
    unit = [block.strip() for block in fenced("bash")][3]
    assert unit == ".venv/bin/python -m pytest tests/unit"

    def collected(*args: str) -> str:
        return subprocess.run(
            [
                sys.executable,
                "-m",
                "pytest",
                "--collect-only",
                "-q",
                "-p",
                "no:cacheprovider",
                "tests/unit",
                *args,
            ],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=300,
        ).stdout

    assert "tests collected" in collected()
    assert "no tests collected" in collected("-m", "postgres or slow")
