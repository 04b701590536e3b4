"""The typed write API: one command method per event type, typed as the event's fields.

The commands are found by introspection (the ``records`` marker), so a new event type
without its method, or a method whose parameters drift from the model's fields, fails here.
"""

from __future__ import annotations

import inspect
import typing
import warnings
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import datetime
from decimal import Decimal
from typing import Any

import pytest

from tests.examples import AMENDMENTS, EXAMPLES, T0, event, history
from trustengine import TrustEngine
from trustengine.application.commands import CommandsMixin
from trustengine.domain import EVENT_TYPES, CustomerEvent
from trustengine.exceptions import InvalidEventError
from trustengine.interchange.codec import dumps, parse_event

KEYS = ("customer", "case")
ENVELOPE = ("at", "actor", "channel")
WIDER: dict[tuple[str, str], tuple[object, str]] = {
    ("CompensationOffered", "amount"): (
        typing.get_type_hints(CommandsMixin.offer_compensation, include_extras=True)["amount"],
        "a money amount may be given as an int or as plain decimal text, as the contract "
        "takes it; the model converts both to a Decimal",
    ),
}
"""Parameters typed wider than their field on purpose, with the reason."""


def command_methods() -> list[Any]:
    """Every method of the command families CommandsMixin is made of."""
    return [method for family in CommandsMixin.__mro__ for method in vars(family).values()]


def commands() -> dict[type[CustomerEvent], Callable[..., bool]]:
    found: dict[type[CustomerEvent], Callable[..., bool]] = {}
    for method in command_methods():
        event_type = getattr(method, "records", None)
        if event_type is not None:
            found[event_type] = method  # two for one type: the test below says so
    return found


COMMANDS = commands()


def command_for(type_name: str) -> Callable[..., bool]:
    return COMMANDS[EVENT_TYPES[type_name]]


@pytest.fixture
def engine() -> Iterator[TrustEngine]:
    with TrustEngine(":memory:") as opened:
        yield opened


def test_every_event_type_has_exactly_one_typed_command() -> None:
    marked = Counter(getattr(method, "records", None) for method in command_methods())
    del marked[None]

    assert set(marked) == set(EVENT_TYPES.values())
    assert set(marked.values()) == {1}


@pytest.mark.parametrize("type_name", sorted(EVENT_TYPES))
def test_each_commands_parameters_are_its_events_fields(type_name: str) -> None:
    cls = EVENT_TYPES[type_name]
    method = command_for(type_name)
    parameters = dict(inspect.signature(method).parameters)
    del parameters["self"]
    hints = typing.get_type_hints(method, include_extras=True)
    fields = typing.get_type_hints(cls, include_extras=True)
    data = [name for name in parameters if name not in (*KEYS, *ENVELOPE)]

    assert sorted(data) == sorted(cls.data_fields())
    for name in data:
        field = cls.model_fields[name]
        parameter = parameters[name]
        wider = WIDER.get((type_name, name))
        assert hints[name] == (fields[name] if wider is None else wider[0]), name
        if field.is_required():
            assert parameter.default is inspect.Parameter.empty, name
        else:
            assert parameter.default == field.default, name
    assert [name for name in parameters if name in ENVELOPE] == list(ENVELOPE)
    assert all(parameters[name].default is None for name in ENVELOPE)


@pytest.mark.parametrize("type_name", sorted(EVENT_TYPES))
def test_the_keys_come_first_and_everything_else_is_keyword_only(type_name: str) -> None:
    cls = EVENT_TYPES[type_name]
    parameters = list(inspect.signature(command_for(type_name)).parameters.values())[1:]
    keys = ["customer"] + ([] if cls.scope == "customer" else ["case"])
    kind = cls.creates or cls.settles
    if kind is not None:
        keys.append(kind)
    if "event" in cls.data_fields():  # an amendment names the event it amends
        keys.append("event")
    positional = [p.name for p in parameters if p.kind is p.POSITIONAL_OR_KEYWORD]

    assert positional == keys
    assert all(p.kind is p.KEYWORD_ONLY for p in parameters[len(keys) :])
    # A case's event needs its case; one that may have a case takes None for none.
    if cls.scope != "customer":
        case = parameters[1]
        assert (case.default is case.empty) == (cls.scope == "case")


def typed_call(engine: TrustEngine, example: dict[str, Any]) -> bool:
    """``example`` recorded through its typed command, with the parsed model's values."""
    parsed = parse_event(example)
    method = getattr(engine, command_for(example["type"]).__name__)
    keys = [parsed.customer] + ([] if parsed.scope == "customer" else [parsed.case])
    values = parsed.data()
    kind = parsed.creates or parsed.settles
    if kind is not None:
        keys.append(values.pop(kind))
    if "event" in values:
        keys.append(values.pop("event"))
    envelope = {"at": parsed.at, "actor": parsed.actor, "channel": parsed.channel}
    return bool(method(*keys, **values, **envelope))


def test_a_history_through_the_typed_commands_stores_what_record_stores() -> None:
    with TrustEngine(":memory:") as typed, TrustEngine(":memory:") as recorded:
        stored = [typed_call(typed, example) for example in [*history(), *AMENDMENTS]]
        recorded.record_many([*history(), *AMENDMENTS])

        assert all(stored)

        def by_place(engine: TrustEngine) -> list[str]:
            events = sorted(engine.all_events(), key=lambda e: (e.customer, e.originator_version))
            return [dumps(e, with_id=True) for e in events]

        assert by_place(typed) == by_place(recorded)
        assert {e.type_name for e in typed.all_events()} == set(EVENT_TYPES)


