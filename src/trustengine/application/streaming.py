"""Large imports in bounded memory: checked and written a customer at a time, all or nothing.

:class:`StreamingMixin` is part of :class:`~trustengine.application.engine.Ledger`. An
import's lines are first set aside in a :class:`~trustengine.persistence.spool.Spool` (on
disk, grouped by customer); :meth:`StreamingMixin.record_spooled` then reads them back one
customer at a time, parses and stages each customer's lines exactly as
:meth:`~trustengine.application.writing.WritingMixin.record_numbered` does (the same
drafts, the same loading, the same ``_stage``), and writes the staged events a chunk at a
time into **one** store transaction (:func:`~trustengine.persistence.bulk.bulk_insert`).
What is held in memory is one customer's lines and rule state and one chunk of records,
whatever the size of the file, plus bounded helps: the customers last written (as many as
the aggregate cache holds, cached on commit so that the engine's next import stages on
them without reading them again) and, for up to :data:`~trustengine.persistence.spool.KEPT_KEYS`
customers, which of them the store has never seen (asked once, not once each).

All or nothing is the transaction's: once a line is refused nothing more is written, the
other lines are still checked (so every bad line is reported), and the transaction rolls
back. The store's write lock is taken before the first customer is loaded, so no other
writer can change a customer between its check and its write (they wait, as for any
write, up to their lock timeout); a kill leaves the transaction uncommitted. A customer's
events are stored together, customers in the order they first appear in the file: the
order :meth:`record_numbered` stores one batch in.
"""

from __future__ import annotations

from collections.abc import Container, Iterable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING
from uuid import UUID

from eventsourcing.persistence import IntegrityError, OperationalError

from trustengine.application.drafts import erased_now, gc_paused, parse_numbered
from trustengine.application.parts import LedgerParts
from trustengine.domain.customer import Customer, customer_id
from trustengine.exceptions import (
    BatchRejectedError,
    ConcurrencyError,
    LockTimeoutError,
)
from trustengine.persistence.bulk import Insert, bulk_insert
from trustengine.persistence.write_errors import write_failure

if TYPE_CHECKING:
    from trustengine.domain.base import CustomerEvent
    from trustengine.persistence.pgkeys import NewKeys
    from trustengine.persistence.recorders import Progress
    from trustengine.persistence.spool import Spool


CHUNK_EVENTS = 2000
"""Staged events written to the open transaction at once (and keys prepared for)."""
MAX_ATTEMPTS = 3
"""How many times a streamed import is tried when a position it writes is taken. With
the store's lock held from the start that cannot come from another writer; it is tried
again all the same, from the first customer, before it gives up."""

Problem = tuple[int, str, Exception]


