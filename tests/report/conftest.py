"""Fixtures for the report tests: a report of a small hand-built history, and a store
holding the bundled demo history."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from tests.examples import event, iso
from trustengine import TrustEngine
from trustengine.cli import main
from trustengine.readmodel import ReadModel
from trustengine.report import build_report

Report = Callable[..., dict[str, Any]]


def resolved_story(customer: str, case: str, start: int) -> list[dict[str, Any]]:
    """A mild complaint handled well, ending in phase ``restored`` (minutes after T0)."""
    return [
        event(
            "ComplaintFiled",
            customer,
            case,
            at=start,
            category="delivery",
            severity=1,
            cause="other",
            summary="Parcel late",
        ),
        event("ComplaintAcknowledged", customer, case, at=start + 10),
        event("ApologyIssued", customer, case, at=start + 20, accepts_responsibility=True),
        event("ResolutionConfirmed", customer, case, at=start + 60),
        event("CaseClosed", customer, case, at=start + 61, confirmed_by_customer=True),
        event(
            "FollowUpScheduled",
            customer,
            case,
            at=start + 62,
            follow_up=f"F-{case}",
            due=iso(start + 1440),
        ),
        event(
            "FollowUpCompleted",
            customer,
            case,
            at=start + 120,
            follow_up=f"F-{case}",
            outcome="satisfied",
        ),
    ]


@pytest.fixture
def report_of() -> Iterator[Report]:
    """Record events in a fresh in-memory store and report on them (keyword arguments go
    to :func:`build_report`)."""
    opened: list[TrustEngine] = []

    def report(events: list[dict[str, Any]], **window: datetime | str | None) -> dict[str, Any]:
        engine = TrustEngine(":memory:")
        opened.append(engine)
        engine.record_many(events)
        with ReadModel(engine) as model:
            model.catch_up()
            return build_report(model.db, **window)  # type: ignore[arg-type]

    yield report
    for engine in opened:
        engine.close()


@pytest.fixture
def demo_db(tmp_path: Path) -> str:
    """An SQLite store file holding the bundled demo history."""
    db = str(tmp_path / "trust.db")
    result = CliRunner().invoke(main, ["demo", "--db", db])
    assert result.exit_code == 0, result.output
    return db
