"""The contract read as command-line options: which fields an event type takes, and how each
becomes a ``record`` option. See docs/interchange.md."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, TypeVar

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


__all__ = [
    "SCOPES",
    "event_class",
    "option",
    "requirement",
    "rule_text",
]
