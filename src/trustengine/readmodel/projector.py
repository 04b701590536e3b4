"""The projector: the generic processor that keeps the read-model tables, exactly once.

It builds no rows: each event is scored by the trust model and handed to the handlers of
its class, projection by projection (:mod:`trustengine.readmodel.projections`, see
:func:`~trustengine.readmodel.projection.fold_event`); what it owns is the batching, the
tracking, the transaction, the per-customer state cache and the set-aside of bad events.

It polls the event store (``recorder.select_notifications``; SQLite has no subscriptions)
from the tracked position, in batches. Each batch is one SQLite transaction on the views
database, opened with ``BEGIN IMMEDIATE`` so that the tracked position is read under the
write lock: the batch's rows (inserted by sqlite-utils, whose ``atomic()`` nests inside
this user-managed transaction as savepoints), the changed per-customer states
(``view_state``) and the new position (``view_tracking``) are committed together or not
at all. A crash (or an exception) mid-batch leaves the tables at the previous batch; the
next run resumes from there, and no event's rows are ever written twice.

A stored event that cannot be projected (it does not decode, cannot be folded or its rows
cannot be written) is set aside in ``problems`` (:mod:`.problems`, :mod:`.setaside`) while
the tracked position passes it. Events are folded in business-time order; a late entry or
an amendment makes the processor fold that customer again, once per batch. Customers'
states live in an LRU of ``cache_size`` entries, dropped whenever a batch fails or another
projector moved the position; a rebuild walks the store customer by customer
(:mod:`.by_customer`). docs/architecture.md ("The processor") says what it owns, when it
re-folds, how memory stays flat, and why it does not use eventsourcing's tracking
recorder.
"""

from __future__ import annotations

import gc
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Any, cast

import sqlite_utils
from eventsourcing.persistence import ApplicationRecorder, Mapper, Notification

from trustengine.domain import events as ev
from trustengine.domain.base import CustomerEvent
from trustengine.exceptions import ReadModelError
from trustengine.persistence.personal import PersonalData, customer_ids
from trustengine.readmodel.buffer import RowBuffer
from trustengine.readmodel.by_customer import (
    InStoredOrder,
    Walk,
    abandon_walk,
    next_of_walk,
    walk_of,
    walked,
)
from trustengine.readmodel.erasure import erase, scrub
from trustengine.readmodel.fold import fold_into, fold_step
from trustengine.readmodel.location import immediate
from trustengine.readmodel.problems import is_event_fault, one_line
from trustengine.readmodel.projection import Dispatch, folded_version, last_at
from trustengine.readmodel.projections import DISPATCH, PROJECTED_TABLES
from trustengine.readmodel.refuted import settles_again
from trustengine.readmodel.schema import VIEW_STATE
from trustengine.readmodel.setaside import Erasure, SetAside
from trustengine.readmodel.state import ViewState, dumps_state, loads_state
from trustengine.readmodel.tracking import (
    PROJECTION,
    advance,
    check_fingerprint,
    check_in_step,
    tracked,
)
from trustengine.scoring.history import LedgerStep, is_amendment
from trustengine.scoring.trust import TrustModel

BATCH_SIZE = 1000
"""Events per transaction when catching up: short holds of the write lock on a store
file that writers share."""
REBUILD_BATCH_SIZE = 5000
"""Events per transaction when rebuilding: fewer commits of the randomly dirtied index
pages (about a fifth faster at a million events than 1000)."""
CACHE_SIZE = 20_000

Progress = Callable[[int], None]


