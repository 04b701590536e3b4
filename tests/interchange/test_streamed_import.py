"""A JSON Lines import checked and written a customer at a time (application/streaming.py):
what it stores is what one batch stores, all or nothing, on every backend."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import textwrap
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.examples import event
from trustengine import TrustEngine
from trustengine.application import streaming
from trustengine.application.engine import Ledger
from trustengine.exceptions import ImportRejectedError, LockTimeoutError
from trustengine.integrity.verify import verify
from trustengine.interchange.codec import dumps
from trustengine.interchange.jsonl import import_items, import_lines
from trustengine.persistence.spool import Spool
from trustengine.testing.synth import generate_history

Opener = Callable[..., TrustEngine]


def lines_of(events: list[dict[str, Any]]) -> list[str]:
    return [json.dumps(e) + "\n" for e in events]


def stored(engine: Ledger) -> list[tuple[str, str, int, str]]:
    """Every stored event as (customer, type, version, its contract line), in store order."""
    return [(e.customer, e.type_name, e.originator_version, dumps(e)) for e in engine.all_events()]


def filed(customer: str, case: str, at: int) -> dict[str, Any]:
    return event(
        "ComplaintFiled",
        customer,
        case,
        at=at,
        category="delivery",
        severity=2,
        cause="other",
        summary="Late",
    )


@pytest.fixture
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Chunks of 7 events, so a small history spans many chunks of one transaction."""
    monkeypatch.setattr(streaming, "CHUNK_EVENTS", 7)


HISTORY = generate_history(customers=30, events=400, seed=11)


def test_a_streamed_import_stores_what_one_batch_stores_in_the_same_order(
    open_engine: Opener, small_chunks: None
) -> None:
    engine = open_engine()
    result = import_lines(engine, lines_of(HISTORY), name="h.jsonl")
    batch = Ledger(":memory:")
    batch.record_many(HISTORY)
    assert (result.lines, result.stored, result.erased) == (400, 400, 0)
    ours, theirs = stored(engine), stored(batch)
    assert ours == theirs
    assert verify(engine).ok
    batch.close()


def test_importing_the_same_file_again_stores_nothing(open_engine: Opener) -> None:
    engine = open_engine()
    import_lines(engine, lines_of(HISTORY))
    again = import_lines(engine, lines_of(HISTORY))
    assert (again.stored, again.skipped) == (0, 400)
    assert engine.recorder.max_notification_id() == 400


def test_a_bad_line_in_the_last_customer_stores_nothing_and_every_bad_line_is_named(
    open_engine: Opener, small_chunks: None
) -> None:
    engine = open_engine()
    engine.record(event("CustomerRegistered", "cust-early", name="Early"))
    head = engine.chain.chain_head()
    lines = lines_of(HISTORY)
    lines.insert(5, '{"type": "Nope", "customer": "x"}\n')
    lines.insert(400, "not json\n")
    lines.append(json.dumps(event("ComplaintAcknowledged", "cust-late", "C-404", at=9)) + "\n")
    with pytest.raises(ImportRejectedError) as refused:
        import_lines(engine, lines, name="bad.jsonl", max_errors=None)
    assert refused.value.lines == [
        "bad.jsonl:6: unknown event type 'Nope'",
        "bad.jsonl:401: not valid JSON: Expecting value at column 1",
        "bad.jsonl:403: case 'C-404' has no ComplaintFiled: ComplaintAcknowledged needs one "
        "(rule: case-must-exist)",
    ]
    assert engine.recorder.max_notification_id() == 1
    assert engine.chain.chain_head() == head
    assert import_lines(engine, lines_of(HISTORY)).stored == 400  # the store still takes it


def test_the_rules_are_checked_against_what_the_store_already_holds(open_engine: Opener) -> None:
    engine = open_engine()
    engine.record(filed("cust-1", "C-1", 0))
    again = [filed("cust-1", "C-1", 5)]
    with pytest.raises(ImportRejectedError) as refused:
        import_lines(engine, lines_of(again), name="f")
    assert "(rule: case-key-unique)" in refused.value.lines[0]
    ack = [event("ComplaintAcknowledged", "cust-1", "C-1", at=10)]
    assert import_lines(engine, lines_of(ack)).stored == 1
    assert [e.originator_version for e in engine.history("cust-1")] == [1, 2]


def test_an_event_whose_source_is_stored_is_skipped_even_with_other_fields(
    open_engine: Opener,
) -> None:
    engine = open_engine()
    first = filed("cust-1", "C-1", 0)
    first["source"] = {"system": "zendesk", "id": "ticket/1"}
    assert import_lines(engine, lines_of([first])).stored == 1
    updated = {**first, "data": {**first["data"], "summary": "Late, and lost"}}
    result = import_lines(engine, lines_of([updated]))
    assert (result.stored, result.skipped) == (0, 1)


def test_lines_for_an_erased_customer_are_skipped_and_counted(open_engine: Opener) -> None:
    engine = open_engine()
    engine.record(event("CustomerRegistered", "cust-gone", name="Gone"))
    engine.erase("cust-gone", legal_basis="GDPR art. 17")
    lines = [
        event("CustomerContacted", "cust-gone", at=5, direction="outbound", summary="hello"),
        event("CustomerRegistered", "cust-new", at=6, name="New"),
    ]
    result = import_lines(engine, lines_of(lines))
    assert (result.stored, result.erased, result.skipped) == (1, 1, 0)


