"""A customer's history as the rules see it: one compact entry per event, in business time.

The store keeps events in the order they arrived; the rules judge them in business time
(``at``, then arrival). Each stored event leaves an :class:`Entry` (its version, time,
type, case and commitment: what the rules need, nothing else). An event that comes in
order is checked against the running :class:`RuleState`, as ever; a late entry, a
retraction or a correction is checked by replaying the entries in business time with the
change made, so that every event, the new one and those after it, still keeps the rules
at its own place (see docs/interchange.md, "Late entries and corrections").
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from trustengine.domain.base import CommitmentKind, CustomerEvent
from trustengine.exceptions import (
    CaseAlreadyAwaitingError,
    CaseAlreadyExistsError,
    CaseClosedError,
    CaseNotAwaitingError,
    CaseNotClosedError,
    CaseNotFoundError,
    CommitmentAlreadySettledError,
    CommitmentCaseMismatchError,
    DomainRuleError,
    DuplicateCommitmentError,
    InvalidEventError,
    UnknownCommitmentError,
)

KIND_NAMES: dict[str, str] = {
    "promise": "promise",
    "action": "corrective action",
    "offer": "compensation offer",
    "follow_up": "follow-up",
}


@dataclass(frozen=True, slots=True)
class Entry:
    """What the rules need of one event: where it stands and what it opens or settles."""

    version: int
    at: datetime
    cls: type[CustomerEvent]
    case: str | None
    commitment: str | None
    resumes: bool = False
    """Whether it ends a wait on the customer (their reply about the case)."""

    @classmethod
    def of(cls, event: CustomerEvent, version: int) -> Entry:
        """The entry of ``event``, placed at ``version`` (a replacement takes the version
        of the event it replaces, so it keeps that event's id and arrival)."""
        resumes = bool(getattr(event, "resumes", False))
        return cls(
            version, event.timestamp, type(event), event.case, event.commitment_id(), resumes
        )

    @property
    def name(self) -> str:
        """The event type's contract name."""
        return self.cls.__name__

    @property
    def order(self) -> tuple[datetime, int]:
        """Business-time order: ``at``, then arrival."""
        return (self.at, self.version)


@dataclass(slots=True)
class Commitment:
    """A promise, action, offer or follow-up: its case, and the events that made and
    settled it."""

    case: str | None
    made: int
    settled_by: int | None = None

    @property
    def settled(self) -> bool:
        """Whether the commitment is settled."""
        return self.settled_by is not None


@dataclass(slots=True)
class RuleState:
    """What the rules need to know at one point of business time."""

    cases: dict[str, bool] = field(default_factory=dict)
    """Case key to whether the case is open."""
    case_changed: dict[str, int] = field(default_factory=dict)
    """Case key to the version of the event that last opened, closed or reopened it."""
    commitments: dict[tuple[str, str], Commitment] = field(default_factory=dict)
    last_at: datetime | None = None
    awaiting: dict[str, int] = field(default_factory=dict)
    """Case key to the version of the CaseAwaitingCustomer it waits since."""

    def check(self, entry: Entry) -> None:
        """Raise the rule ``entry`` would break here; ``conflicts`` on the error names the
        versions of the events it conflicts with."""
        self._check_case(entry)
        self._check_commitment(entry)

    def apply(self, entry: Entry) -> None:
        """Move the state past ``entry``."""
        if self.last_at is None or entry.at > self.last_at:
            self.last_at = entry.at
        effect = entry.cls.case_effect
        if entry.case is not None and (effect in ("resume", "close") or entry.resumes):
            self.awaiting.pop(entry.case, None)  # a resumption, a close, the customer's reply
        if effect == "pause" and entry.case is not None:
            self.awaiting[entry.case] = entry.version
        elif effect in ("open", "close", "reopen") and entry.case is not None:
            self.cases[entry.case] = effect != "close"
            self.case_changed[entry.case] = entry.version
        ident = entry.commitment
        if ident is None:
            return
        if entry.cls.creates is not None:
            self.commitments[(entry.cls.creates, ident)] = Commitment(entry.case, entry.version)
        elif entry.cls.settles is not None:
            self.commitments[(entry.cls.settles, ident)].settled_by = entry.version

    def _check_case(self, entry: Entry) -> None:
        cls, name, case = entry.cls, entry.name, entry.case
        if cls.scope == "customer" and case is not None:
            raise InvalidEventError(f"{name} is a customer-level event: no case", field="case")
        if cls.scope == "case" and case is None:
            raise InvalidEventError(f"{name} needs a case", field="case")
        if case is None:
            return
        changed = self.case_changed.get(case)
        if cls.case_effect == "open":
            if case in self.cases:
                raise _with(
                    CaseAlreadyExistsError(
                        f"case {case!r} already exists for this customer: a new complaint "
                        "needs a new case key"
                    ),
                    changed,
                )
            return
        if case not in self.cases:
            raise CaseNotFoundError(f"case {case!r} has no ComplaintFiled: {name} needs one")
        is_open = self.cases[case]
        if cls.case_effect == "reopen":
            if is_open:
                raise _with(
                    CaseNotClosedError(f"case {case!r} is open: only a closed case reopens"),
                    changed,
                )
            return
        if not is_open and not cls.on_closed_case:
            raise _with(
                CaseClosedError(f"case {case!r} is closed: {name} needs it reopened first"),
                changed,
            )
        waiting = self.awaiting.get(case)
        if cls.case_effect == "pause" and waiting is not None:
            raise _with(
                CaseAlreadyAwaitingError(
                    f"case {case!r} already awaits the customer: resume it before pausing again"
                ),
                waiting,
            )
        if cls.case_effect == "resume" and waiting is None:
            raise CaseNotAwaitingError(f"case {case!r} is not awaiting the customer: no pause")

    def _check_commitment(self, entry: Entry) -> None:
        ident, cls = entry.commitment, entry.cls
        if ident is None:
            return
        if cls.creates is not None:
            made = self.commitments.get((cls.creates, ident))
            if made is not None:
                raise _with(
                    DuplicateCommitmentError(
                        f"{KIND_NAMES[cls.creates]} {ident!r} already exists for this "
                        "customer: ids are unique"
                    ),
                    made.made,
                )
            return
        kind: CommitmentKind | None = cls.settles
        assert kind is not None
        what = KIND_NAMES[kind]
        commitment = self.commitments.get((kind, ident))
        if commitment is None:
            raise UnknownCommitmentError(
                f"{what} {ident!r} was never made: {entry.name} needs it made first"
            )
        if commitment.settled_by is not None:
            raise _with(
                CommitmentAlreadySettledError(f"{what} {ident!r} is already settled"),
                commitment.settled_by,
            )
        if commitment.case != entry.case:
            raise _with(
                CommitmentCaseMismatchError(
                    f"{what} {ident!r} belongs to case {commitment.case!r}, not {entry.case!r}"
                ),
                commitment.made,
            )


def _with(error: DomainRuleError, version: int | None) -> DomainRuleError:
    error.conflicts = () if version is None else (version,)
    return error


@dataclass(frozen=True, slots=True)
class Failure:
    """An event that breaks a rule at its place in business time, and the error."""

    entry: Entry
    error: DomainRuleError | InvalidEventError


def replay(entries: Iterable[Entry], *, stop: bool = True) -> tuple[RuleState, list[Failure]]:
    """Check ``entries`` in business-time order from a blank state.

    With ``stop`` the first failure ends the replay; without, a failing entry is left out
    and the replay goes on, so every event that depends on it fails too.
    """
    state = RuleState()
    failures: list[Failure] = []
    for entry in sorted(entries, key=_order):
        try:
            state.check(entry)
        except (DomainRuleError, InvalidEventError) as error:
            failures.append(Failure(entry, error))
            if stop:
                break
            continue
        state.apply(entry)
    return state, failures


def _order(entry: Entry) -> tuple[datetime, int]:
    return (entry.at, entry.version)


def later_makers(entries: Sequence[Entry], failed: Entry) -> tuple[int, ...]:
    """The events after ``failed`` in business time that would have let it in: the
    ``ComplaintFiled`` of its case, or the event making its commitment."""
    found: list[int] = []
    for entry in entries:
        if entry.order <= failed.order or entry.version == failed.version:
            continue
        opens = (
            entry.cls.case_effect == "open"
            and failed.case is not None
            and entry.case == failed.case
        )
        makes = (
            failed.cls.settles is not None
            and entry.cls.creates == failed.cls.settles
            and entry.commitment == failed.commitment
        )
        if opens or makes:
            found.append(entry.version)
    return tuple(found)


__all__ = [
    "KIND_NAMES",
    "Commitment",
    "Entry",
    "Failure",
    "RuleState",
    "later_makers",
    "replay",
]
