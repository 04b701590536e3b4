"""The base of every customer event: a frozen pydantic model that eventsourcing can apply.

An event is built first as a *draft* (validated fields, no place in any history yet);
:meth:`trustengine.domain.customer.Customer.record` checks the contract's rules against
the customer's history and only then gives the draft its id, version and recorded time.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from functools import cache
from operator import attrgetter
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Literal
from uuid import UUID

from eventsourcing.domain import CanMutateAggregate
from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    StringConstraints,
    WithJsonSchema,
)
from pydantic_core import PydanticCustomError

from trustengine.domain.door import at_the_door
from trustengine.domain.times import ISO_INSTANT_WITH_OFFSET, PATTERN_END, instant_problem

if TYPE_CHECKING:
    from trustengine.domain.customer import Customer

NIL_ID = UUID(int=0)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

KEY_MAX_LENGTH = 200
# What str.strip() strips (every character whose str.isspace() is true), spelled out so
# that JSON Schema's ECMA-262 "\s", which differs, is not relied on.
_SPACE = (
    r"\t\n\u000b\f\r\u001c-\u001f \u0085\u00a0\u1680\u2000-\u200a"
    r"\u2028\u2029\u202f\u205f\u3000"
)
KEY_PATTERN = rf"^[^{_SPACE}]([\s\S]*[^{_SPACE}])?{PATTERN_END}"
"""A key's rule as a JSON Schema pattern: not blank, and no outer whitespace."""


def _trimmed_key(value: str) -> str:
    # Refused, never stripped: " cust-1" and "cust-1" would be two customers otherwise.
    trimmed = value.strip()
    if not trimmed:
        raise PydanticCustomError("key_not_blank", "a key must not be blank (only whitespace)")
    if trimmed != value:
        raise PydanticCustomError(
            "key_no_outer_whitespace", "a key must not start or end with whitespace"
        )
    return value


Key = Annotated[
    str,
    StringConstraints(min_length=1, max_length=KEY_MAX_LENGTH),
    AfterValidator(at_the_door(_trimmed_key)),
    WithJsonSchema(
        {"type": "string", "minLength": 1, "maxLength": KEY_MAX_LENGTH, "pattern": KEY_PATTERN}
    ),
]
"""A key (customer, case, commitment id, category, owner): 1-200 characters, not blank,
no leading or trailing whitespace."""
Text = Annotated[str, StringConstraints(min_length=1, max_length=10_000)]
Channel = Literal[
    "email",
    "phone",
    "chat",
    "sms",
    "social",
    "in_person",
    "web",
    "other",
    "whatsapp",
    "telegram",
]
Scope = Literal["customer", "case", "either"]
CaseEffect = Literal["open", "close", "reopen", "pause", "resume"]
CommitmentKind = Literal["promise", "action", "offer", "follow_up"]


EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
"""The earliest business time (``at``, ``due``) an incoming event may carry."""
LATEST = datetime(2200, 1, 1, tzinfo=UTC)
"""The end of the times an incoming event may carry (2199 is the last year)."""


def _in_range(value: datetime) -> datetime:
    # A year 9999 was accepted and then overflowed every read that added a day to it.
    if not EARLIEST <= value < LATEST:
        raise PydanticCustomError(
            "time_range", "a time must be from 1970-01-01 up to (not including) 2200-01-01 UTC"
        )
    return value


def _iso_text_only(value: Any) -> Any:
    # pydantic would take a number, or a string of digits, as Unix seconds; the contract
    # says ISO 8601 with an offset.
    if isinstance(value, datetime):
        return value  # an aware one passes; AwareDatetime refuses a naive one
    if not isinstance(value, str):
        raise PydanticCustomError("iso_time", "a time must be an ISO 8601 string with an offset")
    problem = instant_problem(value)
    if problem is not None:
        kind = "time_offset" if problem.startswith("a time needs") else "iso_time"
        raise PydanticCustomError(kind, problem)
    return value


Instant = Annotated[
    AwareDatetime,
    BeforeValidator(_iso_text_only),
    AfterValidator(at_the_door(_in_range)),
    WithJsonSchema({"type": "string", "format": "date-time", "pattern": ISO_INSTANT_WITH_OFFSET}),
]
"""A business time: an ISO 8601 string with an offset (or an aware datetime)."""

