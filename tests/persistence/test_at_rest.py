"""A store is opened only as it was made: encrypted with its key, plain without one.

Every test runs on SQLite and PostgreSQL (``durable_target``). Before this, a write
without the key, or with another, stored a payload the right key could not read, and from
then on ``customers`` and ``export`` failed for good; ``verify`` called the store's every
event a problem.
"""

from __future__ import annotations

import base64
import sqlite3
from collections.abc import Callable
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from click.testing import CliRunner, Result
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import POSTGRES_ADMIN_URL, TEST_CIPHER_KEY
from tests.examples import event
from trustengine import TrustEngine
from trustengine.cli import main
from trustengine.exceptions import (
    StoreEncryptedError,
    StoreNotEncryptedError,
    StoreTargetError,
    WrongCipherKeyError,
)
from trustengine.persistence.atrest import key_check
from trustengine.persistence.target import check_cipher_key

OTHER_KEY = base64.b64encode(bytes(range(100, 132))).decode()
EVENTS = [
    event("CustomerContacted", at=n, direction="inbound", summary=f"call {n}") for n in (0, 1)
]
LINE = (
    '{"type":"CustomerContacted","customer":"cust-new","at":"2026-03-02T09:00:00+00:00",'
    '"data":{"direction":"inbound"}}\n'
)


def _sql(target: str, statement: str) -> list[tuple[object, ...]]:
    """Run ``statement`` on the store; ``{meta}`` names its metadata table."""
    if target.startswith("postgresql"):
        import psycopg

        schema = parse_qs(urlsplit(target).query)["schema"][0]
        with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as connection:
            cursor = connection.execute(
                statement.format(meta=f'"{schema}".trustengine_events_meta')
            )
            return list(cursor.fetchall()) if cursor.description else []
    with sqlite3.connect(target) as connection:
        rows = connection.execute(statement.format(meta="store_meta")).fetchall()
    connection.close()
    return rows


def _store(target: str, key: str | None) -> None:
    engine = TrustEngine(target, cipher_key=key)
    try:
        engine.record_many(EVENTS)
    finally:
        engine.close()


def _count(target: str, key: str | None) -> int:
    engine = TrustEngine(target, cipher_key=key)
    try:
        return sum(1 for _ in engine.all_events())
    finally:
        engine.close()


def _where(target: str) -> str:
    return f"(store {target})"


# --- the library -------------------------------------------------------------------------


def test_an_encrypted_store_records_that_it_is_and_its_key_check(durable_target: str) -> None:
    _store(durable_target, TEST_CIPHER_KEY)

    rows = _sql(durable_target, "SELECT name, value FROM {meta} ORDER BY name")

    assert rows == [("encryption", "aes-gcm"), ("key_check", key_check(TEST_CIPHER_KEY))]
    assert key_check(TEST_CIPHER_KEY) != key_check(OTHER_KEY)


def test_a_plain_store_records_that_it_is_not_encrypted(durable_target: str) -> None:
    _store(durable_target, None)

    assert _sql(durable_target, "SELECT name, value FROM {meta}") == [("encryption", "none")]


def test_an_encrypted_store_is_not_opened_without_its_key(durable_target: str) -> None:
    _store(durable_target, TEST_CIPHER_KEY)

    with pytest.raises(StoreEncryptedError) as caught:
        TrustEngine(durable_target)

    assert str(caught.value) == (
        f"this store is encrypted: give --cipher-key-file {_where(durable_target)}"
    )


def test_an_encrypted_store_is_not_opened_with_another_key(durable_target: str) -> None:
    _store(durable_target, TEST_CIPHER_KEY)

    with pytest.raises(WrongCipherKeyError) as caught:
        TrustEngine(durable_target, cipher_key=OTHER_KEY)

    assert str(caught.value) == f"this key does not open the store {_where(durable_target)}"
    assert _count(durable_target, TEST_CIPHER_KEY) == 2