class Projector:
    """Keeps the tables of one views database in step with one event store."""

    def __init__(
        self,
        db: sqlite_utils.Database,
        recorder: ApplicationRecorder,
        mapper: Mapper[Any],
        model: TrustModel,
        *,
        batch_size: int = BATCH_SIZE,
        cache_size: int = CACHE_SIZE,
        fingerprint: str | None = None,
        dispatch: Dispatch = DISPATCH,
    ) -> None:
        self.db = db
        self.dispatch = dispatch
        """The projections' handlers (default: the registry's)."""
        self.fingerprint = fingerprint
        """The ``view_meta`` fingerprint of ``model``: a batch refuses tables built under
        another (another process rebuilt them under other policies meanwhile)."""
        self.recorder = recorder
        self.mapper = mapper
        self.model = model
        self.batch_size = batch_size
        self.cache_size = cache_size
        self._cache: OrderedDict[str, ViewState] = OrderedDict()
        self._dirty: dict[str, tuple[ViewState, str]] = {}
        self._committed: int | None = None
        self.aside = SetAside(db, recorder, mapper)
        self.stop: int | None = None
        """The last notification id to process (None: every one stored)."""

    # --- tracking -------------------------------------------------------------------

    def position(self) -> int:
        """The last notification id whose rows are committed (0: none); while a rebuild
        walks the store in customer order (:mod:`.by_customer`), how many events it has
        folded so far."""
        position = tracked(self.db)
        walk = walk_of(self.db) if not position else None
        return walk.done if walk is not None else position

    def check_in_step(self) -> None:
        """Raise :class:`ReadModelError` when the tracked event is not the store's."""
        check_in_step(self.db, self.recorder)

    # --- catching up ----------------------------------------------------------------

    def catch_up(self, progress: Progress | None = None) -> int:
        """Process every event stored after the tracked position; return how many."""
        if (self.recorder.max_notification_id() or 0) <= self.position():
            return 0  # nothing new: answer without taking the write lock
        total = 0
        while True:
            done = self.run_batch()
            if not done:
                return total
            total += done
            if progress is not None:
                progress(done)

    def run_batch(self) -> int:
        """Process up to ``batch_size`` new events in one transaction; return how many.

        An event that cannot be projected is set aside with its customer's later events
        (see :mod:`.problems`) and the others are projected; the tracked position passes
        them all the same. While a rebuild walks the store in customer order, the batch
        is the walk's next (:mod:`.by_customer`).
        """
        try:
            return self._run_batch()
        except InStoredOrder:
            with immediate(self.db):
                if walk_of(self.db) is not None:
                    abandon_walk(self.db)
            return self._run_batch()

    def _run_batch(self) -> int:
        conn = self.db.conn
        conn.execute("BEGIN IMMEDIATE")
        erasures: list[Erasure] = []
        paused = gc.isenabled()
        if paused:
            # A batch makes a few long-lived objects per event (events, rows) and next to
            # no reference cycles: the collector's passes over a heap that grows with the
            # state cache cost a rising share of a rebuild. Reference counting frees the
            # batch's objects when it ends; the collector runs again between batches.
            gc.disable()
        try:
            position = tracked(self.db)
            if position != self._committed:
                self._cache.clear()
            check_fingerprint(self.db, self.fingerprint)
            walk = walk_of(self.db) if not position else None
            if walk is not None:
                notifications, erasures, position = self._walk_batch(walk)
            else:
                notifications = self.recorder.select_notifications(
                    position, self.batch_size, stop=self.stop, inclusive_of_start=False
                )
            if walk is None and notifications:
                erasures = self._fold_batch(position, notifications)
                advance(self.db, position, notifications[-1])
                position = notifications[-1].id
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            self.forget()
            raise
        finally:
            if paused:
                gc.enable()
        self._committed = position
        if erasures:
            scrub(self.db)
        return len(notifications)

    def _walk_batch(self, walk: Walk) -> tuple[Sequence[Notification], list[Erasure], int]:
        """The walk's next batch, folded (see :mod:`.by_customer`): its events, erasures
        and the tracked position after it (0 until the walk's last batch, then the cut)."""
        notifications, last = next_of_walk(self.recorder, walk, self.batch_size)
        self.aside.strict = True
        try:
            erasures = self._fold_batch(0, notifications) if notifications else []
        finally:
            self.aside.strict = False
        # A customer walked is not met again (one split by a batch is read back once):
        # their state, key and ciphers go.
        self._cache.clear()
        personal: PersonalData | None = getattr(self.mapper, "personal", None)
        if personal is not None:
            personal.discard(customer_ids(notifications))
        return notifications, erasures, walked(self.db, self.recorder, walk, notifications, last)

    def forget(self) -> None:
        """Drop every cached state (after the tables were dropped or rebuilt, or a fold
        failed)."""
        self._cache.clear()
        self._dirty.clear()
        self._committed = None

    # --- one batch ------------------------------------------------------------------

    def _fold_batch(self, position: int, notifications: Sequence[Notification]) -> list[Erasure]:
        """Fold a batch together, its rows written at its end; when one of its events
        makes that fail, fold it again one event at a time (each in a savepoint of its
        own), setting aside each event that fails. Return the erasures it applied."""
        self.db.execute("SAVEPOINT batch")
        self.aside.load(position)
        try:
            erasures = self._fold_together(notifications)
        except Exception as error:
            if not is_event_fault(error):
                raise
            self.db.execute("ROLLBACK TO batch")
            self.db.execute("RELEASE batch")
            self.forget()  # the failed fold changed states in memory
            self.aside.load(position)
            return self._fold_one_by_one(notifications)
        self.db.execute("RELEASE batch")
        return erasures

    def _fold_together(self, notifications: Sequence[Notification]) -> list[Erasure]:
        personal: PersonalData | None = getattr(self.mapper, "personal", None)
        if personal is not None:
            # The batch's customers' keys in one query, not one per customer.
            personal.preload_batch(notifications)
        buffer = RowBuffer(self.db, personal)
        erasures: list[Erasure] = []
        refolds: dict[str, CustomerEvent] = {}
        for notification in notifications:
            event = self.aside.decode(notification, notifications, erasures)
            if event is not None:
                self._project(notification, event, buffer, refolds)
                if isinstance(event, ev.CustomerErased):
                    erasures.append(_erasure(event))
        for key, last in refolds.items():
            # Once per customer and batch, however many late entries they had in it.
            self._dirty[key] = (self._refold(last, buffer), last.recorded_at.isoformat())
        self._flush_states(buffer)
        buffer.flush()
        for erasure in erasures:
            self._erase(erasure)
        return erasures

    def _fold_one_by_one(self, notifications: Sequence[Notification]) -> list[Erasure]:
        erasures: list[Erasure] = []
        for notification in notifications:
            mine: list[Erasure] = []
            event = self.aside.decode(notification, notifications, mine)
            if event is None:
                for erasure in mine:
                    self._erase(erasure)
                erasures += mine
                continue
            key = event.customer
            snapshot = dumps_state(self._state(key))
            buffer = RowBuffer(self.db, getattr(self.mapper, "personal", None))
            self.db.execute("SAVEPOINT event")
            stage = "cannot be folded"
            try:
                self._project(notification, event, buffer)
                stage = "its rows cannot be written"
                self._flush_states(buffer)
                buffer.flush()
                if isinstance(event, ev.CustomerErased):
                    self._erase(_erasure(event))
                    erasures.append(_erasure(event))
            except Exception as error:
                if not is_event_fault(error):
                    raise
                self.db.execute("ROLLBACK TO event")
                self._dirty.clear()
                self._cache[key] = loads_state(snapshot)
                self.aside.fail(notification, key, f"{stage}: {one_line(error)}")
            self.db.execute("RELEASE event")
        return erasures

    def _erase(self, erasure: Erasure) -> None:
        erase(self.db, self.recorder, self.mapper, *erasure)

    # --- one event ------------------------------------------------------------------

    def _project(
        self,
        notification: Notification,
        event: CustomerEvent,
        rows: RowBuffer,
        refolds: dict[str, CustomerEvent] | None = None,
    ) -> None:
        """Fold ``event`` into its customer's state and ``rows``. With ``refolds``, a
        customer whose history changed before its end is noted there (with the last of
        their events in the batch) and folded again once, when the batch is complete;
        without, at once."""
        key = event.customer
        pending = refolds.get(key) if refolds is not None else None
        state = self._state(key)
        folded = pending.originator_version if pending is not None else folded_version(state)
        version = event.originator_version
        if version <= folded:
            # A position the fold already passed: the tables are not this store's.
            raise ReadModelError(
                f"event {notification.id} is position {version} of "
                f"customer {key!r}, but the read model holds {folded} of their events: "
                "run trustengine rebuild"
            )
        if version > folded + 1:
            # The store lacks the events between (deleted behind the engine's back): this
            # one cannot be folded on a history that has a hole in it.
            raise LookupError(f"position {folded + 1} of this customer is not in the store")
        before = last_at(state)
        late = before is not None and event.timestamp < before
        if pending is not None or is_amendment(event) or late or settles_again(rows, event):
            if refolds is not None:
                refolds[key] = event  # their later events in the batch join the re-fold
                self._dirty[key] = (state, event.recorded_at.isoformat())
                return
            state = self._refold(event, rows)
        else:
            fold_step(self.model, self.dispatch, state, LedgerStep(event, True), rows)
        self._dirty[key] = (state, event.recorded_at.isoformat())

    def _refold(self, event: CustomerEvent, rows: RowBuffer) -> ViewState:
        """Fold ``event``'s customer again from scratch (a late entry or an amendment
        changed their history before its end in business time): their stored history up
        to ``event``, in business-time order, amendments applied, replacing their rows in
        every projected table. Other customers are untouched."""
        key = event.customer
        stored = self.recorder.select_events(event.originator_id, lte=event.originator_version)
        history: list[CustomerEvent] = [
            event
            if item.originator_version == event.originator_version
            else cast(CustomerEvent, self.mapper.to_domain_event(item))
            for item in stored
        ]
        for table in PROJECTED_TABLES:
            # Names come from the declarations, never from input.
            self.db.execute(
                f'DELETE FROM "{table.name}" WHERE customer = ?',  # noqa: S608
                (key,),
            )
        rows.discard(key)
        state = fold_into(history, self.model, rows, key, dispatch=self.dispatch)
        self._cache[key] = state
        self._cache.move_to_end(key)
        return state

    def _state(self, key: str) -> ViewState:
        pending = self._dirty.get(key)
        if pending is not None:
            return pending[0]
        state = self._cache.get(key)
        if state is not None:
            self._cache.move_to_end(key)
            return state
        row = self.db.execute("SELECT state FROM view_state WHERE customer = ?", (key,)).fetchone()
        state = loads_state(row[0]) if row else ViewState(self.model.new_state(key))
        self._cache[key] = state
        if len(self._cache) > self.cache_size:
            self._cache.popitem(last=False)
        return state

    def _flush_states(self, buffer: RowBuffer) -> None:
        for key, (state, recorded_at) in self._dirty.items():
            self.dispatch.on_state(state, recorded_at, buffer)
            buffer.put(
                VIEW_STATE.name,
                {"customer": key, "position": folded_version(state), "state": dumps_state(state)},
            )
        self._dirty.clear()


def _erasure(event: CustomerEvent) -> Erasure:
    return (event.customer, event.originator_id, event.originator_version)


__all__ = ["BATCH_SIZE", "CACHE_SIZE", "PROJECTION", "REBUILD_BATCH_SIZE", "Progress", "Projector"]
