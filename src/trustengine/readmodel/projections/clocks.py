"""``sla_clocks``: the service-level clocks of each case, one row per run of a clock.

The clock rules (which event starts and stops each clock, pauses, ``received``, the
calendar of a customer) are explained once, in docs/service-levels.md ("The clocks",
"Pauses"); in short:

- ``first_response``: ComplaintFiled (from its ``received`` time when given) until
  ComplaintAcknowledged;
- ``resolution``: ComplaintFiled (and each CaseReopened) until ResolutionConfirmed or
  CaseClosed;
- ``follow_up``: ResolutionConfirmed (else CaseClosed) until the first follow-up act about
  the case (:func:`is_follow_up_act`), or a CaseReopened;
- ``final_response``: ComplaintFiled until ResolutionProposed or CaseClosed;
- ``next_reply`` (where the policy sets a target): each inbound CustomerContacted on an
  open case, until an outbound one (or the case's closing); one run at a time;
- ``periodic_update`` (where the policy sets a target): from ComplaintFiled, CaseReopened
  and each outbound CustomerContacted on an open case, until the next outbound one or
  the case's closing.

A clock's ``period`` is 1 for the case as filed and n+1 after its n-th reopening; ``run``
numbers the runs of ``next_reply`` and ``periodic_update`` within a case (1 for the other
clocks). While the case awaits the customer the clocks the policy ``pauses`` stop
(``paused_at``); when the wait ends the due time moves (:meth:`SlaPolicy.resume`) and
``paused_seconds`` grows. ``due_explained`` says how ``due`` was reached. ``breached`` is
1 when an ``SlaBreached`` event names the clock or the clock stopped after its due time.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from trustengine.domain import events as ev
from trustengine.domain.base import CustomerEvent
from trustengine.readmodel.projection import Change, Projection, Rows, handles
from trustengine.readmodel.projections.cases import case_row, period
from trustengine.readmodel.table import Row
from trustengine.readmodel.tables import SLA_CLOCKS
from trustengine.scoring.sla import SlaPolicy

TABLE = SLA_CLOCKS
"""This projection's table (declared in :mod:`trustengine.readmodel.tables`)."""

MULTI_RUN = ("next_reply", "periodic_update")
"""Clocks that run many times in a case, one run at a time (``run`` numbers them)."""
_RUNS = "sla_runs"
"""``ViewState.extra`` key: each multi-run clock's latest run, by ``case/clock``."""
_CALENDAR = "calendar"
"""``ViewState.extra`` key: the calendar key of the customer's ``CustomerRegistered``."""

_FOLLOW_UP_ACTS = (ev.FollowUpCompleted, ev.SatisfactionRecorded, ev.ContactUnanswered)


def is_follow_up_act(event: CustomerEvent) -> bool:
    """Whether ``event`` is the business following a case up (any outcome): it stops the
    case's running ``follow_up`` clock."""
    if isinstance(event, ev.CustomerContacted):
        return event.direction == "outbound"
    return isinstance(event, _FOLLOW_UP_ACTS)


