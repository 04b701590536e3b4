"""One customer's events folded into read-model rows, in memory, as the projector folds them.

The audit must say exactly what the read-model tables say (``cases``, ``promises``,
``compensation``, ``sla_clocks``) but for any point in time and under any SLA preset, so
it asks the read model's public fold (:func:`trustengine.readmodel.fold_customer`: the
projector's own projections and trust model) over the replayed events, with the rows as
the tables would hold them. Nothing is written to the store or its read model.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from contextlib import suppress
from dataclasses import dataclass, field, replace
from typing import Any

from trustengine.domain.base import CustomerEvent
from trustengine.readmodel import Row, fold_customer
from trustengine.scoring.trust import TrustModel, TrustState

Rows = list[Row]


@dataclass(frozen=True)
class Folded:
    """The trust state and the read-model rows of one customer after a run of events."""

    trust: TrustState
    cases: Rows
    commitments: Rows
    clocks: Rows
    compensation: Rows
    timeline: Rows = field(default_factory=list)
    """Every event given, in business-time order, as the ``timeline`` table holds it."""
    stopped_at: int | None = None
    """The position of the first event that could not be folded (None: all were); the
    state and rows are those of the events before it, as the read model shows them."""
    stop_reason: str | None = None


def fold(model: TrustModel, events: Sequence[CustomerEvent], customer: str = "") -> Folded:
    """Fold ``events`` (one customer's stored events, in business-time order once folded:
    :func:`~trustengine.readmodel.fold_customer`) under ``model``'s policies.

    An event the model cannot fold, or whose rows cannot be written (values out of
    SQLite's range, from a store written before they were bounded), stops the fold
    there, as it stops the projector: the result is the fold of the events before it,
    with :attr:`Folded.stopped_at` saying where. ``customer`` names the customer when
    ``events`` is empty.
    """
    if not events and not customer:
        raise ValueError("no events to fold")
    with suppress(Exception):  # any event that breaks the fold is found and named below
        return _fold(model, events, customer)
    for index in range(len(events)):
        try:
            _fold(model, events[: index + 1], customer)
        except Exception as error:
            done = _fold(model, events[:index], customer)
            reason = " ".join(f"{type(error).__name__}: {error}".split())
            return replace(done, stopped_at=events[index].originator_version, stop_reason=reason)
    raise AssertionError("the fold failed as a whole but not event by event")  # pragma: no cover


def _fold(model: TrustModel, events: Sequence[CustomerEvent], customer: str) -> Folded:
    folded = fold_customer(events, model, customer).as_stored()
    return Folded(
        trust=folded.trust,
        cases=folded.rows["cases"],
        commitments=folded.rows["promises"],
        clocks=folded.rows["sla_clocks"],
        compensation=folded.rows["compensation"],
        timeline=folded.rows["timeline"],
    )


def only_case(rows: Iterable[Row], case: str | None) -> Rows:
    """The rows of ``case`` (all of them when ``case`` is None)."""
    return [row for row in rows if case is None or row.get("case") == case]


def as_bool(value: Any) -> bool | None:
    """A 0/1 column as a boolean (None stays None)."""
    return None if value is None else bool(value)


__all__ = ["Folded", "Rows", "as_bool", "fold", "only_case"]
