"""The contract read as command-line options: which fields an event type takes, and how each
becomes a ``record`` option. See docs/interchange.md."""

from __future__ import annotations

import json
import types
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Annotated, Any, Literal, TypeVar, Union, get_args, get_origin

from trustengine.cli.errors import InputError
from trustengine.domain.base import CustomerEvent
from trustengine.domain.events import EVENT_TYPES
from trustengine.interchange.codec import did_you_mean
from trustengine.interchange.contract import FieldDoc

F = TypeVar("F", bound=Callable[..., Any])


SCOPES = {
    "customer": "customer-level: no case",
    "case": "case-level: needs a case",
    "either": "customer-level: a case is allowed",
}
"""What each scope means, in the words ``types`` and ``record --help`` use."""


def event_class(type_name: str) -> type[CustomerEvent]:
    """The model of ``type_name``, or an input error that suggests the near names."""
    try:
        return EVENT_TYPES[type_name]
    except KeyError:
        raise InputError(f"unknown event type {type_name!r}{did_you_mean(type_name)}") from None


def option(doc: FieldDoc) -> str:
    """The ``record`` option of a field: ``--follow-up`` for ``follow_up``."""
    return "--" + doc.name.replace("_", "-")


def requirement(doc: FieldDoc) -> str:
    """``yes``, ``no``, or ``no (default X)``."""
    if doc.required:
        return "yes"
    if doc.default is None:
        return "no"
    return f"no (default {json.dumps(doc.default)})"


def rule_text(doc: FieldDoc) -> str:
    """The allowed values, else the constraints, of one field."""
    if doc.allowed:
        return "one of: " + ", ".join(doc.allowed)
    return doc.constraints


_NUMERIC = (bool, int, float, Decimal)
# The decoder import uses: Decimal keeps amounts exact.
DECODER = json.JSONDecoder(parse_float=Decimal)


def _kinds(annotation: Any) -> set[Any]:
    """The Python types a field's annotation admits (Literal values by their type)."""
    origin = get_origin(annotation)
    if origin is Annotated:
        return _kinds(get_args(annotation)[0])
    if origin is Union or origin is types.UnionType:
        return set().union(*(_kinds(arg) for arg in get_args(annotation)))
    if origin is Literal:
        return {type(value) for value in get_args(annotation)}
    return {annotation}


def _field_kinds(cls: type[CustomerEvent] | None, field: str) -> set[Any]:
    """The types ``field`` of ``cls`` takes besides None (none for an unknown field)."""
    if cls is None or field not in cls.data_fields():
        return set()
    return _kinds(cls.model_fields[field].annotation) - {type(None)}


def _value(kinds: set[Any], text: str) -> Any:
    """``text`` as a field of ``kinds`` expects it: JSON for a field that takes only
    booleans and numbers (``true``, ``3``, ``2.5``), else the text itself. Validation has
    the last word."""
    if not kinds or not all(kind in _NUMERIC for kind in kinds):
        return text
    try:
        return DECODER.decode(text)
    except ValueError:
        return text  # not JSON: validation names the field and what it wants


def data_from_args(type_name: str, args: Sequence[str]) -> dict[str, Any]:
    """The ``data`` object from ``--name value`` (or ``--name=value``) pairs.

    Dashes in names become underscores. A boolean field given alone (``--prevents-recurrence``)
    means true. Unknown names are kept, for validation to name them.
    """
    cls = EVENT_TYPES.get(type_name)
    data: dict[str, Any] = {}
    index = 0
    while index < len(args):
        word = args[index]
        index += 1
        if not word.startswith("--") or word == "--":
            raise InputError(
                f"unexpected argument {word!r}: give data fields as --name value, e.g. "
                "--promise P-1"
            )
        name, has_value, text = word[2:].partition("=")
        field = name.replace("-", "_")
        kinds = _field_kinds(cls, field)
        if not has_value:
            if index < len(args) and not args[index].startswith("--"):
                text = args[index]
                index += 1
            elif kinds == {bool}:
                text = "true"
            else:
                raise InputError(f"--{name} needs a value")
        if field in data:
            raise InputError(f"--{name} is given twice")
        data[field] = _value(kinds, text)
    return data


__all__ = [
    "DECODER",
    "SCOPES",
    "data_from_args",
    "event_class",
    "option",
    "requirement",
    "rule_text",
]
