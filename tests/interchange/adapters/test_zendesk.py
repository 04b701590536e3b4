"""The Zendesk adapter on fixtures built from Zendesk's published API reference
(fixtures/zendesk/README.md names the pages)."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from tests.interchange.adapters.roundtrip import (
    FIXTURES,
    assert_importable,
    in_time_order,
    round_trip,
)
from trustengine.exceptions import ImportRejectedError
from trustengine.interchange.adapters import zendesk
from trustengine.interchange.adapters.mapping import load_mapping
from trustengine.interchange.adapters.report import ConversionReport

HERE = FIXTURES / "zendesk"


def page(name: str) -> list[dict[str, Any]]:
    data: dict[str, list[dict[str, Any]]] = json.loads((HERE / f"{name}.json").read_text())
    return data[name.removeprefix("ticket_") if name == "ticket_audits" else name]


def converted(mapped: bool = True) -> tuple[list[dict[str, Any]], ConversionReport]:
    report = ConversionReport("zendesk")
    mapping = load_mapping(HERE / "mapping.toml") if mapped else None
    kwargs = {"mapping": mapping} if mapping else {}
    return list(zendesk.convert(HERE, report=report, **kwargs)), report


def test_every_converted_event_imports_and_says_where_it_came_from() -> None:
    events, _ = converted()

    assert_importable(events)
    assert all(e["source"]["system"] == "zendesk" for e in events)
    assert in_time_order(events)


def test_a_ticket_opens_a_case_for_its_requester_with_severity_from_priority() -> None:
    events, report = converted()
    filed = {e["case"]: e for e in events if e["type"] == "ComplaintFiled"}

    assert sorted(filed) == ["zendesk-101", "zendesk-102", "zendesk-103"]
    assert filed["zendesk-101"]["customer"] == "zendesk-user-9001"
    assert filed["zendesk-101"]["data"]["severity"] == 3  # high
    assert filed["zendesk-102"]["data"]["severity"] == 4  # urgent
    assert filed["zendesk-103"]["data"]["severity"] == 2  # none: the default, and a note
    assert report.notes["ticket without priority: default severity"] == 1
    assert filed["zendesk-101"]["data"]["cause"] == "product_defect"  # [zendesk.cause_tags]
    assert (
        filed["zendesk-101"]["source"]["url"]
        == "https://example.zendesk.com/api/v2/tickets/101.json"
    )


def test_the_lifecycle_of_a_ticket_follows_its_audits() -> None:
    events, report = converted()
    ticket = [e["type"] for e in events if e.get("case") == "zendesk-101"]

    assert ticket == [
        "ComplaintFiled",
        "ComplaintAcknowledged",  # the agent's first public comment
        "ApologyIssued",  # macro "Apology (owned)", by the mapping
        "CaseAwaitingCustomer",  # status pending
        "CustomerContacted",  # outbound: the agent's next public comment
        "CustomerContacted",  # inbound: the requester's reply, which ends the wait
        "SlaBreached",  # agent_work_time breach
        "CaseReassigned",  # assignee 501 -> 502
        "CaseReassigned",  # group 20 -> 21
        "CustomerContacted",
        "CompensationOffered",  # tag refund_issued, by the mapping
        "CompensationAccepted",
        "ResolutionProposed",  # solved
        "SatisfactionRecorded",
        "CaseClosed",  # closed
    ]
    # pending -> open came with the reply that had already ended the wait
    assert report.notes["a wait the customer's reply had ended: no CaseResumed"] >= 1


def test_on_hold_waits_on_a_third_party_and_pending_on_the_customer() -> None:
    events, _ = converted()
    waits = {e["case"]: e["data"] for e in events if e["type"] == "CaseAwaitingCustomer"}

    assert waits["zendesk-101"]["on"] == "customer"
    assert waits["zendesk-102"] == {"reason": "Zendesk status hold", "on": "third_party"}


def test_a_ticket_without_audits_gives_its_status_as_of_its_last_update_as_a_bound() -> None:
    events, _ = converted()
    later = [e for e in events if e.get("case") == "zendesk-103" and e["type"] != "ComplaintFiled"]

    assert [e["type"] for e in later] == ["PromiseMade", "CaseAwaitingCustomer"]
    assert {e["source"]["time"] for e in later} == {"bound"}
    assert {e["at"] for e in later} == {"2026-03-08T10:00:00+00:00"}
    assert later[0]["data"]["due"] == "2026-03-09T10:00:00+00:00"  # due_days = 1


def test_without_a_mapping_macros_and_tags_are_reported_as_unmapped_not_guessed() -> None:
    events, report = converted(mapped=False)
    types = Counter(e["type"] for e in events)

    assert types["ApologyIssued"] == types["CompensationOffered"] == 0
    assert report.unmapped["macro Apology (owned)"] == 1
    assert report.unmapped["tag refund_issued"] == 2
    assert report.unmapped["private comment (internal note)"] == 2
    assert_importable(events)


def test_an_audit_of_a_ticket_missing_from_the_export_is_named_in_the_report() -> None:
    _, report = converted()

    assert [str(r) for r in report.rejections] == [
        "ticket_audits.json:audits[11]: ticket_id: the audit's ticket is not in the export "
        "(rule: required)"
    ]


def test_converting_twice_gives_the_same_events_with_the_same_source_ids() -> None:
    assert converted()[0] == converted()[0]


def test_the_dry_run_report_counts_types_and_gives_the_time_span() -> None:
    events, report = converted()
    shown = report.as_dict()

    assert shown["events"] == len(events)
    assert shown["counts"] == dict(sorted(Counter(e["type"] for e in events).items()))
    assert shown["span"] == {
        "first": "2026-03-02T09:00:00+00:00",
        "last": "2026-03-08T10:00:00+00:00",
    }
    assert shown["unmapped"]["metric event fulfill reply_time"] == 2


def test_round_trip_counts_csat_and_sla_breaches_equal_the_fixture(tmp_path: Path) -> None:
    events, _ = converted()
    via = ["--from", "zendesk", str(HERE), "--map", str(HERE / "mapping.toml")]
    report = round_trip(events, tmp_path, via=via)

    # The same figures, straight from the fixture.
    scores = {"good": 5, "bad": 1}
    rated = [scores[r["score"]] for r in page("satisfaction_ratings") if r["score"] in scores]
    breaches = Counter(
        {"reply_time": "first_response", "agent_work_time": "resolution"}[m["metric"]]
        for m in page("ticket_metric_events")
        if m["type"] == "breach"
    )
    tickets = page("tickets")
    requesters = {str(t["id"]): t["requester_id"] for t in tickets}
    inbound = sum(
        1
        for audit in page("ticket_audits")
        if str(audit["ticket_id"]) in requesters
        and not any(e["type"] == "Create" for e in audit["events"])
        for e in audit["events"]
        if e["type"] == "Comment" and e["author_id"] == requesters[str(audit["ticket_id"])]
    )

    csat = report["satisfaction"]["csat"]
    assert csat["responses"] == len(rated)
    assert csat["mean"] == sum(rated) / len(rated)
    assert csat["satisfied"] == sum(1 for s in rated if s >= 4)
    for clock, count in breaches.items():
        assert report["sla"][clock]["breached"] == count
    assert sum(1 for e in events if e["type"] == "ComplaintFiled") == len(tickets)
    assert sum(1 for e in events if e["data"].get("direction") == "inbound") == inbound


def test_a_folder_without_json_pages_is_refused_naming_it(tmp_path: Path) -> None:
    with pytest.raises(ImportRejectedError, match=r"no \.json files here"):
        list(zendesk.convert(tmp_path))


def test_a_page_that_is_not_json_is_refused_naming_its_line(tmp_path: Path) -> None:
    (tmp_path / "tickets.json").write_text('{"tickets": [\n  {"id": 1,,}\n]}')

    with pytest.raises(ImportRejectedError, match=r"tickets.json:2: not valid JSON"):
        list(zendesk.convert(tmp_path))
