"""The erasure keys live in a key store of their own: a copy of the store alone reveals
no personal text, erased keys leave no bytes behind, an interrupted erasure is finished,
a lost key is reported, and the read model holds no personal text in the clear."""

from __future__ import annotations

import base64
import os
import shutil
import sqlite3
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from click.testing import CliRunner, Result
from cryptography.hazmat.primitives.keywrap import aes_key_unwrap

from tests.conftest import TEST_CIPHER_KEY
from trustengine import TrustEngine
from trustengine.cli import main
from trustengine.domain.customer import customer_id
from trustengine.exceptions import KeyStoreError
from trustengine.integrity.verify import verify
from trustengine.persistence.keystore import derive_kek
from trustengine.persistence.personal import ERASED

NAME = "Zelda Quixote-Marlowe"
SUMMARY = "My neighbour Ruth signed for the parcel at 14 Elm Close"
CUSTOMER = "cust-z"
OTHER = "cust-y"


def history(customer: str = CUSTOMER, name: str = NAME) -> list[dict[str, object]]:
    return [
        {
            "type": "CustomerRegistered",
            "customer": customer,
            "at": "2026-03-01T09:00:00+00:00",
            "data": {"name": name},
        },
        {
            "type": "ComplaintFiled",
            "customer": customer,
            "case": "C-1",
            "at": "2026-03-01T10:00:00+00:00",
            "data": {"category": "delivery", "severity": 2, "cause": "other", "summary": SUMMARY},
        },
        {
            "type": "PromiseMade",
            "customer": customer,
            "case": "C-1",
            "at": "2026-03-01T11:00:00+00:00",
            "data": {
                "promise": "P-1",
                "description": f"Call {name} back",
                "due": "2026-03-02T11:00:00+00:00",
            },
        },
    ]


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), prog_name="trustengine")


def key_file(tmp_path: Path) -> Path:
    path = tmp_path / "store.key"
    path.write_text(TEST_CIPHER_KEY + "\n")
    path.chmod(0o600)
    return path


def stored_keys(path: Path) -> dict[str, bytes]:
    """The key store file's rows, as stored (wrapped when the store is encrypted)."""
    with sqlite3.connect(path) as conn:
        return {r[0]: bytes(r[1]) for r in conn.execute("SELECT * FROM customer_keys")}


def sql(template: str, *names: str) -> Any:
    """A PostgreSQL statement with ``names`` quoted as identifiers into its ``{}``."""
    from psycopg.sql import SQL, Identifier

    return SQL(template).format(*(Identifier(n) for n in names))


def files_bytes(*paths: Path) -> bytes:
    return b"".join(p.read_bytes() for p in paths if p.exists())


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Path]:
    """An SQLite store with two customers and its read model built."""
    db = tmp_path / "trustengine.db"
    engine = TrustEngine(str(db))
    engine.record_many([*history(), *history(OTHER, "Yves Other")])
    engine.timeline(CUSTOMER)  # builds the read model in the store file
    engine.close()
    yield db


# --- 1. a key store of its own ----------------------------------------------------------


def test_an_sqlite_store_keeps_its_keys_in_a_private_file_beside_it(store: Path) -> None:
    keys = store.with_suffix(".keys")

    assert keys.name == "trustengine.keys"
    assert oct(keys.stat().st_mode & 0o777) == "0o600"
    assert set(stored_keys(keys)) == {customer_id(CUSTOMER).hex, customer_id(OTHER).hex}
    with sqlite3.connect(store) as conn:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
    assert "customer_keys" not in tables


