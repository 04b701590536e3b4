"""Any CSV or JSON Lines export with a mapping file: the shipped examples, named
rejections, and arbitrary cell text that never crashes the conversion."""

from __future__ import annotations

import csv
import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.interchange.adapters.roundtrip import assert_importable, in_time_order, round_trip
from trustengine.exceptions import PolicyError
from trustengine.interchange.adapters import csvmap
from trustengine.interchange.adapters.mapping import Mapping, load_mapping, parse_mapping
from trustengine.interchange.adapters.report import ConversionReport

EXAMPLES = Path(__file__).resolve().parents[3] / "examples" / "mappings"
HELPDESK = load_mapping(EXAMPLES / "helpdesk.toml")
COLUMNS = (
    "ticket_id,customer_email,updated_at,status,priority,category,subject,agent,"
    "first_response_at,csat"
)


def convert(
    path: Path, mapping: Mapping = HELPDESK
) -> tuple[list[dict[str, Any]], ConversionReport]:
    report = ConversionReport("helpdesk")
    return list(csvmap.convert(path, mapping=mapping, report=report)), report


@pytest.mark.parametrize("name", ["helpdesk", "jira-service-management"])
def test_each_example_mapping_converts_its_csv_into_events_that_import(name: str) -> None:
    events, report = convert(EXAMPLES / f"{name}.csv", load_mapping(EXAMPLES / f"{name}.toml"))

    assert events
    assert report.rejected == 0
    assert_importable(events)
    assert in_time_order(events)


def test_the_helpdesk_example_fires_on_changes_once_per_case(tmp_path: Path) -> None:
    events, _ = convert(EXAMPLES / "helpdesk.csv")
    ann = [e["type"] for e in events if e["case"] == "T-100"]

    assert ann == [
        "ComplaintFiled",
        "ComplaintAcknowledged",  # first_response_at, once, at that column's time
        "CaseReassigned",  # agent sam -> kim
        "CaseAwaitingCustomer",  # status becomes pending
        "ResolutionProposed",  # becomes resolved (the next resolved row gives nothing)
        "SatisfactionRecorded",  # csat present, once
        "CaseClosed",
    ]
    assert events[0]["customer"] == "helpdesk:ann@example.org"
    assert events[0]["source"]["url"] == "https://help.example.com/tickets/T-100"


def test_round_trip_csat_equals_the_csv(tmp_path: Path) -> None:
    events, _ = convert(EXAMPLES / "helpdesk.csv")
    mapping = EXAMPLES / "helpdesk.toml"
    via = ["--from", "csv", str(EXAMPLES / "helpdesk.csv"), "--map", str(mapping)]
    report = round_trip(events, tmp_path, via=via)

    with (EXAMPLES / "helpdesk.csv").open(newline="") as stream:
        rows = list(csv.DictReader(stream))
    first_scores = {}
    for row in rows:
        if row["csat"]:
            first_scores.setdefault(row["ticket_id"], int(row["csat"]))
    scores = list(first_scores.values())

    assert report["satisfaction"]["csat"]["responses"] == len(scores)
    assert report["satisfaction"]["csat"]["mean"] == sum(scores) / len(scores)
    assert Counter(e["type"] for e in events)["ComplaintFiled"] == len(
        {r["ticket_id"] for r in rows}
    )


def write(tmp_path: Path, rows: list[list[str]]) -> Path:
    path = tmp_path / "export.csv"
    with path.open("w", newline="", encoding="utf-8") as stream:
        writer = csv.writer(stream)
        writer.writerow(COLUMNS.split(","))
        writer.writerows(rows)
    return path


