"""The audit of a history with late entries and a retraction: every event in business-time
order, with its id and a note of what the ledger says of it since."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from trustengine import TrustEngine
from trustengine.cli import main


def _history(db: str) -> TrustEngine:
    engine = TrustEngine(db)
    engine.file_complaint(
        "c",
        "K-1",
        category="billing",
        severity=2,
        cause="billing_error",
        summary="Charged twice",
        at="2024-01-10T09:00:00+00:00",
    )
    engine.contact("c", direction="inbound", at="2024-02-10T09:00:00+00:00")
    engine.acknowledge("c", "K-1", at="2024-01-11T09:00:00+00:00")
    contact = engine.history("c")[1].event_id
    assert contact is not None
    engine.retract("c", contact, reason="wrong customer", actor="lead-2")
    return engine


def test_the_audit_lists_events_in_business_time_with_their_marks(tmp_path: Path) -> None:
    engine = _history(str(tmp_path / "trust.db"))
    report = engine.audit("c")
    events = report.events
    history = engine.history("c")
    engine.close()

    assert [row["type"] for row in events] == [
        "ComplaintFiled",
        "ComplaintAcknowledged",
        "CustomerContacted",
        "EventRetracted",
    ]
    assert [row["id"] for row in events] == [history[i].event_id for i in (0, 2, 1, 3)]
    late = events[1]
    assert late["late_days"] is not None and late["late_days"] > 300
    assert late["note"] == f"entered {late['late_days']} days late"
    struck = events[2]
    assert (struck["counted"], struck["retracted"]) == (False, True)
    assert struck["note"] == (
        f"retracted by lead-2 on {history[3].recorded_at.isoformat()} "
        f"({history[3].event_id}): wrong customer"
    )
    assert report.trust.events == 2


def test_the_audit_text_and_page_strike_a_retracted_event_through(tmp_path: Path) -> None:
    db = str(tmp_path / "trust.db")
    _history(db).close()
    page = tmp_path / "audit.html"

    text = CliRunner().invoke(main, ["audit", "c", "--db", db])
    html = CliRunner().invoke(main, ["audit", "c", "--db", db, "--html", str(page)])

    assert text.exit_code == 0, text.output
    assert "~~Inbound contact~~" in text.output
    assert html.exit_code == 0, html.output
    assert "<td><del>Inbound contact</del></td>" in page.read_text(encoding="utf-8")