@pytest.mark.parametrize("encrypted", [False, True], ids=["plain", "at-rest"])
def test_a_copy_of_the_store_file_alone_reveals_no_personal_text(
    tmp_path: Path, encrypted: bool
) -> None:
    db = tmp_path / "trustengine.db"
    cipher = TEST_CIPHER_KEY if encrypted else None
    engine = TrustEngine(str(db), cipher_key=cipher)
    engine.record_many(history())
    assert engine.timeline(CUSTOMER)[1].summary.startswith(f"Complaint: {SUMMARY}")
    keys = engine.key_store.keys([customer_id(CUSTOMER)], create=False)
    engine.close()
    copy = tmp_path / "copy"
    copy.mkdir()
    shutil.copy2(db, copy / "trustengine.db")

    stolen = TrustEngine(str(copy / "trustengine.db"), cipher_key=cipher)  # empty key store
    registered, complaint, promise = stolen.history(CUSTOMER)
    timeline = [step.summary for step in stolen.timeline(CUSTOMER)]
    case = stolen.case(CUSTOMER, "C-1")
    stolen.close()

    assert registered.data()["name"] == ERASED
    assert complaint.data()["summary"] == ERASED
    assert promise.data()["description"] == ERASED
    assert not any(NAME in text or SUMMARY in text for text in timeline)
    assert case.case.summary == ERASED
    raw = (tmp_path / "trustengine.db").read_bytes()
    assert keys[customer_id(CUSTOMER)] not in raw
    assert NAME.encode() not in raw and SUMMARY.encode() not in raw


def test_keys_are_wrapped_under_a_key_derived_from_the_cipher_key(tmp_path: Path) -> None:
    db = tmp_path / "enc.db"
    engine = TrustEngine(str(db), cipher_key=TEST_CIPHER_KEY)
    engine.record_many(history())
    key = engine.key_store.keys([customer_id(CUSTOMER)], create=False)[customer_id(CUSTOMER)]
    engine.close()

    (wrapped,) = stored_keys(tmp_path / "enc.keys").values()
    kek = derive_kek(TEST_CIPHER_KEY)

    assert len(wrapped) == 40 and key not in files_bytes(tmp_path / "enc.keys")
    assert aes_key_unwrap(kek, wrapped) == key
    assert kek != base64.b64decode(TEST_CIPHER_KEY)  # never the same key for two purposes


def test_a_key_store_opened_with_another_cipher_key_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "enc.db"
    TrustEngine(str(db), cipher_key=TEST_CIPHER_KEY).close()
    engine = TrustEngine(str(db), cipher_key=TEST_CIPHER_KEY)
    engine.record_many(history())
    engine.close()
    other = str(tmp_path / "other.keys")
    plain = TrustEngine(str(tmp_path / "plain.db"), keys=other)
    plain.record_many(history())
    plain.close()

    with pytest.raises(KeyStoreError, match="does not wrap its keys"):
        TrustEngine(str(db), cipher_key=TEST_CIPHER_KEY, keys=other)


def test_keys_option_puts_the_keys_in_another_file_and_never_in_the_store(
    tmp_path: Path,
) -> None:
    db, keys = tmp_path / "t.db", tmp_path / "vault" / "t.keys"
    keys.parent.mkdir()
    line = (
        '{"type": "CustomerRegistered", "customer": "cust-z", '
        '"at": "2026-03-01T09:00:00+00:00", "data": {"name": "Zelda"}}\n'
    )

    imported = CliRunner().invoke(
        main, ["import", "-", "--db", str(db), "--keys", str(keys)], input=line
    )
    shown = run("timeline", CUSTOMER, "--db", str(db), "--keys", str(keys), "--json")
    itself = run("timeline", CUSTOMER, "--db", str(db), "--keys", str(db))

    assert imported.exit_code == 0, imported.output
    assert shown.exit_code == 0 and "): Zelda" in shown.output
    assert not db.with_suffix(".keys").exists()
    assert list(stored_keys(keys)) == [customer_id(CUSTOMER).hex]
    assert (itself.exit_code, itself.output) == (
        2,
        f"Error: --keys {db} is the store itself: the keys must live apart from the events\n",
    )


