"""The contract's JSON face: parse_event, parse_line, to_contract and dumps."""

from __future__ import annotations

import copy
import json
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.examples import EXAMPLES, event
from trustengine.domain import EVENT_TYPES, CustomerEvent
from trustengine.domain.events import CompensationOffered, CustomerContacted
from trustengine.exceptions import InvalidEventError, UnknownEventTypeError
from trustengine.interchange.codec import ENVELOPE_KEYS, dumps, parse_event, parse_line, to_contract

TYPE_NAMES = sorted(EVENT_TYPES)


def test_the_examples_cover_every_event_type_of_the_contract() -> None:
    # Section 2 of docs/interchange.md names exactly EVENT_TYPES
    # (tests/interchange/test_contract_doc.py).
    assert sorted(EXAMPLES) == TYPE_NAMES
    assert all(EVENT_TYPES[name].__name__ == name for name in TYPE_NAMES)


@pytest.mark.parametrize("type_name", TYPE_NAMES)
def test_every_event_type_round_trips_dict_to_event_to_dict(type_name: str) -> None:
    example = EXAMPLES[type_name]
    parsed = parse_event(example)
    assert type(parsed) is EVENT_TYPES[type_name]
    assert parsed.type_name == type_name
    assert to_contract(parsed) == example


@pytest.mark.parametrize("type_name", TYPE_NAMES)
def test_every_event_type_round_trips_through_a_json_line(type_name: str) -> None:
    example = EXAMPLES[type_name]
    line = dumps(parse_event(example))
    assert "\n" not in line
    assert json.loads(line) == example
    assert to_contract(parse_line(line)) == example
    assert dumps(parse_line(line)) == line


@pytest.mark.parametrize("type_name", TYPE_NAMES)
def test_a_parsed_event_is_an_unrecorded_draft(type_name: str) -> None:
    parsed = parse_event(EXAMPLES[type_name])
    assert parsed.originator_version == 0
    assert parsed.at == parsed.timestamp
    assert parsed.customer == EXAMPLES[type_name]["customer"]
    assert parsed.case == EXAMPLES[type_name].get("case")


def test_to_contract_writes_envelope_keys_in_contract_order() -> None:
    example = {**EXAMPLES["ComplaintFiled"], "source": {"system": "zendesk", "id": "101"}}
    assert list(to_contract(parse_event(example))) == list(ENVELOPE_KEYS[:-1])  # no id yet


def test_to_contract_leaves_out_absent_optional_keys_and_fields() -> None:
    minimal = event("PromiseBroken", case="C-1", promise="P-1")
    assert to_contract(parse_event(minimal)) == {
        "type": "PromiseBroken",
        "customer": "cust-1",
        "case": "C-1",
        "at": "2026-03-01T09:00:00+00:00",
        "data": {"promise": "P-1"},
    }


def test_parse_event_fills_contract_defaults() -> None:
    parsed = parse_event(event("CustomerRegistered"))
    assert to_contract(parsed)["data"] == {"tier": "standard"}
    assert parse_event(event("ContactUnanswered")).data() == {"attempts": 1}
    assert (
        parse_event(
            event(
                "CorrectiveActionCommitted",
                case="C-1",
                action="A-1",
                description="d",
                due="2026-03-02T00:00:00+00:00",
            )
        ).data()["prevents_recurrence"]
        is False
    )


def test_null_case_actor_channel_and_data_mean_absent() -> None:
    obj = {
        "type": "ResolutionConfirmed",
        "customer": "c",
        "case": "C-1",
        "at": "2026-03-01T09:00:00+00:00",
        "actor": None,
        "channel": None,
        "data": None,
    }
    assert to_contract(parse_event(obj)) == {
        "type": "ResolutionConfirmed",
        "customer": "c",
        "case": "C-1",
        "at": "2026-03-01T09:00:00+00:00",
        "data": {},
    }


def test_times_keep_their_offset_and_precision() -> None:
    parsed = parse_event(
        event(
            "SlaBreached",
            case="C-1",
            at="2026-03-01T11:00:00.5+02:00",
            clock="first_response",
            due="2026-03-01T03:00:00-05:00",
        )
    )
    out = to_contract(parsed)
    assert out["at"] == "2026-03-01T11:00:00.500000+02:00"
    assert out["data"]["due"] == "2026-03-01T03:00:00-05:00"


