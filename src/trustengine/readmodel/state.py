"""The per-customer projector state, and how it is kept in the ``view_state`` table.

Folding the next event of a customer needs the customer's :class:`TrustState` (the trust
model's fold so far) and two facts the read model adds (the last contact, and since when
the phase holds). :class:`ViewState` holds them; :func:`dumps_state` and
:func:`loads_state` turn it into JSON text and back, exactly: floats, times with their
offsets, tuple keys and the order of every dict (the model reads the first case) survive
the round trip, so a process that resumes from the table folds on exactly as a process
that never stopped. The explanation is not kept here (it is the ``score_history`` table).

The codec is generic over the model's dataclasses (tagged JSON), so a field added to
:class:`TrustState` or :class:`CaseTrack` is carried without changes here; a value of a
type it does not know raises :class:`TypeError` instead of being dropped.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from trustengine.scoring.trust import CaseTrack, TrustState

_DATACLASSES: dict[str, type[Any]] = {"TrustState": TrustState, "CaseTrack": CaseTrack}


@dataclass
class ViewState:
    """What the projector needs to continue one customer's read model."""

    trust: TrustState
    last_contact_at: str | None = None
    """Business time of the customer's last conversation (``CustomerContacted``)."""
    phase_since: str | None = None
    """Business time of the event that put the customer in the current phase."""
    extra: dict[str, Any] = field(default_factory=dict)
    """Room for more per-customer facts without changing the stored layout."""


_PLAIN = frozenset({type(None), bool, int, float, str})
_FIELDS: dict[type[Any], tuple[str, ...]] = {
    cls: tuple(f.name for f in dataclasses.fields(cls)) for cls in _DATACLASSES.values()
}


def _encode(value: Any) -> Any:
    kind = type(value)
    if kind in _PLAIN:
        return value
    names = _FIELDS.get(kind)
    if names is not None:
        fields = {}
        for name in names:
            item = getattr(value, name)
            fields[name] = item if type(item) in _PLAIN else _encode(item)
        return {f"@{kind.__name__}": fields}
    if kind is datetime:
        return {"@t": value.isoformat()}
    if kind is dict and all(type(key) is str and key[:1] != "@" for key in value):
        return {key: item if type(item) in _PLAIN else _encode(item) for key, item in value.items()}
    return _encode_other(value)


def _encode_other(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, datetime):
        return {"@t": value.isoformat()}
    if isinstance(value, tuple):
        return {"@tuple": [_encode(item) for item in value]}
    if isinstance(value, list):
        return [_encode(item) for item in value]
    if isinstance(value, dict):
        if all(isinstance(key, str) and not key.startswith("@") for key in value):
            return {key: _encode(item) for key, item in value.items()}
        return {"@items": [[_encode(key), _encode(item)] for key, item in value.items()]}
    name = type(value).__name__
    if _DATACLASSES.get(name) is type(value):
        fields = dataclasses.fields(value)
        return {f"@{name}": {f.name: _encode(getattr(value, f.name)) for f in fields}}
    raise TypeError(f"the view state codec cannot store a {name}: {value!r}")


def dumps_state(state: ViewState) -> str:
    """``state`` as compact JSON text (the explanation left out)."""
    explanation, state.trust.explanation = state.trust.explanation, []
    try:
        payload = {
            "trust": _encode(state.trust),
            "last_contact_at": state.last_contact_at,
            "phase_since": state.phase_since,
            "extra": _encode(state.extra),
        }
    finally:
        state.trust.explanation = explanation
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def _tagged(value: dict[str, Any]) -> Any:
    """``json.loads``' hook: one tagged object (its contents already decoded) as the
    value :func:`_encode` tagged, any other object as it is; the parser calls it
    innermost first, so the whole text is decoded in one pass."""
    if len(value) != 1:
        return value
    ((tag, inner),) = value.items()
    if tag == "@t":
        return datetime.fromisoformat(inner)
    if tag == "@tuple":
        return tuple(inner)
    if tag == "@items":
        return dict(inner)
    if tag.startswith("@") and tag[1:] in _DATACLASSES:
        return _DATACLASSES[tag[1:]](**inner)
    return value


def loads_state(text: str) -> ViewState:
    """The :class:`ViewState` that :func:`dumps_state` wrote as ``text``."""
    payload = json.loads(text, object_hook=_tagged)
    trust = payload["trust"]
    if not isinstance(trust, TrustState):
        raise ValueError("stored view state holds no TrustState")
    return ViewState(
        trust=trust,
        last_contact_at=payload.get("last_contact_at"),
        phase_since=payload.get("phase_since"),
        extra=payload.get("extra") or {},
    )
