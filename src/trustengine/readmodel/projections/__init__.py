"""The projections: one module per table family, each declaring its table and handlers.

:data:`PROJECTIONS` is the registry: the order here is the order the tables are created
in and the order each event's handlers run in (``sla_clocks`` reads the case's period
from ``cases``, so it comes after it). Adding a table is a new module here plus one line
below (see ``docs/architecture.md``, "The read side").
"""

from __future__ import annotations

from trustengine.readmodel.projection import Dispatch, Projection
from trustengine.readmodel.projections.cases import Cases
from trustengine.readmodel.projections.clocks import SlaClocks
from trustengine.readmodel.projections.compensation import Compensation
from trustengine.readmodel.projections.customers import Customers
from trustengine.readmodel.projections.promises import Promises
from trustengine.readmodel.projections.satisfaction import Satisfaction
from trustengine.readmodel.projections.score_history import ScoreHistory
from trustengine.readmodel.projections.timeline import Timeline
from trustengine.readmodel.table import Table

PROJECTIONS: tuple[Projection, ...] = (
    Customers(),
    Cases(),
    Timeline(),
    Promises(),
    Compensation(),
    SlaClocks(),
    ScoreHistory(),
    Satisfaction(),
)
"""Every projection, in the order its handlers run (the registry)."""

DISPATCH = Dispatch(PROJECTIONS)
"""The handlers of :data:`PROJECTIONS` by event class."""

PROJECTED_TABLES: tuple[Table, ...] = tuple(p.table for p in PROJECTIONS if p.table is not None)
"""The tables the projections own, in registry order."""

__all__ = ["DISPATCH", "PROJECTED_TABLES", "PROJECTIONS"]