EVENT_ID_PATTERN = r"^[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}:[1-9][0-9]{0,17}" + PATTERN_END
"""An event id as a JSON Schema pattern: the customer's aggregate id, ``:``, the version."""
_EVENT_ID = re.compile(EVENT_ID_PATTERN.removesuffix(PATTERN_END))


def event_id(originator_id: UUID, version: int) -> str:
    """The stable id of the event at ``version`` of customer ``originator_id``'s history:
    it never changes, since an event keeps its place in the history it was stored in."""
    return f"{originator_id}:{version}"


def parse_event_id(text: str) -> tuple[UUID, int] | None:
    """The customer id and version an event id names, or None if it is not one."""
    if _EVENT_ID.fullmatch(text) is None:
        return None
    customer, _, version = text.partition(":")
    return UUID(customer), int(version)


def _event_id_shape(value: str) -> str:
    if parse_event_id(value) is None:
        raise PydanticCustomError(
            "event_id", "an event id is a customer id, ':' and a version, as export shows it"
        )
    return value


EventId = Annotated[
    str,
    AfterValidator(_event_id_shape),
    WithJsonSchema({"type": "string", "pattern": EVENT_ID_PATTERN}),
]
"""The id of a stored event, as ``export`` and ``timeline --json`` show it."""

SOURCE_URL_MAX_LENGTH = 2000
SourceTime = Literal["exact", "day", "bound"]
"""How precise an imported event's ``at`` is: the moment, the start of the day the source
gives, or the latest moment it can have been (docs/importing.md, "Times")."""


