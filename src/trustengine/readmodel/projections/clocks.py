"""``sla_clocks``: the service-level clocks of each case, one row per run of a clock.

Each clock starts at one event and stops at another (``projections/sla-*.toml``):

- ``first_response``: ComplaintFiled until ComplaintAcknowledged;
- ``resolution``: ComplaintFiled (and each CaseReopened) until ResolutionConfirmed or
  CaseClosed;
- ``follow_up``: ResolutionConfirmed (else CaseClosed) until the first follow-up act about
  the case (:func:`is_follow_up_act`): a FollowUpCompleted, whatever it found; a
  SatisfactionRecorded (the CSAT/NPS question was asked and answered); an outbound
  CustomerContacted; a ContactUnanswered (an attempt that got no reply). A CaseReopened
  stops it too: the follow-up of an undone resolution is moot. The clock measures whether
  the business followed up in time, so a follow-up that found the issue persisting still
  meets it; whether the follow-up restored trust is the trust model's question;
- ``final_response``: ComplaintFiled until ResolutionProposed or CaseClosed.

A clock's ``period`` is 1 for the case as filed and n+1 after its n-th reopening, so a
reopened case gets a new resolution and follow-up clock and keeps the old ones. ``due`` is
the SLA policy's target for the customer's tier when the clock started (None when the
policy sets none). ``breached`` is 1 when an ``SlaBreached`` event names the clock or the
clock stopped after its due time.
"""

from __future__ import annotations

from datetime import datetime

from trustengine.domain import events as ev
from trustengine.domain.base import CustomerEvent
from trustengine.readmodel.projection import Change, Projection, Rows, handles
from trustengine.readmodel.projections.cases import case_row, period
from trustengine.readmodel.table import Column, Row, Table
from trustengine.scoring.sla import SlaPolicy

TABLE = Table(
    "sla_clocks",
    Column("customer", str, key=True),
    Column("case", str, key=True),
    Column("clock", str, key=True),
    Column("period", int, key=True),
    Column("started_at", str),
    Column("due", str),
    Column("stopped_at", str),
    Column("breached", bool, not_null=True),
    Column("policy", str, not_null=True),
    indexes=(("clock", "breached"),),
    doc="Service-level clocks per case; period 1 is the case as filed, n+1 after its "
    "n-th reopening. due comes from the SLA policy for the customer's tier.",
)

_FOLLOW_UP_ACTS = (ev.FollowUpCompleted, ev.SatisfactionRecorded, ev.ContactUnanswered)


def is_follow_up_act(event: CustomerEvent) -> bool:
    """Whether ``event`` is the business following a case up (any outcome): it stops the
    case's running ``follow_up`` clock."""
    if isinstance(event, ev.CustomerContacted):
        return event.direction == "outbound"
    return isinstance(event, _FOLLOW_UP_ACTS)


class Clocks:
    """Starts, stops and breaches the clocks of one customer's cases in a batch."""

    def __init__(self, sla: SlaPolicy, rows: Rows) -> None:
        self.sla = sla
        self.rows = rows

    def start(
        self,
        customer: str,
        case: str | None,
        clock: str,
        period: int,
        at: datetime,
        tier: str,
        *,
        fresh: bool = False,
    ) -> None:
        """Start ``clock`` for this period unless it already started in it.

        ``fresh``: the case was just filed, so it has no clock yet (nothing to look up).
        """
        if not fresh and self.rows.edit(TABLE.name, customer, case, clock, period) is not None:
            return
        self._put(customer, case, clock, period, at, self.sla.due(clock, at, tier), breached=0)

    def stop(self, customer: str, case: str | None, clock: str, period: int, at: datetime) -> None:
        """Stop the latest run of ``clock`` (up to ``period``) if it is still running."""
        row = self._latest(customer, case, clock, period)
        if row is None or row["stopped_at"] is not None:
            return
        row["stopped_at"] = at.isoformat()
        due = row["due"]
        if due is not None and at > datetime.fromisoformat(due):
            row["breached"] = 1

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
        self._put(customer, case, clock, period, None, due, breached=1)

    def _put(
        self,
        customer: str,
        case: str | None,
        clock: str,
        period: int,
        started: datetime | None,
        due: datetime | None,
        *,
        breached: int,
    ) -> None:
        """A new running row for this run of ``clock``."""
        self.rows.put(
            TABLE.name,
            {
                "customer": customer,
                "case": case,
                "clock": clock,
                "period": period,
                "started_at": started.isoformat() if started is not None else None,
                "due": due.isoformat() if due is not None else None,
                "stopped_at": None,
                "breached": breached,
                "policy": self.sla.version,
            },
        )

    def _latest(self, customer: str, case: str | None, clock: str, period: int) -> Row | None:
        for run in range(period, 0, -1):
            row = self.rows.edit(TABLE.name, customer, case, clock, run)
            if row is not None:
                return row
        return None


