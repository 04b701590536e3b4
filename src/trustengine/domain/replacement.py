"""The ``replacement`` of an ``EventCorrected``: one whole event, held inside another.

In the domain it is an event model (a draft: no place in any history of its own; it takes
the place of the event it corrects). pydantic dumps it as its type's name and its fields,
and reads that back, so the store keeps it with the correction that carries it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import (
    PlainSerializer,
    PlainValidator,
    SerializationInfo,
    ValidationInfo,
    WithJsonSchema,
)
from pydantic_core import PydanticCustomError

from trustengine.domain.base import CustomerEvent

_PLACEMENT = frozenset({"originator_id", "originator_version", "recorded_at"})


def _validate(value: Any, info: ValidationInfo) -> CustomerEvent:
    if isinstance(value, CustomerEvent):
        if value.originator_version != 0:
            raise PydanticCustomError(
                "replacement", "a replacement is a new event, not one already stored"
            )
        return value
    if isinstance(value, Mapping):
        from trustengine.domain.events import EVENT_TYPES

        name = value.get("type")
        cls = EVENT_TYPES.get(name) if isinstance(name, str) else None
        if cls is not None:
            return cls.model_validate(_fields(value), context=info.context)
    raise PydanticCustomError("replacement", "a replacement must be one complete event")


def _fields(value: Mapping[str, Any]) -> dict[str, Any]:
    """The model's fields of a stored replacement (``type`` and fields), or of one given
    in the contract's shape (``at`` and a ``data`` object), as the library may pass it."""
    fields = {key: item for key, item in value.items() if key not in ("type", "id")}
    if "at" in fields or "data" in fields:
        data = fields.pop("data", None) or {}
        if "at" in fields:
            fields["timestamp"] = fields.pop("at")
        if isinstance(data, Mapping):
            fields.update(data)
    return fields


def _serialize(value: CustomerEvent, info: SerializationInfo) -> dict[str, Any]:
    state = value.model_dump(mode=info.mode, exclude=set(_PLACEMENT), exclude_none=True)
    return {"type": value.type_name, **state}


Replacement = Annotated[
    CustomerEvent,
    PlainValidator(_validate),
    PlainSerializer(_serialize, when_used="always"),
    WithJsonSchema(
        {
            "type": "object",
            "description": "a complete event of the same type and customer: one interchange "
            "line's object",
        }
    ),
]
"""A whole event, carried by the correction that puts it in another's place."""

__all__ = ["Replacement"]
