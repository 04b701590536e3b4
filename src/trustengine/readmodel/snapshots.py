"""Fold snapshots: a replay as of a business time without decoding the whole history.

A replay as of business time T (``state --as-of``) folds the customer's events that
count, in business-time order, up to T (:mod:`trustengine.scoring.history`): a prefix of
the fold of their whole history, since the fold takes the events one by one in that
order. For a customer with at least :data:`SNAPSHOT_EVERY` events that count, the read
model keeps what it needs to start that fold part way:

- ``replay_steps``: each step of the whole fold (business time, the event's version, and
  the version of the correction that stands for it, if any), in business-time order;
- ``replay_snapshots``: every :data:`SNAPSHOT_EVERY` steps (and at the start), the trust
  model's state (the :mod:`.state` codec, exact) and the explanation of the steps since
  the snapshot before.

A replay as of T starts from the last snapshot whose largest business time is at or
before T, and decodes and folds only the later steps up to T. The answer is the full
replay's, step for step (``tests/readmodel/test_snapshots.py`` compares them).

They are made from the customer's stored events up to version ``high`` (the stored
record at ``high`` is remembered by its digest), under the trust and SLA policies of one
fingerprint, by the first replay that needs them, not by the projector. An event stored
since that sorts after every step (not an amendment, its business time not before the
last step's) is folded on top; any other (a late entry, a retraction, a correction) may
change the prefix, so the steps and snapshots are made again from the whole history, as
they are once :data:`SNAPSHOT_EVERY` events have been stored on top. They hold nothing
personal: the state is what ``view_state`` holds, the explanation what ``score_history``
holds. A replay as known at a recorded time is not served from them (the prefix differs).
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, cast

import sqlite_utils

from trustengine.domain.base import CustomerEvent
from trustengine.domain.customer import customer_id
from trustengine.domain.events import CustomerErased
from trustengine.readmodel.snapshot_tables import FOLDS, SNAPSHOTS, STEPS, TABLES, create, kept_rows
from trustengine.readmodel.state import ViewState, dumps_state, loads_state
from trustengine.scoring.history import business_order, counted_events, is_amendment
from trustengine.scoring.trust import TrustModel, TrustState

if TYPE_CHECKING:
    from eventsourcing.persistence import StoredEvent

    from trustengine.application.engine import Ledger

SNAPSHOT_EVERY = 1000
"""Steps between two snapshots; a customer with fewer steps is replayed in full."""
CACHE_VERSION = "1"
"""Bump when what is kept, or how the trust model folds, changes: older entries are
then not used (and are replaced when next made)."""


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
_Snapshot = tuple[int, int | None, str, str]
"""A snapshot's row after its customer and key: seq, largest time, state, explanation."""
Answer = str
"""The answer as JSON text: ``TrustState.as_dict()``, explanation included (the
explanation kept as JSON is spliced in, never decoded: the caller validates the text)."""


def _us(moment: datetime) -> int:
    """``moment`` as whole microseconds since the epoch (the instant, whatever offset)."""
    return (moment - _EPOCH) // _MICROSECOND


def _digest(record: StoredEvent) -> str:
    return hashlib.blake2b(record.state, digest_size=16).hexdigest()


class _StaleError(Exception):
    """The snapshots do not hold for the history as stored: make them again."""


@dataclass(frozen=True)
class _Kept:
    high: int
    digest: str
    first_us: int | None
    last_us: int | None


