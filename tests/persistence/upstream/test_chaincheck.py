"""The check every upstream case ends with must notice a chain that does not recompute."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from uuid import uuid4

import pytest
from eventsourcing.persistence import StoredEvent
from eventsourcing.sqlite import SQLiteDatastore

from tests.persistence.upstream.chaincheck import chain_problems
from trustengine.persistence.recorders import ChainedSQLiteRecorder


@pytest.mark.parametrize(
    ("edit", "says"),
    [
        (
            "UPDATE event_hashes SET hash = 'x' || substr(hash, 2) WHERE originator_version = 2",
            "event #2",
        ),
        ("UPDATE stored_events SET state = X'00' WHERE originator_version = 1", "event #1"),
        ("DELETE FROM stored_events WHERE originator_version = 3", "head:"),
        ("UPDATE ledger_head SET events = events + 1", "head:"),
        ("INSERT INTO event_hashes VALUES ('x', 1, 'h')", "hashes: 4 stored for 3 events"),
    ],
)
def test_the_chain_check_reports_each_edit_of_a_store(tmp_path: Path, edit: str, says: str) -> None:
    path = tmp_path / "s.db"
    recorder = ChainedSQLiteRecorder(SQLiteDatastore(str(path)))
    recorder.create_table()
    stream = uuid4()
    recorder.insert_events([StoredEvent(stream, v, "t", b"{}") for v in (1, 2, 3)])
    assert chain_problems(recorder) == []

    with sqlite3.connect(path) as conn:
        conn.execute(edit)

    assert any(says in problem for problem in chain_problems(recorder))