def test_due_times_in_utc_are_written_like_at() -> None:
    parsed = parse_event(
        event("FollowUpScheduled", case="C-1", follow_up="F-1", due="2026-03-01T09:00:00Z")
    )
    assert to_contract(parsed)["data"]["due"] == "2026-03-01T09:00:00+00:00"


def test_amounts_stay_exact() -> None:
    line = json.dumps(
        event("CompensationOffered", case="C-1", offer="O-1", kind="credit", addresses_failure=True)
    ).replace('"addresses_failure": true', '"addresses_failure": true, "amount": 0.10')
    parsed = parse_line(line)
    assert isinstance(parsed, CompensationOffered)
    assert parsed.amount == Decimal("0.10")
    assert to_contract(parsed)["data"]["amount"] == 0.1
    assert dumps(parsed).count('"amount":0.1,') == 1


def offer_line_with_amount(amount: str) -> str:
    line = json.dumps(
        event("CompensationOffered", case="C-1", offer="O-1", kind="credit", addresses_failure=True)
    )
    return line.replace(
        '"addresses_failure": true', f'"addresses_failure": true, "amount": {amount}'
    )


def test_an_amount_no_float_holds_exactly_is_exported_as_a_plain_decimal_string() -> None:
    parsed = parse_line(offer_line_with_amount("12345678901234.5678"))

    assert to_contract(parsed)["data"]["amount"] == "12345678901234.5678"


def test_a_whole_amount_is_exported_as_an_integer_never_in_exponent_form() -> None:
    parsed = parse_line(offer_line_with_amount("1E+3"))

    assert to_contract(parsed)["data"]["amount"] == 1000


def test_sentiment_accepts_a_number_from_a_json_line() -> None:
    line = json.dumps(event("CustomerContacted", direction="outbound", sentiment=0.75))
    parsed = parse_line(line)
    assert isinstance(parsed, CustomerContacted)
    assert parsed.sentiment == 0.75


@pytest.mark.parametrize(("metric", "score"), [("csat", 1), ("csat", 5), ("nps", 0), ("nps", 10)])
def test_satisfaction_scores_at_the_range_ends_are_valid(metric: str, score: int) -> None:
    parsed = parse_event(event("SatisfactionRecorded", metric=metric, score=score))
    assert parsed.data() == {"metric": metric, "score": score}


def test_a_customer_key_of_200_characters_is_valid() -> None:
    assert parse_event(event("CustomerRegistered", "k" * 200)).customer == "k" * 200


@pytest.mark.parametrize(("level", "sentiment"), [(2, -1.0), (10, 1.0)])
def test_range_ends_are_valid(level: int, sentiment: float) -> None:
    parse_event(event("CaseEscalated", case="C-1", level=level, reason="r"))
    parse_event(event("CustomerContacted", direction="inbound", sentiment=sentiment))


# --- bad input ---------------------------------------------------------------------------


def _with(type_name: str, **changes: Any) -> dict[str, Any]:
    """EXAMPLES[type_name] with envelope keys changed; ``data__x`` changes data field x.

    A value of ``...`` removes the key.
    """
    obj = copy.deepcopy(EXAMPLES[type_name])
    for name, value in changes.items():
        target, key = (obj["data"], name[6:]) if name.startswith("data__") else (obj, name)
        if value is ...:
            target.pop(key, None)
        else:
            target[key] = value
    return obj