def test_a_plain_store_is_not_opened_with_a_key(durable_target: str) -> None:
    """Refused rather than written in ciphertext among plaintext, or read as if it
    were protected when it is not."""
    _store(durable_target, None)

    with pytest.raises(StoreNotEncryptedError) as caught:
        TrustEngine(durable_target, cipher_key=TEST_CIPHER_KEY)

    assert str(caught.value) == (
        f"this store is not encrypted: give it no cipher key {_where(durable_target)}"
    )


def test_an_empty_store_takes_the_kind_of_its_first_write(durable_target: str) -> None:
    TrustEngine(durable_target).close()  # opened without a key, nothing written
    _store(durable_target, TEST_CIPHER_KEY)

    with pytest.raises(StoreEncryptedError):
        TrustEngine(durable_target)
    assert _count(durable_target, TEST_CIPHER_KEY) == 2


def test_a_write_that_lost_the_race_for_an_empty_store_is_refused(durable_target: str) -> None:
    keyless = TrustEngine(durable_target)  # opened while the store was empty
    try:
        _store(durable_target, TEST_CIPHER_KEY)  # another process writes first, encrypted
        with pytest.raises(StoreEncryptedError):
            keyless.record(event("CustomerContacted", customer="c-2", direction="inbound"))
    finally:
        keyless.close()

    assert _count(durable_target, TEST_CIPHER_KEY) == 2


def test_an_empty_cipher_key_is_refused() -> None:
    with pytest.raises(StoreTargetError, match=r"^the cipher key is empty \("):
        TrustEngine(":memory:", cipher_key=" \n")


# --- stores made before the marker -------------------------------------------------------


@pytest.mark.parametrize("how", ["rows deleted", "table dropped"])
def test_an_old_encrypted_store_is_marked_on_first_open_with_its_key(
    durable_target: str, how: str
) -> None:
    _store(durable_target, TEST_CIPHER_KEY)
    _sql(durable_target, "DELETE FROM {meta}" if how == "rows deleted" else "DROP TABLE {meta}")

    with pytest.raises(StoreEncryptedError):
        TrustEngine(durable_target)
    with pytest.raises(WrongCipherKeyError):
        TrustEngine(durable_target, cipher_key=OTHER_KEY)
    refused = _sql(durable_target, "SELECT name FROM {meta}")
    count = _count(durable_target, TEST_CIPHER_KEY)

    assert refused == []  # neither refusal wrote a marker
    assert count == 2
    assert dict(_sql(durable_target, "SELECT name, value FROM {meta}")) == {
        "encryption": "aes-gcm",
        "key_check": key_check(TEST_CIPHER_KEY),
    }
    with pytest.raises(StoreEncryptedError):
        TrustEngine(durable_target)


def test_an_old_plain_store_is_marked_on_first_open_and_then_refuses_a_key(
    durable_target: str,
) -> None:
    _store(durable_target, None)
    _sql(durable_target, "DELETE FROM {meta}")

    with pytest.raises(StoreNotEncryptedError):
        TrustEngine(durable_target, cipher_key=TEST_CIPHER_KEY)

    assert _sql(durable_target, "SELECT name, value FROM {meta}") == [("encryption", "none")]
    assert _count(durable_target, None) == 2


# --- the commands ------------------------------------------------------------------------

RECORD = ["record", "CustomerContacted", "--customer", "c-9", "--direction", "inbound"]
COMMANDS: dict[str, Callable[[Path], list[str]]] = {
    "verify": lambda _tmp: ["verify"],
    "customers": lambda tmp: ["customers", "--views", str(tmp / "views.db")],
    "export": lambda _tmp: ["export"],
    "record": lambda _tmp: RECORD,
    "import": lambda _tmp: ["import", "-"],
}


def _run(args: list[str], target: str, *extra: str) -> Result:
    return CliRunner().invoke(main, [*args, "--db", target, *extra], input=LINE)


