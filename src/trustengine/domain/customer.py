"""The customer aggregate: the one place the contract's rules are enforced.

A customer's history is a single event stream, in the order the events arrived. The
aggregate keeps only what the rules need: one compact entry per event
(:mod:`trustengine.domain.history`), which were retracted or corrected, the rule state at
the end of business time, whether the customer was erased, which facts are already
recorded. An event later than the last ``at`` is checked against that state; a late entry,
a retraction or a correction by replaying the entries in business time. How much trust
those events earn is the projections' business, never the aggregate's.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import replace
from datetime import datetime
from typing import Any

from eventsourcing.domain import BaseAggregate

from trustengine.domain.amend import check_amendment, late_entry_error, target_version
from trustengine.domain.base import CustomerEvent
from trustengine.domain.events import EventCorrected, EventRetracted
from trustengine.domain.history import Commitment, Entry, RuleState, replay
from trustengine.exceptions import CustomerErasedError, InvalidEventError

_CHECKED = "_checked"
"""Where :meth:`Customer.record` leaves the entry its check made while the event applies."""
_FACT = "_fact"
"""Where :meth:`Customer.has_recorded` leaves the draft it was asked about and its fact key."""
_NAMESPACE = uuid.UUID("6f1d0f55-3f8a-4c55-9b61-2f4f2f1c7a10")


def customer_id(key: str) -> uuid.UUID:
    """The stable aggregate id of the customer with the caller's ``key``."""
    # The UUID version 5 of the key's UTF-8 bytes; surrogatepass lets any Python string map
    # to an id (uuid.uuid5 itself would raise on a lone surrogate).
    name = key.encode("utf-8", "surrogatepass")
    digest = hashlib.sha1(_NAMESPACE.bytes + name, usedforsecurity=False).digest()
    return uuid.UUID(bytes=digest[:16], version=5)