BAD_EVENTS: list[Any] = [
    # (id, object, error class, field)
    (
        "unknown-type",
        _with("ComplaintFiled", type="ComplaintFiledX"),
        UnknownEventTypeError,
        "type",
    ),
    (
        "lower-case-type",
        _with("ComplaintFiled", type="complaintfiled"),
        UnknownEventTypeError,
        "type",
    ),
    ("type-not-a-string", _with("ComplaintFiled", type=7), UnknownEventTypeError, "type"),
    ("missing-type", _with("ComplaintFiled", type=...), InvalidEventError, "type"),
    ("null-type", _with("ComplaintFiled", type=None), InvalidEventError, "type"),
    ("missing-customer", _with("ComplaintFiled", customer=...), InvalidEventError, "customer"),
    ("null-customer", _with("ComplaintFiled", customer=None), InvalidEventError, "customer"),
    ("missing-at", _with("ComplaintFiled", at=...), InvalidEventError, "at"),
    ("null-at", _with("ComplaintFiled", at=None), InvalidEventError, "at"),
    (
        "unknown-envelope-key",
        _with("ComplaintFiled", when="2026-03-01T09:00:00+00:00"),
        InvalidEventError,
        "when",
    ),
    (
        "envelope-key-in-wrong-case",
        _with("ComplaintFiled", Customer="x"),
        InvalidEventError,
        "Customer",
    ),
    (
        "internal-field-as-envelope-key",
        _with("ComplaintFiled", timestamp="x"),
        InvalidEventError,
        "timestamp",
    ),
    (
        "unknown-data-field",
        _with("ComplaintFiled", data__colour="red"),
        InvalidEventError,
        "data.colour",
    ),
    (
        "envelope-key-inside-data",
        _with("ComplaintFiled", data__customer="x"),
        InvalidEventError,
        "data.customer",
    ),
    (
        "internal-field-inside-data",
        _with("ComplaintFiled", data__originator_version=3),
        InvalidEventError,
        "data.originator_version",
    ),
    (
        "data-for-a-type-without-data",
        _with("ResolutionConfirmed", data__note="x"),
        InvalidEventError,
        "data.note",
    ),
    (
        "missing-required-data-field",
        _with("ComplaintFiled", data__severity=...),
        InvalidEventError,
        "data.severity",
    ),
    ("missing-data-object", _with("ComplaintFiled", data=...), InvalidEventError, "data.category"),
    (
        "severity-as-string",
        _with("ComplaintFiled", data__severity="3"),
        InvalidEventError,
        "data.severity",
    ),
    (
        "severity-as-float",
        _with("ComplaintFiled", data__severity=3.0),
        InvalidEventError,
        "data.severity",
    ),
    (
        "severity-as-bool",
        _with("ComplaintFiled", data__severity=True),
        InvalidEventError,
        "data.severity",
    ),
    (
        "bool-as-string",
        _with("ApologyIssued", data__accepts_responsibility="yes"),
        InvalidEventError,
        "data.accepts_responsibility",
    ),
    (
        "bool-as-number",
        _with("CaseClosed", data__confirmed_by_customer=1),
        InvalidEventError,
        "data.confirmed_by_customer",
    ),
    (
        "consent-as-string",
        _with("ConsentUpdated", data__email="true"),
        InvalidEventError,
        "data.email",
    ),
    (
        "text-as-number",
        _with("JustificationGiven", data__summary=5),
        InvalidEventError,
        "data.summary",
    ),
    (
        "empty-text",
        _with("JustificationGiven", data__summary=""),
        InvalidEventError,
        "data.summary",
    ),
    ("id-as-number", _with("PromiseKept", data__promise=1), InvalidEventError, "data.promise"),
    ("level-as-string", _with("CaseEscalated", data__level="2"), InvalidEventError, "data.level"),
    (
        "attempts-as-bool",
        _with("ContactUnanswered", data__attempts=True),
        InvalidEventError,
        "data.attempts",
    ),
    (
        "score-as-string",
        _with("SatisfactionRecorded", data__score="9"),
        InvalidEventError,
        "data.score",
    ),
    (
        "score-as-float",
        _with("SatisfactionRecorded", data__score=9.0),
        InvalidEventError,
        "data.score",
    ),
    (
        "sentiment-as-string",
        _with("CustomerContacted", data__sentiment="0.5"),
        InvalidEventError,
        "data.sentiment",
    ),
    (
        "sentiment-as-bool",
        _with("CustomerContacted", data__sentiment=True),
        InvalidEventError,
        "data.sentiment",
    ),
    ("customer-as-number", _with("ComplaintFiled", customer=42), InvalidEventError, "customer"),
    ("case-as-number", _with("ComplaintFiled", case=1001), InvalidEventError, "case"),
    ("actor-as-number", _with("ComplaintFiled", actor=7), InvalidEventError, "actor"),
    ("actor-too-long", _with("ComplaintFiled", actor="a" * 201), InvalidEventError, "actor"),
    ("at-as-unix-seconds", _with("ComplaintFiled", at=1772355600), InvalidEventError, "at"),
    ("at-as-float", _with("ComplaintFiled", at=1.5), InvalidEventError, "at"),
    (
        "due-as-unix-seconds",
        _with("PromiseMade", data__due=1772355600),
        InvalidEventError,
        "data.due",
    ),
    ("at-not-a-time", _with("ComplaintFiled", at="yesterday"), InvalidEventError, "at"),
    ("at-a-date-only", _with("ComplaintFiled", at="2026-03-01"), InvalidEventError, "at"),
    ("naive-at", _with("ComplaintFiled", at="2026-03-01T09:00:00"), InvalidEventError, "at"),
    (
        "naive-due",
        _with("PromiseMade", data__due="2026-03-07T12:00:00"),
        InvalidEventError,
        "data.due",
    ),
    (
        "severity-too-low",
        _with("ComplaintFiled", data__severity=0),
        InvalidEventError,
        "data.severity",
    ),
    (
        "severity-too-high",
        _with("ComplaintFiled", data__severity=5),
        InvalidEventError,
        "data.severity",
    ),
    (
        "csat-too-low",
        _with("SatisfactionRecorded", data__metric="csat", data__score=0),
        InvalidEventError,
        "data.score",
    ),
    (
        "csat-too-high",
        _with("SatisfactionRecorded", data__metric="csat", data__score=6),
        InvalidEventError,
        "data.score",
    ),
    (
        "nps-too-low",
        _with("SatisfactionRecorded", data__metric="nps", data__score=-1),
        InvalidEventError,
        "data.score",
    ),
    (
        "nps-too-high",
        _with("SatisfactionRecorded", data__metric="nps", data__score=11),
        InvalidEventError,
        "data.score",
    ),
    (
        "unknown-metric",
        _with("SatisfactionRecorded", data__metric="ces"),
        InvalidEventError,
        "data.metric",
    ),
    ("level-too-low", _with("CaseEscalated", data__level=1), InvalidEventError, "data.level"),
    (
        "sentiment-too-high",
        _with("CustomerContacted", data__sentiment=1.01),
        InvalidEventError,
        "data.sentiment",
    ),
    (
        "sentiment-too-low",
        _with("CustomerContacted", data__sentiment=-1.5),
        InvalidEventError,
        "data.sentiment",
    ),
    (
        "sentiment-not-finite",
        _with("CustomerContacted", data__sentiment=float("nan")),
        InvalidEventError,
        "data.sentiment",
    ),
    (
        "attempts-zero",
        _with("ContactUnanswered", data__attempts=0),
        InvalidEventError,
        "data.attempts",
    ),
    (
        "unknown-cause",
        _with("ComplaintFiled", data__cause="bad_luck"),
        InvalidEventError,
        "data.cause",
    ),
    (
        "unknown-tier",
        _with("CustomerRegistered", data__tier="gold"),
        InvalidEventError,
        "data.tier",
    ),
    (
        "unknown-direction",
        _with("CustomerContacted", data__direction="sideways"),
        InvalidEventError,
        "data.direction",
    ),
    (
        "unknown-kind",
        _with("CompensationOffered", data__kind="hug"),
        InvalidEventError,
        "data.kind",
    ),
    ("unknown-clock", _with("SlaBreached", data__clock="lunch"), InvalidEventError, "data.clock"),
    (
        "unknown-outcome",
        _with("FollowUpCompleted", data__outcome="meh"),
        InvalidEventError,
        "data.outcome",
    ),
    ("bad-channel", _with("ComplaintFiled", channel="fax"), InvalidEventError, "channel"),
    (
        "channel-in-wrong-case",
        _with("ComplaintFiled", channel="Email"),
        InvalidEventError,
        "channel",
    ),
    (
        "currency-lower-case",
        _with("CompensationOffered", data__currency="eur"),
        InvalidEventError,
        "data.currency",
    ),
    (
        "currency-too-long",
        _with("CompensationOffered", data__currency="EURO"),
        InvalidEventError,
        "data.currency",
    ),
    (
        "currency-as-number",
        _with("CompensationOffered", data__currency=978),
        InvalidEventError,
        "data.currency",
    ),
    (
        "negative-amount",
        _with("CompensationOffered", data__amount="-0.01"),
        InvalidEventError,
        "data.amount",
    ),
    (
        "negative-amount-number",
        _with("CompensationOffered", data__amount=-5),
        InvalidEventError,
        "data.amount",
    ),
    (
        "amount-not-a-number",
        _with("CompensationOffered", data__amount="lots"),
        InvalidEventError,
        "data.amount",
    ),
    (
        "amount-not-finite",
        _with("CompensationOffered", data__amount="Infinity"),
        InvalidEventError,
        "data.amount",
    ),
    (
        "amount-as-bool",
        _with("CompensationOffered", data__amount=True),
        InvalidEventError,
        "data.amount",
    ),
    ("empty-customer", _with("ComplaintFiled", customer=""), InvalidEventError, "customer"),
    (
        "customer-key-201-chars",
        _with("ComplaintFiled", customer="k" * 201),
        InvalidEventError,
        "customer",
    ),
    ("empty-case", _with("ComplaintFiled", case=""), InvalidEventError, "case"),
    ("case-key-201-chars", _with("ComplaintFiled", case="c" * 201), InvalidEventError, "case"),
    ("data-an-array", _with("ComplaintFiled", data=[]), InvalidEventError, "data"),
    ("data-a-string", _with("ComplaintFiled", data="severity=3"), InvalidEventError, "data"),
    ("data-a-number", _with("ComplaintFiled", data=3), InvalidEventError, "data"),
    ("data-a-bool", _with("ComplaintFiled", data=False), InvalidEventError, "data"),
    ("event-an-array", [EXAMPLES["ComplaintFiled"]], InvalidEventError, None),
    ("event-a-string", "ComplaintFiled", InvalidEventError, None),
    ("event-a-number", 42, InvalidEventError, None),
    ("event-null", None, InvalidEventError, None),
]