def test_a_failure_between_chunks_rolls_the_whole_import_back(
    open_engine: Opener, small_chunks: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = open_engine()
    flushes = 0
    flush = streaming._Chunk.flush

    def failing(self: Any) -> None:
        nonlocal flushes
        flushes += 1
        if flushes == 5:
            raise OSError("disk gone")
        flush(self)

    monkeypatch.setattr(streaming._Chunk, "flush", failing)
    with pytest.raises(OSError, match="disk gone"):
        import_lines(engine, lines_of(HISTORY))
    assert engine.recorder.max_notification_id() in (0, None)
    monkeypatch.setattr(streaming._Chunk, "flush", flush)
    assert import_lines(engine, lines_of(HISTORY)).stored == 400
    assert verify(engine).ok


def test_a_writer_waiting_on_an_import_loses_nothing(
    durable_target: str, small_chunks: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The import holds the store's lock from its first customer: another writer's event
    for a customer of the file waits, then lands after the import, on top of it."""
    importer, writer = TrustEngine(durable_target), TrustEngine(durable_target, lock_timeout=60)
    writing, release = threading.Event(), threading.Event()
    flush = streaming._Chunk.flush

    def slow(self: Any) -> None:
        flush(self)
        writing.set()
        release.wait(timeout=60)

    monkeypatch.setattr(streaming._Chunk, "flush", slow)
    done: list[int] = []
    thread = threading.Thread(
        target=lambda: done.append(import_lines(importer, lines_of(HISTORY)).stored)
    )
    thread.start()
    try:
        assert writing.wait(timeout=60)
        customer = str(HISTORY[0]["customer"])
        contact = event(
            "CustomerContacted",
            customer,
            at="2030-01-01T00:00:00+00:00",
            direction="outbound",
            summary="late call",
        )
        wrote = threading.Thread(target=lambda: done.append(int(writer.record(contact))))
        wrote.start()
    finally:
        release.set()
        monkeypatch.setattr(streaming._Chunk, "flush", flush)
    thread.join(timeout=120)
    wrote.join(timeout=120)
    assert sorted(done) == [1, 400]
    assert len(stored(writer)) == 401  # (PostgreSQL ids may skip the one a retry gave up)
    assert stored(writer)[-1][:2] == (customer, "CustomerContacted")
    assert verify(writer).ok
    importer.close()
    writer.close()


def test_the_spool_gives_each_customer_once_in_order_of_first_appearance() -> None:
    lines = [
        (1, '{"customer": "b"}'),
        (2, "junk"),
        (3, '{"customer": "a"}'),
        (5, '{"customer": "b"}'),
    ]
    with Spool().extend(lines) as spool:
        groups = list(spool.customers())
        assert groups == list(spool.customers())  # it may be read again
    assert groups == [
        [(2, "junk")],
        [(1, '{"customer": "b"}'), (5, '{"customer": "b"}')],
        [(3, '{"customer": "a"}')],
    ]
    assert (spool.lines, spool.customers_count) == (4, 2)


KILLED = """
import os, signal, sys
from trustengine import TrustEngine
from trustengine.application import streaming
from trustengine.interchange.jsonl import import_items, import_lines

streaming.CHUNK_EVENTS = 7
flush, flushes = streaming._Chunk.flush, []

def killed(self):
    flush(self)
    flushes.append(1)
    if len(flushes) == 20:  # 140 events written into the open transaction
        os.kill(os.getpid(), signal.SIGKILL)

streaming._Chunk.flush = killed
with open(sys.argv[2], encoding="utf-8") as lines:
    import_lines(TrustEngine(sys.argv[1]), lines)
"""


def test_a_kill_mid_import_leaves_nothing_of_it_stored(durable_target: str, tmp_path: Path) -> None:
    engine = TrustEngine(durable_target)
    engine.record(event("CustomerRegistered", "cust-early", name="Early"))
    head = engine.chain.chain_head()
    engine.close()
    path = tmp_path / "h.jsonl"
    path.write_text("".join(lines_of(HISTORY)), encoding="utf-8")

    killed = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(KILLED), durable_target, str(path)],
        capture_output=True,
        check=False,
    )
    assert killed.returncode == -9, killed.stderr.decode()

    reopened = TrustEngine(durable_target)
    assert [e.customer for e in reopened.all_events()] == ["cust-early"]
    assert reopened.chain.chain_head() == head
    assert import_lines(reopened, lines_of(HISTORY)).stored == 400
    assert verify(reopened).ok
    reopened.close()


def test_an_import_that_cannot_have_the_lock_says_so_and_stores_nothing(tmp_path: Path) -> None:
    db = tmp_path / "trust.db"
    TrustEngine(str(db)).close()
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another writer, mid-transaction
    engine = TrustEngine(str(db), lock_timeout=1)
    try:
        with pytest.raises(LockTimeoutError, match="waited 1 s for the lock"):
            import_lines(engine, lines_of(HISTORY))
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert engine.recorder.max_notification_id() in (0, None)
    assert import_lines(engine, lines_of(HISTORY)).stored == 400
    engine.close()


def test_a_line_with_a_lone_surrogate_is_refused_in_words_as_by_one_batch() -> None:
    line = json.dumps(event("CustomerRegistered", "cust-1", name="A"), ensure_ascii=False)
    line = line.replace('"A"', '"A\ud800"')
    batch, streamed = Ledger(":memory:"), Ledger(":memory:")
    outcomes = []
    for engine, run in (
        (batch, lambda e: import_items(e, [(1, line)])),
        (streamed, lambda e: import_lines(e, [line])),
    ):
        try:
            outcomes.append(("stored", run(engine).stored))
        except ImportRejectedError as refused:
            outcomes.append(("refused", refused.lines))
        engine.close()
    assert outcomes[0] == outcomes[1]
