"""A PostgreSQL store's key schema is named within PostgreSQL's 63 bytes without two
stores sharing it; a key schema an older version cut short is moved once when that is
safe, and refused by name when it is not. Every schema made here is dropped after."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from click.testing import CliRunner

from tests.conftest import POSTGRES_ADMIN_URL, TEST_CIPHER_KEY, _require_postgres
from trustengine import TrustEngine
from trustengine.cli import main
from trustengine.exceptions import KeyStoreError
from trustengine.persistence.keystore import Wrapping, cut_keys_schema, keys_schema
from trustengine.persistence.pgkeys import PostgresKeyStore
from trustengine.persistence.target import StoreTarget, parse_target

NAME = "Zelda Quixote-Marlowe"


def target(schema: str) -> StoreTarget:
    return StoreTarget("postgres", {"POSTGRES_SCHEMA": schema}, f"pg?schema={schema}")


def registered(customer: str = "cust-1", name: str = NAME) -> dict[str, Any]:
    return {
        "type": "CustomerRegistered",
        "customer": customer,
        "at": "2026-03-01T09:00:00+00:00",
        "data": {"name": name},
    }


# --- the rule -----------------------------------------------------------------------------


@pytest.mark.parametrize("schema", ["public", "te_store", "s" * 58])
def test_a_key_schema_name_that_fits_is_the_store_schema_with_keys_appended(schema: str) -> None:
    assert keys_schema(target(schema)) == f"{schema}_keys"
    assert cut_keys_schema(target(schema)) is None


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("a" * 58 + "_one", "a" * 58 + "_two"),  # ASCII, the first 58 bytes shared
        ("é" * 29 + "x_one", "é" * 29 + "x_two"),  # two-byte letters
        ("ж" * 20 + "€" * 7 + "_a", "ж" * 20 + "€" * 7 + "_b"),  # two- and three-byte
    ],
)
def test_long_store_schemas_with_the_same_first_bytes_get_key_schemas_of_their_own(
    first: str, second: str
) -> None:
    names = [keys_schema(target(first)), keys_schema(target(second))]

    assert names[0] != names[1]
    assert all(len(n.encode()) <= 63 and n.endswith("_keys") for n in names)
    assert cut_keys_schema(target(first)) == cut_keys_schema(target(second))  # the old clash
    assert keys_schema(target(first)) == names[0]  # the same every time


# --- on PostgreSQL ------------------------------------------------------------------------


def admin(statement: Any, params: Any = None) -> list[tuple[Any, ...]]:
    import psycopg

    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as conn:
        cursor = conn.execute(statement, params)
        return cursor.fetchall() if cursor.description else []


def ident(template: str, *names: str) -> Any:
    from psycopg.sql import SQL, Identifier

    return SQL(template).format(*(Identifier(n) for n in names))


def schemas(prefix: str) -> set[str]:
    return {
        r[0]
        for r in admin("SELECT nspname FROM pg_namespace WHERE starts_with(nspname, %s)", (prefix,))
    }


@pytest.fixture
def long_schema() -> Iterator[Callable[[str], str]]:
    """Make long store schemas (58 shared bytes, then ``tail``); drop every schema that
    starts with their prefix afterwards (stores, key schemas new and cut)."""
    _require_postgres()
    prefix = f"te_{uuid.uuid4().hex}"
    shared = prefix + "_" + "x" * (57 - len(prefix))

    def make(tail: str) -> str:
        name = shared + tail
        admin(ident("CREATE SCHEMA {}", name))
        return name

    try:
        yield make
    finally:
        for name in schemas(prefix):
            admin(ident("DROP SCHEMA IF EXISTS {} CASCADE", name))


def url(schema: str) -> str:
    return f"{POSTGRES_ADMIN_URL}?schema={schema}"


@pytest.mark.postgres
@pytest.mark.parametrize("cipher_key", [None, TEST_CIPHER_KEY], ids=["plain", "encrypted"])
def test_erasing_in_one_long_named_store_leaves_the_keys_of_its_namesake(
    long_schema: Callable[[str], str], cipher_key: str | None
) -> None:
    one, two = long_schema("_one"), long_schema("_two")
    first = TrustEngine(url(one), cipher_key=cipher_key)
    second = TrustEngine(url(two), cipher_key=cipher_key)
    try:
        first.record(registered())
        second.record(registered(name="Kim Keep"))

        first.erase("cust-1", legal_basis="GDPR Art. 17 request")
        again = TrustEngine(url(two), cipher_key=cipher_key)
        name = again.history("cust-1")[0].data()["name"]
        again.close()
    finally:
        first.close()
        second.close()

    assert name == "Kim Keep"
    assert schemas(one[:35]) >= {keys_schema(target(one)), keys_schema(target(two))}
    assert cut_keys_schema(target(one)) not in schemas(one[:35])


def older_layout(schema: str) -> str:
    """Put ``schema``'s key store where an older version kept it (the name cut short)."""
    cut = cut_keys_schema(target(schema))
    assert cut is not None
    admin(ident("ALTER SCHEMA {} RENAME TO {}", keys_schema(target(schema)), cut))
    return cut