@pytest.mark.parametrize(
    ("obj", "error", "field"),
    [pytest.param(obj, error, field, id=name) for name, obj, error, field in BAD_EVENTS],
)
def test_a_bad_event_is_rejected_naming_the_key(
    obj: Any, error: type[InvalidEventError], field: str | None
) -> None:
    with pytest.raises(InvalidEventError) as caught:
        parse_event(obj)
    assert type(caught.value) is error
    assert caught.value.field == field
    if field is not None:
        assert field.removeprefix("data.") in str(caught.value)


@pytest.mark.parametrize(
    ("obj", "error", "field"),
    [pytest.param(obj, error, field, id=name) for name, obj, error, field in BAD_EVENTS],
)
def test_a_bad_event_line_is_rejected_naming_the_key(
    obj: Any, error: type[InvalidEventError], field: str | None
) -> None:
    with pytest.raises(InvalidEventError) as caught:
        parse_line(json.dumps(obj))
    assert type(caught.value) is error
    assert caught.value.field == field


@pytest.mark.parametrize(
    "line",
    [
        "",
        " ",
        "{",
        '{"type": "ComplaintFiled",}',
        "{'type': 'ComplaintFiled'}",
        "nul",
        '{"type": "ComplaintFiled"} trailing',
        "\x00",
        "1" * 5000,
        "[" * 100_000,
        '{"a":' * 100_000,
    ],
    ids=[
        "empty",
        "blank",
        "unclosed",
        "trailing-comma",
        "single-quotes",
        "bad-literal",
        "trailing-text",
        "nul",
        "integer-too-long",
        "arrays-too-deep",
        "objects-too-deep",
    ],
)
def test_a_line_that_is_not_json_is_an_invalid_event(line: str) -> None:
    with pytest.raises(InvalidEventError) as caught:
        parse_line(line)
    assert type(caught.value) is InvalidEventError
    assert caught.value.field is None


