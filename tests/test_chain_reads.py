"""The tamper-evidence chain read back on every backend, a part at a time: one customer's
hashes, and what verification makes of them."""

from __future__ import annotations

from typing import Any

from tests.examples import ERASED_KEY, KEY, event, history
from trustengine import TrustEngine
from trustengine.domain import customer_id
from trustengine.persistence.chain import GENESIS, event_hash
from trustengine.verify import verify_customer


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
    assert sorted(links) == list(range(1, 30))
    assert engine.chain.stream_links(customer_id(ERASED_KEY)) == chained(engine, ERASED_KEY)
    assert len(engine.chain.stream_links(customer_id("cust-3"))) == 1


def test_a_customer_without_events_has_no_stored_hashes(engine: TrustEngine) -> None:
    engine.record_many(history())

    assert engine.chain.stream_links(customer_id("nobody")) == {}


def test_an_untouched_customer_verifies_on_every_backend(engine: TrustEngine) -> None:
    engine.record_many(history())
    engine.record(event("CustomerContacted", at=60, direction="outbound"))

    check = verify_customer(engine, KEY)

    assert check.as_dict() == {"customer": KEY, "ok": True, "events": 29, "problems": []}


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


def test_one_customers_hashes_are_read_through_the_tables_key(
    open_durable_engine: Any,
) -> None:
    engine: TrustEngine = open_durable_engine()
    engine.record_many(history())
    sql = engine.recorder.chain_sql  # type: ignore[attr-defined]

    plan = _plan(engine, sql.stream_hashes, (sql.stream(customer_id(KEY)),))

    assert "PRIMARY KEY" in plan or "_hashes_pkey" in plan, plan
    assert "SCAN event_hashes" not in plan and "Seq Scan" not in plan, plan
