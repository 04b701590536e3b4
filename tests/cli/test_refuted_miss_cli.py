"""Through the command line, on SQLite and PostgreSQL: ``sweep`` records a promise as
broken, a ``PromiseKept`` in time is recorded late, and every command follows the
history as now known while the recorded miss stays on record (docs/trust-model.md,
"Recorded misses stay facts")."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from trustengine.cli import main
from trustengine.domain.customer import customer_id

CUST = str(customer_id("cust-1"))
DUE = "2026-03-02T09:00:00+00:00"
SWEEP_AT = "2026-03-02T11:00:00+00:00"
HISTORY = [
    {
        "type": "ComplaintFiled",
        "customer": "cust-1",
        "case": "C-1",
        "at": "2026-03-01T09:00:00+00:00",
        "actor": "customer",
        "data": {
            "category": "delivery",
            "severity": 2,
            "cause": "broken_promise",
            "summary": "Parcel late",
        },
    },
    {
        "type": "ComplaintAcknowledged",
        "customer": "cust-1",
        "case": "C-1",
        "at": "2026-03-01T09:30:00+00:00",
        "actor": "agent-7",
        "data": {},
    },
    {
        "type": "PromiseMade",
        "customer": "cust-1",
        "case": "C-1",
        "at": "2026-03-01T09:40:00+00:00",
        "actor": "agent-7",
        "data": {"promise": "P-1", "description": "Call back with a slot", "due": DUE},
    },
    {
        "type": "CustomerContacted",
        "customer": "cust-1",
        "at": "2026-03-02T10:00:00+00:00",
        "actor": "customer",
        "data": {"direction": "inbound"},
    },
]
KEEP = ["PromiseKept", "--customer", "cust-1", "--case", "C-1", "--promise", "P-1"]

Run = Callable[..., Result]


@pytest.fixture
def run(durable_target: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Run:
    """Run a command on a store of each durable backend holding :data:`HISTORY`, swept
    as of :data:`SWEEP_AT` (its one miss: P-1, recorded at the customer's last time)."""
    monkeypatch.setenv("TRUSTENGINE_VIEWS", str(tmp_path / "views.db"))  # PostgreSQL's

    def invoke(*args: str) -> Result:
        return CliRunner().invoke(main, [*args, "--db", durable_target])

    lines = tmp_path / "history.jsonl"
    lines.write_text("".join(json.dumps(line) + "\n" for line in HISTORY), encoding="utf-8")
    assert invoke("import", str(lines)).exit_code == 0
    swept = invoke("sweep", "--at", SWEEP_AT, "--json")
    assert swept.exit_code == 0, swept.output
    assert [(miss["type"], miss["at"]) for miss in json.loads(swept.stdout)] == [
        ("PromiseBroken", "2026-03-02T10:00:00+00:00")
    ]
    return invoke


def recorded_at(run: Run, version: int) -> str:
    rows = json.loads(run("timeline", "cust-1", "--json").output)
    (row,) = [row for row in rows if row["id"] == f"{CUST}:{version}"]
    return str(row["recorded_at"])


def test_a_late_keeping_in_time_is_recorded_and_the_miss_shows_as_refuted(run: Run) -> None:
    kept = run("record", *KEEP, "--actor", "agent-7", "--at", "2026-03-02T08:50:00+00:00")

    assert (kept.exit_code, kept.output) == (
        0,
        "Recorded PromiseKept for cust-1, case C-1 (event 6).\n",
    )
    timeline = json.loads(run("timeline", "cust-1", "--json").output)
    assert [(row["type"], row["counted"]) for row in timeline] == [
        ("ComplaintFiled", True),
        ("ComplaintAcknowledged", True),
        ("PromiseMade", True),
        ("PromiseKept", True),
        ("CustomerContacted", True),
        ("PromiseBroken", False),
    ]
    miss = timeline[-1]
    assert (miss["id"], miss["actor"], miss["summary"]) == (
        f"{CUST}:5",
        "system",
        "Promise P-1 broken: not kept by its due time",
    )
    assert miss["amendment"] == {
        "kind": "refuted",
        "by": None,
        "recorded_at": None,
        "actor": None,
        "reason": None,
        "met_at": "2026-03-02T08:50:00+00:00",
    }
    assert miss["trust"] is None
    assert timeline[-2]["trust"] == timeline[3]["trust"]  # the miss took nothing off


def test_the_audit_json_text_and_page_say_when_it_was_missed_and_what_shows_it_met(
    run: Run, tmp_path: Path
) -> None:
    run("record", *KEEP, "--at", "2026-03-02T08:50:00+00:00")
    note = (
        f"recorded as missed on {recorded_at(run, 5)}; a late entry recorded on "
        f"{recorded_at(run, 6)} (PromiseKept at 2026-03-02T08:50:00+00:00, {CUST}:6) shows "
        "it was met"
    )
    page = tmp_path / "audit.html"

    report = json.loads(run("audit", "cust-1", "--json").output)
    text = run("audit", "cust-1")
    html = run("audit", "cust-1", "--html", str(page))

    shown = next(row for row in report["events"] if row["type"] == "PromiseBroken")
    assert (shown["counted"], shown["retracted"], shown["note"]) == (False, False, note)
    assert [(row["id"], row["status"], row["on_time"]) for row in report["commitments"]] == [
        ("P-1", "kept", True)
    ]
    assert report["summary"]["commitments"]["broken"] == 0
    assert report["trust"]["broken_promises"] == 0
    assert text.exit_code == 0, text.output
    assert "recorded as missed on" in text.output
    assert html.exit_code == 0, html.output
    assert note in page.read_text(encoding="utf-8")


def test_due_and_the_report_count_the_promise_kept_on_time(run: Run) -> None:
    run("record", *KEEP, "--at", DUE)  # at the due time itself: still in time

    due = json.loads(run("due", "--at", SWEEP_AT, "--json").output)
    report: dict[str, Any] = json.loads(run("report", "--since", "2026-03-01", "--json").output)
    again = run("sweep", "--at", SWEEP_AT, "--json")

    assert [row["kind"] for row in due] == ["sla:resolution", "sla:final_response"]
    assert report["promises"] == {
        "broken": 0,
        "kept_late": 0,
        "kept_on_time": 1,
        "kept_on_time_pct": 100.0,
        "kept_pct": 100.0,
        "made": 1,
        "open": 0,
    }
    assert report["late_entries"]["misses_shown_met"] == 1
    assert (again.exit_code, json.loads(again.stdout)) == (0, [])


def test_a_keeping_after_the_due_time_is_refused_naming_the_rule(run: Run) -> None:
    late = run("record", *KEEP, "--at", "2026-03-02T09:01:00+00:00")

    assert late.exit_code == 2
    assert late.output == (
        "Error: PromiseKept at 2026-03-02T09:01:00+00:00 is a late entry (this customer's "
        "last event is at 2026-03-02T10:00:00+00:00) that would leave PromiseBroken at "
        f"2026-03-02T10:00:00+00:00 ({CUST}:5) breaking a rule: promise 'P-1' is already "
        "settled: a PromiseKept at 2026-03-02T09:01:00+00:00, after its due time "
        f"{DUE}, does not show that the recorded miss did not happen "
        "(rule: commitment-settles-once)\n"
    )
    assert len(run("export").output.splitlines()) == 5
