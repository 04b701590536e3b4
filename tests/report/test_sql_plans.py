"""How SQLite runs the report's queries: the recovery rate and the late entries read the
read model's partial indexes instead of every row of ``score_history`` and ``timeline``,
and the SLA clocks are counted in one pass without a sort; and the clocks' counts still
agree with the row-by-row report when a clock has no name or one the policy does not
know."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
import sqlite_utils

from tests.examples import AMENDMENTS, history
from tests.report.reference import reference_report
from trustengine import TrustEngine
from trustengine.readmodel import ReadModel
from trustengine.report import build_report
from trustengine.report import clocks as report_clocks
from trustengine.report import sql as report_sql
from trustengine.scoring.policy import DEFAULT_TRUST_POLICY, load_trust_policy
from trustengine.testing.synth import generate_history

POLICY = load_trust_policy(DEFAULT_TRUST_POLICY)
WINDOWS = {
    "open": {},
    "bounded": {
        "since": datetime(2026, 1, 1, tzinfo=UTC),
        "until": datetime(2027, 12, 31, tzinfo=UTC),
    },
}


@pytest.fixture
def db() -> Iterator[sqlite_utils.Database]:
    """A read model of a generated history with amendments, in memory."""
    engine = TrustEngine(":memory:")
    engine.record_many(generate_history(20, 400, seed=3))
    engine.record_many(history())
    engine.record_many(AMENDMENTS)
    with ReadModel(engine) as model:
        model.catch_up()
        yield model.db
    engine.close()


def _plans(
    db: sqlite_utils.Database, monkeypatch: pytest.MonkeyPatch, **window: Any
) -> list[tuple[str, list[str]]]:
    """Each query the report ran, with the steps of its query plan."""
    found: list[tuple[str, list[str]]] = []
    rows = report_sql.TimeSql.rows

    def planned(self: report_sql.TimeSql, sql: str, params: Any = ()) -> Any:
        plan = self.db.execute(f"EXPLAIN QUERY PLAN {sql}", params).fetchall()
        found.append((sql, [step[3] for step in plan]))
        return rows(self, sql, params)

    monkeypatch.setattr(report_sql.TimeSql, "rows", planned)
    build_report(db, policy=POLICY, **window)
    return found


@pytest.mark.parametrize("window", WINDOWS)
def test_score_history_and_timeline_are_read_through_their_partial_indexes(
    db: sqlite_utils.Database, monkeypatch: pytest.MonkeyPatch, window: str
) -> None:
    steps = [step for _, plan in _plans(db, monkeypatch, **WINDOWS[window]) for step in plan]

    assert [s for s in steps if s.startswith(("SCAN score_history", "SCAN timeline"))] == [
        "SCAN score_history USING COVERING INDEX idx_score_history_recovered",
        "SCAN timeline USING COVERING INDEX idx_timeline_late_or_amended",
    ]
    assert "SEARCH f USING COVERING INDEX idx_score_history_complaints (customer=? AND case=?)" in (
        steps
    )


@pytest.mark.parametrize("window", WINDOWS)
def test_the_clocks_are_counted_in_one_pass_without_a_sort(
    db: sqlite_utils.Database, monkeypatch: pytest.MonkeyPatch, window: str
) -> None:
    plans = _plans(db, monkeypatch, **WINDOWS[window])

    counted = [plan for sql, plan in plans if "count(*) FILTER" in sql]
    assert counted == [["SCAN sla_clocks"]]


@pytest.mark.parametrize("name", [None, "zz-house-clock", ""])
def test_a_clock_without_a_name_or_with_an_unknown_one_is_counted_as_before(
    db: sqlite_utils.Database, name: str | None
) -> None:
    db.execute(
        "UPDATE sla_clocks SET clock = ? WHERE rowid IN "
        "(SELECT rowid FROM sla_clocks WHERE clock = 'resolution' ORDER BY rowid LIMIT 7)",
        [name],
    )

    for window in WINDOWS.values():
        found = build_report(db, policy=POLICY, **window)
        assert found == reference_report(db, POLICY, **window)
        assert found["sla"][name]["clocks"] > 0


def test_more_clocks_than_one_pass_counts_are_counted_in_several_as_before(
    db: sqlite_utils.Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    db.execute(
        "UPDATE sla_clocks SET clock = clock || '-' || (rowid % 3) WHERE clock = 'resolution'"
    )
    monkeypatch.setattr(report_clocks, "CLOCKS_A_PASS", 2)

    for window in WINDOWS.values():
        found = build_report(db, policy=POLICY, **window)
        assert found == reference_report(db, POLICY, **window)
        assert {"resolution-0", "resolution-1", "resolution-2"} <= set(found["sla"])
