"""The rules of late entries, retractions and corrections, and the errors that name them.

A late entry, a retraction or a correction changes the customer's history somewhere
before its end in business time, so it is checked by replaying the history with the
change made (:func:`trustengine.domain.history.replay`): the change is refused when an
event, the new one or any after it, would break a rule at its place. The error is the
rule's own (``case-must-exist``, ``retraction-keeps-history-valid``, ...) and names the
events it conflicts with by id. See docs/interchange.md, section 2.1.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from trustengine.domain.base import event_id, parse_event_id
from trustengine.domain.events import EventCorrected, EventRetracted
from trustengine.domain.history import Entry, Failure, later_makers, replay
from trustengine.exceptions import (
    AlreadyRetractedError,
    AmendmentIsFinalError,
    CorrectionMismatchError,
    DomainRuleError,
    EventNotFoundError,
    InvalidEventError,
    RetractionConflictError,
)

if TYPE_CHECKING:
    from trustengine.domain.customer import Customer


def target_version(text: str) -> int:
    """The version an (already checked) event id names."""
    parsed = parse_event_id(text)
    assert parsed is not None
    return parsed[1]


def _named(customer: Customer, entries: Sequence[Entry], versions: Iterable[int]) -> str:
    by_version = {entry.version: entry for entry in entries}
    names = []
    for version in versions:
        entry = by_version.get(version) or customer.entries.get(version)
        what = f"{entry.name} at {entry.at.isoformat()}" if entry is not None else "event"
        names.append(f"{what} ({event_id(customer.id, version)})")
    return ", ".join(names)


def _conflict_note(customer: Customer, entries: Sequence[Entry], conflicts: tuple[int, ...]) -> str:
    return f"; it conflicts with {_named(customer, entries, conflicts)}" if conflicts else ""


def _rule_error(error: DomainRuleError, message: str, conflicts: tuple[int, ...]) -> Exception:
    raised = type(error)(message)
    raised.conflicts = conflicts
    return raised


def late_entry_error(
    customer: Customer, entry: Entry, failure: Failure, effective: Sequence[Entry]
) -> Exception:
    """The error refusing late entry ``entry``, whose replay ended in ``failure``."""
    error = failure.error
    if isinstance(error, InvalidEventError):
        return error
    at = entry.at.isoformat()
    last = customer.state().last_at
    late = f"{entry.name} at {at} is a late entry (this customer's last event is at " + (
        f"{last.isoformat()})" if last is not None else "unknown)"
    )
    if failure.entry is entry:
        conflicts = error.conflicts or later_makers(effective, entry)
        with_ = _conflict_note(customer, effective, conflicts)
        return _rule_error(
            error, f"{late}: at its place in business time, {error}{with_}", conflicts
        )
    dependent = failure.entry.version
    return _rule_error(
        error,
        f"{late} that would leave {_named(customer, effective, [dependent])} breaking a rule: "
        f"{error}",
        (dependent,),
    )


def check_amendment(customer: Customer, draft: EventRetracted | EventCorrected) -> None:
    """Raise the rule a retraction or correction of ``customer``'s history would break."""
    parsed = parse_event_id(draft.event)
    name = draft.type_name
    if parsed is None or parsed[0] != customer.id or parsed[1] > customer.version:
        raise EventNotFoundError(f"{name}: customer {customer.key!r} has no event {draft.event}")
    version = parsed[1]
    if version in customer.amendments:
        raise AmendmentIsFinalError(
            f"{name}: event {draft.event} is itself a retraction or correction, which is "
            "final (record the event again instead)"
        )
    if version in customer.retracted:
        raise _already(customer, name, draft.event, version)
    original = customer.entries[version]
    if isinstance(draft, EventRetracted):
        _check_retraction(customer, original)
    else:
        _check_correction(customer, draft, original)


def _already(customer: Customer, name: str, text: str, version: int) -> Exception:
    by = customer.retracted[version]
    error = AlreadyRetractedError(
        f"{name}: event {text} was retracted by {event_id(customer.id, by)}"
    )
    error.conflicts = (by,)
    return error


def _check_retraction(customer: Customer, original: Entry) -> None:
    rest = [entry for entry in customer.effective() if entry.version != original.version]
    _, failures = replay(rest, stop=False)
    if not failures:
        return
    dependents = tuple(failure.entry.version for failure in failures)
    shown = customer.replaced.get(original.version, original)
    error = RetractionConflictError(
        f"EventRetracted: retracting {shown.name} at {shown.at.isoformat()} "
        f"({event_id(customer.id, original.version)}) would leave "
        f"{_named(customer, rest, dependents)} breaking a rule; retract "
        f"{'it' if len(dependents) == 1 else 'them'} first"
    )
    error.conflicts = dependents
    raise error


def _check_correction(customer: Customer, draft: EventCorrected, original: Entry) -> None:
    replacement = draft.replacement
    if type(replacement) is not original.cls or replacement.customer != customer.key:
        raise CorrectionMismatchError(
            f"EventCorrected: the replacement of {original.name} "
            f"({draft.event}) must be a {original.name} for customer {customer.key!r}, "
            f"not a {replacement.type_name} for {replacement.customer!r}"
        )
    entry = Entry.of(replacement, original.version)
    effective = [
        entry if item.version == original.version else item for item in customer.effective()
    ]
    _, failures = replay(effective, stop=True)
    if not failures:
        return
    failure = failures[0]
    error = failure.error
    if isinstance(error, InvalidEventError):
        raise error
    if failure.entry is entry:
        conflicts = error.conflicts or later_makers(effective, entry)
        with_ = _conflict_note(customer, effective, conflicts)
        raise _rule_error(
            error,
            f"EventCorrected: the replacement of {draft.event}, at its place in business "
            f"time ({entry.at.isoformat()}): {error}{with_}",
            conflicts,
        )
    raise _rule_error(
        error,
        f"EventCorrected: correcting {draft.event} would leave "
        f"{_named(customer, effective, [failure.entry.version])} breaking a rule: {error}",
        (failure.entry.version,),
    )


__all__ = ["check_amendment", "late_entry_error", "target_version"]
