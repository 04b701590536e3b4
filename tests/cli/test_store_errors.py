"""An unusable store is one clear line and exit status 2, never a traceback."""

from __future__ import annotations

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


def test_an_unknown_url_scheme_is_refused_by_name() -> None:
    code, output = run("mysql://root@localhost/db")

    assert (code, output) == (
        2,
        "Error: unknown store target 'mysql://root@localhost/db': use a file path, "
        "':memory:' or postgresql://...\n",
    )
