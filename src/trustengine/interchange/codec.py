"""The contract's JSON Lines face: contract-shaped dicts and lines to events, and back.

One event is one JSON object: ``type``, ``customer``, ``case``, ``at``, ``actor``,
``channel``, ``data`` and, for a fact imported from another system, ``source`` (see the
interchange contract). Parsing validates everything the
contract says about a single event; the rules that depend on a customer's history are the
aggregate's (:mod:`trustengine.domain.customer`).
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterable, Mapping
from datetime import datetime
from decimal import Decimal
from math import isfinite
from typing import Annotated, Any, TypeVar, get_args, get_origin

from pydantic import PlainSerializer, ValidationError, WrapSerializer

from trustengine.domain.base import CustomerEvent
from trustengine.domain.events import EVENT_TYPES, EventCorrected
from trustengine.domain.quoting import excerpt, quoted
from trustengine.exceptions import InvalidEventError, UnknownEventTypeError
from trustengine.persistence.jsontext import exact_loads

E = TypeVar("E", bound=CustomerEvent)
REJECTED_KEY = "_rejected"
"""The key ``import --quarantine`` adds to each line it writes to the rejects file."""
ENVELOPE_KEYS = ("type", "customer", "case", "at", "actor", "channel", "data", "source", "id")
IGNORED_KEYS = frozenset({"id", REJECTED_KEY})
"""Keys a line may carry that import reads past: the ``id`` export writes (the store
gives each event its own) and the reason a quarantine wrote (see ledger import)."""
_ENVELOPE_TO_FIELD = {
    "customer": "customer",
    "case": "case",
    "actor": "actor",
    "at": "timestamp",
    "source": "source",
}
_ENVELOPE_ITEMS = (*_ENVELOPE_TO_FIELD.items(), ("channel", "channel"))
"""The envelope keys an event's fields are taken from, in the order they are set."""
_FIELD_TO_KEY = {"timestamp": "at"}
_ENVELOPE_KEY_SET = frozenset(ENVELOPE_KEYS) | IGNORED_KEYS
_DATA_FIELD_SETS: dict[type[CustomerEvent], frozenset[str]] = {}
RULES: dict[str, str] = {
    "missing": "required",
    "literal_error": "allowed-values",
    "enum": "allowed-values",
    "greater_than_equal": "range",
    "less_than_equal": "range",
    "greater_than": "range",
    "less_than": "range",
    "score_fits_metric": "score-fits-metric",
    "finite_number": "finite",
    "decimal_max_digits": "amount-precision",
    "decimal_max_places": "amount-precision",
    "decimal_whole_digits": "amount-precision",
    "string_too_short": "length",
    "string_too_long": "length",
    "string_pattern_mismatch": "currency-code",
    "key_not_blank": "key-not-blank",
    "key_no_outer_whitespace": "key-no-outer-whitespace",
    "iso_time": "iso-8601-time",
    "time_range": "time-in-range",
    "event_id": "event-id",
    "replacement": "type",
    "extra_forbidden": "unknown-key",
    "time_offset": "time-with-offset",
    "timezone_aware": "time-with-offset",
}
"""The contract's rule (docs/interchange.md, "Rules of one line") behind each kind of
pydantic error; any other kind is the rule ``type`` (a value of the wrong JSON type, or
text that is no number or time)."""
# One decoder for every line: json.loads(..., parse_float=...) builds a new one per call.
_DECODER = json.JSONDecoder(parse_float=Decimal)
_DECODE = exact_loads(_DECODER)


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
    # ``type(...) is dict`` first: what a decoded line is, without the ABC's slower check.
    if type(obj) is not dict and not isinstance(obj, Mapping):
        raise InvalidEventError(f"an event must be a JSON object, not {_json_kind(obj)}")
    if not _ENVELOPE_KEY_SET.issuperset(obj):
        unknown = [key for key in obj if key not in ENVELOPE_KEYS]
        raise InvalidEventError(
            f"unknown key {quoted(unknown[0])} (allowed: {', '.join(ENVELOPE_KEYS)})",
            field=excerpt(unknown[0]),
        )
    type_name = obj.get("type")
    if type_name is None:
        raise InvalidEventError("missing required key 'type' (rule: required)", field="type")
    if not isinstance(type_name, str) or type_name not in EVENT_TYPES:
        raise UnknownEventTypeError(
            f"unknown event type {quoted(type_name)}{did_you_mean(type_name)}", field="type"
        )
    cls = EVENT_TYPES[type_name]
    data = obj.get("data", {})
    if data is None:
        data = {}
    if type(data) is not dict and not isinstance(data, Mapping):
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
    if cls is EventCorrected and isinstance(data.get("replacement"), Mapping):
        try:
            fields["replacement"] = parse_event(data["replacement"])
        except InvalidEventError as error:
            inner = f"data.replacement.{error.field}" if error.field else "data.replacement"
            raise InvalidEventError(
                f"{type_name}: data.replacement: {error}", field=inner
            ) from None
    get = obj.get
    for key, field in _ENVELOPE_ITEMS:
        value = get(key)
        if value is not None:
            fields[field] = value
    return build_event(cls, fields)


