"""``satisfaction``: each CSAT/NPS score as a row of its own.

Not its comment (personal text), but the phase it was given in (``phase_before``, the
customer's phase just before it), so reports need not parse the timeline summary: a
score given while restored or advocate is a recovered customer's.
"""

from __future__ import annotations

from trustengine.domain import events as ev
from trustengine.readmodel.projection import Change, Projection, handles
from trustengine.readmodel.tables import SATISFACTION

TABLE = SATISFACTION
"""This projection's table (declared in :mod:`trustengine.readmodel.tables`)."""


class Satisfaction(Projection):
    table = TABLE

    @handles(ev.SatisfactionRecorded)
    def recorded(self, event: ev.SatisfactionRecorded, change: Change) -> None:
        change.rows.append(
            TABLE.name,
            {
                "customer": event.customer,
                "position": change.step.position,
                "case": change.step.case,
                "metric": event.metric,
                "score": event.score,
                "at": change.at,
                "phase_before": change.phase_before,
            },
        )


__all__ = ["TABLE", "Satisfaction"]
