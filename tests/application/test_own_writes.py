"""An engine keeps the customers it saved and skips re-reading them, yet sees other writers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from trustengine import TrustEngine
from trustengine.domain.customer import Customer, customer_id
from trustengine.testing.synth import generate_history

BASE = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def _state(customer: Customer) -> tuple[object, ...]:
    fields = ("entries", "amendments", "retracted", "replaced", "facts", "erased")
    return (*(vars(customer)[name] for name in fields), customer.version, customer.state())


def test_the_customer_an_engine_keeps_after_saving_is_the_one_the_store_replays(
    durable_target: str,
) -> None:
    history = list(generate_history(5, 60, seed=3))
    engine = TrustEngine(durable_target, future_tolerance=timedelta(days=3650))
    fresh = TrustEngine(durable_target)
    compared = 0
    try:
        engine.record_many(history[:30])
        for event in history[30:]:
            engine.record(event)
        for key in {event["customer"] for event in history}:
            id_ = customer_id(key)
            kept = engine.repository.cache.get(id_)  # type: ignore[union-attr]
            replayed = fresh.repository.get(id_)
            if replayed.erased:  # left to the store: its next load reads what erasure left
                continue
            assert _state(kept) == _state(replayed)
            compared += 1
        assert compared >= 3
    finally:
        engine.close()
        fresh.close()


def test_a_write_after_another_writers_append_retries_on_the_stored_customer(
    durable_target: str,
) -> None:
    engine = TrustEngine(durable_target)
    other = TrustEngine(durable_target)
    try:
        engine.contact("cust-o", direction="inbound", at=BASE)
        other.contact("cust-o", direction="outbound", at=BASE + timedelta(minutes=1))
        assert engine.contact("cust-o", direction="inbound", at=BASE + timedelta(minutes=2))
        assert engine.conflicts == 1
        assert len(engine.history("cust-o")) == 3
    finally:
        engine.close()
        other.close()


def test_a_refusal_is_checked_again_on_the_stored_customer_before_it_stands(
    durable_target: str,
) -> None:
    """The case is opened by another writer after this engine's last write: this engine's
    kept copy knows no such case, but the acknowledgement is accepted."""
    engine = TrustEngine(durable_target)
    other = TrustEngine(durable_target)
    try:
        engine.contact("cust-p", direction="inbound", at=BASE)
        other.file_complaint(
            "cust-p",
            "case-1",
            category="billing",
            severity=2,
            cause="broken_promise",
            summary="charged twice",
            at=BASE + timedelta(minutes=1),
        )
        assert engine.acknowledge("cust-p", "case-1", at=BASE + timedelta(minutes=2))
        assert [e.type_name for e in engine.history("cust-p")][-1] == "ComplaintAcknowledged"
    finally:
        engine.close()
        other.close()