def _old_layout(db: Path) -> bytes:
    """Put the store's keys back into the store, as versions before the key store did."""
    keys = db.with_suffix(".keys")
    rows = stored_keys(keys)
    with sqlite3.connect(db) as conn:
        conn.execute(
            "CREATE TABLE customer_keys (originator_id TEXT PRIMARY KEY, key BLOB NOT NULL) "
            "WITHOUT ROWID"
        )
        conn.executemany("INSERT INTO customer_keys VALUES (?, ?)", rows.items())
    for suffix in ("", "-wal", "-shm"):
        Path(str(keys) + suffix).unlink(missing_ok=True)
    return rows[customer_id(CUSTOMER).hex]


def test_an_old_store_s_in_store_keys_move_out_once_with_a_message(store: Path) -> None:
    key = _old_layout(store)

    first = run("timeline", CUSTOMER, "--db", str(store))
    second = run("timeline", CUSTOMER, "--db", str(store))

    assert first.exit_code == 0, first.output
    assert first.stderr == (
        f"moved 2 customer key(s) out of {store} into the key store "
        f"{store.with_suffix('.keys')} (back it up on its own)\n"
    )
    assert SUMMARY in first.stdout
    assert second.stderr == "" and second.stdout == first.stdout
    with sqlite3.connect(store) as conn:
        assert (
            conn.execute("SELECT name FROM sqlite_master WHERE name = 'customer_keys'").fetchall()
            == []
        )
    assert key not in files_bytes(store, Path(f"{store}-wal"))
    assert stored_keys(store.with_suffix(".keys"))[customer_id(CUSTOMER).hex] == key


@pytest.mark.postgres
def test_a_postgres_store_keeps_its_keys_in_a_schema_of_its_own(postgres_target: str) -> None:
    import psycopg

    schema = postgres_target.rsplit("schema=", 1)[1]
    engine = TrustEngine(postgres_target)
    engine.record_many(history())
    engine.close()
    url = postgres_target.split("?", 1)[0]

    with psycopg.connect(url) as conn:
        tables = {
            (r[0], r[1])
            for r in conn.execute(
                "SELECT table_schema, table_name FROM information_schema.tables "
                "WHERE table_schema IN (%s, %s)",
                (schema, f"{schema}_keys"),
            )
        }
        (count,) = conn.execute(
            sql("SELECT count(*) FROM {}.customer_keys", f"{schema}_keys")
        ).fetchone()
    assert (f"{schema}_keys", "customer_keys") in tables
    assert not any(name.endswith("customer_keys") for s, name in tables if s == schema)
    assert count == 1


@pytest.mark.postgres
def test_an_old_postgres_store_s_key_table_moves_into_the_key_schema(
    postgres_target: str,
) -> None:
    import psycopg

    schema = postgres_target.rsplit("schema=", 1)[1]
    engine = TrustEngine(postgres_target)
    engine.record_many(history())
    old = f"{engine.recorder.events_table_name}_customer_keys"  # type: ignore[attr-defined]
    engine.close()
    url = postgres_target.split("?", 1)[0]
    with psycopg.connect(url) as conn:
        keys = f"{schema}_keys"
        conn.execute(sql("CREATE TABLE {}.{} AS SELECT * FROM {}.customer_keys", schema, old, keys))
        conn.execute(sql("DELETE FROM {}.customer_keys", keys))

    reopened = TrustEngine(postgres_target)
    moved = reopened.migrated_keys
    data = reopened.history(CUSTOMER)[0].data()
    reopened.close()

    assert (moved, data["name"]) == (1, NAME)
    with psycopg.connect(url) as conn:
        (found,) = conn.execute("SELECT to_regclass(%s)", (f'"{schema}"."{old}"',)).fetchone()
    assert found is None


# --- 2. erased key bytes do not survive -------------------------------------------------


