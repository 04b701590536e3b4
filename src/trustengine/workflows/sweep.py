"""The sweep: record what time has missed as facts, exactly once, so an audit sees them.

As of a time ``T`` (default now; never later than now), a sweep finds in the read model
(caught up first)

- each open promise whose due time is before ``T``, and records ``PromiseBroken``;
- each running SLA clock whose due time is before ``T`` and that has no breach recorded,
  and records ``SlaBreached`` (the clock and its due time);

all with actor ``system``, in one all-or-nothing batch (``record_many``). A corrective
action past due gets nothing: the contract has no "action missed" event, so it stays on
the due list (:mod:`trustengine.readmodel.due`) until it is completed. A clock that stopped
late, or a promise kept late, is not swept either: the late stop or the late keeping is
already in the history, and the read model marks it.

**Exactly once.** A second sweep finds the promise broken and the clock breached, so it
records nothing. Two sweeps running at once would both find the same misses: their events
are the same facts to the last field, so the engine stores them once (it skips a fact the
customer already holds, and a writer that lost the race reloads the customer and finds
the fact there). That needs each event to be a function of the miss alone, not of the
moment of the sweep: its ``at`` is the due time, or the customer's last event time when
that is later (a customer's history never goes back in time), and its reason is fixed.
If someone records a later event for that customer between the sweep's reading and its
writing, the batch breaks the time rule; the sweep then reads again and retries.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlite_utils

from trustengine.application.facade import TrustEngine
from trustengine.domain.history import SYSTEM_ACTOR
from trustengine.exceptions import (
    BatchRejectedError,
    CommitmentAlreadySettledError,
    CustomerErasedError,
    InvalidTimeError,
    SweepTimeError,
    TimeWentBackwardsError,
)
from trustengine.readmodel.misses import (
    erased_customers,
    held_customers,
    last_event_times,
    open_promises,
    running_clocks,
)
from trustengine.readmodel.read_model import ReadModel

ACTOR = SYSTEM_ACTOR
"""Who records a sweep's events: ``system``, whose ``PromiseBroken`` a late keeping in
time refutes (:func:`trustengine.domain.history.refutes`)."""
BROKEN_REASON = "not kept by its due time"
ATTEMPTS = 5
"""How many times a sweep reads and writes again when other writers got in between."""
_RACES = (TimeWentBackwardsError, CommitmentAlreadySettledError, CustomerErasedError)
"""What a batch can break only because the store changed after the sweep read it."""

MISS_COLUMNS = ("at", "type", "customer", "case", "promise", "clock", "due")


@dataclass(frozen=True)
class Miss:
    """One miss a sweep records: a promise broken or an SLA clock breached."""

    type: str
    """``PromiseBroken`` or ``SlaBreached``."""
    customer: str
    case: str
    at: datetime
    """The business time of the event: the due time, or the customer's last event time
    when that is later."""
    due: datetime
    promise: str | None = None
    clock: str | None = None

    def event(self) -> dict[str, Any]:
        """The contract-shaped event that records this miss."""
        if self.type == "PromiseBroken":
            data: dict[str, Any] = {"promise": self.promise, "reason": BROKEN_REASON}
        else:
            data = {"clock": self.clock, "due": self.due.isoformat()}
        return {
            "type": self.type,
            "customer": self.customer,
            "case": self.case,
            "at": self.at.isoformat(),
            "actor": ACTOR,
            "data": data,
        }

    def as_dict(self) -> dict[str, Any]:
        """The miss as a row of ``trustengine sweep`` (times as ISO 8601 text)."""
        return {
            "at": self.at.isoformat(),
            "type": self.type,
            "customer": self.customer,
            "case": self.case,
            "promise": self.promise,
            "clock": self.clock,
            "due": self.due.isoformat(),
        }


@dataclass(frozen=True)
class SweepResult:
    """What a sweep found as of ``at``, and how many of its events were new."""

    at: datetime
    misses: list[Miss]
    recorded: int
    """Events this sweep stored; fewer than the misses when another sweep stored some
    of the same facts first; 0 on a dry run."""
    dry_run: bool

    def summary(self) -> str:
        """One line: what was recorded (or would be), by type."""
        when = self.at.isoformat()
        if not self.misses:
            return f"Nothing to record as of {when}."
        counts = Counter(miss.type for miss in self.misses)
        kinds = ", ".join(f"{counts[name]} {name}" for name in sorted(counts))
        total = len(self.misses)
        noun = "event" if total == 1 else "events"
        if self.dry_run:
            return f"Would record {total} {noun} ({kinds}) as of {when}; nothing was written."
        if self.recorded == total:
            return f"Recorded {total} {noun} ({kinds}) as of {when}."
        return (
            f"Recorded {self.recorded} of {total} {noun} ({kinds}) as of {when}; "
            f"{total - self.recorded} were already recorded by another sweep."
        )


def find_misses(source: ReadModel | sqlite_utils.Database, at: datetime) -> list[Miss]:
    """The misses a sweep as of ``at`` records, in the order it records them (by time).

    Read from the tables as they are: catch the read model up first.
    """
    db = source if isinstance(source, sqlite_utils.Database) else source.db
    # Nor for a customer shown as of before an event set aside: a promise open there
    # may be kept in an event held back, and a recorded miss could never be taken back.
    erased = erased_customers(db) | held_customers(db)
    misses: list[tuple[str, str, str, datetime, str | None, str | None]] = []
    for promise in open_promises(db):
        if promise.due < at and promise.customer not in erased:
            misses.append(
                (
                    "PromiseBroken",
                    promise.customer,
                    promise.case,
                    promise.due,
                    promise.promise,
                    None,
                )
            )
    for clock in running_clocks(db):
        customer, case, due = clock["customer"], clock["case"], clock["due"]
        if due < at and not clock["breached"] and customer not in erased:
            misses.append(("SlaBreached", customer, case, due, None, clock["clock"]))
    last = last_event_times(db, {miss[1] for miss in misses})
    found = [
        Miss(kind, customer, case, max(due, last[customer]), due, promise, clock)
        for kind, customer, case, due, promise, clock in misses
    ]
    return sorted(
        found,
        key=lambda m: (m.at, m.customer, m.case, m.type, m.promise or "", m.clock or ""),
    )


def run_sweep(
    source: ReadModel | TrustEngine,
    at: datetime | None = None,
    *,
    dry_run: bool = False,
    views: str | None = None,
) -> SweepResult:
    """Record every miss as of ``at`` (default: the engine's now), exactly once.

    ``source`` is a read model, or an engine whose read model (in ``views``, see
    :class:`ReadModel`) is opened for the sweep. ``dry_run`` finds the misses and writes
    nothing. Raises :class:`SweepTimeError` for an ``at`` later than now: a sweep records
    only what has already been missed.
    """
    if isinstance(source, TrustEngine):
        with ReadModel(source, views) as model:
            return run_sweep(model, at, dry_run=dry_run)
    engine = source.engine
    now = engine.clock()
    if at is None:
        at = now
    elif at.tzinfo is None:
        raise InvalidTimeError(f"{at.isoformat()} has no offset: add one, e.g. +00:00")
    elif at > now:
        raise SweepTimeError(
            f"a sweep as of {at.isoformat()} is later than now ({now.isoformat()}): "
            "it records only what has already been missed"
        )
    for attempt in range(1, ATTEMPTS + 1):
        source.catch_up()
        misses = find_misses(source, at)
        if dry_run or not misses:
            return SweepResult(at, misses, 0, dry_run)
        try:
            recorded = engine.record_many(miss.event() for miss in misses)
        except BatchRejectedError as rejected:
            raced = bool(rejected.causes) and all(isinstance(c, _RACES) for c in rejected.causes)
            if raced and attempt < ATTEMPTS:
                continue
            raise
        source.catch_up()
        return SweepResult(at, misses, recorded, False)
    raise AssertionError("unreachable: the last attempt returns or raises")
