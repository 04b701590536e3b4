"""The contract read off its models: a JSON Schema of one line, and a field reference.

Both come from the pydantic event models (:mod:`trustengine.domain.events`) through their
own JSON Schema, so what ``trustengine types`` shows, what ``types --json`` prints and
what import accepts cannot drift apart; docs/interchange.md is checked against them by a
test.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from trustengine.domain.base import EVENT_ID_PATTERN, KEY_PATTERN, CustomerEvent, Source
from trustengine.domain.events import EVENT_TYPES

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
_ENVELOPE = {"customer": "customer", "case": "case", "at": "timestamp"}
_OPTIONAL_ENVELOPE = ("actor", "channel")
# What JSON Schema keeps of pydantic's output: names and defaults only describe.
_NOISE = ("title",)
TEXT_MAX_LENGTH = 10_000


@dataclass(frozen=True)
class FieldDoc:
    """One ``data`` field of an event type, as ``trustengine types TYPE`` shows it."""

    name: str
    kind: str
    """``key``, ``text``, ``time``, ``decimal``, ``int``, ``float``, ``bool``, ``choice``,
    ``currency``, ``id`` (an event id), ``event`` (a whole event)."""
    required: bool
    default: Any
    allowed: tuple[str, ...]
    constraints: str

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "name": self.name,
            "type": self.kind,
            "required": self.required,
            "default": self.default,
            "allowed": list(self.allowed),
            "constraints": self.constraints,
        }


def scope(cls: type[CustomerEvent]) -> str:
    """``customer`` (never a case), ``case`` (needs one) or ``either`` (may have one)."""
    return str(cls.scope)


def _model_schema(cls: type[CustomerEvent]) -> dict[str, Any]:
    return cls.model_json_schema(mode="validation")


def _clean(schema: Any) -> Any:
    """``schema`` without the keywords that only name things."""
    if isinstance(schema, dict):
        return {key: _clean(value) for key, value in schema.items() if key not in _NOISE}
    if isinstance(schema, list):
        return [_clean(item) for item in schema]
    return schema


def _without_null(prop: dict[str, Any]) -> dict[str, Any]:
    """The non-null part of an optional field's schema."""
    options = prop.get("anyOf")
    if options is None:
        return prop
    rest = [option for option in options if option.get("type") != "null"]
    return rest[0] if len(rest) == 1 else {"anyOf": rest}


def _range(low: Any, high: Any) -> str:
    if low is not None and high is not None:
        return f"{low} to {high}"
    if low is not None:
        return f">= {low}"
    return f"<= {high}" if high is not None else ""


def describe(prop: dict[str, Any]) -> tuple[str, tuple[str, ...], str]:
    """The kind, allowed values and constraints of one field's JSON Schema."""
    prop = _without_null(prop)
    if "enum" in prop:
        return "choice", tuple(str(value) for value in prop["enum"]), ""
    if "anyOf" in prop:  # a money amount: a number, or the same as a decimal string
        number = next(option for option in prop["anyOf"] if option.get("type") == "number")
        top = len(str(number["exclusiveMaximum"])) - 1
        return (
            "decimal",
            (),
            (
                f">= {number['minimum']} and < 10^{top}, at most 4 digits after the point, "
                "finite; a JSON number or a decimal string"
            ),
        )
    kind = prop.get("type")
    if kind == "string" and prop.get("format") == "date-time":
        return "time", (), "ISO 8601 with an offset, e.g. 2026-03-01T09:00:00+00:00"
    if kind == "string" and prop.get("pattern") == KEY_PATTERN:
        return "key", (), f"1-{prop['maxLength']} characters, not blank, no outer whitespace"
    if kind == "string" and prop.get("pattern") == EVENT_ID_PATTERN:
        return "id", (), "a stored event's id, as export writes it: customer id, ':', version"
    if kind == "object":
        return "event", (), "a complete event (one line's object) of the same type and customer"
    if kind == "string" and "pattern" in prop:
        return "currency", (), "ISO 4217 code: three capital letters, e.g. EUR"
    if kind == "string":
        return "text", (), f"{prop.get('minLength', 0)}-{prop['maxLength']} characters"
    if kind == "integer":
        return "int", (), _range(prop.get("minimum"), prop.get("maximum"))
    if kind == "number":
        return "float", (), _range(prop.get("minimum"), prop.get("maximum")) + ", finite"
    if kind == "boolean":
        return "bool", (), "true or false"
    return str(kind), (), ""


