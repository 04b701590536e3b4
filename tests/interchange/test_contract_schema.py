"""The JSON Schema of one line (``trustengine types --json``) agrees with the models."""

from __future__ import annotations

import copy
import json
from importlib.resources import files
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from tests.examples import EXAMPLES, history
from trustengine import TrustEngine
from trustengine.domain import EVENT_TYPES
from trustengine.exceptions import InvalidEventError
from trustengine.interchange.codec import parse_line
from trustengine.interchange.contract import SCHEMA_DIALECT, line_schema

SCHEMA = line_schema()
VALIDATOR = Draft202012Validator(SCHEMA)
DEMO = files("trustengine").joinpath("data/demo.jsonl").read_text(encoding="utf-8")


def _with(type_name: str, **changes: Any) -> dict[str, Any]:
    """EXAMPLES[type_name] changed; ``data__x`` is data field x; ``...`` removes a key."""
    obj = copy.deepcopy(EXAMPLES[type_name])
    for name, value in changes.items():
        target, key = (obj["data"], name[6:]) if name.startswith("data__") else (obj, name)
        if value is ...:
            target.pop(key, None)
        else:
            target[key] = value
    return obj


def test_the_schema_is_a_valid_draft_2020_12_schema() -> None:
    assert SCHEMA["$schema"] == SCHEMA_DIALECT
    Draft202012Validator.check_schema(SCHEMA)


def test_the_schema_is_one_of_the_event_types_told_apart_by_type() -> None:
    assert SCHEMA["oneOf"] == [{"$ref": f"#/$defs/{name}"} for name in EVENT_TYPES]
    for name, definition in SCHEMA["$defs"].items():
        assert definition["properties"]["type"] == {"const": name}
        assert definition["additionalProperties"] is False


@pytest.mark.parametrize("number", range(1, len(DEMO.splitlines()) + 1))
def test_every_line_of_the_demo_file_is_valid(number: int) -> None:
    line = DEMO.splitlines()[number - 1]
    errors = [error.message for error in VALIDATOR.iter_errors(json.loads(line))]
    assert errors == []


@pytest.mark.parametrize("obj", history(), ids=lambda obj: obj["type"])
def test_an_example_of_every_type_is_valid(obj: dict[str, Any]) -> None:
    assert VALIDATOR.is_valid(obj)
    parse_line(json.dumps(obj))


VALID = [
    ("channel-whatsapp", _with("ComplaintFiled", channel="whatsapp")),
    ("channel-telegram", _with("ComplaintFiled", channel="telegram")),
    ("level-10", _with("CaseEscalated", data__level=10)),
    ("attempts-1000", _with("ContactUnanswered", data__attempts=1000)),
    ("amount-largest", _with("CompensationOffered", data__amount="99999999999999.9999")),
    ("amount-zero", _with("CompensationOffered", data__amount=0)),
    ("key-inner-space", _with("ComplaintFiled", customer="cust 42")),
    ("at-zulu", _with("ComplaintFiled", at="2026-03-01T09:00:00Z")),
    ("null-envelope-keys", _with("ComplaintAcknowledged", actor=None, channel=None, data=None)),
    ("customer-level-null-case", _with("ConsentUpdated", case=None)),
]


@pytest.mark.parametrize("obj", [obj for _, obj in VALID], ids=[name for name, _ in VALID])
def test_a_valid_line_is_valid_to_the_schema_and_the_models(obj: dict[str, Any]) -> None:
    assert VALIDATOR.is_valid(obj)
    parse_line(json.dumps(obj))


