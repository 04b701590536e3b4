"""The chain a store writes is the same whichever way its events came: one command at a
time (the one-customer path of each store's recorder), a batch of several customers, a
batch of one customer's events, and a command retried after another writer got there
first. Every stored hash and the head must be what folding the stored events in their
stored order gives."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.examples import case_opened, event
from trustengine import TrustEngine
from trustengine.persistence.chain import GENESIS, Seal, link


def _expected(engine: TrustEngine) -> tuple[dict[int, str], Seal]:
    """The hash of each stored event by notification id, and the head, recomputed from
    the stored events alone."""
    stored = list(engine.notifications())
    links, head = link(stored, lambda _stream, _position: None, Seal(0, GENESIS))
    return {s.id: k.hash for s, k in zip(stored, links, strict=True)}, head


def _stored(engine: TrustEngine) -> tuple[dict[int, str], Seal]:
    last = max(n.id for n in engine.notifications())
    return engine.chain.links_between(1, last), engine.chain.chain_head()


def test_commands_batches_and_one_customers_batch_chain_as_the_stored_order_does(
    open_durable_engine: Callable[..., TrustEngine],
) -> None:
    engine = open_durable_engine()
    engine.record(event("CustomerRegistered", "cust-1", at=0, name="Ada"))
    engine.record(event("CustomerRegistered", "cust-2", at=0))
    engine.record(event("CustomerContacted", "cust-1", at=60, direction="outbound"))
    engine.record_many(
        [
            case_opened(at=120, customer="cust-2"),
            event("CustomerContacted", "cust-1", at=130, direction="inbound"),
            event("CustomerRegistered", "cust-3", at=140),
        ]
    )
    engine.record_many(
        [
            event("ComplaintAcknowledged", "cust-2", at=200, case="C-1"),
            event("CustomerContacted", "cust-2", at=210, direction="outbound"),
        ]
    )
    engine.record(event("CustomerContacted", "cust-3", at=300, direction="outbound"))

    expected = _expected(engine)

    assert _stored(engine) == expected
    assert expected[1].events == 9


def test_a_command_retried_after_another_writer_chains_after_that_writers_event(
    open_durable_engine: Callable[..., TrustEngine],
) -> None:
    first, second = open_durable_engine(), open_durable_engine()
    first.record(event("CustomerRegistered", "cust-1", at=0))
    attempts: list[int] = []
    original = first.save

    def save(*objs: Any, **kwargs: Any) -> Any:
        attempts.append(len(attempts) + 1)
        if len(attempts) == 1:  # the other writer appends to the same customer first
            assert second.record(event("CustomerContacted", "cust-1", at=10, direction="inbound"))
        return original(*objs, **kwargs)

    first.save = save  # type: ignore[method-assign]
    assert first.record(event("CustomerContacted", "cust-1", at=20, direction="outbound"))

    assert attempts == [1, 2]
    assert _stored(first) == _expected(first)
    assert _stored(second) == _expected(second)
    assert first.chain.chain_head().events == 3
