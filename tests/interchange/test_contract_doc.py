"""docs/interchange.md and the models say the same: every type, field, value and rule.

The contract's section 2 is read as written (``- `Type` {`field`?: kind ...}``), so a
model that gains, loses or changes a field, a value, a default or a range, or a doc edit
that does, fails here.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, get_args

import pytest

from trustengine import exceptions
from trustengine.domain.base import KEY_MAX_LENGTH, Channel
from trustengine.domain.events import EVENT_TYPES
from trustengine.domain.values import SCORE_RANGES
from trustengine.interchange.codec import RULES
from trustengine.interchange.contract import FieldDoc, fields, scope

DOC = Path(__file__).resolve().parents[2] / "docs" / "interchange.md"
TEXT = DOC.read_text(encoding="utf-8")


def _section(number: str) -> str:
    match = re.search(rf"^## {number}\. .*?(?=^## |\Z)", TEXT, flags=re.MULTILINE | re.DOTALL)
    assert match is not None, f"docs/interchange.md has no section {number}"
    return match.group(0)


def _documented_types() -> dict[str, tuple[str, str]]:
    """Type name to (scope, the text between its braces), from section 2."""
    found: dict[str, tuple[str, str]] = {}
    level = None
    for line in _section("2").splitlines():
        if line.startswith("Customer-level"):
            level = "customer"
        elif line.startswith("Case-level"):
            level = "case"
        if not line.startswith("- "):
            continue
        for match in re.finditer(r"`(\w+)` \{([^{}]*)\}", line):
            assert level is not None
            either = level == "customer" and "(`case` allowed)" in line
            name = match.group(1)
            assert name not in found, f"{name} is documented twice"
            found[name] = ("either" if either else level, match.group(2))
    return found


DOCUMENTED = _documented_types()


def _documented_fields(body: str) -> dict[str, str]:
    """Field name to its spec (``?: float -1..1``), in the order written."""
    starts = list(re.finditer(r"`(\w+)`(\??): ", body))
    out = {}
    for index, match in enumerate(starts):
        end = starts[index + 1].start() if index + 1 < len(starts) else len(body)
        out[match.group(1)] = match.group(2) + body[match.end() : end].rstrip(", ")
    return out


def _model_fields(name: str) -> dict[str, FieldDoc]:
    return {doc.name: doc for doc in fields(EVENT_TYPES[name])}


def test_section_2_documents_exactly_the_models_event_types() -> None:
    assert sorted(DOCUMENTED) == sorted(EVENT_TYPES)


@pytest.mark.parametrize("name", sorted(EVENT_TYPES))
def test_each_types_scope_is_the_documented_one(name: str) -> None:
    assert DOCUMENTED[name][0] == scope(EVENT_TYPES[name])


@pytest.mark.parametrize("name", sorted(EVENT_TYPES))
def test_each_types_fields_are_the_documented_ones_in_order(name: str) -> None:
    assert list(_documented_fields(DOCUMENTED[name][1])) == list(_model_fields(name))


def _cases() -> list[Any]:
    return [
        pytest.param(name, field, spec, id=f"{name}.{field}")
        for name, (_, body) in sorted(DOCUMENTED.items())
        for field, spec in _documented_fields(body).items()
    ]


@pytest.mark.parametrize(("name", "field", "spec"), _cases())
def test_each_field_is_required_exactly_when_documented_so(
    name: str, field: str, spec: str
) -> None:
    optional = spec.startswith("?") or " = " in spec
    assert _model_fields(name)[field].required is not optional


@pytest.mark.parametrize(("name", "field", "spec"), _cases())
def test_each_fields_allowed_values_and_default_are_the_documented_ones(
    name: str, field: str, spec: str
) -> None:
    doc = _model_fields(name)[field]
    written, _, default = spec.partition(" = ")
    values = tuple(re.findall(r"`([^`]+)`", written)) if "|" in written else ()
    assert values == doc.allowed
    if default:
        assert default.strip("`") == str(doc.default).lower()
    else:
        assert doc.default is None


_KINDS = {
    "bool": {"bool"},
    "float": {"float"},
    "int": {"int"},
    "datetime": {"time"},
    "decimal": {"decimal"},
    "ISO": {"currency"},
    "str": {"key", "text"},
    "id": {"id"},
    "event": {"event"},
}


@pytest.mark.parametrize(("name", "field", "spec"), _cases())
def test_each_fields_kind_and_range_are_the_documented_ones(
    name: str, field: str, spec: str
) -> None:
    doc = _model_fields(name)[field]
    written = spec.lstrip("?: ").partition(" = ")[0]
    if doc.kind == "choice":
        assert "|" in written
        return
    word = written.split()[0]
    if re.fullmatch(r"\d+-\d+", word):  # `severity`: 1-4 says int by its range
        word = "int"
    assert doc.kind in _KINDS[word], f"{name}.{field}: {written!r} vs {doc.kind}"
    if doc.kind in {"int", "float"}:
        bounds = re.search(r"(-?\d+)(?:-|\.\.)(-?\d+)", written)
        assert bounds is not None, f"{name}.{field}: no range in {written!r}"
        if (name, field) == ("SatisfactionRecorded", "score"):
            ranges = dict(re.findall(r"(\w+) (\d+-\d+)", written))
            assert ranges == {metric: f"{lo}-{hi}" for metric, (lo, hi) in SCORE_RANGES.items()}
            return
        low, high = (float(bound) for bound in bounds.groups())
        assert doc.constraints.startswith(f"{_num(low, doc)} to {_num(high, doc)}")
    if doc.kind == "decimal":
        assert ">= 0" in written
        assert "10^14" in written
        assert "10^14" in doc.constraints
        assert "4 decimal places" in written
        assert "4 digits after the point" in doc.constraints


def _num(value: float, doc: FieldDoc) -> str:
    return str(int(value)) if doc.kind == "int" else str(value)


def test_the_channel_values_are_the_documented_ones() -> None:
    row = next(line for line in _section("1").splitlines() if line.startswith("| `channel`"))
    assert tuple(re.findall(r"`([^`]+)`", row)[1:]) == get_args(Channel)


def test_keys_and_texts_are_the_documented_ones() -> None:
    section = _section("1")
    keys = section.split("### 1.1")[1].split("A text")[0]
    texts = section.split("### 1.1")[1].split("A text")[1].split("###")[0]
    documented_keys = set(re.findall(r"`(\w+)`", keys))
    documented_texts = set(re.findall(r"`(\w+)`", texts))
    model_keys = {"customer", "case"}
    model_texts = set()
    for cls in EVENT_TYPES.values():
        for doc in fields(cls):
            if doc.kind == "key":
                model_keys.add(doc.name)
            elif doc.kind == "text":
                model_texts.add(doc.name)
    assert documented_keys == model_keys
    assert documented_texts == model_texts
    assert f"1 to {KEY_MAX_LENGTH}" in keys


def test_every_rule_an_invalid_line_names_is_documented_and_no_other() -> None:
    table = _section("6").split("| rule |")[1]
    documented = set(re.findall(r"^\| `([a-z0-9-]+)` \|", table, flags=re.MULTILINE))
    assert documented == {*RULES.values(), "type"}


def _domain_rules() -> set[str]:
    found = set()
    for value in vars(exceptions).values():
        if isinstance(value, type) and issubclass(value, exceptions.DomainRuleError):
            found.add(value.rule)
    return found - {exceptions.DomainRuleError.rule}


def test_every_domain_rule_is_documented_by_name_and_no_other() -> None:
    table = _section("2").split("| rule |")[1]
    documented = set(re.findall(r"^\| `([a-z0-9-]+)` \|", table, flags=re.MULTILINE))
    assert documented == _domain_rules()


def _case_events(predicate: Any) -> set[str]:
    return {
        name
        for name, cls in EVENT_TYPES.items()
        if cls.scope != "customer" and predicate(cls) and name != "CaseReopened"
    }


def test_the_events_a_closed_case_takes_are_the_documented_ones() -> None:
    sentence = _section("2").split("a closed\ncase takes only")[1].split("; new")[0]
    documented = set(re.findall(r"`(\w+)`", sentence)) - {"CaseReopened"}
    assert documented == _case_events(lambda cls: cls.on_closed_case)


def test_the_commitment_ids_are_the_documented_ones() -> None:
    rules = _section("2").split("Rules the engine enforces")[1]
    ids = rules.split("ids\n(")[1].split(")")[0]
    kinds = {cls.creates for cls in EVENT_TYPES.values() if cls.creates is not None}
    assert set(re.findall(r"`(\w+)`", ids)) == kinds


def test_the_changes_section_names_every_tightened_field() -> None:
    changes = _section("7")
    for phrase in (
        "`whatsapp`",
        "`telegram`",
        "`CaseEscalated.level` is 2-10",
        "`ContactUnanswered.attempts`\n  1-1000",
        "4 decimal places",
        "Keys (1.1)",
        "Times (1.2)",
    ):
        assert phrase in changes
