"""Writers in separate processes appending to the same customers lose nothing."""

from __future__ import annotations

import faulthandler
import multiprocessing
from collections import Counter
from typing import Any

from trustengine import TrustEngine

WRITERS = 4
EVENTS_PER_WRITER = 500
CUSTOMERS = [f"cust-{n}" for n in range(4)]
AT = "2026-03-01T09:00:00+00:00"


def write_events(target: str, writer: int, start: Any, results: Any) -> None:
    faulthandler.dump_traceback_later(240, exit=True)  # a hang shows where, then ends
    stored = 0
    try:
        engine = TrustEngine(target)
        start.wait(timeout=120)
        for n in range(EVENTS_PER_WRITER):
            stored += engine.record(
                {
                    "type": "CustomerContacted",
                    "customer": CUSTOMERS[n % len(CUSTOMERS)],
                    "at": AT,
                    "actor": f"writer-{writer}",
                    "data": {"direction": "outbound", "summary": f"call {n}"},
                }
            )
    except Exception as error:  # report it to the test rather than hang it
        results.put((writer, stored, repr(error)))
    else:
        results.put((writer, stored, engine.conflicts))
    finally:
        faulthandler.cancel_dump_traceback_later()
        if "engine" in locals():
            engine.close()


def test_four_writer_processes_on_the_same_customers_lose_and_duplicate_nothing(
    durable_target: str,
) -> None:
    TrustEngine(durable_target).close()  # create the tables before the race
    context = multiprocessing.get_context("spawn")
    start, results = context.Barrier(WRITERS), context.Queue()
    writers = [
        context.Process(target=write_events, args=(durable_target, w, start, results))
        for w in range(WRITERS)
    ]
    for process in writers:
        process.start()
    try:
        outcomes = sorted(results.get(timeout=300) for _ in writers)
    finally:
        for process in writers:
            process.join(timeout=60)
            if process.is_alive():
                process.kill()
    errors = [outcome for outcome in outcomes if isinstance(outcome[2], str)]
    assert errors == []
    stored = [count for _, count, _ in outcomes]
    conflicts = sum(retried for _, _, retried in outcomes)

    engine = TrustEngine(durable_target)
    events = list(engine.all_events())
    per_writer = Counter(event.actor for event in events)
    engine.close()

    assert conflicts > 0, "the writers never raced: the retry path was not exercised"
    assert stored == [EVENTS_PER_WRITER] * WRITERS
    assert len(events) == WRITERS * EVENTS_PER_WRITER
    assert per_writer == {f"writer-{w}": EVENTS_PER_WRITER for w in range(WRITERS)}
    for key in CUSTOMERS:
        versions = [e.originator_version for e in events if e.customer == key]
        assert sorted(versions) == list(range(1, len(versions) + 1))


NOW_WRITERS = 4
NOW_EVENTS = 40


def record_now(target: str, writer: int, start: Any, results: Any) -> None:
    faulthandler.dump_traceback_later(240, exit=True)
    refused = []
    try:
        engine = TrustEngine(target)
        start.wait(timeout=120)
        for n in range(NOW_EVENTS):
            try:
                # No time given: "now", as `record` without --at and the typed commands use.
                engine.contact(
                    "cust-now", direction="outbound", summary=f"call {n}", actor=f"w-{writer}"
                )
            except Exception as error:  # a refusal is what the test looks for
                refused.append(repr(error))
    except Exception as error:
        refused.append(repr(error))
    finally:
        results.put((writer, refused))
        faulthandler.cancel_dump_traceback_later()
        if "engine" in locals():
            engine.close()


def test_writers_using_the_default_time_are_never_refused_as_going_back_in_time(
    durable_target: str,
) -> None:
    TrustEngine(durable_target).close()
    context = multiprocessing.get_context("spawn")
    start, results = context.Barrier(NOW_WRITERS), context.Queue()
    writers = [
        context.Process(target=record_now, args=(durable_target, w, start, results))
        for w in range(NOW_WRITERS)
    ]
    for process in writers:
        process.start()
    try:
        outcomes = sorted(results.get(timeout=300) for _ in writers)
    finally:
        for process in writers:
            process.join(timeout=60)
            if process.is_alive():
                process.kill()

    engine = TrustEngine(durable_target)
    times = [event.timestamp for event in engine.history("cust-now")]
    engine.close()

    assert [refused for _, refused in outcomes] == [[]] * NOW_WRITERS
    assert len(times) == NOW_WRITERS * NOW_EVENTS
    assert times == sorted(times)


def test_a_write_given_no_time_reads_the_clock_again_when_another_writer_got_in_first(
    durable_target: str,
) -> None:
    """Deterministically, the race the processes above run into now and then: while
    this write reads "now", another writer stores a later event for the same customer."""
    from datetime import UTC, datetime, timedelta

    base = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
    other = TrustEngine(durable_target)
    other.contact("cust-r", direction="inbound", at=base)
    readings = iter([base + timedelta(minutes=1), base + timedelta(minutes=3)])

    def clock() -> datetime:
        reading = next(readings)
        if reading == base + timedelta(minutes=1):  # the other writer lands meanwhile
            other.contact("cust-r", direction="outbound", at=base + timedelta(minutes=2))
        return reading

    engine = TrustEngine(durable_target, clock=clock)
    try:
        assert engine.contact("cust-r", direction="outbound", summary="no time given")
        times = [event.timestamp for event in engine.history("cust-r")]
        conflicts = engine.conflicts
    finally:
        engine.close()
        other.close()

    assert conflicts == 1
    assert times == [base, base + timedelta(minutes=2), base + timedelta(minutes=3)]
