"""``score_history``: one row per event, its effect on the customer's trust and why.

Two partial indexes serve the report's recovery rate (:mod:`trustengine.report.sources`)
without a pass over every row: the steps in a recovered phase, in business-time order
per customer, and the complaints filed, per case.
"""

from __future__ import annotations

from trustengine.domain.base import CustomerEvent
from trustengine.readmodel.projection import Change, Projection, handles
from trustengine.readmodel.table import Column, PartialIndex, Table
from trustengine.scoring.policy import COMPONENTS
from trustengine.scoring.trust_state import RECOVERED_PHASES

_RECOVERED = ", ".join(f"'{phase}'" for phase in RECOVERED_PHASES)

RECOVERED_STEPS = PartialIndex(
    "idx_score_history_recovered",
    ("customer", "seq", "at", "phase"),
    where=f"phase IN ({_RECOVERED})",
)
"""The steps into or within a recovered phase, per customer in business-time order."""
COMPLAINTS = PartialIndex(
    "idx_score_history_complaints",
    ("customer", "case", "seq", "type"),
    where="type = 'ComplaintFiled'",
)
"""The complaints filed, per customer and case, in business-time order."""

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
    partial=(RECOVERED_STEPS, COMPLAINTS),
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


__all__ = ["COMPLAINTS", "RECOVERED_STEPS", "TABLE", "ScoreHistory"]
