"""A new customer's key is stored with their first events: on PostgreSQL, with the key
store in the store's database (the default ``<schema>_keys``), in the events' own
transaction, so both or neither survive a failure or a kill; elsewhere, in a commit of
its own first, as before (docs/keys.md, "A new customer's key")."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg import sql

from tests.persistence.test_key_store import CUSTOMER, NAME, OTHER, SUMMARY, history
from trustengine import TrustEngine
from trustengine.domain.customer import customer_id
from trustengine.exceptions import CustomerNotFoundError
from trustengine.integrity.verify import verify
from trustengine.persistence.keystore import KeyStore
from trustengine.persistence.personal import ERASED


def _schema(target: str) -> str:
    return target.rsplit("schema=", 1)[1]


def _pg(target: str, statement: str, *names: str) -> None:
    with psycopg.connect(target.split("?", 1)[0], autocommit=True) as conn:
        conn.execute(sql.SQL(statement).format(*(sql.Identifier(n) for n in names)))


def _stored_key(target: str, id_: Any, cipher_key: str | None = None) -> dict[Any, bytes]:
    engine = TrustEngine(target, cipher_key=cipher_key)
    try:
        return engine.key_store.keys([id_], create=False)
    finally:
        engine.close()


def _spy_created(key_store: KeyStore) -> list[list[Any]]:
    """The ids of each call that asks ``key_store`` to create keys (a commit of its own)."""
    calls: list[list[Any]] = []
    keys = key_store.keys

    def spied(ids: Any, *, create: bool) -> dict[Any, bytes]:
        ids = list(ids)
        if create:
            calls.append(ids)
        return keys(ids, create=create)

    key_store.keys = spied  # type: ignore[method-assign]
    return calls


@pytest.mark.postgres
@pytest.mark.parametrize("batch", [False, True], ids=["command", "batch"])
def test_a_new_customers_key_takes_no_commit_of_its_own_on_postgres(
    postgres_target: str, at_rest: str | None, batch: bool
) -> None:
    engine = TrustEngine(postgres_target, cipher_key=at_rest)
    created = _spy_created(engine.key_store)
    if batch:
        engine.record_many([*history(), *history(OTHER, "Yves Other")])
    else:
        for event in history():
            engine.record(event)
    engine.close()

    reopened = TrustEngine(postgres_target, cipher_key=at_rest)
    written = (CUSTOMER, OTHER) if batch else (CUSTOMER,)
    names = [reopened.history(c)[0].data()["name"] for c in written]
    reopened.close()
    assert created == []
    assert names == ([NAME, "Yves Other"] if batch else [NAME])


@pytest.mark.parametrize("backend", ["memory", "sqlite"])
def test_a_new_customers_key_elsewhere_is_made_in_a_commit_of_its_own_first(
    backend: str, tmp_path: Path, at_rest: str | None
) -> None:
    # PostgreSQL stores the key with the events: the tests above and below.
    target = ":memory:" if backend == "memory" else str(tmp_path / "trust.db")
    engine = TrustEngine(target, cipher_key=at_rest)
    created = _spy_created(engine.key_store)
    engine.record(history()[0])
    name = engine.history(CUSTOMER)[0].data()["name"]
    engine.close()

    assert (created, name) == ([[customer_id(CUSTOMER)]], NAME)


@pytest.mark.postgres
def test_a_write_that_fails_leaves_no_key_of_a_new_customer_on_postgres(
    postgres_target: str, at_rest: str | None
) -> None:
    schema = _schema(postgres_target)
    engine = TrustEngine(postgres_target, cipher_key=at_rest)
    engine.record_many(history(OTHER, "Yves Other"))  # the tables exist
    events = engine.recorder.events_table_name  # type: ignore[attr-defined]
    _pg(
        postgres_target,
        "CREATE FUNCTION {}.refuse() RETURNS trigger LANGUAGE plpgsql AS "
        "$$ BEGIN RAISE EXCEPTION 'refused'; END $$",
        schema,
    )
    _pg(
        postgres_target,
        "CREATE TRIGGER refuse BEFORE INSERT ON {}.{} FOR EACH ROW EXECUTE FUNCTION {}.refuse()",
        schema,
        events,
        schema,
    )

    with pytest.raises(Exception, match="refused"):
        engine.record(history()[0])
    engine.close()

    assert _stored_key(postgres_target, customer_id(CUSTOMER), at_rest) == {}


KILLED = """
import os, signal, sys
import psycopg
from trustengine import TrustEngine
from trustengine.application.writing import WritingMixin

point = sys.argv[3]
if point == "before-commit":  # the events' COMMIT is the only one sent as a statement
    execute = psycopg.Cursor.execute
    def killing(self, query, *args, **kwargs):
        if query == b"COMMIT":
            os.kill(os.getpid(), signal.SIGKILL)
        return execute(self, query, *args, **kwargs)
    psycopg.Cursor.execute = killing
    from trustengine.persistence.recorders import ChainedSQLiteRecorder
    chained = ChainedSQLiteRecorder._insert_events
    def killed_inside(self, *args, **kwargs):
        chained(self, *args, **kwargs)
        os.kill(os.getpid(), signal.SIGKILL)  # the events inserted, not committed
    ChainedSQLiteRecorder._insert_events = killed_inside