class StreamingMixin(LedgerParts):
    """``record_spooled`` and ``check_spooled``: an import a customer at a time."""

    if TYPE_CHECKING:  # provided by the other parts of the ledger

        def _stage(
            self,
            drafts: Sequence[CustomerEvent],
            positions: Sequence[int],
            now: datetime | None,
            progress: Progress | None = None,
            *,
            skipped: list[int] | None = None,
            trusted: list[UUID] | None = None,
        ) -> tuple[list[Customer], int]: ...

        def _distrust(self, ids: Iterable[UUID]) -> None: ...

        def _store_is_empty(self) -> bool: ...

        def _prepare_keys(
            self, customers: Sequence[Customer], *, inline: bool = False
        ) -> NewKeys | None: ...

        def _keep_saved(self, customers: Sequence[Customer], erasing: Sequence[UUID]) -> None: ...

    _wrote_up_to: int | None = None
    """The store's last notification id when this engine's last streamed import committed
    (None: unknown, or another write since)."""

    def check_spooled(self, spool: Spool) -> None:
        """Check the spool's lines as :meth:`record_spooled` would, storing nothing;
        raise :class:`BatchRejectedError` listing every bad line."""
        refused = _Refusals()
        now = self.clock()
        with gc_paused():
            for _ in self._staged(spool, now, refused, None):
                pass
        refused.raise_any()

    def record_spooled(
        self,
        spool: Spool,
        *,
        progress: Progress | None = None,
        leave_out: Container[int] = (),
    ) -> tuple[int, int]:
        """Store the spool's lines all or nothing, a customer at a time, in one transaction;
        (events stored, lines skipped for erased customers). Facts already stored are
        skipped, as by :meth:`record_numbered`; a bad line anywhere raises
        :class:`BatchRejectedError` listing every bad line, and nothing is stored. The
        lines at the positions in ``leave_out`` are not read (a quarantine set them aside).
        """
        with self._write_lock, gc_paused():
            for _ in range(MAX_ATTEMPTS):
                try:
                    return self._record_spooled(spool, progress, leave_out)
                except IntegrityError:
                    self.conflicts += 1
                    continue
                except (OperationalError, LockTimeoutError) as error:
                    raise write_failure(self.target.display, self.lock_timeout, error) from None
        raise ConcurrencyError(
            f"the positions this import writes kept being taken; gave up after {MAX_ATTEMPTS} tries"
        )

    def _record_spooled(
        self, spool: Spool, progress: Progress | None, leave_out: Container[int]
    ) -> tuple[int, int]:
        refused = _Refusals()
        self.at_rest.settle()
        erasing: list[UUID] = []
        stored = erased = 0
        wrote_up_to, self._wrote_up_to = self._wrote_up_to, None  # until this one commits
        with bulk_insert(self.recorder) as insert:
            # Read once the lock is held: no event stored after it can be earlier.
            now = self.clock()
            # Read under the lock too: what is committed now stays so until this ends.
            top = self.recorder.max_notification_id() or 0
            # Nothing stored since this engine's last import committed (the store's last
            # notification id is the one it left): the customers it saved then are the
            # store's, and are staged on without reading them again.
            trusted: list[UUID] | None = [] if top and top == wrote_up_to else None
            if trusted is None:
                # Another write since (or none known): what this engine saved before may
                # be stale, so none of it is trusted after this import either.
                self._wrote_last.clear()
            chunk = _Chunk(self, insert, erasing)
            # Empty now, empty until this transaction ends (its own rows are not seen by
            # the reads of loading): no customer needs loading, and no query says so.
            self._known_empty = not top
            if top:
                self._absent = self._never_stored(spool, trusted)
            try:
                staged = self._staged(spool, now, refused, progress, leave_out, trusted)
                for customers, count, skipped in staged:
                    erased += skipped
                    if refused:
                        continue  # it will roll back: nothing more to write, only to check
                    stored += count
                    chunk.add(customers)
            finally:
                self._known_empty = False
                self._absent = frozenset()
            refused.raise_any()  # rolls the transaction back
            chunk.flush()
        for id_ in erasing:
            self.personal.forget(id_)
        self._keep_saved(list(chunk.saved.values()), erasing)
        if chunk.rows:
            self._has_events = True
            # Ids are taken in order under the lock: with no gap (no other writer, no
            # rolled-back insert), the store's last id is now this. Trusted next time
            # only if it still is (see above); a gap only costs that import the reads.
            self._wrote_up_to = top + chunk.rows
        return stored, erased

    def _never_stored(self, spool: Spool, trusted: list[UUID] | None) -> set[UUID]:
        """The spool's customers the store has no event of, asked in one query (each
        would be a query of its own when loaded), but for those staged on as this engine
        saved them; none when the spool let its keys go or the store cannot tell."""
        keys = spool.customer_keys()
        ask = getattr(self.recorder, "streams_stored", None)
        if not keys or ask is None:
            return set()
        ids = [customer_id(key) for key in keys]
        if trusted is not None:
            ids = [id_ for id_ in ids if id_ not in self._wrote_last]
        stored: set[UUID | str] | None = ask(ids)
        return set() if stored is None else set(ids).difference(stored)

    def _staged(
        self,
        spool: Spool,
        now: datetime,
        refused: _Refusals,
        progress: Progress | None,
        leave_out: Container[int] = (),
        trusted: list[UUID] | None = None,
    ) -> Iterable[tuple[list[Customer], int, int]]:
        """Each customer's lines parsed and staged: (customers with events to store, how
        many, lines skipped for an erased customer); refusals go to ``refused``. With a
        ``trusted`` list, a customer this engine saved last is staged on as it was saved
        (see ``_stage``)."""
        for group in spool.customers():
            if leave_out:
                group = [(position, text) for position, text in group if position not in leave_out]
            drafts, positions, problems, causes = parse_numbered(group)
            refused.parsed.extend(
                (position, text, cause)
                for (position, text), cause in zip(problems, causes, strict=True)
            )
            if not drafts:
                continue
            skipped: list[int] = []
            try:
                customers, count = self._stage(
                    drafts, positions, now, progress, skipped=skipped, trusted=trusted
                )
            except BatchRejectedError as rejected:
                refused.ruled.extend(
                    (position, text, cause)
                    for (position, text), cause in zip(
                        rejected.problems, rejected.causes, strict=True
                    )
                )
                continue
            yield customers, count, len(skipped)


