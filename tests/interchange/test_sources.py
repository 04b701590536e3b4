"""An event's ``source``: validated at the door, written by the codec, stored, exported,
and the key that makes re-importing another system's export incremental."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.examples import event
from trustengine.application.engine import Ledger
from trustengine.exceptions import InvalidEventError
from trustengine.integrity.verify import verify
from trustengine.interchange.codec import dumps, parse_event, parse_line, to_contract
from trustengine.interchange.jsonl import export_lines, import_items

ZENDESK = {"system": "zendesk", "id": "ticket/101", "url": "https://x.example/101", "time": "day"}


def sourced(source: dict[str, Any] | None = None, **fields: Any) -> dict[str, Any]:
    line = event(
        "ComplaintFiled",
        case=fields.pop("case", "C-1"),
        category="delivery",
        severity=2,
        cause="other",
        summary=fields.pop("summary", "Late"),
        **fields,
    )
    line["source"] = ZENDESK if source is None else source
    return line


def test_the_codec_writes_the_source_it_read_after_data() -> None:
    parsed = parse_event(sourced())
    out = to_contract(parsed)
    assert list(out)[-1] == "source"
    assert out["source"] == ZENDESK
    assert parse_line(dumps(parsed)) == parsed


def test_a_source_without_url_and_time_writes_only_system_and_id() -> None:
    parsed = parse_event(sourced({"system": "cfpb", "id": "42"}))
    assert to_contract(parsed)["source"] == {"system": "cfpb", "id": "42"}


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ({"id": "1"}, "missing required key 'source.system' (rule: required)"),
        ({"system": "z", "id": " 1"}, "(rule: key-no-outer-whitespace)"),
        ({"system": "z", "id": "x" * 201}, "(rule: length)"),
        ({"system": "z", "id": "1", "time": "hour"}, "(rule: allowed-values)"),
        ({"system": "z", "id": "1", "url": "u" * 2001}, "(rule: length)"),
        ({"system": "z", "id": "1", "line": 3}, "source.line = 3"),
        ({"system": "z", "id": "1", "line": 3}, "(rule: unknown-key)"),
    ],
)
def test_a_bad_source_is_refused_naming_the_field_and_the_rule(
    source: dict[str, Any], message: str
) -> None:
    with pytest.raises(InvalidEventError) as raised:
        parse_event(sourced(source))
    assert message in str(raised.value)
    assert str(raised.value.field).startswith("source")


def _import(engine: Ledger, lines: list[dict[str, Any]]) -> int:
    return import_items(engine, list(enumerate(lines, start=1))).stored


def test_a_stored_source_reads_back_exports_and_the_chain_verifies(tmp_path: Path) -> None:
    with Ledger(str(tmp_path / "t.db")) as engine:
        assert _import(engine, [sourced()]) == 1
        (stored,) = list(engine.all_events())
        assert stored.source is not None and stored.source.ref() == ("zendesk", "ticket/101")
        out = io.StringIO()
        export_lines(engine, out)
        assert '"source":{"system":"zendesk","id":"ticket/101"' in out.getvalue()
        assert verify(engine).ok


def test_an_event_whose_source_the_customer_has_is_skipped_though_it_changed(
    tmp_path: Path,
) -> None:
    with Ledger(str(tmp_path / "t.db")) as engine:
        assert _import(engine, [sourced()]) == 1
        # An updated export says more about the same ticket: the first version stays.
        assert _import(engine, [sourced(summary="Late, and broken")]) == 0
        other = {**ZENDESK, "id": "ticket/102"}
        assert _import(engine, [sourced(other, case="C-2", summary="Lost")]) == 1
        assert [e.source.id for e in engine.all_events() if e.source] == [
            "ticket/101",
            "ticket/102",
        ]


def test_the_same_fact_without_a_source_is_still_the_same_fact(tmp_path: Path) -> None:
    with Ledger(str(tmp_path / "t.db")) as engine:
        assert _import(engine, [sourced()]) == 1
        bare = sourced()
        del bare["source"]
        assert _import(engine, [bare]) == 0


_KEYS = st.text(min_size=1, max_size=200).filter(lambda text: text.strip() == text and text)


@given(
    system=_KEYS,
    id_=_KEYS,
    url=st.none() | st.text(min_size=1, max_size=2000),
    time=st.none() | st.sampled_from(["exact", "day", "bound"]),
)
@settings(max_examples=60, deadline=None)
def test_any_valid_source_survives_a_line_unchanged(
    system: str, id_: str, url: str | None, time: str | None
) -> None:
    source = {"system": system, "id": id_, "url": url, "time": time}
    given_source = {key: value for key, value in source.items() if value is not None}
    parsed = parse_line(json.dumps(sourced(given_source)))

    assert to_contract(parse_line(dumps(parsed)))["source"] == given_source
