"""The SQL-aggregated report gives exactly what the row-by-row Python computation gave.

:mod:`tests.report.reference` keeps the report as it was computed before its figures
moved into SQL: every row read into Python records and added up in Python. Over a
generated history with every event type, amendments and a late entry, the two must agree
value for value, float for float, for any window (bounds at stored times to the
microsecond, in any offset) and either grouping; and they must still agree when stored
values are odd: the same instant written with another offset (one SQLite reads, one it
cannot, one with seconds), microseconds, a space for the ``T``, ``Z``, a three-digit
year, empty and missing categories, empty starts, pauses, amounts and phases changed.
Where the old computation failed on a value, the new one is not held to anything.
"""

from __future__ import annotations

import random
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
import sqlite_utils
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.examples import AMENDMENTS, KEY, event, history
from tests.report.reference import reference_report
from trustengine import TrustEngine
from trustengine.readmodel import ReadModel
from trustengine.report import build_report
from trustengine.scoring.policy import DEFAULT_TRUST_POLICY, load_trust_policy
from trustengine.testing.synth import generate_history

pytestmark = pytest.mark.slow

POLICY = load_trust_policy(DEFAULT_TRUST_POLICY)

TIME_COLUMNS = {
    "cases": ("opened_at", "acknowledged_at", "resolved_at", "closed_at"),
    "satisfaction": ("at",),
    "sla_clocks": ("started_at", "due"),
    "promises": ("made_at",),
    "compensation": ("at",),
    "timeline": ("at", "recorded_at"),
    "score_history": ("at",),
}
"""Every stored time a report reads, per table."""


@pytest.fixture(scope="module")
def store() -> Iterator[sqlite3.Connection]:
    """A read model of 1,500 generated events, every event type, amendments and a late
    entry, as an in-memory database to copy from."""
    engine = TrustEngine(":memory:")
    engine.record_many(generate_history(60, 1500, seed=5))
    engine.record_many(history())
    engine.record_many(AMENDMENTS)
    # Entered after later events of the customer, and months after its time: late.
    engine.record(event("SatisfactionRecorded", KEY, "C-1", at=10, metric="csat", score=2))
    with ReadModel(engine) as model:
        model.catch_up()
        copy = sqlite3.connect(":memory:")
        model.db.conn.backup(copy)
    engine.close()
    yield copy
    copy.close()


def _copy(source: sqlite3.Connection) -> sqlite_utils.Database:
    conn = sqlite3.connect(":memory:")
    source.backup(conn)
    return sqlite_utils.Database(conn)


def _reexpressed(text: str, how: str, rng: random.Random) -> str:
    """The stored time ``text`` written another way that Python still reads (an odd
    value), or the same instant in another offset."""
    moment = datetime.fromisoformat(text)
    if how == "offset":  # SQLite reads up to 14 hours
        zone = timezone(timedelta(minutes=rng.randrange(-14 * 60, 14 * 60 + 1, 15)))
        return moment.astimezone(zone).isoformat()
    if how == "far offset":  # SQLite cannot read these: Python does
        zone = timezone(timedelta(hours=rng.choice([-23, 15, 20, 23]), minutes=59))
        return moment.astimezone(zone).isoformat()
    if how == "offset seconds":
        return moment.astimezone(timezone(timedelta(seconds=19_800 + 15))).isoformat()
    if how == "micro":
        return (moment + timedelta(microseconds=rng.randrange(1, 10**6))).isoformat()
    if how == "space":
        return moment.isoformat(sep=" ")
    if how == "zulu":
        return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")
    if how == "year 999":
        return moment.replace(year=999).isoformat()
    return text


HOWS = ["offset", "far offset", "offset seconds", "micro", "space", "zulu", "year 999"]


def _odd(db: sqlite_utils.Database, seed: int, changes: int) -> None:
    """Change ``changes`` stored values of ``db`` to odd ones Python still reads."""
    rng = random.Random(seed)  # noqa: S311 - seeded choices, not secrets
    for _ in range(changes):
        table = rng.choice([*TIME_COLUMNS, "values"])
        if table == "values":
            _odd_value(db, rng)
            continue
        column = rng.choice(TIME_COLUMNS[table])
        rows = db.execute(
            f'SELECT rowid, "{column}" FROM "{table}" WHERE "{column}" IS NOT NULL '  # noqa: S608 - test constants
            "ORDER BY random() LIMIT 20"
        ).fetchall()
        how = rng.choice(HOWS)
        if how == "year 999" and table not in ("timeline", "score_history"):
            how = "micro"  # a period of year 999 makes the report span 9,000 years
        for rowid, text in rows:
            if text:
                value = _reexpressed(text, how, rng)
                db.execute(f'UPDATE "{table}" SET "{column}" = ? WHERE rowid = ?', [value, rowid])  # noqa: S608 - test constants


