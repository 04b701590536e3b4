"""Turns customer events into stored records and back, through pydantic.

eventsourcing's stock mapper builds events with ``object.__new__`` and so skips pydantic
validation; this one validates every event it reads, applies ``class_version`` upcasting
itself, and runs the compressor before the cipher on the way in (and the reverse on the
way out).
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, cast
from uuid import UUID

from eventsourcing.persistence import Mapper, MapperDeserialisationError, StoredEvent
from eventsourcing.utils import get_topic, resolve_topic
from pydantic import ValidationError

from trustengine.domain.base import CustomerEvent, has_member
from trustengine.domain.door import STORED_CONTEXT
from trustengine.persistence.jsontext import exact_loads
from trustengine.persistence.personal import PERSONAL_FIELDS, SEALED, PersonalData

# Fields the stored record keeps in its own columns rather than in the payload.
_ROW_FIELDS = frozenset({"originator_id", "originator_version"})
_EXCLUDE = set(_ROW_FIELDS)  # pydantic wants a set; never changed
_CLASS_VERSIONS: dict[type, int] = {}
_ENCODE = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode
"""``json.dumps`` with these settings, whose every call builds this encoder anew."""
_REPLACEMENT = "replacement"  # EventCorrected's field holding a whole event
_TIME = "timestamp"  # the business time, as the payload names it


class PydanticMapper(Mapper[UUID]):
    """Maps :class:`~trustengine.domain.base.CustomerEvent` models to stored events.

    With :attr:`personal` set, personal fields are sealed under the customer's own key
    (see :mod:`trustengine.persistence.personal`).
    """

    personal: PersonalData | None = None

    def encode(self, event: CustomerEvent) -> bytes:
        """The payload bytes of ``event``, before compression and encryption."""
        if self.personal is not None and _has_personal(event):
            state = event.model_dump(mode="json", exclude=_EXCLUDE, exclude_none=True)
            inner = state.get(_REPLACEMENT)
            if isinstance(inner, dict):  # a correction's replacement has personal text too
                state[_REPLACEMENT] = self.personal.seal(event.originator_id, inner)
            sealed = self.personal.seal(event.originator_id, state)
            payload = _ENCODE(sealed).encode()
        else:
            payload = event.model_dump_json(exclude=_EXCLUDE, exclude_none=True).encode()
        class_version = _class_version(type(event))
        if class_version > 1:
            payload = b'{"class_version":%d,' % class_version + payload[1:]
        return payload

    def to_stored_event(self, domain_event: Any) -> StoredEvent:
        state = self.encode(cast(CustomerEvent, domain_event))
        if self.compressor:
            state = self.compressor.compress(state)
        if self.cipher:
            state = self.cipher.encrypt(state)
        return StoredEvent(
            originator_id=domain_event.originator_id,
            originator_version=domain_event.originator_version,
            topic=get_topic(type(domain_event)),
            state=state,
        )

    def decode_state(self, stored: StoredEvent) -> dict[str, Any]:
        """The payload of ``stored`` as a dict, decrypted and decompressed."""
        state = stored.state
        try:
            if self.cipher:
                state = self.cipher.decrypt(state)
            if self.compressor:
                state = self.compressor.decompress(state)
            return cast(dict[str, Any], _loads(_text(state)))
        except Exception as error:
            raise MapperDeserialisationError(_describe(stored, error)) from error

    def to_domain_event(self, stored_event: StoredEvent) -> Any:
        return self._from_state(stored_event, self.decode_state(stored_event))

    def to_domain_event_until(self, stored_event: StoredEvent, until: datetime) -> Any | None:
        """The event of ``stored_event``, or None when its business time is after ``until``.

        The time is read from the payload before anything else is done with it, so a
        later event costs no unsealing and no validation. A time that does not parse
        here is left to the full decoding (the caller filters the event it returns).
        """
        state = self.decode_state(stored_event)
        at = state.get(_TIME)
        if isinstance(at, str):
            try:
                moment = datetime.fromisoformat(at)
            except ValueError:
                moment = None
            if moment is not None and moment.tzinfo is not None and moment > until:
                return None
        return self._from_state(stored_event, state)

    def _from_state(self, stored_event: StoredEvent, state: dict[str, Any]) -> Any:
        try:
            cls = resolve_topic(stored_event.topic)
        except Exception as error:
            raise MapperDeserialisationError(_describe(stored_event, error)) from error
        inner = state.get(_REPLACEMENT)
        if SEALED in state or (isinstance(inner, dict) and SEALED in inner):
            if self.personal is None:
                raise MapperDeserialisationError(_describe(stored_event, "no key store"))
            try:
                state = self.personal.unseal(_uuid(stored_event.originator_id), state)
                inner = state.get(_REPLACEMENT)
                if isinstance(inner, dict) and SEALED in inner:
                    state[_REPLACEMENT] = self.personal.unseal(
                        _uuid(stored_event.originator_id), inner
                    )
            except (ValueError, KeyError, TypeError) as error:
                raise MapperDeserialisationError(_describe(stored_event, error)) from error
        state["originator_id"] = stored_event.originator_id
        state["originator_version"] = stored_event.originator_version
        class_version = _class_version(cls)
        from_version = state.pop("class_version", 1)
        while from_version < class_version:
            getattr(cls, f"upcast_v{from_version}_v{from_version + 1}")(state)
            from_version += 1
        try:
            # What the store holds was let in by the door of its day: not checked again.
            # (The model's validator itself: what model_validate calls, one frame less.)
            return cls.__pydantic_validator__.validate_python(state, context=STORED_CONTEXT)
        except (ValidationError, AttributeError) as error:
            raise MapperDeserialisationError(_describe(stored_event, error)) from error


_LOADS = exact_loads(fallback=json.loads)


def _loads(text: bytes | str) -> Any:
    """``json.loads(text)``, for a payload as :meth:`PydanticMapper.encode` writes it
    without the wrapper's two regular-expression passes (see :mod:`.jsontext`); any
    other text goes to ``json.loads`` as it is, so that it parses or fails as always."""
    if isinstance(text, str):
        return _LOADS(text)
    return json.loads(text)


def _text(state: bytes | str) -> bytes | str:
    """A payload as text: always UTF-8 (see encode), and decoding it first spares
    ``json.loads`` its encoding probe. Bytes that are not UTF-8 go to ``json.loads`` as
    they are, so that a damaged payload is reported as it always was."""
    if isinstance(state, bytes):
        try:
            return state.decode("utf-8")
        except UnicodeDecodeError:
            return state
    return state


def _class_version(cls: type) -> int:
    try:
        return _CLASS_VERSIONS[cls]
    except KeyError:
        # A miss goes through pydantic's metaclass __getattr__ (slow): look it up once.
        version = _CLASS_VERSIONS[cls] = int(getattr(cls, "class_version", 1))
        return version


def _uuid(value: object) -> UUID:
    """``value`` as a UUID; the recorders already hand one over, so usually no parse."""
    return value if isinstance(value, UUID) else UUID(str(value))


def _has_personal(event: CustomerEvent) -> bool:
    plan = _PERSONAL_BY_TYPE.get(type(event))
    if plan is None:
        kind = type(event)
        plan = _PERSONAL_BY_TYPE[kind] = (
            has_member(kind, _REPLACEMENT),
            tuple(PERSONAL_FIELDS & kind.model_fields.keys()),
        )
    replaces, names = plan
    if replaces:
        inner = getattr(event, _REPLACEMENT)
        if isinstance(inner, CustomerEvent) and _has_personal(inner):
            return True
    values = event.__dict__  # the fields' values (what getattr reads), one lookup each
    for name in names:  # noqa: SIM110 - any() over a generator costs more, per event
        if values[name] is not None:
            return True
    return False


_PERSONAL_BY_TYPE: dict[type[CustomerEvent], tuple[bool, tuple[str, ...]]] = {}
"""Per event type: whether it holds a whole event (a correction), and its personal fields."""


def _describe(stored: StoredEvent, error: Exception | str) -> str:
    return (
        f"stored event {stored.originator_id} v{stored.originator_version} "
        f"({stored.topic}) does not decode: {error}"
    )


__all__ = [
    "PydanticMapper",
]
