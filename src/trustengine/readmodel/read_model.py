"""The read model of one engine's store: open it, catch it up, rebuild it, ask it.

>>> from trustengine import Ledger
>>> engine = Ledger(":memory:")
>>> engine.file_complaint("cust-1", "C-1", category="delivery", severity=2,
...                       cause="broken_promise", summary="Parcel late")
1
>>> views = ReadModel(engine)
>>> views.catch_up()
1
>>> views.state("cust-1")["phase"]
'damaged'

The tables are built under one trust policy and one SLA policy, which ``view_meta``
records (``rebuild`` chooses them; catching up keeps them). A change to either policy
file, or to the shape of the model's state, changes the recorded fingerprint, and the
next catch-up rebuilds the tables rather than mix two models in one table.
"""

from __future__ import annotations

import functools
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from functools import cache
from typing import TYPE_CHECKING, Any, Concatenate, ParamSpec, TypeVar

from trustengine.exceptions import CustomerNotFoundError, ReadModelError, UnknownCaseError
from trustengine.readmodel.by_customer import start_walk
from trustengine.readmodel.fingerprint import VIEWS_VERSION, sql_views_hash, tables_fingerprint
from trustengine.readmodel.location import (
    has_read_model,
    immediate,
    open_views,
    store_identity,
    views_location,
)
from trustengine.readmodel.problems import problem_rows
from trustengine.readmodel.projector import (
    BATCH_SIZE,
    CACHE_SIZE,
    PROJECTION,
    REBUILD_BATCH_SIZE,
    Progress,
    Projector,
)
from trustengine.readmodel.queries import (
    CustomerSort,
    case_detail,
    customer_known,
    customer_list,
    customer_state,
    customer_timeline,
)
from trustengine.readmodel.schema import TABLES, create_tables, drop_all, drop_views
from trustengine.readmodel.sealing import reveal
from trustengine.scoring.policy import DEFAULT_TRUST_POLICY, load_trust_policy
from trustengine.scoring.sla import DEFAULT_SLA_POLICY
from trustengine.scoring.trust import TrustModel

if TYPE_CHECKING:
    from trustengine.application.engine import Ledger


@cache
def fingerprint(policy: str, sla: str) -> str:
    """What the tables' contents depend on besides the events, as a short hash (see
    :func:`~trustengine.readmodel.fingerprint.tables_fingerprint`).

    Computed once per process, as the policies themselves are loaded once per process.
    """
    return tables_fingerprint(VIEWS_VERSION, TABLES, policy, sla)


P = ParamSpec("P")
R = TypeVar("R")


