"""Service-level clocks of a case, as rows of ``sla_clocks``.

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

from trustengine.domain.base import CustomerEvent
from trustengine.readmodel.buffer import Row, RowBuffer
from trustengine.scoring.sla import SlaPolicy

TABLE = "sla_clocks"

_FOLLOW_UP_ACTS = frozenset({"FollowUpCompleted", "SatisfactionRecorded", "ContactUnanswered"})


def is_follow_up_act(event: CustomerEvent) -> bool:
    """Whether ``event`` is the business following a case up (any outcome): it stops the
    case's running ``follow_up`` clock."""
    if event.type_name == "CustomerContacted":
        return bool(getattr(event, "direction", None) == "outbound")
    return event.type_name in _FOLLOW_UP_ACTS


class Clocks:
    """Starts, stops and breaches the clocks of one customer's cases in a batch."""

    def __init__(self, sla: SlaPolicy, buffer: RowBuffer) -> None:
        self.sla = sla
        self.buffer = buffer

    def start(
        self,
        customer: str,
        case: str,
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
        if not fresh and self.buffer.edit(TABLE, customer, case, clock, period) is not None:
            return
        self._put(customer, case, clock, period, at, self.sla.due(clock, at, tier), breached=0)

    def stop(self, customer: str, case: str, clock: str, period: int, at: datetime) -> None:
        """Stop the latest run of ``clock`` (up to ``period``) if it is still running."""
        row = self._latest(customer, case, clock, period)
        if row is None or row["stopped_at"] is not None:
            return
        row["stopped_at"] = at.isoformat()
        due = row["due"]
        if due is not None and at > datetime.fromisoformat(due):
            row["breached"] = 1

    def breach(self, customer: str, case: str, clock: str, period: int, due: datetime) -> None:
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
        case: str,
        clock: str,
        period: int,
        started: datetime | None,
        due: datetime | None,
        *,
        breached: int,
    ) -> None:
        """A new running row for this run of ``clock``."""
        self.buffer.put(
            TABLE,
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

    def _latest(self, customer: str, case: str, clock: str, period: int) -> Row | None:
        for run in range(period, 0, -1):
            row = self.buffer.edit(TABLE, customer, case, clock, run)
            if row is not None:
                return row
        return None
