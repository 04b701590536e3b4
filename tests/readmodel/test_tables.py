"""The tables are browsable with plain SQL, and hold exactly what the events say."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import Any

from tests.examples import ERASED_KEY, KEY, event, history
from tests.readmodel.conftest import dump
from trustengine import TrustEngine
from trustengine.readmodel import ReadModel
from trustengine.readmodel.sealing import open_value
from trustengine.readmodel.timeline import timeline_rows

Opener = Callable[..., ReadModel]


def rows(model: ReadModel, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    """The rows, with personal text (sealed in the file) opened: the customer is the
    parameter given, else the first column."""
    found = model.db.execute(sql, params).fetchall()
    personal = model.engine.personal
    return [
        tuple(open_value(personal, params[0] if params else row[0], v) for v in row)
        for row in found
    ]


def test_plain_sql_groups_the_demo_customers_by_phase(
    demo_engine: TrustEngine, sqlite_db: str, read_models: Opener
) -> None:
    read_models(demo_engine).catch_up()

    with sqlite3.connect(sqlite_db) as conn:  # any SQLite client, not trustengine
        phases = conn.execute(
            "SELECT phase, COUNT(*), group_concat(customer) FROM "
            "(SELECT phase, customer FROM customers ORDER BY customer) "
            "GROUP BY phase ORDER BY phase"
        ).fetchall()

    assert phases == [
        ("advocate", 1, "cust-amelia"),
        ("lost", 1, "cust-boris"),
        ("recovering", 1, "cust-chen"),
        ("restored", 2, "cust-dara,cust-esme"),
    ]


def test_the_sql_views_from_the_projections_folder_are_created(
    demo_engine: TrustEngine, read_models: Opener
) -> None:
    model = read_models(demo_engine)
    model.catch_up()

    assert sorted(model.db.view_names()) == [
        "at_risk_customers",
        "overdue_commitments",
        "overdue_sla_clocks",
    ]
    assert rows(model, "SELECT customer, phase, score, open_cases FROM at_risk_customers") == [
        ("cust-boris", "lost", 7.8, 1)
    ]
    # The demo's dates are in 2026: as of any later "now", chen's open commitments are late.
    overdue = rows(model, "SELECT customer, kind, id FROM overdue_commitments")
    assert ("cust-chen", "promise", "P-1003-1") in overdue


def test_every_event_type_lands_in_the_right_rows(read_models: Opener) -> None:
    engine = TrustEngine(":memory:")
    try:
        engine.record_many(history())
        model = read_models(engine)
        model.catch_up()

        assert rows(model, "SELECT * FROM cases WHERE customer = ?", KEY) == [
            (
                KEY,
                "C-1",
                "open",
                "2026-03-01T09:04:00+00:00",
                3,
                "delivery",
                "broken_promise",
                "Sofa promised for Monday arrived Friday",
                "agent-9",
                1,
                2,
                "2026-03-01T09:05:00+00:00",
                "2026-03-01T09:20:00+00:00",
                None,
                None,
                0,
                1,
                "2026-03-01T09:27:00+00:00",
                1,
                1,
                "2026-03-01T09:27:00+00:00",
                None,
                20.0,  # awaited the customer from 09:19:20 to 09:19:40
                '[{"from": "2026-03-01T09:19:20+00:00", "until": "2026-03-01T09:19:40+00:00", '
                '"reason": "Asked for a photo of the damage", "on": "customer"}]',
            )
        ]
        assert rows(model, "SELECT * FROM promises ORDER BY kind, id") == [
            (
                KEY,
                "action",
                "A-1",
                "C-1",
                "Call customers when a route is cancelled",
                "2026-03-01T09:12:00+00:00",
                "2026-03-31T17:00:00+01:00",
                "2026-03-01T09:13:00+00:00",
                "completed",
                1,
                1,
                "Runbook v2 published",
            ),
            (
                KEY,
                "follow_up",
                "F-1",
                "C-1",
                None,
                "2026-03-01T09:22:00+00:00",
                "2026-03-10T09:00:00+00:00",
                "2026-03-01T09:25:00+00:00",
                "completed",
                1,
                None,
                "satisfied",
            ),
            (
                KEY,
                "promise",
                "P-1",
                "C-1",
                "Deliver on Saturday",
                "2026-03-01T09:08:00+00:00",
                "2026-03-07T12:00:00+00:00",
                "2026-03-01T09:09:00+00:00",
                "kept",
                1,
                None,
                None,
            ),
            (
                KEY,
                "promise",
                "P-2",
                "C-1",
                "Call back by noon",
                "2026-03-01T09:10:00+00:00",
                "2026-03-01T12:00:00+00:00",
                "2026-03-01T09:11:00+00:00",
                "broken",
                0,
                None,
                "Not called back by noon",
            ),
        ]
        assert rows(model, "SELECT * FROM compensation ORDER BY offer") == [
            (
                KEY,
                "O-1",
                "C-1",
                "refund",
                25.5,
                "25.5",
                "EUR",
                1,
                "accepted",
                "2026-03-01T09:14:00+00:00",
                "2026-03-01T09:15:00+00:00",
                None,
            ),
            (
                KEY,
                "O-2",
                "C-1",
                "discount",
                None,
                None,
                None,
                0,
                "declined",
                "2026-03-01T09:16:00+00:00",
                "2026-03-01T09:17:00+00:00",
                "Not useful",
            ),
        ]
        # KEY is a vip: sla-default gives a 4h first response and a 3d resolution.
        # The wait from 09:19:20 to 09:19:40 paused resolution and final_response (the
        # policy's pauses): their due times moved 20 seconds.
        clocks = (
            'SELECT customer, "case", clock, period, started_at, due, stopped_at, breached, '
            "policy FROM sla_clocks ORDER BY clock, period"
        )
        assert rows(model, clocks) == [
            (
                KEY,
                "C-1",
                "final_response",
                1,
                "2026-03-01T09:04:00+00:00",
                "2026-04-26T09:04:20+00:00",
                "2026-03-01T09:20:00+00:00",
                0,
                "sla-default",
            ),
            (
                KEY,
                "C-1",
                "first_response",
                1,
                "2026-03-01T09:04:00+00:00",
                "2026-03-01T13:04:00+00:00",
                "2026-03-01T09:05:00+00:00",
                0,
                "sla-default",
            ),
            (
                KEY,
                "C-1",
                "follow_up",
                1,
                "2026-03-01T09:21:00+00:00",
                "2026-03-02T09:21:00+00:00",
                "2026-03-01T09:25:00+00:00",
                0,
                "sla-default",
            ),
            (
                KEY,
                "C-1",
                "resolution",
                1,
                "2026-03-01T09:04:00+00:00",
                "2026-03-04T09:04:20+00:00",
                "2026-03-01T09:21:00+00:00",
                1,
                "sla-default",
            ),
            (
                KEY,
                "C-1",
                "resolution",
                2,
                "2026-03-01T09:27:00+00:00",
                "2026-03-04T09:27:00+00:00",
                None,
                0,
                "sla-default",
            ),
        ]
        paused = "SELECT clock, run, paused_at, paused_seconds FROM sla_clocks WHERE period = 1"
        assert sorted(rows(model, paused)) == [
            ("final_response", 1, None, 20.0),
            ("first_response", 1, None, 0.0),
            ("follow_up", 1, None, 0.0),
            ("resolution", 1, None, 20.0),
        ]
        assert rows(
            model, "SELECT due_explained FROM sla_clocks WHERE clock = 'final_response'"
        ) == [
            (
                "8 weeks of calendar time in the offset the clock started in; due Sun 26 Apr "
                "2026 09:04:00 +00:00; paused 20s from 2026-03-01T09:19:20+00:00 to "
                "2026-03-01T09:19:40+00:00: due 2026-04-26T09:04:20+00:00",
            )
        ]
        assert rows(
            model, "SELECT customer, phase, events, tier, last_contact_at FROM customers"
        ) == [
            (KEY, "at_risk", 30, "vip", "2026-03-01T09:02:00+00:00"),
            (ERASED_KEY, "steady", 1, "standard", None),
        ]
        assert rows(
            model,
            "SELECT COUNT(*), MIN(position), MAX(position) FROM score_history WHERE customer = ?",
            KEY,
        ) == [(30, 1, 30)]
    finally:
        engine.close()


def test_erasing_a_customer_erases_their_personal_text_from_the_tables(
    demo_engine: TrustEngine, sqlite_db: str, read_models: Opener
) -> None:
    model = read_models(demo_engine)
    model.catch_up()
    demo_engine.record(
        event(
            "CustomerErased",
            "cust-boris",
            at="2026-06-01T00:00:00+00:00",
            legal_basis="GDPR art. 17",
        )
    )

    assert model.catch_up() == 1

    with sqlite3.connect(sqlite_db) as conn:
        text = "\n".join(
            str(row)
            for table in ("timeline", "cases", "promises", "compensation")
            for row in conn.execute(f"SELECT * FROM {table} WHERE customer = 'cust-boris'")  # noqa: S608
        )
    assert "Lindqvist" not in text
    assert "[erased]" in text
    assert model.timeline("cust-boris") == timeline_rows(demo_engine.history("cust-boris"))
    erased = dict(
        rows(
            model,
            "SELECT type, summary FROM timeline WHERE customer = ? AND position = 1",
            "cust-boris",
        )
    )
    assert erased == {"CustomerRegistered": "Registered (standard tier): [erased]"}
    after_catch_up = model.db.execute(
        "SELECT * FROM timeline ORDER BY customer, position"
    ).fetchall()
    model.rebuild()
    assert (
        model.db.execute("SELECT * FROM timeline ORDER BY customer, position").fetchall()
        == after_catch_up
    )


def test_each_satisfaction_score_is_a_row_with_the_phase_it_was_given_in(
    demo_engine: TrustEngine, read_models: Opener
) -> None:
    model = read_models(demo_engine)
    model.catch_up()

    assert rows(model, "SELECT * FROM satisfaction ORDER BY customer, position") == [
        ("cust-amelia", 17, "C-1001", "nps", 10, "2026-03-12T10:10:00+00:00", "restored"),
        ("cust-amelia", 18, "C-1001", "csat", 5, "2026-03-12T10:11:00+00:00", "advocate"),
        ("cust-boris", 19, "C-1002", "nps", 2, "2026-04-14T19:02:00+00:00", "lost"),
        ("cust-dara", 11, "C-1004", "csat", 4, "2026-03-17T08:30:00+00:00", "recovering"),
        ("cust-dara", 25, "C-1012", "nps", 7, "2026-05-21T12:00:00+00:00", "recovering"),
    ]
    # The phase before a score is the phase after the event just before it.
    assert rows(
        model,
        "SELECT COUNT(*) FROM satisfaction AS s JOIN score_history AS h "
        "ON h.customer = s.customer AND h.position = s.position - 1 "
        "WHERE h.phase = s.phase_before",
    ) == [(5,)]


def test_a_score_s_comment_is_kept_out_of_the_satisfaction_table_and_erasure_keeps_the_score(
    read_models: Opener,
) -> None:
    engine = TrustEngine(":memory:")
    try:
        engine.record_many(
            [
                event("CustomerRegistered", "cust-9", at=0, name="Ines Quaresma"),
                event(
                    "SatisfactionRecorded",
                    "cust-9",
                    at=5,
                    metric="csat",
                    score=2,
                    comment="Ines found the courier rude",
                ),
            ]
        )
        model = read_models(engine)
        model.catch_up()
        before = rows(model, "SELECT * FROM satisfaction")
        engine.record(event("CustomerErased", "cust-9", at=10, legal_basis="GDPR art. 17"))
        model.catch_up()

        text = "\n".join(str(row) for table in dump(model.db).values() for row in table)
        assert before == [("cust-9", 2, None, "csat", 2, "2026-03-01T09:05:00+00:00", "steady")]
        assert rows(model, "SELECT * FROM satisfaction") == before
        assert "courier" not in text
        assert "Ines" not in text
    finally:
        engine.close()