@pytest.mark.parametrize("line", ["[1, 2]", '"ComplaintFiled"', "42", "null", "true", "[]"])
def test_a_line_that_is_not_a_json_object_is_an_invalid_event(line: str) -> None:
    with pytest.raises(InvalidEventError, match="must be a JSON object") as caught:
        parse_line(line)
    assert caught.value.field is None


def test_a_customer_level_event_with_a_case_parses_and_is_left_to_the_rules() -> None:
    # Scope is a history rule (the aggregate's); parsing checks the single event only.
    parsed = parse_event(_with("CustomerRegistered", case="C-1"))
    assert parsed.case == "C-1"


def test_the_message_names_the_type_the_field_and_the_value() -> None:
    with pytest.raises(InvalidEventError) as caught:
        parse_event(_with("ComplaintFiled", data__severity=9))
    assert str(caught.value).startswith("ComplaintFiled: data.severity = 9: ")


def test_the_message_for_a_missing_field_says_missing() -> None:
    with pytest.raises(InvalidEventError) as caught:
        parse_event(_with("PromiseMade", data__due=...))
    assert str(caught.value) == "PromiseMade: missing required field data.due (rule: required)"


def test_the_message_for_an_unknown_data_field_lists_the_allowed_ones() -> None:
    with pytest.raises(InvalidEventError) as caught:
        parse_event(_with("PromiseKept", data__reason="x"))
    assert str(caught.value) == "unknown field data.reason for PromiseKept (allowed: promise)"