def _odd_value(db: sqlite_utils.Database, rng: random.Random) -> None:
    changes: list[tuple[str, str, Any]] = [
        ("cases", "category", rng.choice(["", None, "odd ünïcode", "(none)"])),
        ("cases", "cause", rng.choice(["", None, "z-last"])),
        ("cases", "hand_offs", rng.choice([None, 0, 7])),
        ("sla_clocks", "started_at", ""),
        ("sla_clocks", "paused_seconds", rng.choice([1e-9, 0.5, 3600.25, 86_400.0])),
        ("sla_clocks", "breached", rng.choice([0, 1, 2])),
        ("promises", "on_time", rng.choice([None, 0, 1])),
        ("promises", "status", rng.choice(["kept", "broken", "open"])),
        ("compensation", "amount_exact", rng.choice([None, "0.1", "0.2", "1E+2", "-0.00"])),
        ("compensation", "currency", rng.choice([None, "EUR", "JPY"])),
        ("score_history", "phase", rng.choice(["restored", "advocate", "neutral"])),
        ("satisfaction", "phase_before", rng.choice(["restored", None, "neutral"])),
        ("timeline", "late_entry", 1),
        ("timeline", "amendment", rng.choice(["retracted", "corrected", "refuted", "", None])),
        ("customers", "cases", rng.choice([0, None, 3])),
    ]
    table, column, value = rng.choice(changes)
    db.execute(
        f'UPDATE "{table}" SET "{column}" = ? WHERE rowid IN '  # noqa: S608 - test constants
        f'(SELECT rowid FROM "{table}" ORDER BY random() LIMIT 25)',
        [value],
    )


@st.composite
def windows(draw: st.DrawFn) -> dict[str, Any]:
    """A grouping, and bounds that are open, anywhere, or exactly a stored time (in
    another offset, give or take a microsecond)."""
    found: dict[str, Any] = {"by": draw(st.sampled_from(["week", "month"]))}
    for name in ("since", "until"):
        kind = draw(st.sampled_from(["open", "any", "stored"]))
        if kind == "any":
            found[name] = draw(
                st.datetimes(
                    min_value=datetime(2025, 12, 1),
                    max_value=datetime(2028, 6, 1),
                    timezones=st.sampled_from([UTC, timezone(timedelta(hours=-9, minutes=-30))]),
                )
            )
        elif kind == "stored":
            found[name] = ("stored", draw(st.integers(0, 10**6)), draw(st.integers(-1, 1)))
    return found


def _bound(db: sqlite_utils.Database, value: Any) -> datetime | None:
    if not isinstance(value, tuple):
        return value  # type: ignore[no-any-return]
    _, pick, nudge = value
    table = ["cases", "satisfaction", "sla_clocks", "timeline"][pick % 4]
    column = TIME_COLUMNS[table][0]
    texts = [
        t
        for (t,) in db.execute(f'SELECT "{column}" FROM "{table}" ORDER BY rowid').fetchall()  # noqa: S608 - test constants
        if t
    ]
    moment = datetime.fromisoformat(texts[pick % len(texts)])
    zone = timezone(timedelta(hours=pick % 7 - 3))
    return moment.astimezone(zone) + timedelta(microseconds=nudge)


def _both(db: sqlite_utils.Database, window: dict[str, Any]) -> None:
    bounds = {name: _bound(db, window.get(name)) for name in ("since", "until")}
    if bounds["since"] and bounds["until"] and bounds["since"] > bounds["until"]:
        bounds["since"], bounds["until"] = bounds["until"], bounds["since"]
    try:
        expected = reference_report(db, POLICY, by=window["by"], **bounds)
    except (ValueError, TypeError, OverflowError):
        return  # the old computation could not read a value: nothing to agree with
    assert build_report(db, by=window["by"], policy=POLICY, **bounds) == expected


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(window=windows())
def test_the_sql_report_gives_what_the_row_by_row_report_gave(
    store: sqlite3.Connection, window: dict[str, Any]
) -> None:
    _both(_copy(store), window)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(window=windows(), seed=st.integers(0, 2**32), changes=st.integers(1, 12))
def test_the_sql_report_agrees_over_odd_stored_values(
    store: sqlite3.Connection, window: dict[str, Any], seed: int, changes: int
) -> None:
    db = _copy(store)
    _odd(db, seed, changes)
    _both(db, window)


def test_the_whole_history_agrees_and_is_not_empty(store: sqlite3.Connection) -> None:
    db = _copy(store)
    found = build_report(db, policy=POLICY)

    assert found == reference_report(db, POLICY)
    assert found["issues"]["complaints"] > 50
    assert found["late_entries"]["late_entries"] == 1
    assert found["late_entries"]["retracted"] == 1
    assert found["late_entries"]["corrected"] == 1
    assert found["recovery"]["recovered"] > 0


def test_a_time_python_cannot_read_fails_as_it_did(store: sqlite3.Connection) -> None:
    db = _copy(store)
    db.execute("UPDATE cases SET opened_at = 'the first of March' WHERE rowid = 1")

    with pytest.raises(ValueError, match="Invalid isoformat string"):
        reference_report(db, POLICY, since=datetime(2026, 1, 1, tzinfo=UTC))
    with pytest.raises(ValueError, match="Invalid isoformat string"):
        build_report(db, policy=POLICY, since=datetime(2026, 1, 1, tzinfo=UTC))
