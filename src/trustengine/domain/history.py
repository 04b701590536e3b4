"""A customer's history as the rules see it: one compact entry per event, in business time.

The store keeps events in the order they arrived; the rules judge them in business time
(``at``, then arrival). Each stored event leaves an :class:`Entry` (its version, time,
type, case and commitment: what the rules need, nothing else). An event that comes in
order is checked against the running :class:`RuleState`, as ever; a late entry, a
retraction or a correction is checked by replaying the entries in business time with the
change made, so that every event, the new one and those after it, still keeps the rules
at its own place (see docs/interchange.md, "Late entries and corrections").

One rule gives way to a late fact: a commitment settles once, but a ``PromiseKept`` in
time, entered after a ``PromiseBroken`` that ``system`` recorded as a miss of time (what
``trustengine sweep`` records), shows that the miss did not happen (:func:`refutes`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from trustengine.domain.base import CommitmentKind, CustomerEvent, has_member
from trustengine.domain.events import PromiseBroken, PromiseKept
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

SYSTEM_ACTOR = "system"
"""The actor of what the engine records by itself (the sweep's misses): a
``PromiseBroken`` by it, at or after the promise's due time, is a miss of time that a
keeping in time refutes (:func:`refutes`); one by anyone else is a person's word, which
only a retraction or a correction takes back."""


def _entry_plan(kind: type[CustomerEvent]) -> tuple[bool, bool, str | None]:
    """What :meth:`Entry.of` reads of an event of ``kind``, asked of the class once:
    whether it has ``resumes``, whether it makes a commitment and has ``due``, and the
    field holding the id of the commitment it makes or settles (as ``commitment_id``)."""
    return (
        has_member(kind, "resumes"),
        kind.creates is not None and has_member(kind, "due"),
        kind.creates or kind.settles,
    )


_ENTRY_PLANS: dict[type[CustomerEvent], tuple[bool, bool, str | None]] = {}


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
    due: datetime | None = None
    """For an event that makes a commitment: its due time."""
    system: bool = False
    """Whether the engine recorded it by itself (actor :data:`SYSTEM_ACTOR`)."""

    @classmethod
    def of(cls, event: CustomerEvent, version: int) -> Entry:
        """The entry of ``event``, placed at ``version`` (a replacement takes the version
        of the event it replaces, so it keeps that event's id and arrival)."""
        kind = type(event)
        try:
            reads_resumes, reads_due, commitment_field = _ENTRY_PLANS[kind]
        except KeyError:
            reads_resumes, reads_due, commitment_field = _ENTRY_PLANS[kind] = _entry_plan(kind)
        return cls(
            version,
            event.timestamp,
            kind,
            event.case,
            None if commitment_field is None else str(getattr(event, commitment_field)),
            reads_resumes and bool(event.resumes),  # type: ignore[attr-defined]
            event.due if reads_due else None,  # type: ignore[attr-defined]
            event.actor == SYSTEM_ACTOR,
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
    due: datetime | None = None
    """When it is due (from the event that made it)."""
    settler: Entry | None = None
    """The entry of the event that settled it (``settled_by``)."""

    @property
    def settled(self) -> bool:
        """Whether the commitment is settled."""
        return self.settled_by is not None


def refutes(keeping: Entry, miss: Entry, due: datetime | None) -> bool:
    """Whether ``keeping`` shows that the recorded miss ``miss`` of a promise due at
    ``due`` did not happen, so that both stand in the ledger and the keeping counts.

    Mirrors the sweep, which records a ``PromiseBroken`` (actor ``system``, at the due
    time or the customer's last time if later) for a promise still open after its due
    time: ``keeping`` is a ``PromiseKept`` at or before ``due`` (kept in time, as the
    promise ledger and the trust model judge it) entered after ``miss`` (a late entry:
    had it been known, the sweep would have found the promise kept), and ``miss`` is a
    ``PromiseBroken`` by ``system`` at or after ``due``. A keeping after the due time
    does not refute it (the promise was missed, whatever came later), nor does any
    keeping refute a ``PromiseBroken`` a person recorded: both are still refused by
    ``commitment-settles-once`` (docs/interchange.md, 2.1).
    """
    return (
        due is not None
        and keeping.cls is PromiseKept
        and miss.cls is PromiseBroken
        and miss.system
        and keeping.version > miss.version
        and keeping.at <= due <= miss.at
    )


def _refusal(entry: Entry, commitment: Commitment) -> str:
    """Why settling ``commitment`` again with ``entry`` refutes no recorded miss, when a
    keeping and a ``PromiseBroken`` meet (else nothing to add)."""
    settler = commitment.settler
    if settler is None:
        return ""
    pair = {entry.cls, settler.cls}
    if pair != {PromiseKept, PromiseBroken}:
        return ""
    keeping, miss = (entry, settler) if entry.cls is PromiseKept else (settler, entry)
    due = commitment.due
    if not miss.system:
        return (
            ": a PromiseBroken not recorded by 'system' is a person's word, which a "
            "PromiseKept does not refute; retract or correct it first"
        )
    if due is not None and keeping.at > due:
        return (
            f": a PromiseKept at {keeping.at.isoformat()}, after its due time "
            f"{due.isoformat()}, does not show that the recorded miss did not happen"
        )
    return ""


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
            self.commitments[(entry.cls.creates, ident)] = Commitment(
                entry.case, entry.version, due=entry.due
            )
        elif entry.cls.settles is not None:
            commitment = self.commitments[(entry.cls.settles, ident)]
            settler = commitment.settler
            if commitment.settled_by is None or (
                settler is not None and refutes(entry, settler, commitment.due)
            ):
                # A first settlement, or a keeping that refutes the recorded miss (a miss
                # that a keeping already settled leaves the commitment as it is).
                commitment.settled_by, commitment.settler = entry.version, entry

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
        if commitment.settled_by is not None and not _refutation(entry, commitment):
            raise _with(
                CommitmentAlreadySettledError(
                    f"{what} {ident!r} is already settled{_refusal(entry, commitment)}"
                ),
                commitment.settled_by,
            )
        if commitment.case != entry.case:
            raise _with(
                CommitmentCaseMismatchError(
                    f"{what} {ident!r} belongs to case {commitment.case!r}, not {entry.case!r}"
                ),
                commitment.made,
            )


def _refutation(entry: Entry, commitment: Commitment) -> bool:
    """Whether ``entry`` settles the settled ``commitment`` again only as a keeping and
    the recorded miss it refutes meet (in either business-time order)."""
    settler = commitment.settler
    if settler is None:
        return False
    due = commitment.due
    return refutes(entry, settler, due) or refutes(settler, entry, due)


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
    "SYSTEM_ACTOR",
    "Commitment",
    "Entry",
    "Failure",
    "RuleState",
    "later_makers",
    "refutes",
    "replay",
]
