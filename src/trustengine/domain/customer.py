"""The customer aggregate: the one place the contract's rules are enforced.

A customer's history is a single event stream. The aggregate keeps only what the rules
need (which cases are open, which commitments exist and whether they are settled, the last
business time, whether the customer was erased, which facts are already recorded); how much
trust those events earn is the projections' business, never the aggregate's.
"""

from __future__ import annotations

import copy
import hashlib
import uuid
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from eventsourcing.domain import BaseAggregate

from trustengine.domain.base import CommitmentKind, CustomerEvent
from trustengine.domain.events import (
    CaseAwaitingCustomer,
    CaseReopened,
    CaseResumed,
    ComplaintFiled,
)
from trustengine.exceptions import (
    CaseAlreadyAwaitingError,
    CaseAlreadyExistsError,
    CaseClosedError,
    CaseNotAwaitingError,
    CaseNotClosedError,
    CaseNotFoundError,
    CommitmentAlreadySettledError,
    CommitmentCaseMismatchError,
    CustomerErasedError,
    DuplicateCommitmentError,
    InvalidEventError,
    TimeWentBackwardsError,
    UnknownCommitmentError,
)

_NAMESPACE = uuid.UUID("6f1d0f55-3f8a-4c55-9b61-2f4f2f1c7a10")

_KIND_NAMES: dict[str, str] = {
    "promise": "promise",
    "action": "corrective action",
    "offer": "compensation offer",
    "follow_up": "follow-up",
}


def customer_id(key: str) -> uuid.UUID:
    """The stable aggregate id of the customer with the caller's ``key``."""
    # The UUID version 5 of the key's UTF-8 bytes; surrogatepass lets any Python string map
    # to an id (uuid.uuid5 itself would raise on a lone surrogate).
    name = key.encode("utf-8", "surrogatepass")
    digest = hashlib.sha1(_NAMESPACE.bytes + name, usedforsecurity=False).digest()
    return uuid.UUID(bytes=digest[:16], version=5)


@dataclass
class Commitment:
    """A promise, corrective action, offer or follow-up, and whether it is settled."""

    case: str | None
    settled: bool = False


class Customer(BaseAggregate[uuid.UUID]):
    """One customer's relationship history, as far as the rules need it."""

    def __init__(self, key: str) -> None:
        self.key = key
        self.cases: dict[str, bool] = {}
        """Case key to whether the case is open."""
        self.commitments: dict[tuple[str, str], Commitment] = {}
        self.last_at: datetime | None = None
        self.erased = False
        self.facts: set[tuple[Any, ...]] = set()
        self.awaiting: set[str] = set()
        """Open cases waiting on the customer (CaseAwaitingCustomer, not yet resumed)."""

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
        twin = copy.copy(self)
        twin.cases = dict(self.cases)
        twin.commitments = {k: replace(v) for k, v in self.commitments.items()}
        twin.facts = set(self.facts)
        twin.awaiting = set(self.awaiting)
        twin._pending_events = []
        return twin

    # --- commands --------------------------------------------------------------------

    def has_recorded(self, draft: CustomerEvent) -> bool:
        """Whether this very fact (same type, time, case, actor, channel and data) is stored."""
        return draft.fact_key() in self.facts

    def record(self, draft: CustomerEvent, *, recorded_at: datetime) -> CustomerEvent:
        """Check ``draft`` against the contract's rules, then append it to the history.

        Raises a :class:`~trustengine.exceptions.DomainRuleError` subclass, naming the rule,
        when the draft would break one; nothing is appended then.
        """
        self._check(draft)
        event: CustomerEvent = draft.placed(self.id, self.version + 1, recorded_at)
        event.mutate(self)
        self.pending_events.append(event)
        return event

    def _check(self, draft: CustomerEvent) -> None:
        name = draft.type_name
        if self.erased:
            raise CustomerErasedError(
                f"customer {self.key!r} was erased: {name} cannot be recorded for them"
            )
        if draft.customer != self.key:
            raise InvalidEventError(
                f"event is for customer {draft.customer!r}, not {self.key!r}", field="customer"
            )
        if self.last_at is not None and draft.timestamp < self.last_at:
            raise TimeWentBackwardsError(
                f"{name} at {draft.timestamp.isoformat()} is before this customer's last "
                f"event at {self.last_at.isoformat()}"
            )
        self._check_case(draft)
        self._check_commitment(draft)

    def _check_case(self, draft: CustomerEvent) -> None:
        name, case = draft.type_name, draft.case
        if draft.scope == "customer" and case is not None:
            raise InvalidEventError(f"{name} is a customer-level event: no case", field="case")
        if draft.scope == "case" and case is None:
            raise InvalidEventError(f"{name} needs a case", field="case")
        if case is None:
            return
        if isinstance(draft, ComplaintFiled):
            if case in self.cases:
                raise CaseAlreadyExistsError(
                    f"case {case!r} already exists for this customer: a new complaint "
                    "needs a new case key"
                )
            return
        if case not in self.cases:
            raise CaseNotFoundError(f"case {case!r} has no ComplaintFiled: {name} needs one")
        is_open = self.cases[case]
        if isinstance(draft, CaseReopened):
            if is_open:
                raise CaseNotClosedError(f"case {case!r} is open: only a closed case reopens")
            return
        if not is_open and not draft.on_closed_case:
            raise CaseClosedError(f"case {case!r} is closed: {name} needs it reopened first")
        self._check_pause(draft, case)

    def _check_pause(self, draft: CustomerEvent, case: str) -> None:
        """A case is paused once at a time, and resumed only while paused."""
        if isinstance(draft, CaseAwaitingCustomer) and case in self.awaiting:
            raise CaseAlreadyAwaitingError(
                f"case {case!r} already awaits the customer: resume it before pausing again"
            )
        if isinstance(draft, CaseResumed) and case not in self.awaiting:
            raise CaseNotAwaitingError(f"case {case!r} is not awaiting the customer: no pause")

    def _check_commitment(self, draft: CustomerEvent) -> None:
        ident = draft.commitment_id()
        if ident is None:
            return
        if draft.creates is not None:
            what = _KIND_NAMES[draft.creates]
            if (draft.creates, ident) in self.commitments:
                raise DuplicateCommitmentError(
                    f"{what} {ident!r} already exists for this customer: ids are unique"
                )
            return
        assert draft.settles is not None
        what = _KIND_NAMES[draft.settles]
        commitment = self.commitments.get((draft.settles, ident))
        if commitment is None:
            raise UnknownCommitmentError(
                f"{what} {ident!r} was never made: {draft.type_name} needs it made first"
            )
        if commitment.settled:
            raise CommitmentAlreadySettledError(f"{what} {ident!r} is already settled")
        if commitment.case != draft.case:
            raise CommitmentCaseMismatchError(
                f"{what} {ident!r} belongs to case {commitment.case!r}, not {draft.case!r}"
            )

    # --- state changes, called only by events' apply() -------------------------------

    def open_case(self, case: str) -> None:
        self.cases[case] = True

    def close_case(self, case: str) -> None:
        self.cases[case] = False

    def pause_case(self, case: str) -> None:
        self.awaiting.add(case)

    def resume_case(self, case: str) -> None:
        self.awaiting.discard(case)

    def open_commitment(self, kind: CommitmentKind, ident: str, case: str | None) -> None:
        self.commitments[(kind, ident)] = Commitment(case=case)

    def settle_commitment(self, kind: CommitmentKind, ident: str) -> None:
        self.commitments[(kind, ident)].settled = True
