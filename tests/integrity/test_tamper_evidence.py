"""Tamper evidence: verify catches every edited byte, deletion, insertion, reordering and
truncation, and a seal kept elsewhere proves history before it unchanged."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from trustengine import TrustEngine, customer_id
from trustengine.cli import main
from trustengine.integrity.verify import verify, verify_customer
from trustengine.persistence.chain import Seal

HISTORY = [
    {
        "type": "ComplaintFiled",
        "customer": "cust-1",
        "case": "C-1",
        "at": "2026-03-01T09:00:00+00:00",
        "data": {"category": "delivery", "severity": 2, "cause": "other", "summary": "Late"},
    },
    {
        "type": "ComplaintAcknowledged",
        "customer": "cust-1",
        "case": "C-1",
        "at": "2026-03-01T09:30:00+00:00",
        "data": {},
    },
    {
        "type": "CustomerContacted",
        "customer": "cust-2",
        "at": "2026-03-01T10:00:00+00:00",
        "data": {"direction": "inbound"},
    },
    {
        "type": "PromiseMade",
        "customer": "cust-1",
        "case": "C-1",
        "at": "2026-03-01T10:00:00+00:00",
        "data": {"promise": "P-1", "description": "Call", "due": "2026-03-02T10:00:00+00:00"},
    },
]


@pytest.fixture
def store(tmp_path: Path) -> Iterator[tuple[TrustEngine, str]]:
    path = str(tmp_path / "ledger.db")
    engine = TrustEngine(path)
    engine.record_many(HISTORY)
    yield engine, path
    engine.close()


def rows(path: str) -> list[tuple[int, bytes]]:
    with sqlite3.connect(path) as conn:
        return [(r[0], bytes(r[1])) for r in conn.execute("SELECT rowid, state FROM stored_events")]


def test_an_untouched_store_verifies_and_its_head_matches_the_seal(
    store: tuple[TrustEngine, str],
) -> None:
    engine, _ = store

    report = verify(engine, against=engine.recorder.chain_head())  # type: ignore[attr-defined]

    assert report.ok, report.problems
    assert report.head == Seal(4, report.head.head if report.head else "")


def test_flipping_any_single_byte_of_any_stored_payload_is_caught(
    store: tuple[TrustEngine, str],
) -> None:
    engine, path = store
    conn = sqlite3.connect(path, isolation_level=None)
    missed = []
    flips = 0
    for rowid, state in rows(path):
        for index in range(len(state)):
            changed = bytearray(state)
            changed[index] ^= 0x01
            conn.execute("UPDATE stored_events SET state=? WHERE rowid=?", (bytes(changed), rowid))
            flips += 1
            if verify(engine).ok:
                missed.append((rowid, index))
        conn.execute("UPDATE stored_events SET state=? WHERE rowid=?", (state, rowid))
    conn.close()

    assert flips > 400
    assert missed == []
    assert verify(engine).ok


def tamper(path: str, *statements: str) -> None:
    with sqlite3.connect(path) as conn:
        for statement in statements:
            conn.execute(statement)


@pytest.mark.parametrize(
    ("what", "statements"),
    [
        ("delete the middle event", ["DELETE FROM stored_events WHERE rowid = 2"]),
        (
            "delete it and its hash",
            [
                "DELETE FROM stored_events WHERE rowid = 2",
                "DELETE FROM event_hashes WHERE originator_version = 2 AND hash IN "
                "(SELECT hash FROM event_hashes ORDER BY originator_version DESC LIMIT 1)",
            ],
        ),
        (
            "swap two payloads of one customer",
            [
                "UPDATE stored_events SET state = (SELECT state FROM stored_events WHERE rowid = 4)"
                " WHERE rowid = 1",
            ],
        ),
        (
            "reorder two events in the log",
            [
                "UPDATE stored_events SET rowid = 100 WHERE rowid = 1",
                "UPDATE stored_events SET rowid = 1 WHERE rowid = 3",
                "UPDATE stored_events SET rowid = 3 WHERE rowid = 100",
            ],
        ),
        (
            "insert an event",
            [
                "INSERT INTO stored_events SELECT originator_id, 9, topic, state "
                "FROM stored_events WHERE rowid = 2",
            ],
        ),
        ("truncate the tail", ["DELETE FROM stored_events WHERE rowid = 4"]),
        (
            "change an event's type",
            [
                "UPDATE stored_events SET topic = 'trustengine.domain.events:ComplaintAcknowledged'"
                " WHERE rowid = 4",
            ],
        ),
    ],
)
def test_structural_tampering_is_caught(
    store: tuple[TrustEngine, str], what: str, statements: list[str]
) -> None:
    engine, path = store

    tamper(path, *statements)

    assert not verify(engine).ok, what


def test_a_consistent_rewrite_of_history_is_caught_by_an_earlier_seal(
    store: tuple[TrustEngine, str], tmp_path: Path
) -> None:
    engine, path = store
    sealed = engine.recorder.chain_head()  # type: ignore[attr-defined]
    # Rebuild the same customers' history with one changed fact in a fresh store, then
    # copy it over the original: every hash and the head are self-consistent again.
    forged_path = str(tmp_path / "forged.db")
    forged = TrustEngine(forged_path)
    changed = [dict(e) for e in HISTORY]
    changed[0] = {**changed[0], "data": {**changed[0]["data"], "severity": 1}}
    forged.record_many(changed)
    forged.close()
    tamper(path, "DELETE FROM stored_events", "DELETE FROM event_hashes", "DELETE FROM ledger_head")
    tamper(
        path,
        f"ATTACH DATABASE '{forged_path}' AS forged",
        "INSERT INTO stored_events SELECT * FROM forged.stored_events",
    )
    with sqlite3.connect(path) as conn:
        conn.execute(f"ATTACH DATABASE '{forged_path}' AS forged")
        conn.execute("INSERT INTO event_hashes SELECT * FROM forged.event_hashes")
        conn.execute("INSERT INTO ledger_head SELECT * FROM forged.ledger_head")
    keys, forged_keys = (str(Path(p).with_suffix(".keys")) for p in (path, forged_path))
    with sqlite3.connect(keys) as conn:  # the keys live in the key store beside the store
        conn.execute(f"ATTACH DATABASE '{forged_keys}' AS forged")
        conn.execute("DELETE FROM customer_keys")
        conn.execute("INSERT INTO customer_keys SELECT * FROM forged.customer_keys")

    reopened = TrustEngine(path)  # a fresh process: no keys cached from before the forgery
    assert verify(reopened).ok  # self-consistent: only the seal can tell
    report = verify(reopened, against=sealed)
    reopened.close()
    assert report.problems == [
        "seal: the first 4 events do not match the sealed head: history before the seal was changed"
    ]


def test_seal_then_verify_against_it_from_the_command_line(
    store: tuple[TrustEngine, str],
) -> None:
    _, path = store
    runner = CliRunner()

    sealed = runner.invoke(main, ["seal", "--db", path]).output.strip()
    result = runner.invoke(main, ["verify", "--against", sealed, "--db", path])

    assert sealed.startswith("4:")
    assert result.exit_code == 0
    assert result.output == "4 events checked: ok\n"


def test_a_seal_covering_more_events_than_the_store_holds_reports_truncation(
    store: tuple[TrustEngine, str],
) -> None:
    engine, _ = store
    head = engine.recorder.chain_head()  # type: ignore[attr-defined]

    report = verify(engine, against=Seal(head.events + 3, head.head))

    assert report.problems == [
        "seal: it covers 7 events but the store holds 4: the ledger was truncated"
    ]


def test_a_malformed_seal_is_refused_with_a_one_line_error(store: tuple[TrustEngine, str]) -> None:
    _, path = store

    result = CliRunner().invoke(main, ["verify", "--against", "12:abc", "--db", path])

    assert result.exit_code == 2
    assert "'12:abc' is not a seal: expected COUNT:HEAD as `seal` prints it" in result.output


LATE = {
    "type": "CustomerContacted",
    "customer": "cust-3",
    "at": "2026-03-02T10:00:00+00:00",
    "data": {"direction": "inbound"},
}


def test_an_event_stored_after_the_walk_but_before_the_head_is_read_is_no_problem(
    store: tuple[TrustEngine, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    engine, path = store
    reader = engine.chain
    read_head = reader.chain_head
    calls: list[int] = []

    def head_with_a_writer_in_between() -> Seal:
        calls.append(1)
        if len(calls) == 2:  # the walk is over: another process stores an event now
            other = TrustEngine(path)
            other.record(LATE)
            other.close()
        return read_head()

    monkeypatch.setattr(reader, "chain_head", head_with_a_writer_in_between)

    report = verify(engine)

    assert len(calls) == 2
    assert report.problems == []
    assert report.events == 4


def test_a_forged_event_the_head_does_not_cover_is_still_caught(
    store: tuple[TrustEngine, str],
) -> None:
    engine, path = store
    with sqlite3.connect(path) as conn:
        (count, head) = conn.execute("SELECT * FROM ledger_head").fetchone()[-2:]
    other = TrustEngine(path)
    other.record(LATE)
    other.close()
    with sqlite3.connect(path) as conn:  # roll the head back over the new event
        conn.execute("UPDATE ledger_head SET events = ?, head = ?", (count, head))

    report = verify(engine)

    assert report.problems[0].startswith("store head: the store records 4 events with head ")


def _behind_the_engines_back(engine: TrustEngine, *statements: str) -> None:
    """Run ``statements`` (``{events}``/``{hashes}`` for the store's tables, ``{last}`` for
    cust-1's last position, ``{id}`` for its stream id) on the store's own connection."""
    recorder: Any = engine.recorder
    sqlite = not hasattr(recorder.datastore, "schema")
    if sqlite:
        names = {"events": "stored_events", "hashes": "event_hashes", "id": "?"}
    else:
        table = f'"{recorder.datastore.schema}"."{recorder.events_table_name}'
        names = {"events": f'{table}"', "hashes": f'{table}_hashes"', "id": "%s"}
    stream = customer_id("cust-1")
    with recorder.datastore.transaction(commit=True) as cursor:
        for statement in statements:
            query = statement.format(**names, last=len(engine.history("cust-1")))
            cursor.execute(query, (stream.hex if sqlite else stream,))


def test_one_customers_check_catches_its_last_event_deleted_with_its_hash(
    open_durable_engine: Callable[..., TrustEngine],
) -> None:
    engine = open_durable_engine()
    engine.record_many(HISTORY)
    assert verify_customer(engine, "cust-1").ok

    _behind_the_engines_back(
        engine,
        "DELETE FROM {hashes} WHERE originator_id = {id} AND originator_version = {last}",
        "DELETE FROM {events} WHERE originator_id = {id} AND originator_version = {last}",
    )
    check = verify_customer(engine, "cust-1")

    assert check.events == 2
    assert len(check.problems) == 1
    assert check.problems[0].startswith("store head: the store records 4 events with head ")
    assert "the recorded hashes fold to 3 with head " in check.problems[0]


def test_an_event_stored_during_one_customers_check_is_no_problem(
    store: tuple[TrustEngine, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    engine, path = store
    reader = engine.chain
    read_head = reader.chain_head
    calls: list[int] = []

    def head_with_a_writer_in_between() -> Seal:
        calls.append(1)
        if len(calls) == 2:  # the fold is over: another process stores an event now
            other = TrustEngine(path)
            other.record(LATE)
            other.close()
        return read_head()

    monkeypatch.setattr(reader, "chain_head", head_with_a_writer_in_between)

    check = verify_customer(engine, "cust-1")

    assert len(calls) == 2
    assert check.problems == []
    assert check.events == 3
