"""The tamper-evidence chain read back on every backend, a part at a time: one customer's
hashes, one batch of stored events' hashes, and what verification makes of them."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest

from tests.audit.stores import delete_event, demo_store, edit_payload
from tests.examples import ERASED_KEY, KEY, event, history, history_length
from trustengine import TrustEngine
from trustengine.domain import customer_id
from trustengine.integrity.verify import verify, verify_customer
from trustengine.persistence.chain import GENESIS, event_hash
from trustengine.testing.synth import generate_history


def chained(engine: TrustEngine, customer: str) -> dict[int, str]:
    """A customer's hashes recomputed from their stored events, by position."""
    previous, hashes = GENESIS, {}
    for stored in engine.recorder.select_events(customer_id(customer)):
        previous = hashes[stored.originator_version] = event_hash(previous, stored)
    return hashes


def test_one_customers_stored_hashes_are_their_own_events_chained(engine: TrustEngine) -> None:
    engine.record_many(history())
    engine.record(event("CustomerRegistered", "cust-3", at=0))
    engine.record(event("CustomerContacted", at=60, direction="outbound"))

    links = engine.chain.stream_links(customer_id(KEY))

    assert links == chained(engine, KEY)
    assert sorted(links) == list(range(1, history_length() + 1))  # and the contact
    assert engine.chain.stream_links(customer_id(ERASED_KEY)) == chained(engine, ERASED_KEY)
    assert len(engine.chain.stream_links(customer_id("cust-3"))) == 1


def test_a_customer_without_events_has_no_stored_hashes(engine: TrustEngine) -> None:
    engine.record_many(history())

    assert engine.chain.stream_links(customer_id("nobody")) == {}


def test_an_untouched_customer_verifies_on_every_backend(engine: TrustEngine) -> None:
    engine.record_many(history())
    engine.record(event("CustomerContacted", at=60, direction="outbound"))

    check = verify_customer(engine, KEY)

    events = history_length()  # KEY's: every one but the erasure, and the contact
    assert check.as_dict() == {"customer": KEY, "ok": True, "events": events, "problems": []}


def _plan(engine: TrustEngine, query: Any, params: tuple[Any, ...]) -> str:
    """How the store would run ``query``, with table scans discouraged where the store
    lets a session say so (PostgreSQL may scan a tiny table even with an index)."""
    with engine.recorder.datastore.transaction(commit=False) as cursor:  # type: ignore[attr-defined]
        if engine.target.backend == "postgres":
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute(b"EXPLAIN " + query.as_bytes(cursor), params)
            return "\n".join(row["QUERY PLAN"] for row in cursor.fetchall())
        cursor.execute("EXPLAIN QUERY PLAN " + query, params)
        return "\n".join(row["detail"] for row in cursor.fetchall())


@pytest.mark.parametrize("statement", ["stream_hashes", "hashes_between"])
def test_the_chains_partial_reads_go_through_the_tables_keys(
    open_durable_engine: Any, statement: str
) -> None:
    engine: TrustEngine = open_durable_engine()
    engine.record_many(history())
    sql = engine.recorder.chain_sql  # type: ignore[attr-defined]
    params = (sql.stream(customer_id(KEY)),) if statement == "stream_hashes" else (3, 9)

    plan = _plan(engine, getattr(sql, statement), params)

    assert "PRIMARY KEY" in plan or "_hashes_pkey" in plan, plan
    assert "Seq Scan" not in plan, plan
    assert not [line for line in plan.splitlines() if line.startswith("SCAN")], plan


def test_the_hashes_between_two_notification_ids_are_those_events_and_only_those(
    engine: TrustEngine,
) -> None:
    engine.record_many(history())
    engine.record(event("CustomerRegistered", "cust-3", at=0))
    every = {
        (str(customer_id(customer)), version): hashed
        for customer in (KEY, ERASED_KEY, "cust-3")
        for version, hashed in chained(engine, customer).items()
    }
    stored = list(engine.notifications())

    links = engine.chain.links_between(stored[20].id, stored[-1].id)

    assert len(stored[20:]) == history_length() + 1 - 20  # and cust-3's registration
    assert links == {n.id: every[(str(n.originator_id), n.originator_version)] for n in stored[20:]}
    assert engine.chain.links_between(stored[-1].id + 1, stored[-1].id + 50) == {}