class Clocks:
    """Starts, stops, pauses and breaches the clocks of one customer's cases in a batch."""

    def __init__(self, change: Change) -> None:
        self.sla: SlaPolicy = change.sla
        self.rows: Rows = change.rows
        self.tier = change.tier
        self.extra: dict[str, Any] = change.state.extra
        key = self.extra.get(_CALENDAR)
        self.calendar: str | None = key if key in self.sla.calendars else None
        """The customer's calendar key, when the policy maps it (else the tier's or the
        policy's calendar: docs/service-levels.md, "Targets")."""

    def run_of(self, case: str | None, clock: str) -> int:
        """The latest run of ``clock`` in ``case`` (0: none yet; always 1 for the clocks
        that run once per period)."""
        if clock not in MULTI_RUN:
            return 1
        return int(self.extra.get(_RUNS, {}).get(f"{case}/{clock}", 0))

    def start(
        self,
        customer: str,
        case: str | None,
        clock: str,
        period: int,
        at: datetime,
        *,
        fresh: bool = False,
    ) -> None:
        """Start ``clock`` for this period unless it already started in it (a multi-run
        clock: unless its latest run still runs; it runs only where the policy sets a
        target). ``fresh``: the case was just filed, so it has no clock yet."""
        if clock in MULTI_RUN:
            if self.sla.target(clock, self.tier) is None:
                return
            run = self.run_of(case, clock)
            latest = self.rows.edit(TABLE.name, customer, case, clock, period, run) if run else None
            if latest is not None and latest["stopped_at"] is None:
                return
            run += 1
            self.extra.setdefault(_RUNS, {})[f"{case}/{clock}"] = run
        else:
            run = 1
            if not fresh and self.rows.edit(TABLE.name, customer, case, clock, period, 1):
                return
        computed = self.sla.compute(clock, at, self.tier, self.calendar)
        due = None if computed is None else computed.due
        text = None if computed is None else computed.text()
        self._put(customer, case, clock, period, run, at, due, breached=0, explained=text)

    def stop(self, customer: str, case: str | None, clock: str, period: int, at: datetime) -> None:
        """Stop the latest run of ``clock`` (up to ``period``) if it is still running."""
        row = self._latest(customer, case, clock, period)
        if row is None or row["stopped_at"] is not None:
            return
        self.unpause(row, at)
        row["stopped_at"] = at.isoformat()
        due = row["due"]
        if due is not None and at > datetime.fromisoformat(due):
            row["breached"] = 1

    def pause(self, customer: str, case: str | None, period: int, at: datetime) -> None:
        """Stop the running clocks the policy pauses, from ``at``."""
        for clock in self.sla.pauses:
            row = self._latest(customer, case, clock, period)
            if row is not None and row["stopped_at"] is None and row["paused_at"] is None:
                row["paused_at"] = at.isoformat()

    def resume(self, customer: str, case: str | None, period: int, at: datetime) -> None:
        """Run the paused clocks again, their due times moved by the pause."""
        for clock in self.sla.pauses:
            row = self._latest(customer, case, clock, period)
            if row is not None:
                self.unpause(row, at)

    def unpause(self, row: Row, at: datetime) -> None:
        """End ``row``'s pause at ``at``, if it is paused: count the time, move the due."""
        if row["paused_at"] is None:
            return
        paused = datetime.fromisoformat(row["paused_at"])
        row["paused_at"] = None
        row["paused_seconds"] += (at - paused).total_seconds()
        if row["due"] is None:
            return
        due = datetime.fromisoformat(row["due"])
        moved, by = self.sla.resume(row["clock"], due, paused, at, self.tier, self.calendar)
        if moved != due:
            row["due"] = moved.isoformat()
            row["due_explained"] = (
                f"{row['due_explained']}; paused {_span(by)} from {paused.isoformat()} to "
                f"{at.isoformat()}: due {moved.isoformat()}"
            )

    def breach(
        self, customer: str, case: str | None, clock: str, period: int, due: datetime
    ) -> None:
        """Note an ``SlaBreached`` event on the latest run of ``clock``.

        A breach of a clock that never started here (the recorder's clocks may differ from
        the policy's) gets a row of its own, with the due time the event names.
        """
        row = self._latest(customer, case, clock, period)
        if row is not None:
            row["breached"] = 1
            return
        run = 1
        if clock in MULTI_RUN:
            run = self.run_of(case, clock) + 1
            self.extra.setdefault(_RUNS, {})[f"{case}/{clock}"] = run
        self._put(customer, case, clock, period, run, None, due, breached=1, explained=None)

    def _put(
        self,
        customer: str,
        case: str | None,
        clock: str,
        period: int,
        run: int,
        started: datetime | None,
        due: datetime | None,
        *,
        breached: int,
        explained: str | None,
    ) -> None:
        """A new running row for this run of ``clock``."""
        self.rows.put(
            TABLE.name,
            {
                "customer": customer,
                "case": case,
                "clock": clock,
                "period": period,
                "run": run,
                "started_at": started.isoformat() if started is not None else None,
                "due": due.isoformat() if due is not None else None,
                "stopped_at": None,
                "breached": breached,
                "policy": self.sla.version,
                "paused_at": None,
                "paused_seconds": 0.0,
                "due_explained": explained,
            },
        )

    def _latest(self, customer: str, case: str | None, clock: str, period: int) -> Row | None:
        if clock in MULTI_RUN:
            run = self.run_of(case, clock)
            if not run:
                return None
            for at in range(period, 0, -1):
                row = self.rows.edit(TABLE.name, customer, case, clock, at, run)
                if row is not None:
                    return row
            return None
        for at in range(period, 0, -1):
            row = self.rows.edit(TABLE.name, customer, case, clock, at, 1)
            if row is not None:
                return row
        return None


def _span(delta: timedelta) -> str:
    """``20s``, ``2h30m`` or ``3d4h``: a pause's length, to the second."""
    seconds = round(delta.total_seconds())
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    units = zip((days, hours, minutes, seconds), "dhms", strict=True)
    return "".join(f"{amount}{unit}" for amount, unit in units if amount) or "0s"