else:  # after the events' commit, before anything else
    def killed_after(self, *args, **kwargs):
        os.kill(os.getpid(), signal.SIGKILL)
    WritingMixin._keep_saved = killed_after

engine = TrustEngine(sys.argv[1], cipher_key=sys.argv[2] or None)
engine.record({
    "type": "CustomerRegistered", "customer": "cust-z",
    "at": "2026-03-01T09:00:00+00:00", "data": {"name": "Zelda Quixote-Marlowe"},
})
"""


@pytest.mark.parametrize("point", ["before-commit", "after-commit"])
def test_a_kill_around_a_new_customers_first_write_leaves_a_consistent_store(
    durable_target: str, at_rest: str | None, point: str
) -> None:
    killed = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(KILLED), durable_target, at_rest or "", point],
        capture_output=True,
        check=False,
        env={**os.environ, "TRUSTENGINE_FUTURE_TOLERANCE": "3650d"},
    )
    assert killed.returncode == -9, killed.stderr.decode()

    engine = TrustEngine(durable_target, cipher_key=at_rest)
    try:
        if point == "after-commit":
            assert engine.history(CUSTOMER)[0].data()["name"] == NAME
        else:
            with pytest.raises(CustomerNotFoundError):
                engine.history(CUSTOMER)
            left = engine.key_store.keys([customer_id(CUSTOMER)], create=False)
            # PostgreSQL's key went with the events; SQLite's was committed first, and is
            # the key the next write uses.
            assert len(left) == (0 if durable_target.startswith("postgresql") else 1)
        engine.record_many(history())  # the kill left nothing in the way
        events = engine.history(CUSTOMER)
        assert (events[0].data()["name"], events[1].data()["summary"]) == (NAME, SUMMARY)
        assert verify(engine).ok
    finally:
        engine.close()


def test_a_key_left_without_events_is_the_one_a_new_customers_write_uses(
    durable_target: str, at_rest: str | None
) -> None:
    # A write that stopped after making the key in a commit of its own (this version
    # elsewhere, an older one on PostgreSQL): the key is there, the customer is not.
    engine = TrustEngine(durable_target, cipher_key=at_rest)
    left = engine.key_store.keys([customer_id(CUSTOMER)], create=True)
    engine.close()

    engine = TrustEngine(durable_target, cipher_key=at_rest)
    engine.record_many(history())
    engine.close()
    reopened = TrustEngine(durable_target, cipher_key=at_rest)
    try:
        assert reopened.key_store.keys([customer_id(CUSTOMER)], create=False) == left
        assert reopened.history(CUSTOMER)[0].data()["name"] == NAME
        assert verify(reopened).ok
    finally:
        reopened.close()


@pytest.mark.parametrize("second", ["same", "older"])
def test_writers_creating_the_same_new_customers_at_once_share_one_key_each(
    open_durable_engine: Callable[..., TrustEngine], second: str
) -> None:
    customers = [f"cust-{n:02d}" for n in range(12)]
    engines = [open_durable_engine() for _ in range(2)]
    if second == "older":  # makes every key in a commit of its own, as before this version
        engines[1].key_store.mint = lambda ids: None  # type: ignore[method-assign]
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def write(engine: TrustEngine) -> None:
        try:
            barrier.wait()
            for customer in customers:  # the same facts: whoever is second stores nothing
                engine.record_many(history(customer, f"Name of {customer}"))
        except BaseException as error:  # reported below
            errors.append(error)

    threads = [threading.Thread(target=write, args=(e,)) for e in engines]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []

    reader = open_durable_engine()
    keys = reader.key_store.keys([customer_id(c) for c in customers], create=False)
    names = {c: reader.history(c)[0].data()["name"] for c in customers}
    assert len(keys) == len(customers)
    for customer in customers:
        events = reader.history(customer)
        assert (names[customer], len(events)) == (f"Name of {customer}", 3)
        assert events[1].data()["summary"] == SUMMARY
    assert verify(reader).ok


def test_erasing_a_customer_whose_key_came_with_their_events_leaves_nothing_readable(
    open_engine: Callable[..., TrustEngine],
) -> None:
    engine = open_engine()
    engine.record_many(history())
    engine.erase(CUSTOMER, legal_basis="GDPR Art. 17 request")

    events = engine.history(CUSTOMER)
    report = verify(engine)
    assert events[0].data()["name"] == ERASED
    assert events[1].data()["summary"] == ERASED
    assert engine.key_store.keys([customer_id(CUSTOMER)], create=False) == {}
    assert report.ok
    assert engine.lost_keys() == []
