"""Values the store could not keep are refused at the door, naming the field and the rule.

Regressions of issue 17: a level of 2^64 broke every read; an amount of 1E+999999999
broke export and printed Infinity; a string of digits was read as Unix seconds; a key of
only whitespace was accepted.
"""

from __future__ import annotations

import copy
import json
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tests.examples import EXAMPLES
from trustengine import TrustEngine
from trustengine.domain.door import STORED_CONTEXT
from trustengine.domain.events import (
    EVENT_TYPES,
    CaseEscalated,
    CompensationOffered,
    ContactUnanswered,
)
from trustengine.domain.times import parse_time
from trustengine.exceptions import InvalidEventError, InvalidTimeError, UnknownEventTypeError
from trustengine.interchange.codec import parse_event, parse_line, to_contract


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


def _refusal(obj: Any) -> InvalidEventError:
    with pytest.raises(InvalidEventError) as caught:
        parse_event(obj)
    return caught.value


# --- integers ----------------------------------------------------------------------------


def test_a_level_of_2_to_the_64_is_refused_naming_the_field_and_the_rule() -> None:
    error = _refusal(_with("CaseEscalated", data__level=2**64))

    assert error.field == "data.level"
    assert str(error) == (
        "CaseEscalated: data.level = 18446744073709551616: Input should be less than or "
        "equal to 10 (rule: range)"
    )


@pytest.mark.parametrize(
    ("type_name", "field", "low", "high"),
    [
        ("CaseEscalated", "level", 2, 10),
        ("ContactUnanswered", "attempts", 1, 1000),
        ("ComplaintFiled", "severity", 1, 4),
    ],
)
def test_an_integer_field_takes_its_range_ends_and_nothing_beyond(
    type_name: str, field: str, low: int, high: int
) -> None:
    for value in (low, high):
        assert getattr(parse_event(_with(type_name, **{f"data__{field}": value})), field) == value
    for value in (low - 1, high + 1, -(2**63), 2**63, 2**64, 10**100):
        error = _refusal(_with(type_name, **{f"data__{field}": value}))
        assert error.field == f"data.{field}"
        assert str(error).endswith("(rule: range)")


@pytest.mark.parametrize("score", [-1, 11, 2**64])
def test_a_score_is_bounded_whatever_the_metric(score: int) -> None:
    error = _refusal(_with("SatisfactionRecorded", data__metric="nps", data__score=score))
    assert error.field == "data.score"


def test_a_csat_score_outside_1_to_5_names_the_metric_rule() -> None:
    error = _refusal(_with("SatisfactionRecorded", data__metric="csat", data__score=7))
    assert str(error) == (
        "SatisfactionRecorded: data.score = 7: a csat score must be from 1 to 5 "
        "(rule: score-fits-metric)"
    )


def test_the_python_api_keeps_the_same_bounds() -> None:
    with pytest.raises(ValueError, match="less than or equal to 10"):
        CaseEscalated.model_validate(
            {"timestamp": "2026-03-01T09:00:00+00:00", "customer": "c", "level": 11, "reason": "r"}
        )
    with pytest.raises(ValueError, match="less than or equal to 1000"):
        ContactUnanswered.model_validate(
            {"timestamp": "2026-03-01T09:00:00+00:00", "customer": "c", "attempts": 1001}
        )


# --- money -------------------------------------------------------------------------------


def _offer_line(amount: str) -> str:
    line = json.dumps(_with("CompensationOffered", data__amount=0))
    return line.replace('"amount": 0', f'"amount": {amount}')


def test_an_amount_of_1e_999999999_is_refused_naming_the_field_and_the_rule() -> None:
    with pytest.raises(InvalidEventError) as caught:
        parse_line(_offer_line("1E+999999999"))

    assert caught.value.field == "data.amount"
    assert str(caught.value) == (
        'CompensationOffered: data.amount = "1E+999999999": Decimal input should have no '
        "more than 18 digits in total (rule: amount-precision)"
    )


@pytest.mark.parametrize(
    "amount",
    ["0.12345", "100000000000000", "1E+14", "0.00001", "123456789012345678", '"0.12345"'],
)
def test_an_amount_beyond_4_places_or_14_whole_digits_is_refused(amount: str) -> None:
    with pytest.raises(InvalidEventError, match=r"\(rule: amount-precision\)"):
        parse_line(_offer_line(amount))


