"""``score_history``: one row per event, its effect on the customer's trust and why."""

from __future__ import annotations

from trustengine.domain.base import CustomerEvent
from trustengine.readmodel.projection import Change, Projection, handles
from trustengine.readmodel.table import Column, Table
from trustengine.scoring.policy import COMPONENTS

TABLE = Table(
    "score_history",
    Column("customer", str, key=True),
    Column("position", int, key=True),
    Column("at", str, not_null=True),
    Column("type", str, not_null=True),
    Column("case", str),
    Column("delta", float, not_null=True),
    Column("score", float, not_null=True),
    Column("phase", str, not_null=True),
    Column("reason", str, not_null=True),
    *(Column(component, float) for component in COMPONENTS),
    Column("seq", int, not_null=True),
    doc="One row per counted event per customer, in business-time order (seq): its "
    "effect on trust, and why.",
    append_only=True,
)


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