def _key_file(tmp_path: Path, key: str, name: str = "store.key") -> Path:
    path = tmp_path / name
    path.write_text(key + "\n")
    path.chmod(0o600)  # a key file others can read is refused
    return path


@pytest.mark.parametrize("command", list(COMMANDS))
def test_each_command_on_an_encrypted_store_without_the_key_says_so_and_writes_nothing(
    durable_target: str, tmp_path: Path, command: str
) -> None:
    _store(durable_target, TEST_CIPHER_KEY)

    result = _run(COMMANDS[command](tmp_path), durable_target)

    assert (result.exit_code, result.output) == (
        2,
        f"Error: this store is encrypted: give --cipher-key-file {_where(durable_target)}\n",
    )
    assert _count(durable_target, TEST_CIPHER_KEY) == 2


@pytest.mark.parametrize("command", list(COMMANDS))
def test_each_command_on_an_encrypted_store_with_another_key_says_so_and_writes_nothing(
    durable_target: str, tmp_path: Path, command: str
) -> None:
    _store(durable_target, TEST_CIPHER_KEY)
    other = _key_file(tmp_path, OTHER_KEY)

    result = _run(COMMANDS[command](tmp_path), durable_target, "--cipher-key-file", str(other))

    assert (result.exit_code, result.output) == (
        2,
        f"Error: this key does not open the store {_where(durable_target)}\n",
    )
    assert _count(durable_target, TEST_CIPHER_KEY) == 2


@pytest.mark.parametrize("command", ["record", "import"])
def test_writing_to_a_plain_store_with_a_key_is_refused(
    durable_target: str, tmp_path: Path, command: str
) -> None:
    _store(durable_target, None)
    key = _key_file(tmp_path, TEST_CIPHER_KEY)

    result = _run(COMMANDS[command](tmp_path), durable_target, "--cipher-key-file", str(key))

    assert (result.exit_code, result.output) == (
        2,
        f"Error: this store is not encrypted: give it no cipher key {_where(durable_target)}\n",
    )
    assert _count(durable_target, None) == 2


def test_verify_with_the_key_finds_the_encrypted_store_whole(
    durable_target: str, tmp_path: Path
) -> None:
    _store(durable_target, TEST_CIPHER_KEY)
    key = _key_file(tmp_path, TEST_CIPHER_KEY)

    result = _run(["verify"], durable_target, "--cipher-key-file", str(key))

    assert (result.exit_code, result.output) == (0, "2 events checked: ok\n")


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ("", "the cipher key is empty (`trustengine keygen` makes one)"),
        (" \n\n", "the cipher key is empty (`trustengine keygen` makes one)"),
        (
            "not a key",
            "the cipher key must be base64 of 16, 24 or 32 random bytes "
            "(`trustengine keygen` makes one)",
        ),
    ],
    ids=["empty", "blank", "malformed"],
)
def test_an_empty_or_malformed_key_file_is_one_line_naming_it(
    tmp_path: Path, content: str, reason: str
) -> None:
    db = tmp_path / "trust.db"
    key = tmp_path / "store.key"
    key.write_text(content)
    key.chmod(0o600)

    result = _run(COMMANDS["import"](tmp_path), str(db), "--cipher-key-file", str(key))

    assert (result.exit_code, result.output) == (
        2,
        f"Error: Invalid value for '--cipher-key-file': {key}: {reason} "
        "(see 'main import --help')\n",
    )
    assert not db.exists()


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(), st.binary(min_size=16, max_size=40).map(base64.b64encode)))
def test_any_key_text_is_either_a_key_or_one_refusal(text: str | bytes) -> None:
    content = text.decode() if isinstance(text, bytes) else text
    try:
        key = check_cipher_key(content)
    except StoreTargetError as error:
        assert "\n" not in str(error)
        assert str(error).startswith("the cipher key ")
    else:
        assert key == content.strip()
        assert len(base64.b64decode(key, validate=True)) in (16, 24, 32)
