"""An engine's next streamed import stages on the customers its last one saved, without
reading them again, only while no other write has landed in between."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.examples import event
from tests.interchange.test_streamed_import import HISTORY, filed, lines_of, stored
from trustengine import TrustEngine
from trustengine.application.engine import Ledger
from trustengine.domain.customer import customer_id
from trustengine.integrity.verify import verify
from trustengine.interchange.jsonl import import_lines

Opener = Callable[..., TrustEngine]


def counting_reads(engine: TrustEngine) -> list[object]:
    """The ids of the customers ``engine`` reads from its store from now on."""
    reads: list[object] = []
    select = engine.recorder.select_events  # what the repository and the engine read by

    def counted(originator_id: Any, *args: Any, **kwargs: Any) -> Any:
        reads.append(originator_id)
        return select(originator_id, *args, **kwargs)

    engine.recorder.select_events = counted  # type: ignore[method-assign]
    return reads


def test_an_import_in_parts_reads_no_customer_the_engine_saved_in_the_part_before(
    open_engine: Opener,
) -> None:
    engine = open_engine()
    first = {str(e["customer"]) for e in HISTORY[:200]}
    rest = [e for e in HISTORY[200:] if e["customer"] in first]
    import_lines(engine, lines_of(HISTORY[:200]))
    reads = counting_reads(engine)
    assert import_lines(engine, lines_of(rest)).stored == len(rest)
    assert reads == []
    batches = Ledger(":memory:")
    batches.record_many(HISTORY[:200])
    batches.record_many(rest)
    assert stored(engine) == stored(batches)
    assert verify(engine).ok
    batches.close()


def test_an_import_after_another_writer_stages_on_what_that_writer_stored(
    durable_target: str,
) -> None:
    importer, writer = TrustEngine(durable_target), TrustEngine(durable_target)
    try:
        import_lines(importer, lines_of([filed("cust-1", "C-1", 0)]))
        writer.record(filed("cust-1", "C-2", 5))  # the importer's copy of cust-1 is stale
        reads = counting_reads(importer)
        ack = event("ComplaintAcknowledged", "cust-1", "C-2", at=10)
        assert import_lines(importer, lines_of([ack])).stored == 1  # C-2 exists: accepted
        assert len(reads) == 1
        assert [e.type_name for e in importer.history("cust-1")] == [
            "ComplaintFiled",
            "ComplaintFiled",
            "ComplaintAcknowledged",
        ]
        assert verify(importer).ok
    finally:
        importer.close()
        writer.close()


def test_customers_the_store_has_never_seen_are_not_read_one_by_one(durable_target: str) -> None:
    """Holding the lock, an import asks once which of its customers the store has: a new
    one is not looked up by a query of its own, one the store has is read as always."""
    first = HISTORY[:150]
    known = {str(e["customer"]) for e in first}
    assert 0 < len(known) < len({str(e["customer"]) for e in HISTORY})
    writer, importer = TrustEngine(durable_target), TrustEngine(durable_target)
    try:
        import_lines(writer, lines_of(first))
        reads = counting_reads(importer)  # a fresh engine: it trusts nothing it saved
        assert import_lines(importer, lines_of(HISTORY[150:])).stored == 250
        again = {str(e["customer"]) for e in HISTORY[150:]} & known
        assert sorted(map(str, reads)) == sorted(str(customer_id(k)) for k in again)
        batches = Ledger(":memory:")
        batches.record_many(first)
        batches.record_many(HISTORY[150:])
        assert stored(importer) == stored(batches)
        assert verify(importer).ok
        batches.close()
    finally:
        writer.close()
        importer.close()
