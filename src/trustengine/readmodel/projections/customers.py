"""``customers``: one row per customer, where their trust stands now.

The row is written once per changed customer per batch, from the customer's fold
(:meth:`on_state`), not per event. Two facts of the row are not the trust model's and
are kept in the fold's :class:`~trustengine.readmodel.state.ViewState` by the handlers
here: the last conversation (``last_contact_at``) and since when the phase holds
(``phase_since``, the business time of the event that put the customer in it).
``changed_at`` is the recorded time of the last event folded in.
"""

from __future__ import annotations

from trustengine.domain import events as ev
from trustengine.domain.base import CustomerEvent
from trustengine.readmodel.projection import Change, Projection, Rows, handles
from trustengine.readmodel.state import ViewState
from trustengine.readmodel.table import Row
from trustengine.readmodel.tables import CUSTOMERS
from trustengine.scoring.policy import COMPONENTS

TABLE = CUSTOMERS
"""This projection's table (declared in :mod:`trustengine.readmodel.tables`)."""


def customer_row(state: ViewState, changed_at: str) -> Row:
    """The ``customers`` row of a customer whose fold is ``state``."""
    trust = state.trust
    return {
        "customer": trust.customer,
        "score": trust.score,
        "phase": trust.phase,
        **{c: round(trust.components[c], 1) for c in COMPONENTS},
        "open_cases": trust.open_cases,
        "broken_promises": trust.broken_promises,
        "cases": len(trust.cases),
        "events": trust.events,
        "last_event_at": trust.last_at.isoformat() if trust.last_at else None,
        "last_contact_at": state.last_contact_at,
        "changed_at": changed_at,
        "phase_since": state.phase_since,
        "ceiling": trust.ceiling,
        "tier": trust.tier,
        "policy": trust.policy,
        "sla_policy": trust.sla_policy,
    }


class Customers(Projection):
    table = TABLE

    @handles(CustomerEvent)
    def any_event(self, event: CustomerEvent, change: Change) -> None:
        state = change.state
        if state.phase_since is None or change.step.phase != change.phase_before:
            state.phase_since = change.at

    @handles(ev.CustomerContacted)
    def contacted(self, event: ev.CustomerContacted, change: Change) -> None:
        change.state.last_contact_at = change.at

    def on_state(self, state: ViewState, changed_at: str, rows: Rows) -> None:
        rows.put(TABLE.name, customer_row(state, changed_at))


__all__ = ["TABLE", "Customers", "customer_row"]
