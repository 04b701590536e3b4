"""``trustengine audit`` on a customer with a stored event it cannot read or fold: the
report is still written, stops where the read model stops, names the event, exit 1."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner, Result

from tests.audit.stores import demo_store
from tests.readmodel.problem_stores import corrupt, store_unchecked
from trustengine import TrustEngine, customer_id
from trustengine.cli import main

AMELIA_ID = customer_id("cust-amelia")
UNREADABLE = (
    f"customer 'cust-amelia' position 3: does not decode: stored event {AMELIA_ID} v3 "
    "(trustengine.domain.events:ComplaintFiled) does not decode: Expecting value: line 1 "
    "column 1 (char 0)"
)
AS_OF_2 = (
    "customer 'cust-amelia': trust, promise ledger, SLA clocks and compensation are as of "
    "position 2: position 3 cannot be read"
)


def audit(*args: str) -> Result:
    result = CliRunner().invoke(main, ["audit", *args])
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    return result


def test_audit_of_an_undecodable_event_reports_up_to_it_and_exits_1(tmp_path: Path) -> None:
    db = demo_store(tmp_path / "trust.db")
    corrupt(db, 3)

    result = audit("cust-amelia", "--db", db)

    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: verification of 'cust-amelia' found 3 problem(s): {UNREADABLE}\n"
    )
    assert f"  {UNREADABLE}\n" in result.stdout
    assert f"  {AS_OF_2}\n" in result.stdout
    assert "trust: 75.0/100, steady\n" in result.stdout


def test_audit_json_of_an_undecodable_event_lists_the_readable_events(tmp_path: Path) -> None:
    db = demo_store(tmp_path / "trust.db")
    corrupt(db, 3)

    result = audit("cust-amelia", "--json", "--db", db)

    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert [event["position"] for event in report["events"]] == [1, 2, *range(4, 20)]
    assert report["trust"]["events"] == 2
    assert report["commitments"] == []
    assert report["verification"]["problems"] == [
        UNREADABLE,
        "customer 'cust-amelia' position 3: hash mismatch: its type, time, payload or "
        "position was changed",
        AS_OF_2,
    ]


def test_audit_of_an_event_that_cannot_be_folded_stops_before_it(tmp_path: Path) -> None:
    db = demo_store(tmp_path / "trust.db")
    engine = TrustEngine(db)
    try:
        store_unchecked(engine, "cust-boris", "C-1002", level=2**64)
    finally:
        engine.close()

    result = audit("cust-boris", "--json", "--db", db)

    assert result.exit_code == 1
    problems = json.loads(result.stdout)["verification"]["problems"]
    # Bounded levels (issue 17, item 1) make the mapper refuse it as invalid instead.
    assert problems == [
        "customer 'cust-boris' position 20: cannot be folded (OverflowError: Python int too "
        "large to convert to SQLite INTEGER): trust, promise ledger, SLA clocks and "
        "compensation are as of position 19"
    ] or problems[0].startswith("customer 'cust-boris' position 20: does not decode")
