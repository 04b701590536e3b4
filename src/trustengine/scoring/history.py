"""A customer's stored events as the read side judges them: business time, amendments applied.

The store keeps events in the order they arrived. Everything that judges a customer (the
trust fold, the clocks, the timeline, due work, the sweep's view, the report, the audit)
takes them in business-time order: ``at``, then arrival (the version), the order the
rules check them in (:mod:`trustengine.domain.history`). A retracted event stays in the
ledger but stops counting; a corrected event counts as its latest replacement, at the
replacement's ``at`` and in the corrected event's place (its version and id). The
``EventRetracted`` and ``EventCorrected`` themselves are ledger entries that count for
nothing. A ``PromiseBroken`` that a later-entered ``PromiseKept`` shows did not happen
(the rule: :func:`trustengine.domain.history.refutes`) stays in the ledger and counts
for nothing. See docs/trust-model.md, "Late entries and corrections".

>>> from datetime import datetime, UTC
>>> from uuid import uuid4
>>> from trustengine.domain import events as ev
>>> who = uuid4()
>>> def placed(event, version, day):
...     return event.placed(who, version, datetime(2024, 1, day, tzinfo=UTC))
>>> filed = placed(ev.ComplaintFiled(customer="c", case="K", category="billing",
...     severity=2, cause="error", summary="x", timestamp="2024-01-02T09:00:00+00:00"), 1, 2)
>>> contact = placed(ev.CustomerContacted(customer="c", direction="inbound",
...     timestamp="2024-01-01T09:00:00+00:00"), 2, 9)
>>> [(step.event.type_name, step.counted) for step in business_order([filed, contact])]
[('CustomerContacted', True), ('ComplaintFiled', True)]
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from trustengine.domain.base import CustomerEvent, parse_event_id
from trustengine.domain.events import (
    EventCorrected,
    EventRetracted,
    PromiseBroken,
    PromiseKept,
    PromiseMade,
)
from trustengine.domain.history import Entry, refutes

Amendment = EventRetracted | EventCorrected


@dataclass(frozen=True, slots=True)
class LedgerStep:
    """One stored event at its place in business time."""

    event: CustomerEvent
    """The event as it now stands (a corrected one: its replacement, placed at its
    version); an amendment: the ``EventRetracted``/``EventCorrected`` itself."""
    counted: bool
    """Whether it counts (False: retracted, or an amendment)."""
    amended_by: Amendment | None = None
    """The retraction or (latest) correction that struck or replaced it."""
    late_entry: bool = False
    """Whether it arrived after an event of the customer with a later ``at`` (amendments
    aside): a late entry."""
    met_at: datetime | None = None
    """For a recorded miss that the history, as now known, shows was met: when a
    ``SlaBreached``'s clock stopped in time (the read side finds it:
    ``readmodel/refuted.py``), or when a refuted ``PromiseBroken``'s promise was kept
    (:func:`business_order` finds it)."""

    @property
    def order(self) -> tuple[datetime, int]:
        """Business-time order: ``at``, then arrival."""
        return (self.event.timestamp, self.event.originator_version)

    @property
    def retracted(self) -> bool:
        """Whether a retraction struck it."""
        return isinstance(self.amended_by, EventRetracted)


def is_amendment(event: CustomerEvent) -> bool:
    """Whether ``event`` amends another (a retraction or a correction)."""
    return isinstance(event, EventRetracted | EventCorrected)


def _target(amendment: Amendment) -> int:
    parsed = parse_event_id(amendment.event)
    return parsed[1] if parsed is not None else 0


def business_order(events: Iterable[CustomerEvent]) -> list[LedgerStep]:
    """Every one of ``events`` (one customer's stored events, any prefix of their history,
    in any order) at its place in business time, amendments applied."""
    stored = sorted(events, key=lambda event: event.originator_version)
    retracted: dict[int, EventRetracted] = {}
    corrected: dict[int, EventCorrected] = {}
    for event in stored:
        if isinstance(event, EventRetracted):
            retracted[_target(event)] = event
        elif isinstance(event, EventCorrected):
            corrected[_target(event)] = event  # the latest correction counts
    steps: list[LedgerStep] = []
    latest: datetime | None = None
    for event in stored:
        version = event.originator_version
        if is_amendment(event):
            steps.append(LedgerStep(event, False))
            continue
        late = latest is not None and event.timestamp < latest
        latest = event.timestamp if latest is None or event.timestamp > latest else latest
        shown = event
        correction = corrected.get(version)
        if correction is not None:
            shown = correction.replacement.placed(event.originator_id, version, event.recorded_at)
        struck = retracted.get(version)
        if struck is not None:
            steps.append(LedgerStep(shown, False, struck, late_entry=late))
        else:
            steps.append(LedgerStep(shown, True, correction, late_entry=late))
    steps.sort(key=lambda step: step.order)
    types = set(map(type, stored))
    if PromiseBroken in types and PromiseKept in types:  # a miss a keeping may refute
        _refute_misses(steps)
    return steps


def _refute_misses(steps: list[LedgerStep]) -> None:
    """Let each counted ``PromiseBroken`` that a counted ``PromiseKept`` of its promise
    refutes count for nothing, marked with when the promise was kept (in place)."""
    broken: dict[str, int] = {}
    made: dict[str, PromiseMade] = {}
    kept: dict[str, PromiseKept] = {}
    for index, step in enumerate(steps):
        if not step.counted:
            continue
        event = step.event
        if isinstance(event, PromiseBroken):
            broken[event.promise] = index
        elif isinstance(event, PromiseKept):
            kept[event.promise] = event
        elif isinstance(event, PromiseMade):
            made[event.promise] = event
    for promise, index in broken.items():
        keeping, maker = kept.get(promise), made.get(promise)
        if keeping is None or maker is None:
            continue
        miss = steps[index].event
        if refutes(
            Entry.of(keeping, keeping.originator_version),
            Entry.of(miss, miss.originator_version),
            maker.due,
        ):
            steps[index] = replace(steps[index], counted=False, met_at=keeping.timestamp)


def as_of(events: Iterable[CustomerEvent], moment: datetime) -> list[CustomerEvent]:
    """The stored ``events`` of a history as of business time ``moment``: each event
    whose standing version (its latest replacement, if corrected) is at or before it,
    and the amendments of those (whenever they were made: a correction fixes what the
    history says, at every point of it). Arrival order is kept."""
    stored = list(events)
    kept = {
        step.event.originator_version
        for step in business_order(stored)
        if not is_amendment(step.event) and step.event.timestamp <= moment
    }
    return [
        event
        for event in stored
        if event.originator_version in kept
        or (isinstance(event, EventRetracted | EventCorrected) and _target(event) in kept)
    ]


def counted_events(events: Iterable[CustomerEvent]) -> list[CustomerEvent]:
    """The events of ``events`` that count, in business-time order (as the trust fold
    takes them)."""
    return [step.event for step in business_order(events) if step.counted]


def days_late(
    at: datetime, recorded_at: datetime, after: timedelta, *, late_entry: bool = True
) -> int | None:
    """Whole days between business time and recorded time of a late entry recorded more
    than ``after`` after its ``at`` (one worth marking: "entered 12 days late"), else
    None. An event that arrived in business-time order is not marked, however long
    after its ``at`` it was recorded (an import of an old history, in order)."""
    if not late_entry:
        return None
    delay = recorded_at - at
    if delay <= after:
        return None
    return delay.days


__all__ = [
    "Amendment",
    "LedgerStep",
    "as_of",
    "business_order",
    "counted_events",
    "days_late",
    "is_amendment",
]
