"""An unusable store is one clear line and exit status 2, never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from trustengine.cli import main


def run(target: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["verify", "--db", target])
    return result.exit_code, result.output


def test_an_unreachable_postgres_server_says_the_connection_was_refused() -> None:
    code, output = run("postgresql://postgres@127.0.0.1:1/test")

    assert code == 2
    assert output == (
        "Error: cannot open store postgresql://postgres@127.0.0.1:1/test: connection to "
        'server at "127.0.0.1", port 1 failed: Connection refused; Is the server running on '
        "that host and accepting TCP/IP connections?\n"
    )


@pytest.mark.postgres
def test_an_unknown_postgres_role_is_named(postgres_url: str) -> None:
    target = postgres_url.replace("postgres@", "no_such_role@", 1)

    code, output = run(target)

    assert code == 2
    assert output.endswith('failed: role "no_such_role" does not exist\n')


@pytest.mark.postgres
def test_an_unknown_postgres_database_is_named(postgres_url: str) -> None:
    target = postgres_url.rsplit("/", 1)[0] + "/no_such_database"

    code, output = run(target)

    assert code == 2
    assert output.endswith('failed: database "no_such_database" does not exist\n')


def test_a_password_in_the_target_is_never_printed() -> None:
    code, output = run("postgresql://postgres:hunter2@127.0.0.1:1/test?bogus=1")

    assert code == 2
    assert "hunter2" not in output
    assert output == (
        "Error: PostgreSQL target 'postgresql://postgres:***@127.0.0.1:1/test?bogus=1': "
        "unknown option(s) bogus (only 'schema' is understood)\n"
    )


@pytest.mark.parametrize(
    ("given", "shown"),
    [("Trust%20Demo", "Trust Demo"), ("UPPER", "UPPER"), ("a-b", "a-b"), ("x;drop", "x;drop")],
)
def test_a_schema_name_that_would_need_quotes_is_refused_in_one_line(
    given: str, shown: str
) -> None:
    target = f"postgresql://postgres@127.0.0.1:1/test?schema={given}"
    for command in (["verify"], ["demo"], ["record", "ContactUnanswered", "--customer", "c"]):
        result = CliRunner().invoke(main, [*command, "--db", target])

        assert (result.exit_code, result.output) == (
            2,
            f"Error: PostgreSQL target {target!r}: schema {shown!r} is not a plain name: "
            "use lower-case letters, digits and _, starting with a letter or _ (at most 63)\n",
        ), command


def test_a_schema_name_of_64_characters_is_refused() -> None:
    code, output = run(f"postgresql://postgres@127.0.0.1:1/test?schema={'s' * 64}")

    assert code == 2
    assert "is not a plain name" in output


def test_an_unknown_url_scheme_is_refused_by_name() -> None:
    code, output = run("mysql://root@localhost/db")

    assert (code, output) == (
        2,
        "Error: unknown store target 'mysql://root@localhost/db': use a file path, "
        "':memory:' or postgresql://...\n",
    )


READERS = [
    ["customers"],
    ["state", "cust-1"],
    ["timeline", "cust-1"],
    ["case", "cust-1", "C-1"],
    ["audit", "cust-1"],
    ["verify"],
    ["seal"],
    ["export"],
    ["rebuild"],
    ["due"],
    ["sweep"],
    ["report"],
    ["erase", "cust-1", "--legal-basis", "request", "--yes"],
]


@pytest.mark.parametrize("args", READERS, ids=[args[0] for args in READERS])
def test_a_command_that_adds_no_events_refuses_a_missing_store_and_creates_none(
    tmp_path: Path, args: list[str]
) -> None:
    missing = tmp_path / "typo.db"

    result = CliRunner().invoke(main, [*args, "--db", str(missing)])

    assert (result.exit_code, result.output) == (
        2,
        f"Error: no store at {missing}: check --db, or load one with trustengine import "
        "(nothing was created)\n",
    )
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "args",
    [
        ["demo"],
        ["record", "CustomerContacted", "--customer", "cust-1", "--direction", "inbound"],
    ],
    ids=["demo", "record"],
)
def test_a_command_that_adds_events_starts_a_new_store(tmp_path: Path, args: list[str]) -> None:
    new = tmp_path / "new.db"

    result = CliRunner().invoke(main, [*args, "--db", str(new)])

    assert result.exit_code == 0, result.output
    assert new.exists()
