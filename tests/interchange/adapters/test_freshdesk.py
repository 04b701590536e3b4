"""The Freshdesk adapter on fixtures built from the Freshdesk API v2 reference
(fixtures/freshdesk/README.md names the pages)."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

from tests.interchange.adapters.roundtrip import (
    FIXTURES,
    assert_importable,
    in_time_order,
    round_trip,
)
from trustengine.interchange.adapters import freshdesk
from trustengine.interchange.adapters.mapping import load_mapping, parse_mapping
from trustengine.interchange.adapters.report import ConversionReport

HERE = FIXTURES / "freshdesk"


def load(name: str) -> list[dict[str, Any]]:
    data: list[dict[str, Any]] = json.loads((HERE / f"{name}.json").read_text())
    return data


def converted(text: str | None = None) -> tuple[list[dict[str, Any]], ConversionReport]:
    report = ConversionReport("freshdesk")
    mapping = load_mapping(HERE / "mapping.toml") if text is None else parse_mapping(text)
    return list(freshdesk.convert(HERE, mapping=mapping, report=report)), report


def of_case(events: list[dict[str, Any]], number: int) -> list[str]:
    return [e["type"] for e in events if e.get("case") == f"freshdesk-{number}"]


def test_every_converted_event_imports_in_time_order() -> None:
    events, _ = converted()

    assert_importable(events)
    assert in_time_order(events)
    assert events[0]["source"]["url"] == "https://example.freshdesk.com/a/tickets/201"


def test_priority_is_the_severity_and_source_the_channel() -> None:
    events, _ = converted()
    filed = {e["case"]: e for e in events if e["type"] == "ComplaintFiled"}

    assert [filed[f"freshdesk-{n}"]["data"]["severity"] for n in (201, 202, 203)] == [3, 1, 4]
    assert [filed[f"freshdesk-{n}"]["channel"] for n in (201, 202, 203)] == [
        "email",
        "chat",
        "phone",
    ]
    assert filed["freshdesk-203"]["data"]["cause"] == "billing_error"


def test_conversations_give_the_acknowledgement_and_the_contacts_and_stats_the_rest() -> None:
    events, report = converted()

    assert of_case(events, 201) == [
        "ComplaintFiled",
        "ComplaintAcknowledged",  # the first outgoing public reply
        "CustomerContacted",  # incoming
        "SlaBreached",  # is_escalated: the resolution due time passed
        "CustomerContacted",  # outgoing
        "ResolutionProposed",  # stats.resolved_at
        "CompensationOffered",  # tag refund_issued, before the close (a bound)
        "CompensationAccepted",
        "ApologyIssued",  # cf_apology = owned
        "CaseClosed",  # stats.closed_at
        "SatisfactionRecorded",
    ]
    assert of_case(events, 202) == [
        "ComplaintFiled",
        "SlaBreached",  # fr_escalated
        "ComplaintAcknowledged",
        "CaseAwaitingCustomer",  # pending since stats.pending_since
    ]
    # No conversations: the first response comes from stats.first_responded_at.
    assert of_case(events, 203)[:2] == ["ComplaintFiled", "ComplaintAcknowledged"]
    assert report.unmapped["private note"] == 1


def test_tags_and_fields_carry_no_time_so_they_are_a_bound_at_the_close() -> None:
    events, _ = converted()
    offered = next(e for e in events if e["type"] == "CompensationOffered")

    assert offered["source"]["time"] == "bound"
    assert offered["at"] == "2026-04-04T12:00:00+00:00"  # closed_at, before updated_at


def test_tags_after_the_close_are_refused_by_name_when_the_team_says_so() -> None:
    domain = 'domain = "example.freshdesk.com"'
    text = (
        (HERE / "mapping.toml").read_text().replace(domain, f"{domain}\ntags_before_close = false")
    )
    events, report = converted(text)

    assert "CompensationOffered" not in of_case(events, 201)
    assert any(r.rule == "closed-case-takes-only-settlements" for r in report.rejections)


def test_round_trip_csat_and_breaches_equal_the_fixture(tmp_path: Path) -> None:
    events, report_ = converted()
    via = ["--from", "freshdesk", str(HERE), "--map", str(HERE / "mapping.toml")]
    report = round_trip(events, tmp_path, via=via)

    tickets = {t["id"]: t for t in load("tickets")}
    scale = {103: 5, 102: 4, 101: 4, 100: 3, -101: 2, -102: 2, -103: 1}
    rated = [
        scale[r["ratings"]["default_question"]]
        for r in load("satisfaction_ratings")
        if r["ticket_id"] in tickets
    ]
    first_breaches = sum(1 for t in tickets.values() if t["fr_escalated"])
    late = sum(1 for t in tickets.values() if t["is_escalated"])

    csat = report["satisfaction"]["csat"]
    assert csat["responses"] == len(rated)
    assert csat["mean"] == sum(rated) / len(rated)
    assert report["sla"]["first_response"]["breached"] == first_breaches
    assert report["sla"]["resolution"]["breached"] == late
    assert Counter(e["type"] for e in events)["ComplaintFiled"] == len(tickets)
    assert report_.rejected == 1  # the rating of a ticket that is not in the export