def test_a_bad_cell_is_a_rejection_naming_the_line_the_column_and_the_rule(tmp_path: Path) -> None:
    path = write(tmp_path, [
        ["T-1", "a@x", "2026-05-04T09:00:00Z", "new", "high", "c", "s", "sam", "", "abc"],
        ["T-2", "b@x", "yesterday", "new", "high", "c", "s", "sam", "", ""],
        ["T-3", "c@x", "2026-05-04T09:00:00Z", "new", "extreme", "c", "s", "sam", "", "7"],
    ])  # fmt: skip
    events, report = convert(path)

    assert [str(r) for r in report.rejections] == [
        "export.csv:2: csat: SatisfactionRecorded: 'abc' is not int: invalid literal for int() "
        "with base 10: 'abc' (rule: int)",
        "export.csv:3: updated_at: 'yesterday' is not a time ('yesterday' is not an ISO 8601 "
        "date and time) (rule: time)",
        "export.csv:4: priority: ComplaintFiled: 'extreme' is not in [maps.severity] (rule: map)",
        "export.csv:4: csat: SatisfactionRecorded: data.score = 7: a csat score must be from 1 "
        "to 5 (rule: score-fits-metric)",
    ]
    assert [e["type"] for e in events] == ["ComplaintFiled"]  # T-1's complaint stands


def test_a_json_lines_export_converts_like_a_csv(tmp_path: Path) -> None:
    path = tmp_path / "export.jsonl"
    with (EXAMPLES / "helpdesk.csv").open(newline="") as stream:
        path.write_text("".join(json.dumps(row) + "\n" for row in csv.DictReader(stream)))
    path.write_text(path.read_text() + "[1, 2]\nnot json\n")

    events, report = convert(path)

    assert events == convert(EXAMPLES / "helpdesk.csv")[0]
    assert [r.rule for r in report.rejections] == ["json", "json"]


def test_columns_the_mapping_does_not_name_are_reported_as_unmapped(tmp_path: Path) -> None:
    _, report = convert(
        EXAMPLES / "jira-service-management.csv",
        load_mapping(EXAMPLES / "jira-service-management.toml"),
    )

    assert report.unmapped == Counter({"column Assignee": 3})


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ('type = "ComplaintFiled"', "unknown event type 'ComplaintFiledd'"),
        ("summary =", "ComplaintFiled has no field 'summry'"),
        ('when = "first"', "when must be first, every or a table"),
        ('case = "ticket_id"', "[columns] case must name a column"),
        ('timezone = "UTC"', "timezone 'Mars/Olympus' is not known"),
    ],
)
def test_a_mistake_in_the_mapping_is_named_when_it_is_read(change: str, message: str) -> None:
    text = (EXAMPLES / "helpdesk.toml").read_text()
    broken = {
        'type = "ComplaintFiled"': text.replace(
            'type = "ComplaintFiled"', 'type = "ComplaintFiledd"'
        ),
        "summary =": text.replace('summary = "{subject}"', 'summry = "{subject}"'),
        'when = "first"': text.replace('when = "first"', 'when = "sometimes"'),
        'case = "ticket_id"': text.replace('case = "ticket_id"', ""),
        'timezone = "UTC"': text.replace('timezone = "UTC"', 'timezone = "Mars/Olympus"'),
    }[change]

    with pytest.raises(PolicyError, match=re.escape(message)):
        list(csvmap.convert(EXAMPLES / "helpdesk.csv", mapping=parse_mapping(broken, "m.toml")))


LINE = re.compile(r"export\.csv:[0-9]+")
cells = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)
rows = st.lists(st.lists(cells, min_size=10, max_size=10), min_size=1, max_size=6)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=rows, valid_times=st.booleans())
def test_arbitrary_cell_text_gives_events_or_named_rejections_never_a_crash(
    tmp_path: Path, data: list[list[str]], valid_times: bool
) -> None:
    if valid_times:  # let some rows get past the time, to reach the rules
        for number, row in enumerate(data):
            row[2] = f"2026-05-04T09:{number:02d}:00Z"
    path = write(tmp_path, data)

    events, report = convert(path)

    assert_importable(events)
    for rejection in report.rejections:
        assert LINE.fullmatch(rejection.where), rejection
        assert rejection.rule and rejection.reason
        assert rejection.field or rejection.rule in ("csv", "json"), rejection
    assert report.records <= len(data)


def test_text_that_is_not_utf8_is_read_with_replacement_characters(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_bytes(
        (COLUMNS + "\nT-1,a@x,2026-05-04T09:00:00Z,new,high,c,caf\xe9,sam,,\n").encode("latin-1")
    )

    events, _ = convert(path)

    assert events[0]["data"]["summary"] == "caf\ufffd"