class Customer(BaseAggregate[uuid.UUID]):
    """One customer's relationship history, as far as the rules need it."""

    def __init__(self, key: str) -> None:
        self.key = key
        self.entries: dict[int, Entry] = {}
        """Version to entry, in arrival order, of every event but the amendments."""
        self.amendments: set[int] = set()
        """The versions of the retractions and corrections."""
        self.retracted: dict[int, int] = {}
        """Version of a retracted event to the version of its retraction."""
        self.replaced: dict[int, Entry] = {}
        """Version of a corrected event to its replacement (the latest correction)."""
        self.rules = RuleState()
        """The rule state at the end of business time (stale while :attr:`stale`)."""
        self.stale = False
        self.erased = False
        self.facts: set[tuple[Any, ...]] = set()
        self.sources: set[tuple[str, str]] = set()
        """The (system, id) of every stored event that came from another system."""

    @classmethod
    def blank(cls, id: uuid.UUID, key: str, at: datetime) -> Customer:
        """A customer with no history yet, about to record its first event."""
        customer = cls.__new__(cls)
        customer.__base_init__(originator_id=id, originator_version=0, timestamp=at)
        customer.__init__(key)  # type: ignore[misc]
        return customer

    @classmethod
    def new(cls, key: str, at: datetime) -> Customer:
        """A customer with no history, whose id is derived from ``key``."""
        return cls.blank(customer_id(key), key, at)

    def clone(self) -> Customer:
        """An independent copy to stage commands on, leaving this one untouched."""
        # copy.copy's way for an object whose state is its __dict__, without its
        # __reduce_ex__ round trip (a third of the copy, on every command).
        twin = object.__new__(type(self))
        twin.__dict__.update(self.__dict__)
        twin.__dict__.pop(_FACT, None)  # a question asked of this one, not of the copy
        twin.entries = dict(self.entries)
        twin.amendments = set(self.amendments)
        twin.retracted = dict(self.retracted)
        twin.replaced = dict(self.replaced)
        twin.rules = RuleState(
            dict(self.rules.cases),
            dict(self.rules.case_changed),
            {k: replace(v) for k, v in self.rules.commitments.items()},
            self.rules.last_at,
            dict(self.rules.awaiting),
        )
        twin.facts = set(self.facts)
        twin.sources = set(self.sources)
        twin._pending_events = []
        return twin

    # --- the history as the rules see it -----------------------------------------------

    def effective(self) -> list[Entry]:
        """The entries that count, in arrival order: retracted ones left out, corrected
        ones as their replacement."""
        return [
            self.replaced.get(version, entry)
            for version, entry in self.entries.items()
            if version not in self.retracted
        ]

    def state(self) -> RuleState:
        """The rule state at the end of business time."""
        if self.stale:
            # The store holds what the rules let in; a failure here is left out, not raised.
            self.rules, _ = replay(self.effective(), stop=False)
            self.stale = False
        return self.rules

    @property
    def cases(self) -> dict[str, bool]:
        """Case key to whether the case is open, at the end of business time."""
        return self.state().cases

    @property
    def commitments(self) -> dict[tuple[str, str], Commitment]:
        """The commitments made, at the end of business time."""
        return self.state().commitments

    @property
    def last_at(self) -> datetime | None:
        """The latest business time of the events that count."""
        return self.state().last_at

    # --- commands --------------------------------------------------------------------

    def has_recorded(self, draft: CustomerEvent) -> bool:
        """Whether this very fact (same type, time, case, actor, channel and data) is
        stored, or, for an imported one, a fact from the same source (system and id): a
        re-imported export stores only what it did not hold before."""
        source = draft.source
        if source is not None and source.ref() in self.sources:
            return True
        fact = draft.fact_key()
        # Kept for :meth:`record` of this very draft, which notes the same key (placing
        # a draft changes none of the fields a fact key is made of).
        self.__dict__[_FACT] = (draft, fact)
        return fact in self.facts

    def record(self, draft: CustomerEvent, *, recorded_at: datetime) -> CustomerEvent:
        """Check ``draft`` against the contract's rules, then append it to the history.

        Raises a :class:`~trustengine.exceptions.DomainRuleError` subclass, naming the rule,
        when the draft would break one; nothing is appended then.
        """
        asked = self.__dict__.pop(_FACT, None)
        entry = self._check(draft)
        event: CustomerEvent = draft.placed(self.id, entry.version, recorded_at)
        # The check's entry is the event's (the same fields at the same version), and so
        # is the fact key :meth:`has_recorded` made of this draft: while the event is
        # applied, :meth:`note` takes them rather than making them again.
        fact = asked[1] if asked is not None and asked[0] is draft else None
        self.__dict__[_CHECKED] = (entry, fact)
        try:
            # eventsourcing's ``mutate`` without its checks that the event's id and
            # version are this customer's next: ``placed`` just gave it those.
            event.apply(self)
            self.version = entry.version
            self.modified_on = event.timestamp
        finally:
            self.__dict__.pop(_CHECKED, None)
        self.pending_events.append(event)
        return event

    def _check(self, draft: CustomerEvent) -> Entry:
        """Raise if ``draft`` breaks a rule; its entry, at the next version."""
        if self.erased:
            raise CustomerErasedError(
                f"customer {self.key!r} was erased: {draft.type_name} cannot be recorded for them"
            )
        if draft.customer != self.key:
            raise InvalidEventError(
                f"event is for customer {draft.customer!r}, not {self.key!r}", field="customer"
            )
        entry = Entry.of(draft, self.version + 1)
        state = self.state()
        if isinstance(draft, (EventRetracted, EventCorrected)):
            state.check(entry)  # the scope: no case
            check_amendment(self, draft)
            return entry
        if state.last_at is None or entry.at >= state.last_at:
            state.check(entry)
            return entry
        # A late entry: it, and every event after it in business time, must keep the rules.
        effective = [*self.effective(), entry]
        _, failures = replay(effective, stop=True)
        if failures:
            raise late_entry_error(self, entry, failures[0], effective)
        return entry

    # --- state changes, called only by events' apply() -------------------------------

    def note(self, event: CustomerEvent) -> None:
        """Note a recorded event in the rule state."""
        version = event.originator_version
        checked: tuple[Entry, tuple[Any, ...] | None] | None = self.__dict__.pop(_CHECKED, None)
        entry, fact = checked if checked is not None else (None, None)
        if entry is None or entry.version != version:
            entry, fact = None, None  # not the event record() checked
        self.facts.add(event.fact_key() if fact is None else fact)
        if event.source is not None:
            self.sources.add(event.source.ref())
        if isinstance(event, EventRetracted):
            self.amendments.add(version)
            self.retracted[target_version(event.event)] = version
            self.stale = True
            return
        if isinstance(event, EventCorrected):
            self.amendments.add(version)
            target = target_version(event.event)
            self.replaced[target] = Entry.of(event.replacement, target)
            self.stale = True
            return
        if entry is None:
            entry = Entry.of(event, version)
        self.entries[version] = entry
        last = self.rules.last_at
        if self.stale or (last is not None and entry.at < last):
            self.stale = True  # a late entry: the state is replayed when next needed
        else:
            self.rules.apply(entry)