# --- never anything but InvalidEventError -------------------------------------------------

_SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

json_scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(max_size=30)
    | st.sampled_from(
        [
            "",
            "2026-03-01T09:00:00+00:00",
            "2026-03-01T09:00:00",
            "C-1",
            "csat",
            "nps",
            "email",
            "P-1",
            "-1",
            "1e400",
            "NaN",
        ]
    )
)
json_values = st.recursive(
    json_scalars,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=12,
)
envelope_dicts = st.dictionaries(
    st.sampled_from([*ENVELOPE_KEYS, "extra"]),
    json_values | st.sampled_from(TYPE_NAMES),
    max_size=8,
)


def _parse_or_invalid(line: str) -> CustomerEvent | None:
    """parse_line's result, or None when it raised InvalidEventError; nothing else."""
    try:
        return parse_line(line)
    except InvalidEventError:
        return None


@_SETTINGS
@given(st.text())
def test_arbitrary_text_never_raises_anything_but_invalid_event(line: str) -> None:
    _parse_or_invalid(line)


@_SETTINGS
@given(json_values)
def test_arbitrary_json_never_raises_anything_but_invalid_event(value: Any) -> None:
    _parse_or_invalid(json.dumps(value))


@_SETTINGS
@given(envelope_dicts, st.sampled_from(TYPE_NAMES) | st.none())
def test_arbitrary_envelopes_never_raise_anything_but_invalid_event(
    obj: dict[str, Any], type_name: str | None
) -> None:
    if type_name is not None:
        obj = {**obj, "type": type_name}
    _parse_or_invalid(json.dumps(obj))


def _keys_of(example: dict[str, Any]) -> list[tuple[str, ...]]:
    return [(key,) for key in example] + [("data", key) for key in example["data"]]


@st.composite
def mutated_lines(draw: st.DrawFn) -> str:
    """A valid example with one key dropped, or one value replaced by any JSON value."""
    example = copy.deepcopy(EXAMPLES[draw(st.sampled_from(TYPE_NAMES))])
    path = draw(st.sampled_from(_keys_of(example)))
    target = example if len(path) == 1 else example["data"]
    if draw(st.booleans()):
        del target[path[-1]]
    else:
        target[path[-1]] = draw(json_values)
    if isinstance(example.get("data"), dict) and draw(st.booleans()):
        example["data"][draw(st.text(max_size=8))] = draw(json_values)
    return json.dumps(example)


@_SETTINGS
@given(mutated_lines())
def test_mutated_valid_lines_never_raise_anything_but_invalid_event(line: str) -> None:
    parsed = _parse_or_invalid(line)
    if parsed is not None:
        # Whatever parses is a proper contract event that writes back out.
        assert parse_line(dumps(parsed)) == parsed


@_SETTINGS
@given(mutated_lines(), st.integers(min_value=0, max_value=400), st.text(max_size=3))
def test_damaged_valid_lines_never_raise_anything_but_invalid_event(
    line: str, position: int, insert: str
) -> None:
    position = min(position, len(line))
    _parse_or_invalid(line[:position] + insert + line[position + len(insert) :])
