"""What a projection is: a table it owns, and a handler per event class that changes it.

A projection (one module of :mod:`trustengine.readmodel.projections`) is a subclass of
:class:`Projection` with a :class:`~trustengine.readmodel.table.Table` and methods marked
``@handles(EventClass, ...)``. For each event the processor (:mod:`.projector`) or the
public fold (:mod:`.fold`) scores it with the trust model, then calls every handler for
its class, projection by projection in registry order, with one :class:`Change`. A handler
registered for a base class (``CustomerEvent``) runs for every event, after the handler
for the event's own class. A handler writes rows of its own table only; it may read the
rows an earlier projection wrote for the same event (the registry's order is the order
they run in). Handlers build rows as dicts by column name and hand them to
:class:`Rows`; they never commit, track positions or touch SQL.

>>> from trustengine.domain import events as ev
>>> class Counter(Projection):
...     @handles(ev.PromiseMade, ev.PromiseKept)
...     def promise(self, event, change): ...
>>> sorted(cls.__name__ for cls in Counter.handled)
['PromiseKept', 'PromiseMade']
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar, Protocol, TypeVar

from trustengine.domain.base import CustomerEvent
from trustengine.readmodel.state import ViewState
from trustengine.readmodel.table import Row, Table
from trustengine.scoring.history import Amendment, LedgerStep
from trustengine.scoring.sla import SlaPolicy
from trustengine.scoring.trust import Contribution, TrustModel

F = TypeVar("F", bound=Callable[..., None])
Handler = Callable[[Any, "Change"], None]
"""A bound handler: ``handler(event, change)``."""


class Rows(Protocol):
    """Where handlers put rows (a batch's :class:`~trustengine.readmodel.buffer.RowBuffer`)."""

    def append(self, table: str, row: Row) -> None:
        """Add a row to an append-only table."""

    def put(self, table: str, row: Row) -> Row:
        """Create or replace a whole row of a keyed table; return it."""

    def edit(self, table: str, *key: Any) -> Row | None:
        """The row with primary key ``key``, to change in place; None if absent."""


@dataclass(slots=True)
class Change:
    """One event as the handlers see it, after the trust model scored it."""

    event: CustomerEvent
    step: Contribution
    """The event's effect on trust (its position, score, phase, reason...)."""
    state: ViewState
    """The customer's fold, already including this event."""
    phase_before: str
    """The customer's phase just before this event."""
    at: str
    """The event's business time, as ISO text."""
    recorded_at: str
    rows: Rows
    sla: SlaPolicy
    seq: int = 0
    """The event's place in the customer's ledger in business-time order (1 first)."""
    amended_by: Amendment | None = None
    """The correction whose replacement this event is (None: as stored)."""
    late_entry: bool = False
    """Whether it arrived after a later event of the customer (a late entry)."""

    @property
    def tier(self) -> str:
        """The customer's tier after this event."""
        return self.state.trust.tier


def handles(*classes: type[CustomerEvent]) -> Callable[[F], F]:
    """Mark a :class:`Projection` method as the handler of events of ``classes``."""

    def mark(method: F) -> F:
        method.__handles__ = classes  # type: ignore[attr-defined]  # read by Projection
        return method

    return mark


class Projection:
    """A table and the handlers that keep it (see :mod:`this module <.projection>`)."""

    table: ClassVar[Table | None] = None
    """The table this projection owns (None: it writes no table of its own)."""
    handled: ClassVar[dict[type[CustomerEvent], str]] = {}
    """Event class -> the name of its handler method (filled from ``@handles``)."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        found: dict[type[CustomerEvent], str] = {}
        for klass in reversed(cls.__mro__):
            own: dict[type[CustomerEvent], str] = {}
            for name, member in vars(klass).items():
                for event_class in getattr(member, "__handles__", ()):
                    if event_class in own:
                        raise TypeError(
                            f"{klass.__name__} handles {event_class.__name__} twice "
                            f"({own[event_class]} and {name}): one handler per class"
                        )
                    own[event_class] = name
            found.update(own)  # a subclass's handler replaces its base's
        cls.handled = found

    def handlers(self, event_class: type[CustomerEvent]) -> list[Handler]:
        """This projection's handlers for ``event_class``: its own class's first, then
        its base classes' (most specific first)."""
        return [
            getattr(self, self.handled[klass])
            for klass in event_class.__mro__
            if klass in self.handled
        ]

    def on_state(self, state: ViewState, changed_at: str, rows: Rows) -> None:
        """Called once per changed customer when a batch's rows are written (after all
        its events): for a table that shows where each customer stands now."""

    def on_ledger(self, step: LedgerStep, seq: int, rows: Rows) -> None:
        """Called for a stored event that counts for nothing (a retracted event, or a
        retraction or correction itself): for a table that shows the whole ledger."""


class Dispatch:
    """The handlers of a registry of projections, by event class (computed once each)."""

    def __init__(self, projections: Sequence[Projection]) -> None:
        self.projections = tuple(projections)
        self._by_class: dict[type[Any], tuple[Handler, ...]] = {}

    def __call__(self, event_class: type[Any]) -> tuple[Handler, ...]:
        found = self._by_class.get(event_class)
        if found is None:
            found = tuple(h for p in self.projections for h in p.handlers(event_class))
            self._by_class[event_class] = found
        return found

    def on_state(self, state: ViewState, changed_at: str, rows: Rows) -> None:
        for projection in self.projections:
            projection.on_state(state, changed_at, rows)

    def on_ledger(self, step: LedgerStep, seq: int, rows: Rows) -> None:
        for projection in self.projections:
            projection.on_ledger(step, seq, rows)


def fold_event(
    model: TrustModel,
    dispatch: Dispatch,
    state: ViewState,
    event: CustomerEvent,
    rows: Rows,
    *,
    explain: bool = False,
    seq: int = 0,
    amended_by: Amendment | None = None,
    late_entry: bool = False,
) -> Contribution:
    """Score ``event`` into ``state`` with ``model``, then run its handlers into ``rows``.

    ``explain`` keeps the contribution in ``state.trust.explanation`` (a fold from
    scratch wants it; the processor keeps it in ``score_history`` instead). ``seq`` is
    its place in business time; ``amended_by`` the correction it stands for.
    """
    trust = state.trust
    phase = trust.phase
    step = model.apply(trust, event)
    if explain:
        trust.explanation.append(step)
    change = Change(
        event,
        step,
        state,
        phase,
        step.at.isoformat(),
        event.recorded_at.isoformat(),
        rows,
        model.sla,
        seq,
        amended_by,
        late_entry,
    )
    for handler in dispatch(type(event)):
        handler(event, change)
    return step


def last_at(state: ViewState) -> datetime | None:
    """The latest business time of the customer's ledger folded so far (any event, counted
    or not): an event before it is a late entry."""
    value = state.extra.get("last_at")
    return value if isinstance(value, datetime) else None


def folded_version(state: ViewState) -> int:
    """The highest stored version folded into ``state`` (0: none)."""
    return int(state.extra.get("version", 0))


__all__ = [
    "Change",
    "Dispatch",
    "Handler",
    "Projection",
    "Rows",
    "fold_event",
    "folded_version",
    "handles",
    "last_at",
]