def test_a_typed_command_hands_record_the_event_model_it_built(engine: TrustEngine) -> None:
    seen: list[object] = []
    original = engine.record

    def spy(item: Any, *, at_now: bool = False) -> bool:
        seen.append(item)
        return original(item, at_now=at_now)

    engine.record = spy  # type: ignore[method-assign]
    engine.file_complaint(
        "cust-1", "C-1", category="delivery", severity=2, cause="billing_error", summary="x"
    )

    assert [type(item).__name__ for item in seen] == ["ComplaintFiled"]


def test_a_command_without_at_happens_at_the_engines_clock() -> None:
    with TrustEngine(":memory:", clock=lambda: T0) as engine:
        engine.register_customer("cust-1", tier="vip")

        (stored,) = engine.history("cust-1")
    assert (stored.at, stored.recorded_at) == (T0, T0)


def test_an_optional_value_given_as_none_takes_the_models_default(engine: TrustEngine) -> None:
    engine.register_customer("cust-1", tier=None, at=T0)  # type: ignore[arg-type]

    assert engine.history("cust-1")[0].tier == "standard"  # type: ignore[attr-defined]


def _refusal(call: Callable[[], object]) -> InvalidEventError:
    with pytest.raises(InvalidEventError) as caught:
        call()
    return caught.value


OPENED = event(
    "ComplaintFiled",
    case="C-1",
    category="delivery",
    severity=2,
    cause="billing_error",
    summary="Late",
)
BAD: dict[str, tuple[dict[str, Any], str, dict[str, Any]]] = {
    # An upper end checked at the door (docs/interchange.md, section 7).
    "level above the door's maximum": (
        event("CaseEscalated", case="C-1", level=11, reason="Third failure"),
        "escalate",
        {"level": 11, "reason": "Third failure"},
    ),
    # A key's outer whitespace, checked at the door.
    "key with outer whitespace": (
        event("CaseReassigned", case="C-1", owner=" agent-9", reason=None),
        "reassign",
        {"owner": " agent-9"},
    ),
    # An amount's precision, checked at the door.
    "amount with five decimal places": (
        event(
            "CompensationOffered",
            case="C-1",
            offer="O-1",
            kind="refund",
            amount="1.00001",
            addresses_failure=True,
        ),
        "offer_compensation",
        {"offer": "O-1", "kind": "refund", "amount": "1.00001", "addresses_failure": True},
    ),
    "severity out of range": (
        {**OPENED, "case": "C-2", "data": {**OPENED["data"], "severity": 9}},
        "file_complaint",
        {
            "case": "C-2",
            "category": "delivery",
            "severity": 9,
            "cause": "billing_error",
            "summary": "Late",
        },
    ),
    "a cause the contract does not know": (
        {**OPENED, "case": "C-2", "data": {**OPENED["data"], "cause": "bad_luck"}},
        "file_complaint",
        {
            "case": "C-2",
            "category": "delivery",
            "severity": 2,
            "cause": "bad_luck",
            "summary": "Late",
        },
    ),
    "a time without an offset": (
        {**event("ComplaintAcknowledged", case="C-1"), "at": datetime(2026, 3, 1, 10)},
        "acknowledge",
        {"at": datetime(2026, 3, 1, 10)},
    ),
}


@pytest.mark.parametrize("name", sorted(BAD))
def test_a_bad_value_through_a_typed_command_is_refused_as_record_refuses_it(
    engine: TrustEngine, name: str
) -> None:
    as_dict, method, values = BAD[name]
    engine.record(OPENED)
    keys = ["cust-1", values.pop("case", "C-1")]
    values.setdefault("at", T0)

    through_record = _refusal(lambda: engine.record(as_dict))
    through_command = _refusal(lambda: getattr(engine, method)(*keys, **values))

    assert type(through_command) is type(through_record)
    assert str(through_command) == str(through_record)
    assert through_command.field == through_record.field
    assert len(engine.history("cust-1")) == 1


def test_confirm_resolution_takes_at_by_position_still_but_warns(engine: TrustEngine) -> None:
    engine.record(OPENED)

    with pytest.warns(DeprecationWarning, match=r"confirm_resolution\(\): give at by keyword"):
        stored = engine.confirm_resolution("cust-1", "C-1", T0)  # type: ignore[misc]

    assert stored
    assert engine.history("cust-1")[-1].type_name == "ResolutionConfirmed"


def test_confirm_resolution_by_keyword_does_not_warn(engine: TrustEngine) -> None:
    engine.record(OPENED)

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert engine.confirm_resolution("cust-1", "C-1", at=T0, actor="customer")


def test_confirm_resolution_refuses_at_given_twice(engine: TrustEngine) -> None:
    with pytest.raises(TypeError, match="got 'at' twice"), pytest.warns(DeprecationWarning):
        engine.confirm_resolution("cust-1", "C-1", T0, at=T0)  # type: ignore[misc]


def test_the_readmes_list_of_typed_methods_is_every_command() -> None:
    from tests.project.test_readme import README

    listed = README.split("There is one typed method per event type (")[1].split(")")[0]
    names = {name.strip("` \n") for name in listed.split(",")}

    assert names == {method.__name__ for method in COMMANDS.values()}


def test_an_amount_may_be_given_as_decimal_int_or_text(engine: TrustEngine) -> None:
    engine.record(OPENED)
    for offer, amount in (("O-1", Decimal("12.50")), ("O-2", 12), ("O-3", "12.50")):
        engine.offer_compensation(
            "cust-1", "C-1", offer, kind="refund", addresses_failure=True, amount=amount, at=T0
        )

    amounts = [getattr(e, "amount", None) for e in engine.history("cust-1")[1:]]
    assert amounts == [Decimal("12.50"), Decimal(12), Decimal("12.50")]
    assert EXAMPLES["CompensationOffered"]["data"]["amount"] is not None