def test_an_erased_key_leaves_no_bytes_in_the_key_file_or_its_wal(tmp_path: Path) -> None:
    db = tmp_path / "t.db"
    keys = tmp_path / "t.keys"
    engine = TrustEngine(str(db))
    engine.record_many([*history(), *history(OTHER, "Yves Other")])
    stored = stored_keys(keys)[customer_id(CUSTOMER).hex]
    assert stored in files_bytes(keys, Path(f"{keys}-wal"))

    engine.erase(CUSTOMER, legal_basis="GDPR Art. 17 request")
    while_open = files_bytes(keys, Path(f"{keys}-wal"))
    engine.close()

    assert stored not in while_open
    assert stored not in files_bytes(keys, Path(f"{keys}-wal"))
    assert stored_keys(keys).keys() == {customer_id(OTHER).hex}


@pytest.mark.postgres
def test_erasing_on_postgres_overwrites_the_key_before_deleting_the_row(
    postgres_target: str,
) -> None:
    import psycopg

    schema = f"{postgres_target.rsplit('schema=', 1)[1]}_keys"
    url = postgres_target.split("?", 1)[0]
    engine = TrustEngine(postgres_target)
    engine.record_many(history())
    with psycopg.connect(url, autocommit=True) as conn:
        # What the row held at the moment it was deleted.
        conn.execute(sql("CREATE TABLE {}.deleted (key bytea)", schema))
        conn.execute(
            sql(
                "CREATE FUNCTION {}.keep() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                "INSERT INTO {}.deleted VALUES (OLD.key); RETURN OLD; END $$",
                schema,
                schema,
            )
        )
        conn.execute(
            sql(
                "CREATE TRIGGER keep BEFORE DELETE ON {}.customer_keys "
                "FOR EACH ROW EXECUTE FUNCTION {}.keep()",
                schema,
                schema,
            )
        )

    engine.erase(CUSTOMER, legal_basis="GDPR Art. 17 request")
    engine.close()

    with psycopg.connect(url) as conn:
        deleted = [bytes(r[0]) for r in conn.execute(sql("SELECT key FROM {}.deleted", schema))]
        (left,) = conn.execute(sql("SELECT count(*) FROM {}.customer_keys", schema)).fetchone()
    assert deleted == [bytes(32)]
    assert left == 0


# --- 3. an erasure a kill interrupted is finished on open ------------------------------

KILLED = """
import os, signal, sys
from trustengine import TrustEngine
from trustengine.persistence.personal import PersonalData

def killed(self, id_):
    os.kill(os.getpid(), signal.SIGKILL)  # after CustomerErased is stored, before the key goes

PersonalData.forget = killed
engine = TrustEngine(sys.argv[1])
engine.erase("cust-z", legal_basis="GDPR Art. 17 request")
"""


def _read_commands(db: str) -> dict[str, Result]:
    return {
        "history": run("timeline", CUSTOMER, "--db", db, "--json"),
        "state --as-of": run("state", CUSTOMER, "--as-of", "2026-03-02", "--db", db, "--json"),
        "export": run("export", "--db", db),
        "audit": run("audit", CUSTOMER, "--db", db),
        "case": run("case", CUSTOMER, "C-1", "--db", db, "--json"),
    }


