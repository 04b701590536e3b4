"""A stored event the read side cannot project is set aside, with its customer's later
events, and never takes the read model down (see trustengine.readmodel.problems)."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from eventsourcing.persistence import MapperDeserialisationError, PersistenceError
from hypothesis import given
from hypothesis import strategies as st

from tests.audit.stores import edit_payload
from tests.conftest import TEST_CIPHER_KEY
from tests.examples import event
from tests.readmodel.conftest import demo_lines, dump
from tests.readmodel.problem_stores import (
    AMELIA_EVENTS,
    OVERFLOW,
    SET_ASIDE,
    WARN,
    corrupt,
    store_raw,
    store_unchecked,
)
from trustengine import TrustEngine, customer_id
from trustengine.cli import main
from trustengine.domain import events as ev
from trustengine.exceptions import ReadModelError, TrustEngineError
from trustengine.interchange.jsonl import import_lines
from trustengine.readmodel import ReadModel
from trustengine.readmodel.follow import Follower
from trustengine.readmodel.problems import ProblemCount, count_problems, is_event_fault, one_line
from trustengine.readmodel.sealing import open_value

Opener = Callable[..., ReadModel]
AMELIA = "cust-amelia"
AMELIA_ID = str(customer_id(AMELIA))
DECODE_ERROR = "does not decode: Expecting value: line 1 column 1 (char 0)"
HELD = "held back: event 3 (position 3) could not be projected"


def without(rows: dict[str, list[tuple[Any, ...]]], customer: str) -> dict[str, list[Any]]:
    """Every table's rows but ``customer``'s (the first column is the customer)."""
    return {
        name: [row for row in table if row[0] != customer]
        for name, table in rows.items()
        if name not in ("problems", "view_tracking", "view_meta")
    }


def test_an_event_that_does_not_decode_is_set_aside_with_the_customers_later_events(
    demo_engine: TrustEngine, read_models: Opener, sqlite_db: str
) -> None:
    reference = read_models(demo_engine, str(Path(sqlite_db).with_name("clean.db")))
    reference.catch_up()
    corrupt(sqlite_db, 3)
    model = read_models(demo_engine)

    assert model.catch_up() == 83
    rows = model.problems()
    first = rows[0]
    assert datetime.fromisoformat(first.pop("seen_at")).tzinfo == UTC
    assert first == {
        "notification_id": 3,
        "originator_id": AMELIA_ID,
        "customer": AMELIA,
        "position": 3,
        "type": "ComplaintFiled",
        "error": DECODE_ERROR,
        "held_by": None,
    }
    assert [(r["position"], r["held_by"], r["error"]) for r in rows[1:]] == [
        (position, 3, HELD) for position in range(4, AMELIA_EVENTS + 1)
    ]
    assert model.position() == 83
    state = model.state(AMELIA)
    assert (state["events"], state["phase"], state["cases"]) == (2, "steady", 0)
    assert without(dump(model.db), AMELIA) == without(dump(reference.db), AMELIA)


def test_the_tracked_position_passes_a_set_aside_event_exactly_once(
    demo_engine: TrustEngine, read_models: Opener, sqlite_db: str
) -> None:
    corrupt(sqlite_db, 3)
    model = read_models(demo_engine, batch_size=10)
    assert model.catch_up() == 83
    assert model.catch_up() == 0
    assert len(model.problems()) == 17
    at = "2026-06-01T09:00:00+00:00"

    demo_engine.record(event("CustomerContacted", "cust-boris", at=at, direction="inbound"))
    assert model.catch_up() == 1
    assert len(model.problems()) == 17
    assert model.state("cust-boris")["events"] == 20

    # The engine cannot add to a customer with an event it cannot read; the recorder can.
    store_raw(demo_engine, ev.CustomerContacted, AMELIA, direction="inbound")
    assert model.catch_up() == 1
    last = model.problems()[-1]
    assert (last["notification_id"], last["position"], last["held_by"]) == (85, 20, 3)
    assert model.state(AMELIA)["events"] == 2
    assert model.position() == 85


def test_a_value_too_large_for_sqlite_sets_aside_that_event_and_the_batch_goes_on(
    demo_engine: TrustEngine, read_models: Opener
) -> None:
    model = read_models(demo_engine)
    model.catch_up()
    before = dump(model.db)
    store_unchecked(demo_engine, "cust-boris", "C-1002", level=2**64)
    at = "2026-06-01T10:00:00+00:00"
    demo_engine.record(event("CustomerContacted", "cust-chen", at=at, direction="inbound"))

    assert model.catch_up() == 2

    (row,) = model.problems()
    assert (row["notification_id"], row["customer"], row["position"], row["type"]) == (
        84,
        "cust-boris",
        20,
        "CaseEscalated",
    )
    # Bounded levels (issue 17, item 1) make the mapper refuse it as invalid instead.
    assert row["error"] == OVERFLOW or row["error"].startswith(
        "does not decode: 1 validation error for CaseEscalated level"
    )
    after = dump(model.db)
    assert without(after, "cust-chen") == without(before, "cust-chen")
    assert model.state("cust-chen")["events"] == 9
    assert model.state("cust-boris")["events"] == 19


def test_a_fold_error_in_a_rebuild_batch_keeps_every_other_event_of_the_batch(
    demo_engine: TrustEngine, read_models: Opener
) -> None:
    model = read_models(demo_engine)
    model.rebuild()
    clean = dump(model.db)
    store_unchecked(demo_engine, "cust-boris", "C-1002", level=2**64)

    assert model.rebuild() == 84

    assert [row["position"] for row in model.problems()] == [20]
    unchanged = ("problems", "view_tracking")
    assert dump(model.db) | {name: clean[name] for name in unchanged} == clean
    assert model.catch_up() == 0


def test_a_rebuild_empties_the_problems_table_and_sets_aside_what_still_fails(
    demo_engine: TrustEngine, read_models: Opener, sqlite_db: str
) -> None:
    good = corrupt(sqlite_db, 3)
    model = read_models(demo_engine)
    model.catch_up()
    corrupt(sqlite_db, 3, good)

    assert model.rebuild() == 83
    assert model.problems() == []
    assert model.state(AMELIA)["events"] == AMELIA_EVENTS

    corrupt(sqlite_db, 3)
    assert model.rebuild() == 83
    assert len(model.problems()) == 17


def test_an_event_missing_from_the_store_sets_aside_the_one_after_it(
    demo_engine: TrustEngine, read_models: Opener, sqlite_db: str
) -> None:
    with sqlite3.connect(sqlite_db) as conn:
        conn.execute("DELETE FROM stored_events WHERE rowid = 5")
    conn.close()
    model = read_models(demo_engine)

    assert model.catch_up() == 82

    rows = model.problems()
    assert (rows[0]["position"], rows[0]["error"]) == (
        6,
        "cannot be folded: LookupError: position 5 of this customer is not in the store",
    )
    assert [row["position"] for row in rows[1:]] == list(range(7, AMELIA_EVENTS + 1))
    assert model.state(AMELIA)["events"] == 4


def test_an_erasure_held_back_still_erases_the_customers_text(
    demo_engine: TrustEngine, read_models: Opener, sqlite_db: str
) -> None:
    model = read_models(demo_engine)
    model.catch_up()
    summaries = "SELECT summary FROM timeline WHERE customer = ? ORDER BY position"
    first = model.db.execute(summaries, (AMELIA,)).fetchone()[0]
    assert "Amelia Hart" in open_value(demo_engine.personal, AMELIA, first)
    at = "2026-06-01T09:00:00+00:00"
    demo_engine.record(event("CustomerContacted", AMELIA, at=at, direction="inbound"))
    demo_engine.erase(AMELIA, legal_basis="GDPR Art. 17 request")
    corrupt(sqlite_db, 84)  # the contact: it and the erasure after it are set aside

    assert model.catch_up() == 2

    assert [(r["type"], r["held_by"]) for r in model.problems()] == [
        ("CustomerContacted", None),
        ("CustomerErased", 84),
    ]
    texts = [row[0] for row in model.db.execute(summaries, (AMELIA,)).fetchall()]
    assert len(texts) == AMELIA_EVENTS
    assert not any("Amelia" in text for text in texts)
    assert model.db.execute(
        "SELECT summary FROM cases WHERE customer = ?", (AMELIA,)
    ).fetchone() == ("[erased]",)


def test_a_store_none_of_whose_events_decode_is_refused_not_set_aside(
    tmp_path: Path,
) -> None:
    path = str(tmp_path / "secret.db")
    with TrustEngine(path, cipher_key=TEST_CIPHER_KEY) as engine:
        import_lines(engine, demo_lines(), name="demo.jsonl")
        with ReadModel(engine) as model:
            model.catch_up()
        at = "2026-06-01T09:00:00+00:00"
        engine.record(event("CustomerContacted", "cust-boris", at=at, direction="inbound"))

    # Without the key (an engine that opens it anyway must not set 84 aside).
    refused = (MapperDeserialisationError, TrustEngineError, PersistenceError)
    with pytest.raises(refused), TrustEngine(path) as engine, ReadModel(engine) as model:
        model.catch_up()

    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT COUNT(*) FROM problems").fetchone() == (0,)
        assert conn.execute("SELECT notification_id FROM view_tracking").fetchone() == (83,)
    conn.close()


def test_errors_of_the_views_database_or_store_are_not_the_events_fault() -> None:
    faults = [
        OverflowError("int too large"),
        sqlite3.IntegrityError("NOT NULL constraint failed"),
        sqlite3.InterfaceError("bad binding"),
        AttributeError("no attribute"),
        MapperDeserialisationError("does not decode"),
    ]
    not_faults = [
        sqlite3.OperationalError("database is locked"),
        sqlite3.DatabaseError("file is not a database"),
        ReadModelError("out of step"),
        PersistenceError("server closed the connection"),
        MemoryError(),
        OSError("disk"),
    ]

    assert [is_event_fault(error) for error in faults] == [True] * len(faults)
    assert [is_event_fault(error) for error in not_faults] == [False] * len(not_faults)


def test_an_error_is_kept_as_one_line_of_bounded_length() -> None:
    assert one_line(ValueError("two\n  lines\tand tabs")) == "ValueError: two lines and tabs"
    long = one_line("x" * 600)
    assert (len(long), long[-1]) == (500, "…")


@pytest.mark.parametrize(
    ("count", "notice"),
    [
        (ProblemCount(0, 0, (), False), None),
        (
            ProblemCount(1, 16, ("cust-amelia",), False),
            "1 stored event could not be projected into the read model, 16 later events "
            "held back: customer 'cust-amelia' shown as of before them; trustengine verify "
            "--views lists them",
        ),
        (
            ProblemCount(5, 0, ("a", "b", "c", "d"), True),
            "5 stored events could not be projected into the read model: customers 'a', "
            "'b', 'c', more and one whose events cannot be read shown as of before them; "
            "trustengine verify --views lists them",
        ),
        (
            ProblemCount(2, 0, ("a", "b"), False),
            "2 stored events could not be projected into the read model: customers 'a' "
            "and 'b' shown as of before them; trustengine verify --views lists them",
        ),
        (
            ProblemCount(1, 1, ("cust-amelia",), False, 3),
            "customer 'cust-amelia' is shown as of position 2: 1 stored event of theirs "
            "could not be projected, 1 later event held back; trustengine verify --views "
            "lists them",
        ),
    ],
)
def test_the_notice_says_how_many_events_are_left_out_and_whose(
    count: ProblemCount, notice: str | None
) -> None:
    assert count.notice() == notice


def test_counting_problems_of_one_customer_and_of_all(
    demo_engine: TrustEngine, read_models: Opener, sqlite_db: str
) -> None:
    corrupt(sqlite_db, 3)
    model = read_models(demo_engine)
    model.catch_up()

    assert count_problems(model.db) == ProblemCount(1, 16, (AMELIA,), False)
    assert count_problems(model.db, AMELIA) == ProblemCount(1, 16, (AMELIA,), False, 3)
    assert count_problems(model.db, "cust-boris") == ProblemCount(0, 0, (), False, None)


def test_an_erasure_rewrites_the_summary_of_an_event_that_no_longer_decodes_whole(
    demo_engine: TrustEngine, read_models: Opener, sqlite_db: str
) -> None:
    model = read_models(demo_engine)
    model.catch_up()
    corrupt(sqlite_db, 3)  # after it was projected: its summary holds her words
    store_raw(demo_engine, ev.CustomerErased, AMELIA, legal_basis="GDPR Art. 17 request")

    assert model.catch_up() == 1

    assert model.problems() == []
    summary = model.db.execute(
        "SELECT summary FROM timeline WHERE customer = ? AND position = 3", (AMELIA,)
    ).fetchone()
    assert summary == ("[erased]",)


@pytest.mark.postgres
def test_an_undecodable_event_on_postgresql_is_set_aside_too(
    postgres_target: str, tmp_path: Path
) -> None:
    import psycopg
    from psycopg import sql

    from tests.conftest import POSTGRES_ADMIN_URL

    schema = postgres_target.rsplit("schema=", 1)[1]
    views = str(tmp_path / "views.db")
    with TrustEngine(postgres_target) as engine:
        import_lines(engine, demo_lines(), name="demo.jsonl")
    table = sql.Identifier(schema, "trustengine_events")
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as conn:
        conn.execute(
            sql.SQL(
                "UPDATE {} SET state = %s WHERE originator_id = %s AND originator_version = 3"
            ).format(table),
            (b"\x00\xff", customer_id(AMELIA)),
        )

    with TrustEngine(postgres_target) as engine, ReadModel(engine, views) as model:
        assert model.catch_up() == 83
        rows = model.problems()
        assert (rows[0]["notification_id"], rows[0]["customer"], rows[0]["error"]) == (
            3,
            AMELIA,
            DECODE_ERROR,
        )
        assert len(rows) == 17
        assert model.state(AMELIA)["events"] == 2
        assert model.state("cust-boris")["events"] == 19

    listed = CliRunner().invoke(main, ["customers", "--db", postgres_target, "--views", views])
    verified = CliRunner().invoke(main, ["verify", "--db", postgres_target, "--views", views])
    assert (listed.exit_code, listed.stderr) == (0, WARN)
    assert verified.exit_code == 1
    assert verified.stdout.splitlines()[-2:] == [SET_ASIDE, "83 events checked: 20 problem(s)"]


def test_a_follower_says_once_when_it_sets_an_event_aside(
    demo_engine: TrustEngine, read_models: Opener
) -> None:
    model = read_models(demo_engine)
    stop = threading.Event()
    lines: list[str] = []
    waits = 0

    def wait(_timeout: float) -> None:
        nonlocal waits
        waits += 1
        if waits == 1:
            store_unchecked(demo_engine, "cust-boris", "C-1002", level=2**64)
        elif waits == 3:
            stop.set()

    with Follower(model, poll=1, stop=stop, wait=wait, log=lines.append) as follower:
        assert follower.run() == 84

    assert lines == [
        "warning: 1 stored event could not be projected into the read model: customer "
        "'cust-boris' shown as of before them; trustengine verify --views lists them"
    ]


def test_a_hand_edit_that_leaves_an_event_invalid_names_its_customer_from_the_payload(
    demo_engine: TrustEngine, read_models: Opener, sqlite_db: str
) -> None:
    edit_payload(sqlite_db, "cust-boris", 2, b'"severity":4', b'"severity":"four"')
    model = read_models(demo_engine)

    assert model.catch_up() == 83

    first = model.problems()[0]
    assert (first["customer"], first["position"], first["type"]) == (
        "cust-boris",
        2,
        "ComplaintFiled",
    )
    assert first["error"].startswith(
        "does not decode: 1 validation error for ComplaintFiled severity Input should be a "
        "valid integer"
    )
    assert model.state("cust-boris")["events"] == 1


def test_a_stream_none_of_whose_events_decode_is_set_aside_without_a_customer(
    demo_engine: TrustEngine, read_models: Opener, sqlite_db: str
) -> None:
    at = "2026-06-01T09:00:00+00:00"
    demo_engine.record(event("CustomerContacted", "cust-new", at=at, direction="inbound"))
    corrupt(sqlite_db, 84)
    model = read_models(demo_engine)

    assert model.catch_up() == 84

    (row,) = model.problems()
    assert (row["customer"], row["originator_id"]) == (None, str(customer_id("cust-new")))
    assert count_problems(model.db).notice() == (
        "1 stored event could not be projected into the read model: a customer whose events "
        "cannot be read shown as of before them; trustengine verify --views lists them"
    )


@given(st.text())
def test_any_error_text_is_kept_as_at_most_one_line(text: str) -> None:
    line = one_line(text)

    assert len(line.splitlines()) <= 1
    assert len(line) <= 500
    assert line == line.strip()