class _Refusals:
    """The bad lines found so far: those that do not parse, then those a rule refuses
    (each in file order), as :meth:`record_numbered` lists them."""

    def __init__(self) -> None:
        self.parsed: list[Problem] = []
        self.ruled: list[Problem] = []

    def __bool__(self) -> bool:
        return bool(self.parsed or self.ruled)

    def raise_any(self) -> None:
        if not self:
            return
        found = sorted(self.parsed, key=_position) + sorted(self.ruled, key=_position)
        raise BatchRejectedError(
            [(position, text) for position, text, _ in found], [cause for _, _, cause in found]
        )


def _position(problem: Problem) -> int:
    return problem[0]


class _Chunk:
    """Staged customers gathered until :data:`CHUNK_EVENTS` events, then written; the
    last ones written (as many as the aggregate cache holds) kept to cache on commit."""

    def __init__(self, ledger: StreamingMixin, insert: Insert, erasing: list[UUID]) -> None:
        self.ledger = ledger
        self.insert = insert
        self.erasing = erasing
        self.customers: list[Customer] = []
        self.events = 0
        self.rows = 0
        """Stored events written so far."""
        self.saved: dict[UUID, Customer] = {}
        cache = ledger.repository.cache
        self.keep: int | None = 0 if cache is None else getattr(cache, "maxsize", None)
        """How many of :attr:`saved` to keep (None: all, for an unbounded cache)."""

    def add(self, customers: list[Customer]) -> None:
        self.customers.extend(customers)
        self.events += sum(len(c.pending_events) for c in customers)
        if self.events >= CHUNK_EVENTS:
            self.flush()

    def flush(self) -> None:
        if not self.customers:
            return
        ledger = self.ledger
        ledger._prepare_keys(self.customers)
        erasing = [c.id for c in self.customers if erased_now(c)]
        if erasing:
            # Marked first, as a single write does: see WritingMixin._write.
            ledger.key_store.mark_erasing(erasing)
            self.erasing.extend(erasing)
        to_stored = ledger.mapper.to_stored_event
        rows = [to_stored(e) for c in self.customers for e in c.collect_events()]
        self.insert(rows)
        self.rows += len(rows)
        ledger._distrust(c.id for c in self.customers)
        if self.keep != 0:
            saved = self.saved
            for customer in self.customers:
                saved.pop(customer.id, None)
                saved[customer.id] = customer
            if self.keep is not None:
                while len(saved) > self.keep:
                    del saved[next(iter(saved))]
        self.customers = []
        self.events = 0


__all__ = ["CHUNK_EVENTS", "MAX_ATTEMPTS", "StreamingMixin"]