@pytest.mark.parametrize(
    ("amount", "exported"),
    [
        ("99999999999999.9999", "99999999999999.9999"),
        ('"99999999999999.9999"', "99999999999999.9999"),
        ("0.0001", 0.0001),
        ("1E+3", 1000),
        ("12.50", 12.5),
        ('"12.50"', 12.5),
        ("0", 0),
    ],
)
def test_an_amount_within_the_range_is_kept_exactly_and_exports_as_json(
    amount: str, exported: Any
) -> None:
    parsed = parse_line(_offer_line(amount))

    assert isinstance(parsed, CompensationOffered)
    assert to_contract(parsed)["data"]["amount"] == exported
    assert parsed.amount == Decimal(str(exported))


@pytest.mark.parametrize("text", ["1E+3", " 15", "15\n", "NaN", "Infinity", "-0", "+5", "1,5"])
def test_an_amount_as_text_must_be_plain_decimal_digits(text: str) -> None:
    error = _refusal(_with("CompensationOffered", data__amount=text))
    assert error.field == "data.amount"
    assert str(error).endswith(
        'an amount given as text must be plain decimal digits, e.g. "12.50" (rule: type)'
    )


# --- times -------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["1772355600", "1772355600.5", "0", "-1", "20260301"])
def test_a_string_of_digits_is_not_a_time(text: str) -> None:
    error = _refusal(_with("ComplaintFiled", at=text))

    assert error.field == "at"
    assert str(error) == (
        f'ComplaintFiled: at = "{text}": a time must be ISO 8601 with an offset, e.g. '
        "2026-03-01T09:00:00+00:00 (rule: iso-8601-time)"
    )


@pytest.mark.parametrize("text", ["1772355600", "1772355600.5", "20260301"])
def test_a_string_of_digits_is_not_a_time_to_a_query_either(text: str) -> None:
    with pytest.raises(InvalidTimeError):
        parse_time(text)


def test_a_due_of_digits_is_not_a_time_either() -> None:
    error = _refusal(_with("PromiseMade", data__due="1772355600"))
    assert error.field == "data.due"
    assert str(error).endswith("(rule: iso-8601-time)")


@pytest.mark.parametrize("text", ["2026-03-01T09:00:00", "2026-03-01 09:00", "2026-03-01T09:00"])
def test_a_time_without_an_offset_is_refused(text: str) -> None:
    error = _refusal(_with("ComplaintFiled", at=text))
    assert str(error) == (
        f'ComplaintFiled: at = "{text}": a time needs an offset, e.g. +00:00 or Z '
        "(rule: time-with-offset)"
    )


def test_a_naive_datetime_from_python_is_refused() -> None:
    engine = TrustEngine(":memory:")
    try:
        with pytest.raises(InvalidEventError, match=r"\(rule: time-with-offset\)"):
            engine.file_complaint(
                "cust-1",
                "C-1",
                category="delivery",
                severity=2,
                cause="other",
                summary="s",
                at=datetime(2026, 3, 1, 9),  # naive: the point of the test
            )
    finally:
        engine.close()


@pytest.mark.parametrize(
    "text",
    ["2026-03-01T09:00:00Z", "2026-03-01T09:00:00.5+02:00", "2026-03-01 09:00+0530"],
)
def test_iso_8601_times_with_an_offset_are_still_times(text: str) -> None:
    assert parse_event(_with("ComplaintFiled", at=text)).at.utcoffset() is not None


# --- keys --------------------------------------------------------------------------------

KEY_FIELDS = [
    ("ComplaintFiled", "customer"),
    ("ComplaintFiled", "case"),
    ("ComplaintFiled", "data__category"),
    ("PromiseKept", "data__promise"),
    ("CorrectiveActionCompleted", "data__action"),
    ("CompensationAccepted", "data__offer"),
    ("FollowUpCompleted", "data__follow_up"),
    ("CaseReassigned", "data__owner"),
]


@pytest.mark.parametrize(("type_name", "key"), KEY_FIELDS)
@pytest.mark.parametrize("blank", [" ", "   ", "\t", "\n", "\u3000", "\u00a0\u2003"])
def test_a_key_of_only_whitespace_is_refused(type_name: str, key: str, blank: str) -> None:
    error = _refusal(_with(type_name, **{key: blank}))

    assert error.field == key.replace("data__", "data.")
    assert str(error).endswith(": a key must not be blank (only whitespace) (rule: key-not-blank)")


@pytest.mark.parametrize(("type_name", "key"), KEY_FIELDS)
@pytest.mark.parametrize("padded", [" k", "k ", "\tk", "k\n", "\u3000k", "k\u00a0"])
def test_a_key_with_outer_whitespace_is_refused_not_trimmed(
    type_name: str, key: str, padded: str
) -> None:
    error = _refusal(_with(type_name, **{key: padded}))

    assert error.field == key.replace("data__", "data.")
    assert str(error).endswith(
        ": a key must not start or end with whitespace (rule: key-no-outer-whitespace)"
    )


