"""The contract's JSON Lines face: contract-shaped dicts and lines to events, and back.

One event is one JSON object: ``type``, ``customer``, ``case``, ``at``, ``actor``,
``channel`` and ``data`` (see the interchange contract). Parsing validates everything the
contract says about a single event; the rules that depend on a customer's history are the
aggregate's (:mod:`trustengine.domain.customer`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from pydantic import ValidationError

from trustengine.domain.base import CustomerEvent
from trustengine.domain.events import EVENT_TYPES
from trustengine.exceptions import InvalidEventError, UnknownEventTypeError
from trustengine.quoting import excerpt, quoted

ENVELOPE_KEYS = ("type", "customer", "case", "at", "actor", "channel", "data")
_ENVELOPE_TO_FIELD = {"customer": "customer", "case": "case", "actor": "actor", "at": "timestamp"}
_FIELD_TO_KEY = {"timestamp": "at"}
_ENVELOPE_KEY_SET = frozenset(ENVELOPE_KEYS)
_DATA_FIELD_SETS: dict[type[CustomerEvent], frozenset[str]] = {}
# One decoder for every line: json.loads(..., parse_float=...) builds a new one per call.
_DECODER = json.JSONDecoder(parse_float=Decimal)


def _data_field_set(cls: type[CustomerEvent]) -> frozenset[str]:
    try:
        return _DATA_FIELD_SETS[cls]
    except KeyError:
        allowed = _DATA_FIELD_SETS[cls] = frozenset(cls.data_fields())
        return allowed


def parse_event(obj: Any) -> CustomerEvent:
    """Validate one contract-shaped event and return it as an (unrecorded) event model.

    Raises :class:`InvalidEventError` (or :class:`UnknownEventTypeError`) naming the field
    and the rule it broke.
    """
    if not isinstance(obj, Mapping):
        raise InvalidEventError(f"an event must be a JSON object, not {_json_kind(obj)}")
    if not _ENVELOPE_KEY_SET.issuperset(obj):
        unknown = [key for key in obj if key not in ENVELOPE_KEYS]
        raise InvalidEventError(
            f"unknown key {quoted(unknown[0])} (allowed: {', '.join(ENVELOPE_KEYS)})",
            field=excerpt(unknown[0]),
        )
    type_name = obj.get("type")
    if type_name is None:
        raise InvalidEventError("missing required key 'type'", field="type")
    if not isinstance(type_name, str) or type_name not in EVENT_TYPES:
        raise UnknownEventTypeError(f"unknown event type {quoted(type_name)}", field="type")
    cls = EVENT_TYPES[type_name]
    for key in ("customer", "at"):
        if key not in obj:
            raise InvalidEventError(f"missing required key {key!r}", field=key)
    data = obj.get("data", {})
    if data is None:
        data = {}
    if not isinstance(data, Mapping):
        raise InvalidEventError(
            f"'data' must be a JSON object, not {_json_kind(data)}", field="data"
        )
    allowed = _data_field_set(cls)
    if not allowed.issuperset(data):
        key = next(key for key in data if key not in allowed)
        hint = f"allowed: {', '.join(sorted(allowed))}" if allowed else "it takes no data"
        raise InvalidEventError(
            f"unknown field data.{_name(key)} for {type_name} ({hint})",
            field=f"data.{_name(key)}",
        )
    fields: dict[str, Any] = dict(data)
    for key, field in _ENVELOPE_TO_FIELD.items():
        if obj.get(key) is not None:
            fields[field] = obj[key]
    if obj.get("channel") is not None:
        fields["channel"] = obj["channel"]
    try:
        return cls.model_validate(fields)
    except ValidationError as error:
        raise _invalid(type_name, cls, error) from None


def parse_line(line: str) -> CustomerEvent:
    """Parse one JSON Lines line into an event (see :func:`parse_event`)."""
    try:
        # Decimal keeps money amounts exact; float fields take a Decimal as well.
        if line.startswith("\ufeff"):  # what json.loads reports, kept word for word
            raise json.JSONDecodeError("Unexpected UTF-8 BOM (decode using utf-8-sig)", line, 0)
        obj = _DECODER.decode(line)
    except json.JSONDecodeError as error:
        raise InvalidEventError(f"not valid JSON: {error.msg} at column {error.colno}") from None
    except (ValueError, RecursionError) as error:
        # An integer too long to convert, or arrays/objects nested too deep to decode.
        raise InvalidEventError(f"not acceptable JSON: {error}") from None
    return parse_event(obj)


def to_contract(event: CustomerEvent) -> dict[str, Any]:
    """The contract-shaped dict of ``event`` (JSON-ready: times as ISO 8601 strings)."""
    out: dict[str, Any] = {"type": event.type_name, "customer": event.customer}
    if event.case is not None:
        out["case"] = event.case
    out["at"] = event.timestamp.isoformat()
    if event.actor is not None:
        out["actor"] = event.actor
    if event.channel is not None:
        out["channel"] = event.channel
    data = event.model_dump(mode="json", include=set(event.data_fields()), exclude_none=True)
    for name in data:
        value = getattr(event, name)
        if isinstance(value, datetime):
            # The same ISO 8601 form as ``at`` (pydantic would write UTC as ``Z``).
            data[name] = value.isoformat()
        elif isinstance(value, Decimal):
            data[name] = _json_number(value)
    out["data"] = data
    return out


def _json_number(value: Decimal) -> int | float | str:
    """A money amount as a JSON number when one is exact, else as a plain decimal string."""
    if value == value.to_integral_value() and abs(value) < 2**53:
        return int(value)
    as_float = float(value)
    if Decimal(repr(as_float)) == value:
        return as_float
    return format(value, "f")


def dumps(event: CustomerEvent) -> str:
    """One JSON Lines line (without the newline) for ``event``."""
    return json.dumps(to_contract(event), separators=(",", ":"), ensure_ascii=False)


def _name(key: str) -> str:
    """A field name as a message shows it: as it is when it looks like one, else quoted
    (a name with a newline, a control character or 50 MB of text stays on one short line)."""
    plain = key.isidentifier() or (key.isascii() and key.isdigit())  # a name or an index
    return key if plain else quoted(key)


def _json_kind(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float, Decimal)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    if value is None:
        return "null"
    return type(value).__name__


def _invalid(type_name: str, cls: type[CustomerEvent], error: ValidationError) -> InvalidEventError:
    first = error.errors(include_url=False)[0]
    location = [_name(str(part)) for part in first["loc"]]
    data_fields = set(cls.data_fields())
    if location and location[0] in data_fields:
        where = "data." + ".".join(location)
        what = "data." + location[0]
    elif location:
        key = _FIELD_TO_KEY.get(location[0], location[0])
        where = what = ".".join([key, *location[1:]])
    else:
        where = what = "data"
    message = first["msg"]
    if first["type"] == "missing":
        return InvalidEventError(f"{type_name}: missing required field {where}", field=what)
    message = message.removeprefix("Value error, ")
    value = first.get("input")
    shown = excerpt(json.dumps(value, default=str)) if not isinstance(value, Mapping) else "{...}"
    return InvalidEventError(f"{type_name}: {where} = {shown}: {message}", field=what)