INVALID = [
    ("unknown-type", _with("ComplaintFiled", type="ComplaintFiledX")),
    ("missing-type", _with("ComplaintFiled", type=...)),
    ("missing-customer", _with("ComplaintFiled", customer=...)),
    ("missing-at", _with("ComplaintFiled", at=...)),
    ("missing-data", _with("ComplaintFiled", data=...)),
    ("missing-data-field", _with("PromiseMade", data__due=...)),
    ("unknown-key", _with("ComplaintFiled", when="now")),
    ("unknown-data-field", _with("PromiseKept", data__reason="x")),
    ("channel-fax", _with("ComplaintFiled", channel="fax")),
    ("level-2-to-the-64", _with("CaseEscalated", data__level=2**64)),
    ("level-11", _with("CaseEscalated", data__level=11)),
    ("level-1", _with("CaseEscalated", data__level=1)),
    ("attempts-1001", _with("ContactUnanswered", data__attempts=1001)),
    ("attempts-0", _with("ContactUnanswered", data__attempts=0)),
    ("severity-5", _with("ComplaintFiled", data__severity=5)),
    ("score-11", _with("SatisfactionRecorded", data__metric="nps", data__score=11)),
    ("csat-6", _with("SatisfactionRecorded", data__metric="csat", data__score=6)),
    ("sentiment-2", _with("CustomerContacted", data__sentiment=2)),
    ("amount-negative", _with("CompensationOffered", data__amount=-1)),
    ("amount-1e14", _with("CompensationOffered", data__amount=10**14)),
    ("amount-5-places-text", _with("CompensationOffered", data__amount="0.12345")),
    ("amount-huge-text", _with("CompensationOffered", data__amount="1E+999999999")),
    ("amount-infinity-text", _with("CompensationOffered", data__amount="Infinity")),
    ("currency-lower", _with("CompensationOffered", data__currency="eur")),
    ("customer-blank", _with("ComplaintFiled", customer="   ")),
    ("customer-leading-space", _with("ComplaintFiled", customer=" cust-1")),
    ("case-trailing-newline", _with("ComplaintFiled", case="C-1\n")),
    ("promise-trailing-nbsp", _with("PromiseKept", data__promise="P-1\u00a0")),
    ("at-trailing-newline", _with("ComplaintFiled", at="2026-03-01T09:00:00Z\n")),
    ("currency-trailing-newline", _with("CompensationOffered", data__currency="EUR\n")),
    ("amount-text-trailing-newline", _with("CompensationOffered", data__amount="15\n")),
    ("customer-empty", _with("ComplaintFiled", customer="")),
    ("customer-201-chars", _with("ComplaintFiled", customer="k" * 201)),
    ("at-digit-string", _with("ComplaintFiled", at="1772355600")),
    ("at-number", _with("ComplaintFiled", at=1772355600)),
    ("at-naive", _with("ComplaintFiled", at="2026-03-01T09:00:00")),
    ("at-date-only", _with("ComplaintFiled", at="2026-03-01")),
    ("due-digit-string", _with("PromiseMade", data__due="1772355600")),
    ("bool-as-number", _with("CaseClosed", data__confirmed_by_customer=1)),
    ("severity-as-float", _with("ComplaintFiled", data__severity=3.5)),
]


@pytest.mark.parametrize("obj", [obj for _, obj in INVALID], ids=[name for name, _ in INVALID])
def test_an_invalid_line_is_rejected_by_the_schema_and_the_models(obj: dict[str, Any]) -> None:
    assert not VALIDATOR.is_valid(obj)
    with pytest.raises(InvalidEventError):
        parse_line(json.dumps(obj))


def test_the_number_1e_999999999_is_rejected_by_the_schema_and_the_models() -> None:
    line = json.dumps(_with("CompensationOffered", data__amount=0)).replace(
        '"amount": 0', '"amount": 1E+999999999'
    )
    assert not VALIDATOR.is_valid(json.loads(line))  # Python reads it as inf
    with pytest.raises(InvalidEventError, match=r"\(rule: amount-precision\)"):
        parse_line(line)


@pytest.mark.parametrize(
    ("obj", "field"),
    [
        (_with("ConsentUpdated", case="C-1"), "case"),
        (_with("ComplaintAcknowledged", case=...), "case"),
    ],
    ids=["customer-level-with-a-case", "case-event-without-one"],
)
def test_scope_is_in_the_schema_and_the_engine_refuses_it(obj: dict[str, Any], field: str) -> None:
    assert not VALIDATOR.is_valid(obj)
    engine = TrustEngine(":memory:")
    try:
        with pytest.raises(InvalidEventError) as caught:
            engine.record(obj)
    finally:
        engine.close()
    assert caught.value.field == field
