"""``compensation``: offers of redress, one row each, and the customer's answer.

``amount`` is a float for SQL arithmetic; ``amount_exact`` is the same amount as exact
decimal text (add money up from it, as the report does). ``reason`` (why it was
declined) is personal text.
"""

from __future__ import annotations

from trustengine.domain import events as ev
from trustengine.readmodel.projection import Change, Projection, handles
from trustengine.readmodel.tables import COMPENSATION

TABLE = COMPENSATION
"""This projection's table (declared in :mod:`trustengine.readmodel.tables`)."""


class Compensation(Projection):
    table = TABLE

    @handles(ev.CompensationOffered)
    def offered(self, e: ev.CompensationOffered, change: Change) -> None:
        change.rows.put(
            TABLE.name,
            {
                "customer": e.customer,
                "offer": e.offer,
                "case": e.case,
                "kind": e.kind,
                "amount": float(e.amount) if e.amount is not None else None,
                "amount_exact": str(e.amount) if e.amount is not None else None,
                "currency": e.currency,
                "addresses_failure": int(e.addresses_failure),
                "status": "offered",
                "at": change.at,
                "settled_at": None,
                "reason": None,
            },
        )

    @handles(ev.CompensationAccepted)
    def accepted(self, e: ev.CompensationAccepted, change: Change) -> None:
        self._answer(e, change, "accepted", None)

    @handles(ev.CompensationDeclined)
    def declined(self, e: ev.CompensationDeclined, change: Change) -> None:
        self._answer(e, change, "declined", e.reason)

    @staticmethod
    def _answer(
        e: ev.CompensationAccepted | ev.CompensationDeclined,
        change: Change,
        status: str,
        reason: str | None,
    ) -> None:
        row = change.rows.edit(TABLE.name, e.customer, e.offer)
        if row is not None:
            row["status"] = status
            row["settled_at"] = change.at
            row["reason"] = reason


__all__ = ["TABLE", "Compensation"]