class SlaClocks(Projection):
    """Runs after :class:`~.cases.Cases` (it reads the case's period from its row, as
    the case's handler left it for this event)."""

    table = TABLE

    @handles(ev.CustomerRegistered)
    def registered(self, e: ev.CustomerRegistered, change: Change) -> None:
        change.state.extra[_CALENDAR] = e.calendar

    @handles(ev.ComplaintFiled)
    def filed(self, e: ev.ComplaintFiled, change: Change) -> None:
        clocks = Clocks(change)
        start = e.received or e.timestamp  # the business's clocks start at receipt
        for clock in ("first_response", "resolution", "final_response", "periodic_update"):
            clocks.start(e.customer, e.case, clock, 1, start, fresh=True)

    @handles(ev.ComplaintAcknowledged)
    def acknowledged(self, e: ev.ComplaintAcknowledged, change: Change) -> None:
        at = period(case_row(change.rows, e))
        Clocks(change).stop(e.customer, e.case, "first_response", at, e.timestamp)

    @handles(ev.ResolutionProposed)
    def proposed(self, e: ev.ResolutionProposed, change: Change) -> None:
        at = period(case_row(change.rows, e))
        Clocks(change).stop(e.customer, e.case, "final_response", at, e.timestamp)

    @handles(ev.ResolutionConfirmed)
    def confirmed(self, e: ev.ResolutionConfirmed, change: Change) -> None:
        clocks = Clocks(change)
        at = period(case_row(change.rows, e))
        clocks.stop(e.customer, e.case, "resolution", at, e.timestamp)
        clocks.start(e.customer, e.case, "follow_up", at, e.timestamp)

    @handles(ev.CaseClosed)
    def closed(self, e: ev.CaseClosed, change: Change) -> None:
        clocks = Clocks(change)
        at = period(case_row(change.rows, e))
        clocks.resume(e.customer, e.case, at, e.timestamp)  # closing ends a wait
        for clock in ("resolution", "final_response", *MULTI_RUN):
            clocks.stop(e.customer, e.case, clock, at, e.timestamp)
        clocks.start(e.customer, e.case, "follow_up", at, e.timestamp)

    @handles(ev.CaseReopened)
    def reopened(self, e: ev.CaseReopened, change: Change) -> None:
        case = case_row(change.rows, e)
        if case is None:
            return
        clocks = Clocks(change)
        new = period(case)  # the case's handler counted the reopening already
        # The resolution's follow-up is moot now: its clock stops here (late if past due).
        clocks.stop(e.customer, e.case, "follow_up", new - 1, e.timestamp)
        clocks.start(e.customer, e.case, "resolution", new, e.timestamp)
        clocks.start(e.customer, e.case, "periodic_update", new, e.timestamp)

    @handles(ev.CaseAwaitingCustomer)
    def awaiting(self, e: ev.CaseAwaitingCustomer, change: Change) -> None:
        at = period(case_row(change.rows, e))
        Clocks(change).pause(e.customer, e.case, at, e.timestamp)

    @handles(ev.CaseResumed)
    def resumed(self, e: ev.CaseResumed, change: Change) -> None:
        at = period(case_row(change.rows, e))
        Clocks(change).resume(e.customer, e.case, at, e.timestamp)

    @handles(ev.CustomerContacted)
    def contacted(self, e: ev.CustomerContacted, change: Change) -> None:
        case = case_row(change.rows, e)
        if case is None:
            return
        clocks = Clocks(change)
        at = period(case)
        if e.direction == "inbound":
            clocks.resume(e.customer, e.case, at, e.timestamp)  # the customer replied
            if case["status"] == "open":
                clocks.start(e.customer, e.case, "next_reply", at, e.timestamp)
            return
        clocks.stop(e.customer, e.case, "next_reply", at, e.timestamp)
        if case["status"] == "open":
            clocks.stop(e.customer, e.case, "periodic_update", at, e.timestamp)
            clocks.start(e.customer, e.case, "periodic_update", at, e.timestamp)

    @handles(ev.SlaBreached)
    def breached(self, e: ev.SlaBreached, change: Change) -> None:
        at = period(case_row(change.rows, e))
        Clocks(change).breach(e.customer, e.case, e.clock, at, e.due)

    @handles(CustomerEvent)
    def any_event(self, e: CustomerEvent, change: Change) -> None:
        if e.case is None or not is_follow_up_act(e):
            return
        case = case_row(change.rows, e)
        if case is not None:
            # A no-op unless the resolution's follow_up clock is running.
            Clocks(change).stop(e.customer, e.case, "follow_up", period(case), e.timestamp)


__all__ = ["MULTI_RUN", "TABLE", "Clocks", "SlaClocks", "is_follow_up_act"]