def test_a_kill_between_storing_the_erasure_and_destroying_the_key_is_finished_on_open(
    durable_target: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # a PostgreSQL store's read model: ./trustengine-views.db
    engine = TrustEngine(durable_target)
    engine.record_many(history())
    engine.close()
    script = textwrap.dedent(KILLED)

    killed = subprocess.run(
        [sys.executable, "-c", script, durable_target], capture_output=True, check=False
    )
    assert killed.returncode == -9, killed.stderr.decode()

    results = _read_commands(durable_target)
    for command, result in results.items():
        assert result.exit_code in (0, 1), f"{command}: {result.output}"
        assert NAME not in result.output and SUMMARY not in result.output, command
    assert "[erased]" in results["history"].output and "[erased]" in results["audit"].output
    reopened = TrustEngine(durable_target)
    assert reopened.key_store.keys([customer_id(CUSTOMER)], create=False) == {}
    assert reopened.key_store.erasing() == []
    reopened.close()


def test_a_mark_whose_erasure_was_never_stored_is_dropped_and_nothing_is_erased(
    tmp_path: Path,
) -> None:
    db = str(tmp_path / "t.db")
    engine = TrustEngine(db)
    engine.record_many(history())
    engine.key_store.mark_erasing([customer_id(CUSTOMER)])  # killed before the save
    engine.close()

    reopened = TrustEngine(db)
    name = reopened.history(CUSTOMER)[0].data()["name"]
    marks = reopened.key_store.erasing()
    reopened.close()

    assert (name, marks) == (NAME, [])


# --- 4. a deleted key of a customer never erased is reported ----------------------------


def _delete_key(target: str, id_: UUID) -> None:
    if target.startswith("postgresql"):
        import psycopg

        schema = f"{target.rsplit('schema=', 1)[1]}_keys"
        with psycopg.connect(target.split("?", 1)[0]) as conn:
            conn.execute(
                sql("DELETE FROM {}.customer_keys WHERE originator_id = %s", schema), (id_,)
            )
        return
    with sqlite3.connect(Path(target).with_suffix(".keys")) as conn:
        conn.execute("DELETE FROM customer_keys WHERE originator_id = ?", (id_.hex,))


def test_verify_reports_a_deleted_key_of_a_customer_never_erased(durable_target: str) -> None:
    engine = TrustEngine(durable_target)
    engine.record_many([*history(), *history(OTHER, "Yves Other")])
    engine.erase(OTHER, legal_basis="GDPR Art. 17 request")  # no key, and rightly so
    keys = engine.key_store.display
    engine.close()
    _delete_key(durable_target, customer_id(CUSTOMER))

    result = run("verify", "--db", durable_target)

    assert (result.exit_code, result.output) == (
        1,
        f"customer {CUSTOMER!r}: their key is missing from the key store {keys}, though "
        "they were never erased: their personal data cannot be read (a key deleted, or the "
        "wrong --keys)\n"
        "7 events checked: 1 problem(s)\n",
    )


def test_a_write_for_a_customer_whose_key_was_lost_is_refused(tmp_path: Path) -> None:
    db = str(tmp_path / "t.db")
    engine = TrustEngine(db)
    engine.record_many(history())
    engine.close()
    _delete_key(db, customer_id(CUSTOMER))

    reopened = TrustEngine(db)
    with pytest.raises(KeyStoreError, match="has sealed personal data but no key"):
        reopened.record_many(
            [
                {
                    "type": "ApologyIssued",
                    "customer": CUSTOMER,
                    "case": "C-1",
                    "at": "2026-03-01T12:00:00+00:00",
                    "data": {"accepts_responsibility": True, "explanation": "Sorry"},
                }
            ]
        )
    assert verify(reopened).problems[0].startswith(f"customer {CUSTOMER!r}: their key is missing")
    reopened.close()


# --- 5. the read model holds no personal text in the clear ------------------------------


def test_with_encryption_at_rest_no_read_command_writes_personal_text_to_the_file(
    tmp_path: Path,
) -> None:
    db = tmp_path / "enc.db"
    cipher = ("--cipher-key-file", str(key_file(tmp_path)))
    engine = TrustEngine(str(db), cipher_key=TEST_CIPHER_KEY)
    engine.record_many(history())
    engine.close()

    shown = [
        run(*command, "--db", str(db), *cipher)
        for command in (
            ["timeline", CUSTOMER],
            ["state", CUSTOMER],
            ["case", CUSTOMER, "C-1"],
            ["due", "--at", "2026-03-01T12:00:00+00:00"],
            ["customers"],
        )
    ]

    assert all(r.exit_code == 0 for r in shown), [r.output for r in shown]
    assert SUMMARY in shown[0].output and f"Call {NAME} back" in shown[3].output
    raw = files_bytes(db, Path(f"{db}-wal"), db.with_suffix(".keys"))
    assert SUMMARY.encode() not in raw and NAME.encode() not in raw
    assert b"Zelda" not in raw and b"Elm Close" not in raw


@pytest.mark.postgres
def test_a_postgres_store_s_views_file_holds_no_personal_text(
    postgres_target: str, tmp_path: Path
) -> None:
    views = tmp_path / "views.db"
    engine = TrustEngine(postgres_target, views=str(views))
    engine.record_many(history())
    shown = engine.timeline(CUSTOMER)[1].summary
    engine.close()

    assert SUMMARY in shown
    assert SUMMARY.encode() not in files_bytes(views, Path(f"{views}-wal"))


# --- 6. key files are private ----------------------------------------------------------


def test_keygen_output_writes_the_cipher_key_0600_whatever_the_umask_and_never_overwrites(
    tmp_path: Path,
) -> None:
    path = tmp_path / "store.key"
    old = os.umask(0o022)
    try:
        made = run("keygen", "--output", str(path))
        again = run("keygen", "--output", str(path))
    finally:
        os.umask(old)

    assert (made.exit_code, made.output) == (
        0,
        f"Wrote a new cipher key to {path} (mode 0600); keep it apart from the store.\n",
    )
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    assert len(base64.b64decode(path.read_text().strip())) == 32
    assert (again.exit_code, again.output) == (
        2,
        f"Error: --output {path}: already exists; not overwriting a key\n",
    )
    used = run("demo", "--db", str(tmp_path / "t.db"), "--cipher-key-file", str(path))
    assert used.exit_code == 0, used.output


def test_a_cipher_key_file_others_can_read_is_refused_naming_it(tmp_path: Path) -> None:
    path = tmp_path / "store.key"
    path.write_text(TEST_CIPHER_KEY + "\n")
    path.chmod(0o644)

    result = run("demo", "--db", str(tmp_path / "t.db"), "--cipher-key-file", str(path))

    assert (result.exit_code, result.output) == (
        2,
        f"Error: Invalid value for '--cipher-key-file': {path}: others have access to the "
        f"cipher key (mode 644): chmod 600 {path} (see 'trustengine demo --help')\n",
    )
    assert not (tmp_path / "t.db").exists()


def test_keygen_signing_output_still_makes_a_key_pair(tmp_path: Path) -> None:
    result = run("keygen", "--signing", "--output", str(tmp_path / "sign"))

    assert result.exit_code == 0, result.output
    assert oct((tmp_path / "sign").stat().st_mode & 0o777) == "0o600"
    assert (tmp_path / "sign.pub").exists()


def test_a_sealed_read_model_value_changed_outside_the_engine_is_one_line(store: Path) -> None:
    with sqlite3.connect(store) as conn:
        conn.execute(
            "UPDATE timeline SET summary = 'sealed:v1:AAAA' WHERE customer = ? AND position = 2",
            (CUSTOMER,),
        )

    result = run("timeline", CUSTOMER, "--db", str(store))

    assert (result.exit_code, result.output) == (
        2,
        f"Error: customer {CUSTOMER!r}: a sealed value in the read model fails its integrity "
        "check (changed outside the engine): check it with verify --views, and rebuild\n",
    )


def test_a_key_made_alone_is_the_one_stored_and_asking_again_returns_it(tmp_path: Path) -> None:
    from trustengine.persistence.keystore import SQLiteKeyStore, Wrapping

    path, id_ = tmp_path / "k.keys", customer_id("C-1")
    kek = derive_kek(TEST_CIPHER_KEY)
    first = SQLiteKeyStore(path, Wrapping(kek, str(path)))
    made = first.keys([id_], create=True)
    again = first.keys([id_], create=True)  # already there: read back, not replaced
    first.close()
    reopened = SQLiteKeyStore(path, Wrapping(kek, str(path)))
    stored = reopened.keys([id_], create=False)
    reopened.close()
    assert set(made) == {id_}
    assert len(made[id_]) == 32
    assert again == made
    assert stored == made