def _conditions(schema: dict[str, Any], name: str) -> str:
    """The model's if/then rules on field ``name``, e.g. `` (metric csat: 1 to 5)``."""
    notes = []
    for rule in schema.get("allOf", ()):
        then = rule.get("then", {}).get("properties", {}).get(name)
        if then is None:
            continue
        (other, condition), *_ = rule["if"]["properties"].items()
        bounds = _range(then.get("minimum"), then.get("maximum"))
        notes.append(f"{other} {condition['const']}: {bounds}")
    return f" ({'; '.join(notes)})" if notes else ""


def fields(cls: type[CustomerEvent]) -> list[FieldDoc]:
    """The ``data`` fields of ``cls``, in the model's order."""
    schema = _model_schema(cls)
    required = set(schema.get("required", ()))
    out = []
    for name in cls.data_fields():
        prop = schema["properties"][name]
        kind, allowed, constraints = describe(prop)
        constraints += _conditions(schema, name)
        out.append(
            FieldDoc(
                name=name,
                kind=kind,
                required=name in required,
                default=prop.get("default"),
                allowed=allowed,
                constraints=constraints,
            )
        )
    return out


def _data_schema(cls: type[CustomerEvent], schema: dict[str, Any]) -> dict[str, Any]:
    names = cls.data_fields()
    out: dict[str, Any] = {
        "type": "object",
        "additionalProperties": False,
        "properties": {name: _clean(schema["properties"][name]) for name in names},
    }
    required = [name for name in schema.get("required", ()) if name in names]
    if required:
        out["required"] = required
    if "allOf" in schema:
        out["allOf"] = copy.deepcopy(schema["allOf"])
    return out


def _line_schema(cls: type[CustomerEvent]) -> dict[str, Any]:
    schema = _model_schema(cls)
    props = schema["properties"]
    key = _without_null(_clean(props["case"]))
    case_schema = {
        "customer": {"type": "null"},
        "case": key,
        "either": {"anyOf": [key, {"type": "null"}]},
    }[scope(cls)]
    data = _data_schema(cls, schema)
    properties: dict[str, Any] = {
        "type": {"const": cls.__name__},
        "customer": _clean(props["customer"]),
        "case": case_schema,
        "at": _clean(props["timestamp"]),
        **{name: _clean(props[name]) for name in _OPTIONAL_ENVELOPE},
        "data": data if "required" in data else {"anyOf": [data, {"type": "null"}]},
        "source": {"anyOf": [_clean(Source.model_json_schema()), {"type": "null"}]},
    }
    for name in ("actor", "channel"):
        properties[name].pop("default", None)
    required = ["type", "customer", "at"]
    if scope(cls) == "case":
        required.append("case")
    if "required" in data:
        required.append("data")
    return {
        "description": (cls.__doc__ or "").strip(),
        "type": "object",
        "additionalProperties": False,
        "required": required,
        "properties": properties,
    }


def line_schema() -> dict[str, Any]:
    """A JSON Schema (draft 2020-12) of one interchange line: one of the event types,
    told apart by ``type``."""
    names = list(EVENT_TYPES)
    return {
        "$schema": SCHEMA_DIALECT,
        "title": "trustengine interchange line",
        "description": (
            "One event of the trustengine interchange contract (docs/interchange.md): "
            "one JSON object on one line."
        ),
        "type": "object",
        "required": ["type"],
        "properties": {"type": {"enum": names}},
        "oneOf": [{"$ref": f"#/$defs/{name}"} for name in names],
        "$defs": {name: _line_schema(cls) for name, cls in EVENT_TYPES.items()},
    }


__all__ = ["SCHEMA_DIALECT", "FieldDoc", "describe", "fields", "line_schema", "scope"]