def test_a_key_may_hold_inner_whitespace_and_any_script() -> None:
    parsed = parse_event(_with("ComplaintFiled", customer="مشتری ۴۲", case="C 1"))
    assert (parsed.customer, parsed.case) == ("مشتری ۴۲", "C 1")


def test_the_refused_key_message_names_type_field_value_and_rule() -> None:
    assert str(_refusal(_with("ComplaintFiled", customer="   "))) == (
        'ComplaintFiled: customer = "   ": a key must not be blank (only whitespace) '
        "(rule: key-not-blank)"
    )


# --- channels ----------------------------------------------------------------------------


@pytest.mark.parametrize("channel", ["whatsapp", "telegram"])
def test_whatsapp_and_telegram_are_channels(channel: str) -> None:
    parsed = parse_event(_with("CustomerContacted", channel=channel))
    assert to_contract(parsed)["channel"] == channel


# --- several problems at once ------------------------------------------------------------


def test_a_line_missing_several_fields_names_them_all() -> None:
    error = _refusal(_with("PromiseMade", data__description=..., data__due=...))

    assert error.field == "data.description"
    assert str(error) == (
        "PromiseMade: missing required fields data.description, data.due (rule: required)"
    )


def test_a_line_missing_keys_and_fields_names_them_all_in_contract_order() -> None:
    error = _refusal({"type": "CaseEscalated", "case": "C-1"})

    assert error.field == "customer"
    assert str(error) == (
        "CaseEscalated: missing required keys and fields customer, at, data.level, "
        "data.reason (rule: required)"
    )


def test_a_line_missing_one_key_says_which() -> None:
    assert str(_refusal(_with("ComplaintFiled", at=...))) == (
        "ComplaintFiled: missing required key 'at' (rule: required)"
    )


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("PromiseMad", "unknown event type 'PromiseMad' (did you mean PromiseMade?)"),
        ("promisemade", "unknown event type 'promisemade' (did you mean PromiseMade?)"),
        ("Apology", "unknown event type 'Apology' (did you mean ApologyIssued?)"),
        ("Zzz", "unknown event type 'Zzz'"),
    ],
)
def test_an_unknown_type_suggests_the_near_names(name: str, message: str) -> None:
    error = _refusal(_with("ComplaintFiled", type=name))
    assert type(error) is UnknownEventTypeError
    assert str(error) == message


# --- what the store already holds --------------------------------------------------------


def _stored_draft(type_name: str, **changes: Any) -> Any:
    """A draft as the store of an older contract could hold it: past the door of today."""
    obj = _with(type_name, **changes)
    fields: dict[str, Any] = {**obj["data"], "timestamp": obj["at"], "customer": obj["customer"]}
    for key in ("case", "actor", "channel"):
        if key in obj:
            fields[key] = obj[key]
    return EVENT_TYPES[type_name].model_validate(fields, context=STORED_CONTEXT)


@pytest.mark.parametrize(
    ("type_name", "changes"),
    [
        ("CaseEscalated", {"data__level": 99}),
        ("ContactUnanswered", {"data__attempts": 5000}),
        ("CompensationOffered", {"data__amount": Decimal("0.12345")}),
        ("CompensationOffered", {"data__amount": Decimal("123456789012345")}),
        ("ComplaintFiled", {"customer": "cust-1 ", "data__category": "  "}),
    ],
    ids=["level-99", "attempts-5000", "amount-5-places", "amount-15-digits", "padded-keys"],
)
def test_a_stored_event_todays_door_refuses_still_reads_back(
    type_name: str, changes: dict[str, Any]
) -> None:
    draft = _stored_draft(type_name, **changes)
    with pytest.raises(InvalidEventError):
        parse_event(to_contract(draft))  # the door of today refuses it
    engine = TrustEngine(":memory:")
    try:
        if draft.case is not None and type_name != "ComplaintFiled":
            engine.record(_stored_draft("ComplaintFiled", customer=draft.customer))
        engine.record(draft)
        events = engine.history(draft.customer)
    finally:
        engine.close()
    assert events[-1].fact_key() == draft.fact_key()


def test_an_amount_given_as_a_number_in_exponent_form_reads_back(tmp_path: Path) -> None:
    # Decimal("1E+3") is stored as the text "1E+3", which the door refuses as text.
    engine = TrustEngine(str(tmp_path / "trust.db"))
    try:
        engine.record(EXAMPLES["ComplaintFiled"])
        engine.record(parse_line(_offer_line("1E+3")))
        offered = engine.history("cust-1")[-1]
    finally:
        engine.close()
    assert isinstance(offered, CompensationOffered)
    assert offered.amount == 1000
    assert to_contract(offered)["data"]["amount"] == 1000