class FoldSnapshots:
    """The fold snapshots in the views database ``db`` of ``ledger``'s store, whose read
    model names the store ``store`` (``view_meta``)."""

    def __init__(self, db: sqlite_utils.Database, ledger: Ledger, store: str) -> None:
        self.db = db
        self.ledger = ledger
        self.store = store
        self.made = 0
        """How many customers' snapshots this object made (for tests and benchmarks)."""

    def state_as_of(self, customer: str, moment: datetime, policy: str, sla: str) -> Answer | None:
        """``customer``'s trust state as of business time ``moment`` under the trust and
        SLA policies ``policy`` and ``sla`` (``TrustState.as_dict()``, explanation
        included), as the full replay gives it; None when they have no events by then.
        Raises :class:`CustomerNotFoundError` for a customer with no events at all."""
        model = TrustModel.named(policy, sla)
        key = _key(policy, sla)
        ident = customer_id(customer)
        kept = self._kept(customer, key)
        if kept is not None:
            fresh = self._fresh(ident, kept)
            if fresh is not None:
                try:
                    return self._resumed(customer, ident, moment, model, key, kept, fresh)
                except _StaleError:
                    pass  # made again below
        events = self.ledger.history(customer)
        return self._whole(customer, events, moment, model, (key, policy, sla))

    def differences(self) -> list[str]:
        """Each customer whose kept snapshots differ from those their stored events (up
        to the version they were made from) make, one line each (``verify --views``)."""
        if not self.db.table(FOLDS.name).exists():
            return []
        kept = self.db.execute(
            f"{FOLDS.select('customer', 'key', 'policy', 'sla_policy', 'high')} ORDER BY 1, 2"
        ).fetchall()
        out: list[str] = []
        for customer, key, policy, sla, high in kept:
            made = FoldSnapshots(sqlite_utils.Database(memory=True), self.ledger, self.store)
            events = [e for e in self.ledger.history(customer) if e.originator_version <= high]
            model = TrustModel.named(policy, sla)
            made._whole(customer, events, None, model, (key, policy, sla))
            if key != _key(policy, sla) or kept_rows(made.db, customer, key) != kept_rows(
                self.db, customer, key
            ):
                out.append(
                    f"the fold snapshots of customer {customer!r} ({policy}, {sla}) are not "
                    "those their stored events make: rebuild the read model"
                )
        return out

    # --- from the snapshots --------------------------------------------------------

    def _kept(self, customer: str, key: str) -> _Kept | None:
        if not self.db.table(FOLDS.name).exists():
            return None
        row = self.db.execute(
            f"{FOLDS.select('store', 'high', 'digest', 'first_us', 'last_us')}"
            " WHERE customer = ? AND key = ?",
            (customer, key),
        ).fetchone()
        if row is None or row[0] != self.store:
            return None
        return _Kept(int(row[1]), str(row[2]), row[3], row[4])

    def _fresh(self, ident: Any, kept: _Kept) -> list[CustomerEvent] | None:
        """The events stored since the snapshots were made, when each comes after every
        step; None when the snapshots no longer hold (or too much came since)."""
        records = self.ledger.recorder.select_events(ident, gt=kept.high - 1)
        if not records or records[0].originator_version != kept.high:
            return None
        if _digest(records[0]) != kept.digest or len(records) > SNAPSHOT_EVERY:
            return None
        fresh = [self._decoded(record) for record in records[1:]]
        for event in fresh:
            late = kept.last_us is not None and _us(event.timestamp) < kept.last_us
            # An erasure changes how the earlier events decode: their fold is made again.
            if is_amendment(event) or late or isinstance(event, CustomerErased):
                return None
        return fresh

    def _resumed(
        self,
        customer: str,
        ident: Any,
        moment: datetime,
        model: TrustModel,
        key: str,
        kept: _Kept,
        fresh: list[CustomerEvent],
    ) -> Answer | None:
        """The answer from the last snapshot at or before ``moment``; raises
        :class:`_StaleError` when the snapshots are not whole."""
        until = _us(moment)
        on_top = [event for event in fresh if event.timestamp <= moment]
        if (kept.first_us is None or until < kept.first_us) and not on_top:
            return None
        where = " WHERE customer = ? AND key = ?"
        conn = self.db.conn
        conn.execute("BEGIN")
        try:
            if self._kept(customer, key) != kept:
                raise _StaleError  # made again meanwhile, by another process
            start = self.db.execute(
                f"{SNAPSHOTS.select('seq', 'state')}{where}"
                " AND (at_us IS NULL OR at_us <= ?) ORDER BY seq DESC LIMIT 1",
                (customer, key, until),
            ).fetchone()
            if start is None:
                raise _StaleError
            seq = int(start[0])
            chunks = self.db.execute(
                f"{SNAPSHOTS.select('explanation')}{where} AND seq <= ? ORDER BY seq",
                (customer, key, seq),
            ).fetchall()
            steps = self.db.execute(
                f"{STEPS.select('version', 'correction')}{where}"
                " AND seq > ? AND at_us <= ? ORDER BY seq",
                (customer, key, seq, until),
            ).fetchall()
        finally:
            if conn.in_transaction:
                conn.execute("COMMIT")
        later = self._events(ident, steps)
        counted = counted_events(later)
        if len(counted) != len(steps):
            raise _StaleError
        state = loads_state(str(start[1])).trust
        parts = [str(chunk)[1:-1] for (chunk,) in chunks if chunk != "[]"]
        steps_after = [
            model.apply(state, event).as_dict() for event in [*counted, *counted_events(on_top)]
        ]
        if steps_after:
            parts.append(_json(steps_after)[1:-1])
        return _answer(state, ",".join(parts))

    def _events(self, ident: Any, steps: Sequence[tuple[int, int | None]]) -> list[CustomerEvent]:
        """The stored events of ``steps`` and the corrections that stand for them."""
        wanted = {int(version) for version, _ in steps}
        wanted |= {int(fix) for _, fix in steps if fix is not None}
        if not wanted:
            return []
        records = self.ledger.recorder.select_events(ident, gt=min(wanted) - 1, lte=max(wanted))
        return [self._decoded(record) for record in records if record.originator_version in wanted]

    def _decoded(self, record: StoredEvent) -> CustomerEvent:
        return cast(CustomerEvent, self.ledger.mapper.to_domain_event(record))

    # --- from the whole history ----------------------------------------------------

    def _whole(
        self,
        customer: str,
        events: list[CustomerEvent],
        moment: datetime | None,
        model: TrustModel,
        names: tuple[str, str, str],
    ) -> Answer | None:
        """The answer as of ``moment`` from the whole history ``events``, making the
        snapshots on the way when the customer has enough steps (``names``: their key
        and policies)."""
        steps = business_order(events)
        counted = [step for step in steps if step.counted]
        ledger = [step for step in steps if not is_amendment(step.event)]
        first = (counted or steps)[0].event.customer
        state = model.new_state(first)
        explanation: list[dict[str, Any]] = []
        snapshots: list[_Snapshot] = [(0, None, dumps_state(ViewState(state)), "[]")]
        exists = bool(ledger) and moment is not None and ledger[0].event.timestamp <= moment
        answer: Answer | None = None
        for seq, step in enumerate(counted, start=1):
            if answer is None and exists and step.event.timestamp > cast(datetime, moment):
                answer = _answer(state, _json(explanation)[1:-1])  # steps in business time
            explanation.append(model.apply(state, step.event).as_dict())
            if seq % SNAPSHOT_EVERY == 0:
                chunk = _json(explanation[-SNAPSHOT_EVERY:])
                at = _us(step.event.timestamp)
                snapshots.append((seq, at, dumps_state(ViewState(state)), chunk))
        if answer is None and exists:
            answer = _answer(state, _json(explanation)[1:-1])
        if len(counted) >= SNAPSHOT_EVERY:
            self._keep(customer, names, events, steps, counted, snapshots)
        return answer

    def _keep(
        self,
        customer: str,
        names: tuple[str, str, str],
        events: list[CustomerEvent],
        steps: Sequence[Any],
        counted: Sequence[Any],
        snapshots: list[_Snapshot],
    ) -> None:
        key, policy, sla = names
        high = max(event.originator_version for event in events)
        ident = customer_id(customer)
        (record,) = self.ledger.recorder.select_events(ident, gt=high - 1, lte=high)
        ledger = [step for step in steps if not is_amendment(step.event)]
        first_us = _us(ledger[0].event.timestamp) if ledger else None
        last_us = _us(counted[-1].event.timestamp)
        digest = _digest(record)
        rows = [
            (
                customer,
                key,
                seq,
                _us(step.event.timestamp),
                step.event.originator_version,
                step.amended_by.originator_version if step.amended_by is not None else None,
            )
            for seq, step in enumerate(counted, start=1)
        ]
        conn = self.db.conn
        try:
            conn.execute("BEGIN IMMEDIATE")
            try:
                create(self.db)
                for table in TABLES:
                    self.db.execute(
                        f'DELETE FROM "{table.name}" WHERE customer = ? AND key = ?',  # noqa: S608 - declared names
                        (customer, key),
                    )
                self.db.execute(
                    f'INSERT INTO "{FOLDS.name}" VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',  # noqa: S608 - declared name
                    (
                        customer,
                        key,
                        self.store,
                        policy,
                        sla,
                        high,
                        digest,
                        first_us,
                        last_us,
                        len(rows),
                    ),
                )
                conn.executemany(f'INSERT INTO "{STEPS.name}" VALUES (?, ?, ?, ?, ?, ?)', rows)  # noqa: S608 - declared name
                conn.executemany(
                    f'INSERT INTO "{SNAPSHOTS.name}" VALUES (?, ?, ?, ?, ?, ?)',  # noqa: S608 - declared name
                    [(customer, key, *snapshot) for snapshot in snapshots],
                )
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
        except sqlite3.Error:
            return  # a cache: a views file another process holds (or cannot write) does without
        self.made += 1


def _json(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def _key(policy: str, sla: str) -> str:
    """What the snapshots under ``policy`` and ``sla`` are kept under: the cache's
    version, the policies' fingerprint (their files' contents) and their names."""
    from trustengine.readmodel.read_model import fingerprint  # which drops these tables

    return f"{CACHE_VERSION}:{fingerprint(policy, sla)}:{policy}:{sla}"


def _answer(state: TrustState, explanation: str) -> Answer:
    """The answer's JSON text: ``state`` without its explanation, then ``explanation``
    (the steps' JSON objects, comma-separated) as its explanation."""
    head = _json(state.as_dict(explanation=False))
    return f'{head[:-1]},"explanation":[{explanation}]}}'


__all__ = ["CACHE_VERSION", "SNAPSHOT_EVERY", "FoldSnapshots"]