@pytest.mark.postgres
def test_a_key_schema_an_older_version_cut_short_is_moved_once_and_its_keys_read(
    long_schema: Callable[[str], str],
) -> None:
    one = long_schema("_one")
    engine = TrustEngine(url(one), cipher_key=TEST_CIPHER_KEY)
    engine.record(registered())
    engine.close()
    cut = older_layout(one)

    names = []
    for _ in range(2):  # the second open finds it moved already
        reopened = TrustEngine(url(one), cipher_key=TEST_CIPHER_KEY)
        names.append(reopened.history("cust-1")[0].data()["name"])
        reopened.close()

    assert names == [NAME, NAME]
    assert cut not in schemas(one[:35])
    assert keys_schema(target(one)) in schemas(one[:35])


@pytest.mark.postgres
def test_a_cut_key_schema_another_store_schema_may_share_is_refused_by_name_and_kept(
    long_schema: Callable[[str], str],
) -> None:
    one = long_schema("_one")
    engine = TrustEngine(url(one))
    engine.record(registered())
    engine.close()
    cut = older_layout(one)
    two = long_schema("_two")

    with pytest.raises(KeyStoreError) as refused:
        TrustEngine(url(one))
    tag = {"POSTGRES_APPLICATION_NAME": one[:35]}
    with pytest.raises(KeyStoreError) as kept:  # kept: its traceback holds the key store
        PostgresKeyStore(
            {**parse_target(url(one)).env, **tag},
            keys_schema(target(one)),
            Wrapping(None, ""),
            "pg",
            cut=(cut, one),
        )
    left = admin("SELECT count(*) FROM pg_stat_activity WHERE application_name = %s", (one[:35],))
    result = CliRunner().invoke(main, ["export", "--db", url(one)])
    keys = admin(ident("SELECT count(*) FROM {}.customer_keys", cut))

    assert f"the key schema {cut!r} may be shared by store schema {one!r} and {two!r}" in str(
        refused.value
    )
    assert "63 bytes" in str(refused.value) and f"?schema={cut}" in str(refused.value)
    assert result.exit_code == 2
    assert f"the key schema {cut!r} may be shared" in result.output
    assert keys == [(1,)]
    assert left == [(0,)], kept  # the refused open gave its connection back
    explicit = TrustEngine(url(one), keys=url(cut))  # the way out the message names
    assert explicit.history("cust-1")[0].data()["name"] == NAME
    explicit.close()


@pytest.mark.postgres
def test_keys_in_both_the_cut_and_the_new_key_schema_are_refused(
    long_schema: Callable[[str], str],
) -> None:
    one = long_schema("_one")
    engine = TrustEngine(url(one))
    engine.record(registered())
    engine.close()
    cut = older_layout(one)
    engine = TrustEngine(url(one))  # moves it
    engine.record(registered("cust-2"))
    engine.close()
    admin(ident("CREATE SCHEMA {}", cut))
    admin(ident("CREATE TABLE {}.customer_keys (originator_id uuid PRIMARY KEY, key bytea)", cut))
    admin(ident("CREATE TABLE {}.erasing (originator_id uuid PRIMARY KEY)", cut))
    admin(ident("INSERT INTO {}.customer_keys VALUES (gen_random_uuid(), 'k')", cut))

    with pytest.raises(KeyStoreError, match="both hold keys of store schema"):
        TrustEngine(url(one))
