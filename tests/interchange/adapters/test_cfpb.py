"""The CFPB adapter on a CSV with the Consumer Complaint Database's published columns
(fixtures/cfpb/README.md names the pages)."""

from __future__ import annotations

import csv
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
from trustengine.exceptions import PolicyError
from trustengine.interchange.adapters import cfpb
from trustengine.interchange.adapters.mapping import NO_MAPPING, load_mapping, parse_mapping
from trustengine.interchange.adapters.report import ConversionReport

HERE = FIXTURES / "cfpb"
FILE = HERE / "complaints.csv"


def converted(mapped: bool = True) -> tuple[list[dict[str, Any]], ConversionReport]:
    report = ConversionReport("cfpb")
    mapping = load_mapping(HERE / "mapping.toml") if mapped else NO_MAPPING
    return list(cfpb.convert(FILE, mapping=mapping, report=report)), report


def case(events: list[dict[str, Any]], complaint: str) -> list[dict[str, Any]]:
    return [e for e in events if e["case"] == f"cfpb-{complaint}"]


def test_every_converted_event_imports_in_time_order() -> None:
    events, _ = converted()

    assert_importable(events)
    assert in_time_order(events)


def test_one_case_per_complaint_filed_when_received_and_received_by_the_company_when_sent() -> None:
    events, _ = converted()
    filed = case(events, "7412002")[0]

    assert filed["type"] == "ComplaintFiled"
    assert filed["customer"] == filed["case"] == "cfpb-7412002"
    assert filed["at"] == "2023-08-28T00:00:00+00:00"
    assert filed["data"]["received"] == "2023-08-29T00:00:00+00:00"
    assert filed["data"]["cause"] == "billing_error"  # [cfpb.cause_by_issue]
    assert filed["channel"] == "phone"
    assert filed["source"] == {
        "system": "cfpb",
        "id": "7412002/filed",
        "url": "https://www.consumerfinance.gov/data-research/consumer-complaints/search/detail/7412002",
        "time": "day",
    }


def test_a_timely_response_is_placed_at_the_end_of_the_window_and_says_it_is_a_bound() -> None:
    events, _ = converted()
    later = case(events, "7412001")[2:]

    assert [e["type"] for e in later] == [
        "ComplaintAcknowledged",
        "CompensationOffered",  # Closed with monetary relief
        "ResolutionProposed",
        "CaseClosed",
    ]
    assert {e["at"] for e in later} == {"2023-09-09T23:59:59+00:00"}  # sent + 15 days
    assert {e["source"]["time"] for e in later} == {"bound"}


def test_an_untimely_response_is_a_breach_and_the_response_is_bounded_by_the_export_date() -> None:
    events, _ = converted()
    types = [(e["type"], e["at"]) for e in case(events, "7412003")]

    assert ("SlaBreached", "2023-09-16T23:59:59+00:00") in types
    assert ("CorrectiveActionCompleted", "2023-12-01T23:59:59+00:00") in types  # non-monetary


def test_without_the_export_date_an_untimely_response_is_not_given_a_made_up_time() -> None:
    events, report = converted(mapped=False)

    assert [e["type"] for e in case(events, "7412003")] == [
        "ComplaintFiled",
        "CustomerContacted",
        "SlaBreached",
    ]
    assert (
        "complaints.csv:4: Company response to consumer: no latest date for an untimely "
        "response: set [cfpb] export_date (rule: time)" in [str(r) for r in report.rejections]
    )


def test_not_disputed_after_a_closing_is_the_customer_accepting_and_disputed_reopens() -> None:
    events, _ = converted()

    assert [e["type"] for e in case(events, "1834001")][-2:] == [
        "ResolutionConfirmed",
        "CaseClosed",
    ]
    assert case(events, "1834001")[-1]["data"]["confirmed_by_customer"] is True
    assert [e["type"] for e in case(events, "1900123")][-2:] == ["CaseClosed", "CaseReopened"]


def test_a_public_response_that_disputes_the_facts_is_a_justification() -> None:
    events, _ = converted()

    assert "JustificationGiven" in [e["type"] for e in case(events, "7412002")]


def test_a_row_whose_date_cannot_be_read_is_named_with_its_line_and_column() -> None:
    _, report = converted()

    assert [str(r) for r in report.rejections] == [
        "complaints.csv:10: Date received: 'not a date' is not a date (YYYY-MM-DD or "
        "MM/DD/YYYY) (rule: time)"
    ]
    assert report.unmapped["column ZIP code"] == 7


def test_round_trip_counts_equal_the_file(tmp_path: Path) -> None:
    events, _ = converted()
    via = ["--from", "cfpb", str(FILE), "--map", str(HERE / "mapping.toml")]
    report = round_trip(events, tmp_path, via=via)

    with FILE.open(newline="", encoding="utf-8") as stream:
        rows = [r for r in csv.DictReader(stream) if r["Date received"] != "not a date"]
    untimely = sum(1 for r in rows if r["Timely response?"] == "No")
    closed = sum(1 for r in rows if r["Company response to consumer"].startswith("Closed"))
    types = Counter(e["type"] for e in events)

    assert types["ComplaintFiled"] == len(rows)
    assert types["SlaBreached"] == untimely
    assert report["sla"]["final_response"]["breached"] == untimely
    assert types["CaseClosed"] == closed
    assert types["ResolutionConfirmed"] == sum(
        1
        for r in rows
        if r["Consumer disputed?"] == "No"
        and r["Company response to consumer"].startswith("Closed")
    )


def test_rows_are_read_one_at_a_time(tmp_path: Path) -> None:
    # A stream that has given its first events before the rest of the file exists.
    big = tmp_path / "big.csv"
    header, first = FILE.read_text(encoding="utf-8").splitlines()[:2]
    big.write_text(f"{header}\n{first}\n", encoding="utf-8")
    stream = cfpb.convert(big)

    assert next(stream)["type"] == "ComplaintFiled"
    with big.open("a", encoding="utf-8") as more:
        more.write(first.replace("7412001", "7412099") + "\n")
    assert sum(1 for e in stream if e["type"] == "ComplaintFiled") == 1


def test_a_bad_setting_is_named_when_the_conversion_starts() -> None:
    with pytest.raises(PolicyError, match=r"m.toml: \[cfpb\] export_date: 'soon' is not a date"):
        list(cfpb.convert(FILE, mapping=parse_mapping('[cfpb]\nexport_date = "soon"\n', "m.toml")))
    with pytest.raises(PolicyError, match=r"response_days must be a whole number"):
        list(cfpb.convert(FILE, mapping=parse_mapping("[cfpb]\nresponse_days = 1.5\n", "m.toml")))