class SlaClocks(Projection):
    """Runs after :class:`~.cases.Cases` (it reads the case's period from its row, as
    the case's handler left it for this event)."""

    table = TABLE

    @handles(ev.ComplaintFiled)
    def filed(self, e: ev.ComplaintFiled, change: Change) -> None:
        clocks = Clocks(change.sla, change.rows)
        for clock in ("first_response", "resolution", "final_response"):
            clocks.start(e.customer, e.case, clock, 1, e.timestamp, change.tier, fresh=True)

    @handles(ev.ComplaintAcknowledged)
    def acknowledged(self, e: ev.ComplaintAcknowledged, change: Change) -> None:
        at = period(case_row(change.rows, e))
        Clocks(change.sla, change.rows).stop(e.customer, e.case, "first_response", at, e.timestamp)

    @handles(ev.ResolutionProposed)
    def proposed(self, e: ev.ResolutionProposed, change: Change) -> None:
        at = period(case_row(change.rows, e))
        Clocks(change.sla, change.rows).stop(e.customer, e.case, "final_response", at, e.timestamp)

    @handles(ev.ResolutionConfirmed)
    def confirmed(self, e: ev.ResolutionConfirmed, change: Change) -> None:
        clocks = Clocks(change.sla, change.rows)
        at = period(case_row(change.rows, e))
        clocks.stop(e.customer, e.case, "resolution", at, e.timestamp)
        clocks.start(e.customer, e.case, "follow_up", at, e.timestamp, change.tier)

    @handles(ev.CaseClosed)
    def closed(self, e: ev.CaseClosed, change: Change) -> None:
        clocks = Clocks(change.sla, change.rows)
        at = period(case_row(change.rows, e))
        for clock in ("resolution", "final_response"):
            clocks.stop(e.customer, e.case, clock, at, e.timestamp)
        clocks.start(e.customer, e.case, "follow_up", at, e.timestamp, change.tier)

    @handles(ev.CaseReopened)
    def reopened(self, e: ev.CaseReopened, change: Change) -> None:
        case = case_row(change.rows, e)
        if case is None:
            return
        clocks = Clocks(change.sla, change.rows)
        new = period(case)  # the case's handler counted the reopening already
        # The resolution's follow-up is moot now: its clock stops here (late if past due).
        clocks.stop(e.customer, e.case, "follow_up", new - 1, e.timestamp)
        clocks.start(e.customer, e.case, "resolution", new, e.timestamp, change.tier)

    @handles(ev.SlaBreached)
    def breached(self, e: ev.SlaBreached, change: Change) -> None:
        at = period(case_row(change.rows, e))
        Clocks(change.sla, change.rows).breach(e.customer, e.case, e.clock, at, e.due)

    @handles(CustomerEvent)
    def any_event(self, e: CustomerEvent, change: Change) -> None:
        if e.case is None or not is_follow_up_act(e):
            return
        case = case_row(change.rows, e)
        if case is not None:
            # A no-op unless the resolution's follow_up clock is running.
            Clocks(change.sla, change.rows).stop(
                e.customer, e.case, "follow_up", period(case), e.timestamp
            )


__all__ = ["TABLE", "Clocks", "SlaClocks", "is_follow_up_act"]
