"""``state CUSTOMER`` reads a current read model without opening the engine, and leaves
everything else to the engine: a key to refuse, an erasure to finish, old keys to move,
events to catch up, a stale or foreign read model, events set aside, an unknown customer.

Each command runs in a process of its own, which reports whether it loaded the engine;
what it prints is compared with what the engine answers for the same store.
"""

from __future__ import annotations

import base64
import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from tests.conftest import TEST_CIPHER_KEY
from tests.examples import KEY, event, history

from trustengine import TrustEngine
from trustengine.domain.customer import customer_id
from trustengine.persistence.personal import PersonalData

PROBE = """
import sys
from trustengine.cli import main
code = 0
try:
    main(sys.argv[1:], prog_name="trustengine")
except SystemExit as exit:
    code = exit.code
sys.stderr.write("\\nengine loaded: %s\\n" % ("trustengine.application.engine" in sys.modules))
sys.exit(code)
"""
OTHER_KEY = base64.b64encode(bytes(range(100, 132))).decode()


def state(*args: str) -> tuple[int, str, str, bool]:
    """``trustengine state ARGS`` in a process of its own: the exit status, stdout,
    stderr, and whether it loaded the engine."""
    done = subprocess.run(
        [sys.executable, "-c", PROBE, "state", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    err, _, loaded = done.stderr.rpartition("\nengine loaded: ")
    return done.returncode, done.stdout, err, loaded.strip() == "True"


def engine_json(db: str, cipher_key: str | None = None, views: str | None = None) -> str:
    """What ``state KEY --json`` prints, as the engine answers it."""
    engine = TrustEngine(db, cipher_key=cipher_key, views=views)
    try:
        found = engine.state(KEY).model_dump(mode="json")
    finally:
        engine.close()
    return json.dumps(found, indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def make_store(path: Path, cipher_key: str | None = None) -> str:
    """A store of the example history, its read model caught up."""
    db = str(path / "t.db")
    engine = TrustEngine(db, cipher_key=cipher_key)
    engine.record_many(history())
    engine.catch_up()
    engine.close()
    return db


def key_file(path: Path, key: str) -> str:
    file = path / "cipher.key"
    file.write_text(key, encoding="utf-8")
    file.chmod(0o600)
    return str(file)


def sql(db: str, statement: str, *params: object) -> list[tuple[object, ...]]:
    with sqlite3.connect(db) as conn:
        rows = conn.execute(statement, params).fetchall()
    conn.close()
    return rows


@pytest.fixture
def store(tmp_path: Path) -> str:
    return make_store(tmp_path)


def test_a_current_read_model_is_read_without_the_engine_and_answers_as_it_does(
    store: str,
) -> None:
    expected = engine_json(store)
    files = sorted(Path(store).parent.iterdir())

    code, out, err, loaded = state(KEY, "--db", store, "--json")

    assert (code, out, err, loaded) == (0, expected, "", False)
    assert sorted(Path(store).parent.iterdir()) == files  # no -wal or -shm left behind


def test_a_read_model_in_a_views_file_of_its_own_is_read_without_the_engine(
    store: str, tmp_path: Path
) -> None:
    views = str(tmp_path / "views.db")
    expected = engine_json(store, views=views)  # builds the read model there

    found = state(KEY, "--db", store, "--views", views, "--json")

    assert found == (0, expected, "", False)


def test_the_table_read_without_the_engine_is_the_engines_table(store: str) -> None:
    light = state(KEY, "--db", store)
    sql(store, "UPDATE view_meta SET value = 'other' WHERE key = 'fingerprint'")  # stale

    rebuilt = state(KEY, "--db", store)

    assert light[3] is False and rebuilt[3] is True
    assert light[:3] == rebuilt[:3]
    assert light[1].startswith(f"{KEY}: ")


def test_an_encrypted_store_is_read_without_the_engine_with_its_key(tmp_path: Path) -> None:
    db = make_store(tmp_path, TEST_CIPHER_KEY)
    expected = engine_json(db, cipher_key=TEST_CIPHER_KEY)

    found = state(
        KEY, "--db", db, "--json", "--cipher-key-file", key_file(tmp_path, TEST_CIPHER_KEY)
    )

    assert found == (0, expected, "", False)


def test_a_wrong_cipher_key_is_still_refused(tmp_path: Path) -> None:
    db = make_store(tmp_path, TEST_CIPHER_KEY)

    code, out, err, loaded = state(
        KEY, "--db", db, "--cipher-key-file", key_file(tmp_path, OTHER_KEY)
    )

    assert (code, out, loaded) == (2, "", True)
    assert err == f"Error: this key does not open the store (store {db})\n"


def test_a_missing_cipher_key_is_still_refused(tmp_path: Path) -> None:
    db = make_store(tmp_path, TEST_CIPHER_KEY)

    code, out, err, loaded = state(KEY, "--db", db)

    assert (code, out, loaded) == (2, "", True)
    assert err == f"Error: this store is encrypted: give --cipher-key-file (store {db})\n"


def test_a_key_for_a_plain_store_is_still_refused(store: str, tmp_path: Path) -> None:
    code, out, err, loaded = state(
        KEY, "--db", store, "--cipher-key-file", key_file(tmp_path, TEST_CIPHER_KEY)
    )

    assert (code, out, loaded) == (2, "", True)
    assert err == f"Error: this store is not encrypted: give it no cipher key (store {store})\n"


def test_an_interrupted_erasure_is_finished_before_the_answer(
    store: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = TrustEngine(store)
    engine.record_many([event("CustomerRegistered", "cust-z", at=50, name="Zelda")])
    with monkeypatch.context() as patch:
        patch.setattr(PersonalData, "forget", lambda self, id_: None)  # killed before it
        engine.erase("cust-z", legal_basis="GDPR Art. 17 request")
    engine.catch_up()
    assert engine.key_store.erasing() == [customer_id("cust-z")]
    engine.close()

    found = state(KEY, "--db", store, "--json")

    reopened = TrustEngine(store)
    assert reopened.key_store.erasing() == []
    assert reopened.key_store.keys([customer_id("cust-z")], create=False) == {}
    reopened.close()
    assert found == (0, engine_json(store), "", True)


def test_an_erasure_mark_never_stored_is_dropped_before_the_answer(store: str) -> None:
    engine = TrustEngine(store)
    engine.key_store.mark_erasing([customer_id(KEY)])  # killed before the save
    engine.close()

    found = state(KEY, "--db", store, "--json")

    reopened = TrustEngine(store)
    assert reopened.key_store.erasing() == []
    reopened.close()
    assert found == (0, engine_json(store), "", True)


def test_keys_left_in_an_old_store_are_moved_before_the_answer(store: str) -> None:
    sql(store, "CREATE TABLE customer_keys (originator_id TEXT PRIMARY KEY, key BLOB)")
    sql(store, "INSERT INTO customer_keys VALUES (?, ?)", customer_id("cust-old").hex, b"k" * 32)

    code, out, err, loaded = state(KEY, "--db", store, "--json")

    assert (code, out, loaded) == (0, engine_json(store), True)
    assert err.startswith(f"moved 1 customer key(s) out of {store} into the key store ")
    assert sql(store, "SELECT name FROM sqlite_master WHERE name = 'customer_keys'") == []


def test_events_stored_after_the_read_model_are_caught_up_first(store: str) -> None:
    engine = TrustEngine(store)
    engine.record_many([event("CustomerContacted", at=60, direction="inbound", summary="hi")])
    events = len(engine.history(KEY))
    engine.close()

    code, out, err, loaded = state(KEY, "--db", store, "--json")

    assert (code, err, loaded) == (0, "", True)
    assert json.loads(out)["events"] == events
    assert out == engine_json(store)
    assert state(KEY, "--db", store, "--json")[3] is False  # current again


def test_a_read_model_out_of_step_with_its_store_is_still_refused(store: str) -> None:
    sql(store, "UPDATE view_tracking SET originator_version = originator_version + 1")

    code, out, err, loaded = state(KEY, "--db", store)

    assert (code, out, loaded) == (2, "", True)
    assert "which this store does not hold as processed" in err


def test_events_set_aside_are_still_warned_of(store: str) -> None:
    sql(
        store,
        "INSERT INTO problems (notification_id, originator_id, customer, position, type, "
        "error, held_by, seen_at) VALUES (1, 'x', ?, 1, 'ComplaintFiled', 'bad', NULL, 'now')",
        KEY,
    )

    code, out, err, loaded = state(KEY, "--db", store, "--json")

    assert (code, out, loaded) == (0, engine_json(store), True)
    assert err.startswith(f"warning: customer {KEY!r} is shown as of position 0")


def test_an_unknown_customer_is_refused_as_the_engine_refuses_it(store: str) -> None:
    code, out, err, loaded = state("cust-nobody", "--db", store)

    assert (code, out, loaded) == (2, "", True)
    assert err == f"Error: no customer 'cust-nobody' in {store}\n"


def test_a_malformed_future_tolerance_is_still_refused(
    store: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRUSTENGINE_FUTURE_TOLERANCE", "soon")

    code, out, err, loaded = state(KEY, "--db", store)

    assert (code, out, loaded) == (2, "", True)
    assert err.startswith("Error: $TRUSTENGINE_FUTURE_TOLERANCE: ")


def test_a_missing_key_store_is_made_by_the_engine(store: str) -> None:
    for suffix in (".keys", ".keys-wal", ".keys-shm"):
        Path(store).with_suffix(suffix).unlink(missing_ok=True)

    code, out, err, loaded = state(KEY, "--db", store, "--json")

    assert (code, out, err, loaded) == (0, engine_json(store), "", True)
    assert Path(store).with_suffix(".keys").is_file()