def build_event(cls: type[E], fields: Mapping[str, Any]) -> E:
    """Build one (unrecorded) event of type ``cls`` from its fields (``timestamp`` for the
    contract's ``at``), validated through the door as :func:`parse_event` validates.

    The typed commands build their events here, so a bad value is refused in the same
    words (:class:`InvalidEventError` naming the field and the rule) either way.
    """
    try:
        return cls(**fields)
    except ValidationError as error:
        raise _invalid(cls.__name__, cls, error) from None


def parse_line(line: str) -> CustomerEvent:
    """Parse one JSON Lines line into an event (see :func:`parse_event`)."""
    try:
        # Decimal keeps money amounts exact; float fields take a Decimal as well.
        if line.startswith("\ufeff"):  # what json.loads reports, kept word for word
            raise json.JSONDecodeError("Unexpected UTF-8 BOM (decode using utf-8-sig)", line, 0)
        obj = _DECODE(line)
    except json.JSONDecodeError as error:
        raise InvalidEventError(f"not valid JSON: {error.msg} at column {error.colno}") from None
    except (ValueError, RecursionError) as error:
        # An integer too long to convert, or arrays/objects nested too deep to decode.
        raise InvalidEventError(f"not acceptable JSON: {error}") from None
    return parse_event(obj)


def to_contract(event: CustomerEvent, *, with_id: bool = False) -> dict[str, Any]:
    """The contract-shaped dict of ``event`` (JSON-ready: times as ISO 8601 strings); with
    ``with_id``, a stored event's ``id`` first (as export writes it)."""
    out: dict[str, Any] = {}
    if with_id:
        stored_id = event.event_id
        if stored_id is not None:
            out["id"] = stored_id
    out["type"] = event.type_name
    out["customer"] = event.customer
    if event.case is not None:
        out["case"] = event.case
    out["at"] = event.timestamp.isoformat()
    if event.actor is not None:
        out["actor"] = event.actor
    if event.channel is not None:
        out["channel"] = event.channel
    data = _data(event)
    out["data"] = _dumped_data(event) if data is None else data
    if event.source is not None:
        out["source"] = event.source.model_dump(exclude_none=True)
    return out


def _dumped_data(event: CustomerEvent) -> dict[str, Any]:
    """The ``data`` object through pydantic's dump: what :func:`_data` gives, for any
    value it does not take on itself (the reference it is tested against)."""
    data = event.model_dump(mode="json", include=set(event.data_fields()), exclude_none=True)
    for name in data:
        value = getattr(event, name)
        if isinstance(value, datetime):
            # The same ISO 8601 form as ``at`` (pydantic would write UTC as ``Z``).
            data[name] = value.isoformat()
        elif isinstance(value, Decimal):
            data[name] = _json_number(value)
        elif isinstance(value, CustomerEvent):
            data[name] = to_contract(value)  # a correction's replacement
    return data


def _data(event: CustomerEvent) -> dict[str, Any] | None:
    """The ``data`` object read off the model's fields, without pydantic's dump, or None
    when a value is not one whose dump is known here (then :func:`_dumped_data` makes it).

    The same dict as :func:`_dumped_data`, key for key and in the same order: the fields
    in the model's order, None left out (``exclude_none``); a time, an amount and a
    replacement converted as there; and a value of exactly ``str``, ``int``, ``bool`` or
    a finite ``float`` as it is, which is what pydantic's JSON-mode dump of such a value
    is for a field with no serializer of its own (a field that has one is taken as it
    is only for a replacement, which is converted whatever its serializer does).
    """
    data: dict[str, Any] = {}
    for name, custom in _data_plan(type(event)):
        value = getattr(event, name)
        if value is None:
            continue
        kind = type(value)
        if kind is str or kind is int or kind is bool:
            if custom:
                return None
            data[name] = value
        elif kind is float:
            if custom or not isfinite(value):
                return None
            data[name] = value
        elif isinstance(value, datetime):
            data[name] = value.isoformat()
        elif isinstance(value, Decimal):
            data[name] = _json_number(value)
        elif isinstance(value, CustomerEvent):
            data[name] = to_contract(value)
        else:
            return None
    return data