def test_verify_reads_no_more_hashes_at_once_than_a_batch_of_events(
    engine: TrustEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine.record_many(history())
    read = engine.chain.links_between
    sizes: list[int] = []

    def counted(first: int, last: int) -> dict[int, str]:
        links = read(first, last)
        sizes.append(len(links))
        return links

    monkeypatch.setattr(engine.recorder, "links_between", counted)

    report = verify(engine, batch=4)

    assert report.ok, report.problems
    whole, rest = divmod(history_length(), 4)
    assert sizes == [4] * whole + ([rest] if rest else [])


def test_an_untouched_store_verifies_alike_in_batches_of_one(engine: TrustEngine) -> None:
    engine.record_many(history())
    engine.record(event("CustomerContacted", at=60, direction="outbound"))

    whole = verify(engine).as_dict()

    assert whole["ok"] is True
    assert verify(engine, batch=1).as_dict() == whole


def test_a_tampered_store_gets_the_same_report_whatever_the_batch_size(tmp_path: Path) -> None:
    db = demo_store(tmp_path / "demo.db")
    edit_payload(db, "cust-amelia", 3, b'"severity":2', b'"severity":3')
    delete_event(db, "cust-chen", 4)
    delete_event(db, "cust-boris", 2)
    with sqlite3.connect(db) as conn:  # an event put in beside the engine, with no hash
        conn.execute(
            "INSERT INTO stored_events SELECT originator_id, 99, topic, state "
            "FROM stored_events WHERE rowid = 5"
        )
    engine = TrustEngine(db)

    reports = {size: verify(engine, batch=size).as_dict() for size in (1, 2, 7, 10_000)}
    engine.close()

    whole = reports[10_000]
    problems = whole["problems"]
    assert problems[0] == (
        "customer 'cust-amelia' position 3 (event #3): hash mismatch: its type, time, "
        "payload or position was changed"
    )
    assert (
        "customer 'cust-chen' position 5 (event #43): follows position 3: events missing or "
        "reordered" in problems
    )
    assert (
        "customer 'cust-amelia' position 99 (event #84): no chain hash recorded: inserted "
        "outside the engine" in problems
    )
    assert problems[-2].startswith("store head: the store records 83 events with head ")
    assert problems[-1] == "chain: 1 recorded hash(es) have no stored event: events were deleted"
    assert {size: report == whole for size, report in reports.items()} == {
        1: True,
        2: True,
        7: True,
        10_000: True,
    }


def test_verify_refuses_a_batch_of_no_events(engine: TrustEngine) -> None:
    with pytest.raises(ValueError, match="batch must be at least 1, not 0"):
        verify(engine, batch=0)


def test_verify_reads_a_batchs_keys_at_once_and_still_names_a_lost_key(tmp_path: Path) -> None:
    db = str(tmp_path / "trust.db")
    engine = TrustEngine(db)
    engine.record_many(generate_history(30, 300, seed=3))
    assert engine.erase("cust-00002", legal_basis="GDPR art. 17")  # no key, and rightly so
    keys = engine.key_store.display
    engine.close()
    with sqlite3.connect(Path(db).with_suffix(".keys")) as conn:  # a key lost behind its back
        conn.execute(
            "DELETE FROM customer_keys WHERE originator_id = ?", (customer_id("cust-00005").hex,)
        )
    reopened = TrustEngine(db)
    read = reopened.personal.store.keys
    calls: list[int] = []

    def counted(ids: Any, *, create: bool) -> dict[Any, bytes]:
        wanted = list(ids)
        calls.append(len(wanted))
        assert not create
        return read(wanted, create=create)

    reopened.personal.store.keys = counted  # type: ignore[method-assign]
    report = verify(reopened, batch=50)
    reopened.close()

    assert report.events == 301
    assert len(calls) <= 7  # one read per batch of 50 events at most, not one per customer
    assert sum(calls) == 30
    assert report.problems == [
        "customer 'cust-00005': their key is missing from the key store "
        f"{keys}, though they were never erased: their personal data cannot be read (a key "
        "deleted, or the wrong --keys)"
    ]