def _sqlite_errors(
    method: Callable[Concatenate[ReadModel, P], R],
) -> Callable[Concatenate[ReadModel, P], R]:
    """Raise SQLite's errors as :class:`ReadModelError`, naming the views database."""

    @functools.wraps(method)
    def wrapper(model: ReadModel, /, *args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return method(model, *args, **kwargs)
        except sqlite3.Error as error:
            raise ReadModelError(f"read model {model.location}: {error}") from None

    return wrapper


class ReadModel:
    """The read-model tables of ``engine``'s store (see :mod:`trustengine.readmodel`).

    ``views`` is the ``--views`` file (None: where :func:`views_location` puts them).
    ``batch_size`` is the number of events per transaction (default: 1000 when catching
    up, 5000 when rebuilding). ``cache_size`` is how many customers' states are kept in
    memory. ``adopt`` accepts a views file built from another store (to :meth:`rebuild`
    it). ``shared`` lets any thread use the connection (the caller makes them take turns,
    as :class:`~trustengine.TrustEngine` does with a lock).
    Close it (or use it as a context manager) when done; the engine stays open. SQLite
    errors (such as a lock held too long by another writer) are raised as
    :class:`ReadModelError`.
    """

    def __init__(
        self,
        engine: Ledger,
        views: str | None = None,
        *,
        batch_size: int | None = None,
        cache_size: int = CACHE_SIZE,
        adopt: bool = False,
        shared: bool = False,
    ) -> None:
        self.engine = engine
        self.location = views_location(engine.target, views)
        self.store = store_identity(engine.target, self.location)
        self.batch_size = batch_size
        self.cache_size = cache_size
        self.db = open_views(self.location, shared=shared)
        self._projector: Projector | None = None
        try:
            self._ensure(adopt=adopt)
        except BaseException:
            self.db.close()
            raise

    @classmethod
    def existing(cls, engine: Ledger, views: str | None = None) -> ReadModel | None:
        """The engine's read model if its tables already exist (in a file); else None.

        For work that must reach a read model without creating one, such as erasure.
        """
        location = views_location(engine.target, views)
        return cls(engine, views) if has_read_model(location) else None

    def __enter__(self) -> ReadModel:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the views database (an in-memory one is gone afterwards)."""
        self.db.close()

    # --- set-up ---------------------------------------------------------------------

    def meta(self) -> dict[str, str]:
        """What ``view_meta`` records: store, policy, sla_policy, fingerprint, sql_views."""
        if not self.db.table("view_meta").exists():
            return {}
        rows = self.db.execute("SELECT key, value FROM view_meta").fetchall()
        return {str(key): str(value) for key, value in rows}

    def _write_meta(self, policy: str, sla: str) -> None:
        values = {
            "store": self.store,
            "policy": policy,
            "sla_policy": sla,
            "fingerprint": fingerprint(policy, sla),
            "sql_views": sql_views_hash(),
        }
        self.db.table("view_meta").insert_all(
            [{"key": key, "value": value} for key, value in values.items()], replace=True
        )

    @contextmanager
    def _snapshot(self) -> Iterator[None]:
        """A read transaction: the statements in it see one state of the file."""
        conn = self.db.conn
        conn.execute("BEGIN")
        try:
            yield
        finally:
            if conn.in_transaction:
                conn.execute("COMMIT")

    def _checked(self, *, adopt: bool) -> dict[str, str] | None:
        """The tables' ``view_meta`` when they must be created or brought up to date, or
        None when they are ready; raises when the file holds something else."""
        meta = self.meta()
        present = [spec.name for spec in TABLES if self.db.table(spec.name).exists()]
        if present and "store" not in meta:
            raise ReadModelError(
                f"{self.location} has table(s) {', '.join(present)} that are not a "
                "trustengine read model: give another --views file"
            )
        ready = len(present) == len(TABLES)
        if ready and not adopt and meta["store"] != self.store:
            raise ReadModelError(
                f"views database {self.location} holds the read model of {meta['store']}, "
                f"not of {self.store}: give another --views file, or rebuild it for this store "
                "with trustengine rebuild --views"
            )
        if ready and meta.get("sql_views") == sql_views_hash() and "fingerprint" in meta:
            return None
        return meta

    @_sqlite_errors
    def _ensure(self, *, adopt: bool) -> None:
        # Another process may be creating the tables: read what is there in one snapshot,
        # and look again once holding the write lock, so that a half-seen creation is
        # neither taken for a foreign file nor created twice.
        with self._snapshot():
            meta = self._checked(adopt=adopt)
        if meta is None:
            return
        with immediate(self.db):
            meta = self._checked(adopt=adopt)
            if meta is None:
                return  # another process finished it meanwhile
            if meta.get("sql_views") != sql_views_hash():
                drop_views(self.db)  # the .sql files changed: create them anew
            create_tables(self.db)
            self.db.execute(
                "INSERT OR IGNORE INTO view_tracking (name, notification_id) VALUES (?, 0)",
                (PROJECTION,),
            )
            current = self.meta()
            self._write_meta(
                current.get("policy", DEFAULT_TRUST_POLICY),
                current.get("sla_policy", DEFAULT_SLA_POLICY),
            )
            if "fingerprint" in current:
                # Keep the fingerprint the tables were built with: only the views changed.
                self.db.execute(
                    "UPDATE view_meta SET value = ? WHERE key = 'fingerprint'",
                    (current["fingerprint"],),
                )

    def _model(self, policy: str, sla: str) -> TrustModel:
        return TrustModel.named(policy, sla)

    def projector(self) -> Projector:
        """The projector for the policies the tables were built with."""
        if self._projector is None:
            meta = self.meta()
            self._projector = Projector(
                self.db,
                self.engine.recorder,
                self.engine.mapper,
                self._model(meta["policy"], meta["sla_policy"]),
                batch_size=self.batch_size or BATCH_SIZE,
                cache_size=self.cache_size,
                fingerprint=meta["fingerprint"],
            )
        return self._projector

    # --- keeping it current ---------------------------------------------------------

    @_sqlite_errors
    def position(self) -> int:
        """The last notification id whose rows are in the tables."""
        return self.projector().position()

    @_sqlite_errors
    def pending(self) -> int:
        """About how many stored events the tables do not hold yet."""
        newest = self.engine.recorder.max_notification_id() or 0
        return max(0, newest - self.position())

    @_sqlite_errors
    def is_stale(self) -> bool:
        """Whether the policies or model changed since the tables were built."""
        meta = self.meta()
        return meta.get("fingerprint") != fingerprint(meta["policy"], meta["sla_policy"])

    @_sqlite_errors
    def catch_up(self, progress: Progress | None = None) -> int:
        """Process the events stored since the last catch-up; return how many.

        When :meth:`is_stale`, rebuild instead (under the same policies).
        """
        if self.is_stale():
            return self.rebuild(progress=progress)
        projector = self.projector()
        projector.check_in_step()
        return projector.catch_up(progress)

    @_sqlite_errors
    def rebuild(
        self,
        policy: str | None = None,
        sla: str | None = None,
        *,
        progress: Progress | None = None,
    ) -> int:
        """Drop every read-model table and replay the whole store into new ones.

        ``policy``/``sla`` choose the policies (None: keep the ones the tables have). The
        tables are recreated in one transaction, then filled batch by batch, customer by
        customer where the store can be read so (:mod:`.by_customer`), then in stored
        order: a rebuild that is interrupted leaves consistent tables that the next
        catch-up continues.
        """
        meta = self.meta()
        policy = policy or meta.get("policy", DEFAULT_TRUST_POLICY)
        sla = sla or meta.get("sla_policy", DEFAULT_SLA_POLICY)
        self._model(policy, sla)  # check both load before dropping anything
        with immediate(self.db):
            drop_all(self.db)
            create_tables(self.db)
            self.db.execute(
                "INSERT INTO view_tracking (name, notification_id) VALUES (?, 0)", (PROJECTION,)
            )
            self._write_meta(policy, sla)
            # Customer by customer, where the store can be read so.
            start_walk(self.db, self.engine.recorder, self.batch_size or REBUILD_BATCH_SIZE)
        if self._projector is not None:
            self._projector.forget()
        self._projector = None
        projector = self.projector()
        projector.batch_size = self.batch_size or REBUILD_BATCH_SIZE
        try:
            return projector.catch_up(progress)
        finally:
            projector.batch_size = self.batch_size or BATCH_SIZE

    # --- asking it ------------------------------------------------------------------

    @_sqlite_errors
    def state(self, customer: str) -> dict[str, Any]:
        """``customer``'s trust state as of the last catch-up (``state --json``'s keys)."""
        found = customer_state(self.db, customer)
        if found is None:
            raise CustomerNotFoundError(f"no customer {customer!r} in {self.engine.target.display}")
        return reveal(self.engine.personal, found, customer)

    def late_after(self) -> timedelta:
        """How long after its ``at`` an event is recorded before it is marked a late
        entry, under the trust policy the tables were built with."""
        policy = load_trust_policy(self.meta().get("policy", DEFAULT_TRUST_POLICY))
        return policy.report.late_after

    @_sqlite_errors
    def timeline(self, customer: str, *, case: str | None = None) -> list[dict[str, Any]]:
        """``customer``'s timeline rows as of the last catch-up, in business-time order."""
        found = customer_timeline(self.db, customer, case=case, late_after=self.late_after())
        if found is None:
            raise CustomerNotFoundError(f"no customer {customer!r} in {self.engine.target.display}")
        return reveal(self.engine.personal, found, customer)

    @_sqlite_errors
    def customers(
        self,
        *,
        phases: Iterable[str] | None = None,
        sort: CustomerSort = "score",
        limit: int | None = None,
    ) -> list[dict[str, Any]]:
        """Customers as of the last catch-up, one row each (see
        :func:`~trustengine.readmodel.queries.customer_list`)."""
        return customer_list(self.db, phases=phases, sort=sort, limit=limit)

    @_sqlite_errors
    def problems(self, customer: str | None = None) -> list[dict[str, Any]]:
        """The stored events set aside (of ``customer``, when given), oldest first: each
        that could not be projected, and those held back behind it (see
        :mod:`trustengine.readmodel.problems`)."""
        return problem_rows(self.db, customer)

    @_sqlite_errors
    def case(self, customer: str, case: str) -> dict[str, Any]:
        """One case as of the last catch-up (see
        :func:`~trustengine.readmodel.queries.case_detail`).

        Raises :class:`CustomerNotFoundError` for an unknown customer and
        :class:`UnknownCaseError` for a case the customer does not have.
        """
        found = case_detail(self.db, customer, case, late_after=self.late_after())
        if found is not None:
            return reveal(self.engine.personal, found, customer)
        where = self.engine.target.display
        if not customer_known(self.db, customer):
            raise CustomerNotFoundError(f"no customer {customer!r} in {where}")
        raise UnknownCaseError(f"customer {customer!r} has no case {case!r} in {where}")