def _data_plan(cls: type[CustomerEvent]) -> tuple[tuple[str, bool], ...]:
    """Each data field of ``cls`` in the model's order, with whether pydantic would dump
    it through a serializer of its own (then :func:`_data` leaves it to the dump)."""
    try:
        return _DATA_PLANS[cls]
    except KeyError:
        decorators = cls.__pydantic_decorators__
        whole = bool(decorators.model_serializers)
        by_decorator = {
            name for item in decorators.field_serializers.values() for name in item.info.fields
        }
        plan = _DATA_PLANS[cls] = tuple(
            (
                name,
                whole
                or name in by_decorator
                or "*" in by_decorator
                or _has_serializer(cls.model_fields[name].metadata)
                or _has_serializer_in(cls.model_fields[name].annotation),
            )
            for name in cls.data_fields()
        )
        return plan


def _has_serializer(metadata: Iterable[object]) -> bool:
    return any(isinstance(item, _SERIALIZERS) for item in metadata)


def _has_serializer_in(annotation: object) -> bool:
    """Whether a serializer sits anywhere in ``annotation`` (an ``Annotated`` in a union)."""
    if get_origin(annotation) is Annotated:
        inner, *metadata = get_args(annotation)
        return _has_serializer(metadata) or _has_serializer_in(inner)
    return any(_has_serializer_in(arg) for arg in get_args(annotation))


_SERIALIZERS = (PlainSerializer, WrapSerializer)
_DATA_PLANS: dict[type[CustomerEvent], tuple[tuple[str, bool], ...]] = {}


def _json_number(value: Decimal) -> int | float | str:
    """A money amount as a JSON number when one is exact, else as a plain decimal string."""
    if value == value.to_integral_value() and abs(value) < 2**53:
        return int(value)
    as_float = float(value)
    if Decimal(repr(as_float)) == value:
        return as_float
    return format(value, "f")


def dumps(event: CustomerEvent, *, with_id: bool = False) -> str:
    """One JSON Lines line (without the newline) for ``event`` (see :func:`to_contract`)."""
    return _ENCODER.encode(to_contract(event, with_id=with_id))


# What json.dumps(..., separators=(",", ":"), ensure_ascii=False, allow_nan=False) builds
# on every call, built once (it keeps no state between calls).
_ENCODER = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, allow_nan=False)


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


def did_you_mean(type_name: object) -> str:
    """`` (did you mean PromiseMade?)`` for a near miss of an event type's name, else ``""``."""
    if not isinstance(type_name, str):
        return ""
    by_folded = {name.casefold(): name for name in EVENT_TYPES}
    if type_name.casefold() in by_folded:
        return f" (did you mean {by_folded[type_name.casefold()]}?)"
    folded = type_name.casefold()
    scores = {
        name: difflib.SequenceMatcher(None, folded, candidate).ratio()
        for candidate, name in by_folded.items()
    }
    best = max(scores.values())
    if best < 0.6:
        return ""
    # The best match, and any as good: "FollowUp" could be either follow-up type.
    names = [name for name, score in scores.items() if score >= best - 0.02][:3]
    return f" (did you mean {' or '.join(names)}?)"


def _key_of(cls: type[CustomerEvent], location: tuple[int | str, ...]) -> tuple[str, str]:
    """Where a pydantic error is, in the contract's words: (``data.due.x``, ``data.due``)."""
    parts = [_name(str(part)) for part in location]
    if parts and parts[0] in _data_field_set(cls):
        return "data." + ".".join(parts), "data." + parts[0]
    if parts:
        key = _FIELD_TO_KEY.get(parts[0], parts[0])
        where = ".".join([key, *parts[1:]])
        return where, where
    return "data", "data"


def _missing(type_name: str, names: list[str]) -> InvalidEventError:
    """One message naming every missing key and field at once."""
    keys = [name for name in names if not name.startswith("data.")]
    fields = [name for name in names if name.startswith("data.")]
    if len(names) == 1:
        what = f"key {names[0]!r}" if keys else f"field {names[0]}"
    else:
        noun = "keys" if not fields else "fields" if not keys else "keys and fields"
        what = f"{noun} {', '.join(names)}"
    return InvalidEventError(
        f"{type_name}: missing required {what} (rule: required)", field=names[0]
    )


def _invalid(type_name: str, cls: type[CustomerEvent], error: ValidationError) -> InvalidEventError:
    errors = error.errors(include_url=False)
    missing = [_key_of(cls, item["loc"])[1] for item in errors if item["type"] == "missing"]
    if missing:
        order = {key: index for index, key in enumerate(ENVELOPE_KEYS)}
        missing.sort(key=lambda name: (name.startswith("data."), order.get(name, 0)))
        return _missing(type_name, missing)
    first = errors[0]
    where, what = _key_of(cls, first["loc"])
    message = first["msg"].removeprefix("Value error, ")
    rule = RULES.get(first["type"], "type")
    value = first.get("input")
    shown = excerpt(json.dumps(value, default=str)) if not isinstance(value, Mapping) else "{...}"
    return InvalidEventError(
        f"{type_name}: {where} = {shown}: {message} (rule: {rule})", field=what
    )
