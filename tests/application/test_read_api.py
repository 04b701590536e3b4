"""The library's read API: TrustEngine's read methods answer what the commands print.

Each method's model dumps to the JSON its command prints (same keys, same values), and
to what the read model and the replay gave before the API existed; lookups that find
nothing raise named errors, which the CLI turns into one line and exit 2.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

import trustengine
from trustengine import (
    CustomerNotFoundError,
    NotFoundError,
    ReadModel,
    ReadModelError,
    TrustEngine,
    UnknownCaseError,
)
from trustengine.audit import build_audit, to_json
from trustengine.cli import main
from trustengine.domain.times import parse_time
from trustengine.readmodel.due import due_items
from trustengine.readmodel.timeline import timeline_rows
from trustengine.report import build_report
from trustengine.scoring.trust import TrustModel

AT = datetime(2026, 4, 20, tzinfo=UTC)
BEFORE_EVERYTHING = datetime(2020, 1, 1, tzinfo=UTC)


@pytest.fixture
def demo_db(tmp_path: Path) -> str:
    path = str(tmp_path / "demo.db")
    result = CliRunner().invoke(main, ["demo", "--db", path])
    assert result.exit_code == 0, result.output
    return path


@pytest.fixture
def engine(demo_db: str) -> Iterator[TrustEngine]:
    engine = TrustEngine(demo_db)
    yield engine
    engine.close()


def plain(value: Any) -> Any:
    """``value`` as JSON would carry it."""
    return json.loads(json.dumps(value, default=str))


def cli_json(*args: str) -> Any:
    result = CliRunner().invoke(main, list(args))
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


# --- the models are what the commands print ----------------------------------------------


def test_each_read_method_dumps_exactly_what_its_command_prints_with_json(
    engine: TrustEngine, demo_db: str
) -> None:
    db = ("--db", demo_db)
    pairs = [
        (engine.state("cust-boris"), cli_json("state", "cust-boris", "--json", *db)),
        (
            engine.state("cust-boris", as_of=parse_time("2026-03-20")),
            cli_json("state", "cust-boris", "--as-of", "2026-03-20", "--json", *db),
        ),
        (engine.timeline("cust-boris"), cli_json("timeline", "cust-boris", "--json", *db)),
        (
            engine.timeline("cust-amelia", case="C-1001", as_of=parse_time("2026-03-10")),
            cli_json(
                "timeline",
                "cust-amelia",
                "--case",
                "C-1001",
                "--as-of",
                "2026-03-10",
                "--json",
                *db,
            ),
        ),
        (
            engine.case("cust-boris", "C-1002"),
            cli_json("case", "cust-boris", "C-1002", "--json", *db),
        ),
        (engine.customers(at_risk=True), cli_json("customers", "--at-risk", "--json", *db)),
        (engine.due(at=AT), cli_json("due", "--at", AT.isoformat(), "--json", *db)),
        (engine.report(by="week"), cli_json("report", "--by", "week", "--json", *db)),
        (engine.audit("cust-boris"), cli_json("audit", "cust-boris", "--json", *db)),
    ]

    for model, printed in pairs:
        assert model.model_dump(mode="json") == printed, type(model).__name__


def test_the_models_carry_what_the_read_model_and_the_replay_gave_before(
    engine: TrustEngine,
) -> None:
    with ReadModel(engine) as views:
        views.catch_up()
        state = views.state("cust-boris")
        case = views.case("cust-boris", "C-1002")
        customers = views.customers()
        due = [item.as_dict() for item in due_items(views, AT)]
        report = build_report(views.db, by="month")
        timeline = views.timeline("cust-boris")
    score_at = {step["position"]: step["score"] for step in state["explanation"]}
    for row in timeline:
        row["trust"] = score_at.get(row["position"])
    as_of = datetime(2026, 3, 20, tzinfo=UTC)
    events = engine.history("cust-boris", as_of=as_of)
    replayed = TrustModel().replay(events)
    replayed_rows = timeline_rows(events)
    for row in replayed_rows:
        row["trust"] = {c.position: c.score for c in replayed.explanation}.get(row["position"])

    assert engine.state("cust-boris").model_dump(mode="json") == plain(state)
    assert engine.timeline("cust-boris").model_dump(mode="json") == plain(timeline)
    assert engine.case("cust-boris", "C-1002").model_dump(mode="json") == plain(case)
    assert engine.customers().model_dump(mode="json") == plain(customers)
    assert engine.due(at=AT).model_dump(mode="json") == plain(due)
    assert engine.report().model_dump(mode="json") == plain(report)
    assert engine.audit("cust-boris").model_dump(mode="json") == json.loads(
        to_json(build_audit(engine, "cust-boris"))
    )
    assert engine.state("cust-boris", as_of=as_of).model_dump(mode="json") == plain(
        replayed.as_dict()
    )
    assert engine.timeline("cust-boris", as_of=as_of).model_dump(mode="json") == plain(
        replayed_rows
    )


def test_the_json_has_at_least_the_contracts_keys(engine: TrustEngine) -> None:
    state = engine.state("cust-boris").model_dump(mode="json")
    step = engine.timeline("cust-boris").model_dump(mode="json")[0]

    assert {
        "customer", "score", "phase", "components", "open_cases", "broken_promises",
        "explanation",
    } <= set(state)  # fmt: skip
    assert set(state["components"]) == {"distributive", "procedural", "interactional"}
    assert {"at", "type", "delta", "reason"} <= set(state["explanation"][0])
    assert {"at", "type", "case", "actor", "channel", "summary"} <= set(step)


def test_the_answers_are_typed_frozen_and_listings_iterate_as_rows(engine: TrustEngine) -> None:
    state = engine.state("cust-boris")
    timeline = engine.timeline("cust-boris")
    customers = engine.customers(sort="changed", limit=3)

    assert isinstance(state.score, float)
    assert timeline[0].type == "CustomerRegistered"
    assert [step.position for step in timeline] == list(range(1, len(timeline) + 1))
    assert len(customers) == 3
    with pytest.raises(ValidationError):
        state.score = 100  # type: ignore[misc]
    with pytest.raises(ValidationError):
        timeline[0].summary = "rewritten"  # type: ignore[misc]


def test_customers_filters_by_phase_and_at_risk_like_the_command(engine: TrustEngine) -> None:
    everyone = engine.customers()
    at_risk = engine.customers(at_risk=True)
    restored = engine.customers(phase="restored")

    assert {row.phase for row in at_risk} <= {"at_risk", "lost"}
    assert [row.customer for row in at_risk] == [
        row.customer for row in everyone if row.phase in ("at_risk", "lost")
    ]
    assert [row.customer for row in restored] == [
        row.customer for row in everyone if row.phase == "restored"
    ]
    with pytest.raises(ValueError, match="unknown phase 'happy'"):
        engine.customers(phase="happy")


def test_due_judges_at_the_engines_clock_when_no_time_is_given(demo_db: str) -> None:
    with TrustEngine(demo_db, clock=lambda: AT) as engine:
        assert engine.due() == engine.due(at=AT)
        assert engine.due(overdue=True).root == [item for item in engine.due(at=AT) if item.overdue]


# --- lookups that find nothing -----------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda e: e.timeline("cust-nobody"), CustomerNotFoundError, "no customer 'cust-nobody'"),
        (
            lambda e: e.timeline("cust-boris", case="C-9"),
            UnknownCaseError,
            "customer 'cust-boris' has no case 'C-9' in ",
        ),
        (
            lambda e: e.timeline("cust-boris", as_of=BEFORE_EVERYTHING),
            CustomerNotFoundError,
            "customer 'cust-boris' has no events as of 2020-01-01T00:00:00+00:00",
        ),
        (
            lambda e: e.timeline("cust-boris", case="C-9", as_of=AT),
            UnknownCaseError,
            "customer 'cust-boris' has no case 'C-9' as of 2026-04-20T00:00:00+00:00",
        ),
        (
            lambda e: e.state("cust-boris", as_known_at=BEFORE_EVERYTHING),
            CustomerNotFoundError,
            "customer 'cust-boris' has no events as known at 2020-01-01T00:00:00+00:00",
        ),
        (lambda e: e.state("cust-nobody"), CustomerNotFoundError, "no customer 'cust-nobody'"),
        (lambda e: e.case("cust-boris", "C-9"), UnknownCaseError, "has no case 'C-9'"),
        (lambda e: e.audit("cust-boris", case="C-9"), UnknownCaseError, "has no case 'C-9'"),
    ],
)
def test_a_lookup_that_finds_nothing_raises_a_named_lookup_error(
    engine: TrustEngine, call: Any, error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message.replace("+", r"\+")) as caught:
        call(engine)

    assert isinstance(caught.value, NotFoundError)
    assert isinstance(caught.value, LookupError)
    assert not isinstance(caught.value, trustengine.DomainRuleError)


DEMO_KEYS = {"cust-amelia", "cust-boris", "cust-chen", "cust-dara", "cust-esme"}


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(customer=st.text(max_size=30), case=st.text(max_size=12))
def test_any_customer_or_case_text_gets_an_answer_or_a_named_lookup_error(
    engine: TrustEngine, customer: str, case: str
) -> None:
    for ask in (
        lambda: engine.timeline(customer),
        lambda: engine.timeline(customer, case=case, as_of=AT),
        lambda: engine.case(customer, case),
        lambda: engine.state(customer),
    ):
        try:
            ask()
        except NotFoundError as error:
            assert repr(customer) in str(error)
        else:
            assert customer in DEMO_KEYS


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["timeline", "cust-nobody"], "Error: no customer 'cust-nobody' in {db}"),
        (
            ["timeline", "cust-boris", "--case", "C-9"],
            "Error: customer 'cust-boris' has no case 'C-9' in {db}",
        ),
        (
            ["timeline", "cust-boris", "--as-of", "2020-01-01"],
            "Error: customer 'cust-boris' has no events as of 2020-01-01T23:59:59.999999+00:00",
        ),
        (
            ["timeline", "cust-boris", "--case", "C-9", "--as-of", "2026-04-01"],
            "Error: customer 'cust-boris' has no case 'C-9' as of 2026-04-01T23:59:59.999999+00:00",
        ),
        (
            ["state", "cust-boris", "--as-of", "2020-01-01"],
            "Error: customer 'cust-boris' has no events as of 2020-01-01T23:59:59.999999+00:00",
        ),
    ],
)
def test_timeline_and_state_of_nothing_are_one_line_and_exit_2(
    demo_db: str, args: list[str], message: str
) -> None:
    result = CliRunner().invoke(main, [*args, "--db", demo_db])

    assert result.exit_code == 2
    assert result.output == message.format(db=demo_db) + "\n"


# --- where the read model lives ----------------------------------------------------------


def test_views_puts_the_read_model_in_another_file(demo_db: str, tmp_path: Path) -> None:
    views = tmp_path / "views.db"
    with TrustEngine(demo_db, views=str(views)) as engine:
        assert not views.exists()  # opened on the first read, not before
        assert engine.lag() == 83
        assert engine.catch_up() == 83
        assert engine.lag() == 0
        engine.file_complaint(
            "cust-new",
            "C-1",
            category="delivery",
            severity=1,
            cause="product_defect",
            summary="Dent",
        )
        assert engine.lag() == 1
        assert engine.state("cust-boris").customer == "cust-boris"
        assert engine.views_location == str(views)

    assert views.exists()


def test_a_memory_store_refuses_a_views_file_when_the_engine_opens() -> None:
    with pytest.raises(ReadModelError, match="a :memory: store keeps its read model in memory"):
        TrustEngine(":memory:", views="elsewhere.db")


def test_a_read_catches_up_with_what_was_just_written() -> None:
    with TrustEngine(":memory:") as engine:
        engine.file_complaint(
            "cust-1", "C-1", category="delivery", severity=2, cause="broken_promise",
            summary="Parcel late", at=AT,
        )  # fmt: skip
        before = engine.state("cust-1")
        engine.apologize("cust-1", "C-1", accepts_responsibility=True, at=AT)

        assert before.events == 1
        assert engine.state("cust-1").events == 2
        assert [step.type for step in engine.timeline("cust-1")] == [
            "ComplaintFiled",
            "ApologyIssued",
        ]


def test_every_answer_model_and_read_method_is_exported() -> None:
    names = set(trustengine.__all__)

    assert set(trustengine.application.answers.__all__) <= names
    assert {"NotFoundError", "UnknownCaseError", "ReadModel", "ReadModelError"} <= names
    for method in ("state", "timeline", "case", "customers", "due", "report", "audit"):
        assert getattr(TrustEngine, method).__doc__, method


def test_due_items_takes_an_engine_and_agrees_with_its_due_method(engine: TrustEngine) -> None:
    late = datetime(2026, 6, 30, tzinfo=UTC)
    items = due_items(engine, late, overdue_only=True)

    assert len(items) == 5
    assert [item.as_dict() for item in items] == engine.due(at=late, overdue=True).model_dump(
        mode="json"
    )
