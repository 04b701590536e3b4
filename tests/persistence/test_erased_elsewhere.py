"""An erasure committed by another engine (another process) reaches a reader that cached
the customer's key before: from then on it shows none of their personal text, on every
read (history, state, timeline, a rebuild), whether it follows the store or not."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import pytest
from eventsourcing.persistence import Notification

from tests.persistence.test_erasure import PRIVATE_NAME, PRIVATE_SUMMARY, history
from trustengine import TrustEngine
from trustengine.domain.customer import customer_id
from trustengine.exceptions import CustomerErasedError
from trustengine.integrity.verify import verify
from trustengine.persistence.personal import ERASED, ERASED_TOPIC, PersonalData
from trustengine.readmodel import ReadModel
from trustengine.readmodel.follow import Follower

PRIVATE = (PRIVATE_NAME, PRIVATE_SUMMARY, "Zelda")
LATER = {
    "type": "ComplaintAcknowledged",
    "customer": "cust-k",
    "case": "C-1",
    "at": "2026-03-02T09:00:00+00:00",
    "data": {},
}


def shows_private(found: Any) -> bool:
    text = json.dumps(found, default=str)
    return any(secret in text for secret in PRIVATE)


def personal_fields(engine: TrustEngine, customer: str) -> list[Any]:
    registered, complaint, apology, *_ = engine.history(customer)
    return [
        registered.data()["name"],
        complaint.summary,
        complaint.remedy_sought,
        apology.explanation,
    ]


def two_engines(
    open_engine: Callable[..., TrustEngine], views: Path
) -> tuple[TrustEngine, TrustEngine]:
    """A writer with two customers recorded, and a reader (its read model in ``views``)
    that has read them (so holds their keys)."""
    writer, reader = open_engine(), open_engine(views=str(views))
    writer.record_many(history("cust-z", PRIVATE_NAME, PRIVATE_SUMMARY))
    writer.record_many(history("cust-k", "Kim Keep", "Kept text"))
    assert personal_fields(reader, "cust-z")[0] == PRIVATE_NAME
    return writer, reader


def test_a_reader_that_cached_the_key_reads_the_history_erased_once_another_engine_erased(
    open_durable_engine: Callable[..., TrustEngine], tmp_path: Path
) -> None:
    writer, reader = two_engines(open_durable_engine, tmp_path / "engine-views.db")

    writer.erase("cust-z", legal_basis="GDPR Art. 17 request")

    assert personal_fields(reader, "cust-z") == [ERASED] * 4
    assert personal_fields(reader, "cust-k")[0] == "Kim Keep"
    assert reader.history("cust-z")[-1].type_name == "CustomerErased"


def test_a_follower_that_cached_the_key_shows_the_customer_erased_on_every_read(
    open_durable_engine: Callable[..., TrustEngine], tmp_path: Path
) -> None:
    writer, reader = two_engines(open_durable_engine, tmp_path / "engine-views.db")
    followed: list[Any] = []

    with ReadModel(reader, str(tmp_path / "views.db")) as model:
        rounds = [
            lambda: writer.erase("cust-z", legal_basis="GDPR Art. 17 request"),
            lambda: writer.record(LATER),
        ]

        def wait(_timeout: float) -> None:
            if rounds:
                rounds.pop(0)()
            else:
                follower.stop.set()

        follower = Follower(model, poll=1, wait=wait)
        model.catch_up()
        assert shows_private(model.timeline("cust-z"))  # the key is cached
        follower.run()
        followed += [model.timeline("cust-z"), model.state("cust-z")]
        model.rebuild()
        followed += [model.timeline("cust-z"), model.state("cust-z")]

    followed += [reader.history("cust-z"), reader.timeline("cust-z"), reader.state("cust-z")]
    then = {"as_of": datetime(2026, 3, 1, 12, tzinfo=UTC)}
    followed += [reader.timeline("cust-z", **then), reader.state("cust-z", **then)]
    assert [shows_private(found) for found in followed] == [False] * 9
    assert followed[0][-1]["summary"].startswith("Personal data erased")
    assert personal_fields(reader, "cust-k")[0] == "Kim Keep"
    assert verify(reader).problems == []


def test_a_reader_reading_the_whole_store_reads_the_erased_customer_erased_throughout(
    open_durable_engine: Callable[..., TrustEngine], tmp_path: Path
) -> None:
    writer, reader = two_engines(open_durable_engine, tmp_path / "engine-views.db")

    writer.erase("cust-z", legal_basis="GDPR Art. 17 request")

    events = [e for e in reader.all_events() if e.customer == "cust-z"]
    assert [e.type_name for e in events][-1] == "CustomerErased"
    assert not shows_private([e.data() for e in events])


class CountingKeys:
    """A key source that counts the reads it is asked for."""

    def __init__(self, ids: list[UUID]) -> None:
        self.stored = {id_: bytes(range(32)) for id_ in ids}
        self.reads: list[list[UUID]] = []

    def keys(self, ids: Iterable[UUID], *, create: bool) -> dict[UUID, bytes]:
        wanted = list(ids)
        self.reads.append(wanted)
        return {i: self.stored[i] for i in wanted if i in self.stored}

    def destroy(self, id_: UUID) -> bool:
        return self.stored.pop(id_, None) is not None


def notification(position: int, id_: UUID, topic: str) -> Notification:
    return Notification(
        id=position, originator_id=id_, originator_version=position, topic=topic, state=b""
    )


def test_a_batch_holding_an_erasure_drops_that_key_and_reads_the_key_store_no_more() -> None:
    erased, kept = uuid4(), uuid4()
    source = CountingKeys([erased, kept])
    personal = PersonalData(source)
    personal.preload([erased, kept])
    sealed = personal.seal(erased, {"name": PRIVATE_NAME})
    other = personal.seal(kept, {"name": "Kim Keep"})
    token = personal.seal_text(erased, PRIVATE_SUMMARY)
    assert token is not None

    personal.preload_batch(
        [notification(1, kept, "x:Other"), notification(2, erased, ERASED_TOPIC)]
    )

    assert personal.unseal(erased, dict(sealed)) == {"name": ERASED}
    assert personal.open_text(erased, token) == ERASED
    assert personal.unseal(kept, dict(other)) == {"name": "Kim Keep"}
    assert source.reads == [[erased, kept]]  # the one preload before: nothing since
    assert erased in source.stored  # dropping from memory destroys nothing


def test_a_writer_loading_a_customer_it_does_not_hold_drops_their_key_once_erased_elsewhere(
    open_durable_engine: Callable[..., TrustEngine], tmp_path: Path
) -> None:
    writer, reader = two_engines(open_durable_engine, tmp_path / "engine-views.db")
    dropped: list[UUID] = []
    erased = reader.personal.erased

    def spied(ids: Iterable[UUID]) -> None:
        ids = list(ids)
        dropped.extend(ids)
        erased(ids)

    reader.personal.erased = spied  # type: ignore[method-assign]
    writer.erase("cust-z", legal_basis="GDPR Art. 17 request")

    with pytest.raises(CustomerErasedError):  # loads cust-z, uncached, to check the rules
        reader.record({**LATER, "customer": "cust-z"})

    assert dropped == [customer_id("cust-z")]
