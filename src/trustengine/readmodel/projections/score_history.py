"""``score_history``: one row per event, its effect on the customer's trust and why.

Two partial indexes (declared with the table, :mod:`trustengine.readmodel.tables`) serve
the report's recovery rate (:mod:`trustengine.report.sources`) without a pass over every
row: the steps in a recovered phase, in business-time order per customer, and the
complaints filed, per case.
"""

from __future__ import annotations

from trustengine.domain.base import CustomerEvent
from trustengine.readmodel.projection import Change, Projection, handles
from trustengine.readmodel.tables import SCORE_HISTORY
from trustengine.scoring.policy import COMPONENTS

TABLE = SCORE_HISTORY
"""This projection's table (declared in :mod:`trustengine.readmodel.tables`)."""


class ScoreHistory(Projection):
    table = TABLE

    @handles(CustomerEvent)
    def step(self, event: CustomerEvent, change: Change) -> None:
        step = change.step
        change.rows.append(
            TABLE.name,
            {
                "customer": event.customer,
                "position": step.position,
                "at": change.at,
                "type": step.type,
                "case": step.case,
                "delta": step.delta,
                "score": step.score,
                "phase": step.phase,
                "reason": step.reason,
                **{c: step.components[c] for c in COMPONENTS},
                "seq": change.seq,
            },
        )


__all__ = ["TABLE", "ScoreHistory"]
