"""One customer's events folded from scratch into the rows the read model would hold.

The public fold: the same projections (:mod:`trustengine.readmodel.projections`) and
trust model as the processor, over events you give (any prefix of a history, in any
order you choose, under any policies), in memory, with nothing read from or written to a
views database. The audit answers from it for any point in time and SLA preset; a
re-fold of a customer (events in another order, under other clocks) starts here too.

>>> from trustengine import TrustEngine
>>> from trustengine.scoring.trust import TrustModel
>>> engine = TrustEngine(":memory:")
>>> engine.file_complaint("cust-1", "C-1", category="delivery", severity=2,
...                       cause="broken_promise", summary="Parcel late")
1
>>> folded = fold_customer(engine.history("cust-1"), TrustModel.named())
>>> folded.trust.phase, [row["status"] for row in folded.rows["cases"]]
('damaged', ['open'])
>>> sorted(row["clock"] for row in folded.rows["sla_clocks"])
['final_response', 'first_response', 'resolution']
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import sqlite_utils

from trustengine.domain import events as ev
from trustengine.domain.base import CustomerEvent
from trustengine.readmodel.buffer import RowBuffer
from trustengine.readmodel.projection import (
    Dispatch,
    Rows,
    fold_event,
    folded_version,
    last_at,
)
from trustengine.readmodel.projections import DISPATCH, PROJECTED_TABLES
from trustengine.readmodel.refuted import met_at
from trustengine.readmodel.state import ViewState
from trustengine.readmodel.table import Row
from trustengine.scoring.history import LedgerStep, business_order
from trustengine.scoring.trust import TrustModel, TrustState


@dataclass(frozen=True)
class CustomerFold:
    """A customer's fold: their state, and their rows by table name (every projected
    table, in registry order; personal text in the clear)."""

    state: ViewState
    rows: dict[str, list[Row]]

    @property
    def trust(self) -> TrustState:
        """The trust state, with its explanation (one contribution per event)."""
        return self.state.trust

    def as_stored(self) -> CustomerFold:
        """The same fold with its rows as the tables would hold them: written to a
        private in-memory SQLite database and read back (SQLite's types), raising what
        writing them raises (a value out of SQLite's range: :class:`OverflowError`)."""
        db = sqlite_utils.Database(memory=True)
        try:
            for table in PROJECTED_TABLES:
                db.table(table.name).create(
                    table.columns, pk=table.pk, not_null=set(table.not_null)
                )
            buffer = RowBuffer(db, tables=PROJECTED_TABLES)
            for name, rows in self.rows.items():
                for row in rows:
                    if buffer.tables[name].append_only:
                        buffer.append(name, row)
                    else:
                        buffer.put(name, row)
            buffer.flush()
            read = {t.name: [dict(row) for row in db.table(t.name).rows] for t in PROJECTED_TABLES}
        finally:
            db.close()
        return CustomerFold(self.state, read)


def fold_step(
    model: TrustModel,
    dispatch: Dispatch,
    state: ViewState,
    step: LedgerStep,
    rows: Rows,
    *,
    explain: bool = False,
) -> None:
    """Fold one ledger step (the next in business time) into ``state`` and ``rows``: an
    event that counts is scored and handled; one that does not is only entered in the
    tables that show the whole ledger (:meth:`Projection.on_ledger`)."""
    extra = state.extra
    seq = int(extra.get("seq", 0)) + 1
    extra["seq"] = seq
    event = step.event
    before = last_at(state)
    if before is None or event.timestamp > before:
        extra["last_at"] = event.timestamp
    extra["version"] = max(folded_version(state), event.originator_version)
    if step.counted:
        fold_event(
            model,
            dispatch,
            state,
            event,
            rows,
            explain=explain,
            seq=seq,
            amended_by=step.amended_by,
            late_entry=step.late_entry,
        )
    else:
        dispatch.on_ledger(step, seq, rows)


def fold_into(
    events: Sequence[CustomerEvent],
    model: TrustModel,
    rows: Rows,
    customer: str,
    *,
    dispatch: Dispatch = DISPATCH,
    explain: bool = False,
) -> ViewState:
    """Fold ``events`` (one customer's stored events, any prefix of their history, in
    any order) into ``rows`` in business-time order with their amendments applied
    (:func:`~trustengine.scoring.history.business_order`), from a new customer's state;
    return the state. The processor re-folds a customer this way after a late entry or
    an amendment. A recorded ``SlaBreached`` that an event entered after it shows was met
    counts for nothing (:mod:`.refuted`)."""
    state = ViewState(model.new_state(customer))
    steps = business_order(events)
    for step in steps:
        if step.counted and isinstance(step.event, ev.SlaBreached):
            met = met_at(rows, step.event, steps)
            if met is not None:  # a recorded miss a late entry shows was met
                step = replace(step, counted=False, met_at=met)
        fold_step(model, dispatch, state, step, rows, explain=explain)
    return state


def fold_customer(
    events: Sequence[CustomerEvent], model: TrustModel, customer: str | None = None
) -> CustomerFold:
    """Fold ``events`` (one customer's stored events: their history or any prefix of it,
    in any order) under ``model``'s trust and SLA policies, from a new customer's state,
    in business-time order with amendments applied (see :func:`fold_into`).

    ``customer`` names the customer when ``events`` is empty. Raises what folding an
    event raises; positions are not checked (the events are taken as given).
    """
    if not events and not customer:
        raise ValueError("no events to fold")
    buffer = RowBuffer(None, tables=PROJECTED_TABLES)
    key = events[0].customer if events else str(customer)
    state = fold_into(events, model, buffer, key, explain=True)
    if events:
        last = max(events, key=lambda event: event.originator_version)
        DISPATCH.on_state(state, last.recorded_at.isoformat(), buffer)
    return CustomerFold(state, buffer.rows())


__all__ = ["CustomerFold", "fold_customer", "fold_into", "fold_step"]