class Source(BaseModel):
    """Where a fact came from: the system that held it and its id there (the contract's
    ``source``). An import stores a fact whose (system, id) the customer already has once."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    system: Key
    """The system the fact came from (``zendesk``, ``cfpb``, a mapping's name)."""
    id: Key
    """The fact's id in that system, stable across exports."""
    url: (
        Annotated[str, StringConstraints(min_length=1, max_length=SOURCE_URL_MAX_LENGTH)] | None
    ) = None
    """Where the record can be seen in that system."""
    time: SourceTime | None = None
    """How precise ``at`` is: ``exact``, ``day`` or ``bound``; absent means exact."""

    def ref(self) -> tuple[str, str]:
        """What identifies the fact: (system, id)."""
        return (self.system, self.id)


# Fields every event has that are not part of the fact itself.
_PLACEMENT_FIELDS = frozenset({"originator_id", "originator_version", "recorded_at"})
_NOT_FACT_FIELDS = _PLACEMENT_FIELDS | {"source"}


class CustomerEvent(BaseModel, CanMutateAggregate[UUID]):
    """Something that happened in a customer relationship; immutable once recorded."""

    # defer_build: each event class builds its validator when first used, not at import;
    # a command that reads only the read model (state, due) validates no event at all.
    model_config = ConfigDict(frozen=True, extra="forbid", validate_default=False, defer_build=True)

    originator_id: UUID = NIL_ID
    """The customer's aggregate id (assigned when the customer records the event)."""
    originator_version: int = 0
    """The event's position in the customer's history (assigned when recorded)."""
    timestamp: Instant
    """Business time: when it happened (the contract's ``at``)."""
    recorded_at: AwareDatetime = EPOCH
    """Recorded time: when the store learned of it (assigned when recorded)."""
    customer: Key
    case: Key | None = None
    actor: Annotated[str, StringConstraints(max_length=200)] | None = None
    channel: Channel | None = None
    source: Source | None = None
    """Where the fact came from, when it was imported from another system."""

    scope: ClassVar[Scope] = "case"
    """``customer``: never has a case; ``case``: needs one; ``either``: may have one."""
    on_closed_case: ClassVar[bool] = False
    """Whether a closed case takes this event without being reopened."""
    creates: ClassVar[CommitmentKind | None] = None
    """The kind of commitment this event makes; its id is the field of the same name."""
    settles: ClassVar[CommitmentKind | None] = None
    """The kind of commitment this event settles; its id is the field of the same name."""
    case_effect: ClassVar[CaseEffect | None] = None
    """What this event does to its case: opens it (new), closes it, or reopens it."""

    @property
    def at(self) -> datetime:
        """Business time (the contract's name for :attr:`timestamp`)."""
        return self.timestamp

    @property
    def event_id(self) -> str | None:
        """The stable id of a stored event (customer id and version), None for a draft."""
        if self.originator_version < 1:
            return None
        return event_id(self.originator_id, self.originator_version)

    @property
    def type_name(self) -> str:
        """The contract's name for this event type."""
        return type(self).__name__

    @classmethod
    def data_fields(cls) -> tuple[str, ...]:
        """The names of the type-specific fields (the contract's ``data`` object)."""
        try:
            return _DATA_FIELDS[cls]
        except KeyError:
            names = tuple(name for name in cls.model_fields if name not in _ENVELOPE_FIELDS)
            _DATA_FIELDS[cls] = names
            return names

    def data(self) -> dict[str, Any]:
        """The type-specific fields, leaving out optional ones that have no value."""
        values = ((name, getattr(self, name)) for name in self.data_fields())
        return {name: value for name, value in values if value is not None}

    def commitment_id(self) -> str | None:
        """The id of the commitment this event makes or settles, if any."""
        kind = self.creates or self.settles
        return None if kind is None else str(getattr(self, kind))

    def fact_key(self) -> tuple[Any, ...]:
        """What makes two events the same fact: everything but where and when it was
        stored, and where it came from (``source``, which the aggregate checks apart)."""
        cls = type(self)
        try:
            values = _FACT_VALUES[cls]
        except KeyError:
            values = _FACT_VALUES[cls] = attrgetter(*_fact_fields(cls))
        return (cls.__name__, *values(self))

    def placed(self, originator_id: UUID, originator_version: int, recorded_at: datetime) -> Any:
        """This draft with its place in a history: ``model_copy(update=...)``, only cheaper.

        Like ``model_copy`` it does not validate; the values come from the aggregate.
        """
        event = object.__new__(type(self))
        values = self.__dict__.copy()
        values["originator_id"] = originator_id
        values["originator_version"] = originator_version
        values["recorded_at"] = recorded_at
        object.__setattr__(event, "__dict__", values)
        object.__setattr__(
            event, "__pydantic_fields_set__", self.__pydantic_fields_set__ | _PLACEMENT_FIELDS
        )
        object.__setattr__(event, "__pydantic_extra__", None)
        object.__setattr__(event, "__pydantic_private__", None)
        return event

    def apply(self, aggregate: Customer) -> None:
        """Note the event in the customer's rule-relevant state."""
        aggregate.note(self)

    def mutate(self, aggregate: Any) -> Any:
        """Apply to ``aggregate``; the first event of a customer creates the customer."""
        if aggregate is None:
            from trustengine.domain.customer import Customer

            aggregate = Customer.blank(self.originator_id, self.customer, self.timestamp)
        return super().mutate(aggregate)


_ENVELOPE_FIELDS = frozenset(CustomerEvent.model_fields)
_FACT_FIELDS: dict[type[CustomerEvent], tuple[str, ...]] = {}
_FACT_VALUES: dict[type[CustomerEvent], Callable[[CustomerEvent], tuple[Any, ...]]] = {}
_DATA_FIELDS: dict[type[CustomerEvent], tuple[str, ...]] = {}


def _fact_fields(cls: type[CustomerEvent]) -> tuple[str, ...]:
    try:
        return _FACT_FIELDS[cls]
    except KeyError:
        names = tuple(name for name in cls.model_fields if name not in _NOT_FACT_FIELDS)
        _FACT_FIELDS[cls] = names
        return names


@cache
def has_member(cls: type[CustomerEvent], name: str) -> bool:
    """Whether events of ``cls`` have ``name`` (a field, or a property like ``resumes``):
    asked of the class once, so that reading an optional one needs no ``getattr`` with a
    default, which on a pydantic model that lacks it goes through the model's slow
    ``__getattr__`` (about 7 us an event of an import, by cProfile, for three such reads)."""
    return name in cls.model_fields or hasattr(cls, name)


__all__ = [
    "EPOCH",
    "KEY_MAX_LENGTH",
    "KEY_PATTERN",
    "NIL_ID",
    "SOURCE_URL_MAX_LENGTH",
    "Channel",
    "CommitmentKind",
    "CustomerEvent",
    "Instant",
    "Key",
    "Scope",
    "Source",
    "SourceTime",
    "Text",
    "has_member",
]
