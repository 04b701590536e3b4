"""The read API of :class:`~trustengine.TrustEngine`: the questions the commands answer.

Each method returns a frozen pydantic model (:mod:`trustengine.application.answers`) whose
``model_dump(mode="json")`` is what the matching command prints with ``--json``:

>>> from trustengine import TrustEngine
>>> engine = TrustEngine(":memory:")
>>> engine.file_complaint("cust-1", "C-1", category="delivery", severity=2,
...                       cause="broken_promise", summary="Parcel late")
1
>>> engine.state("cust-1").phase
'damaged'
>>> [step.type for step in engine.timeline("cust-1")]
['ComplaintFiled']

Questions about now (no ``as_of``/``as_known_at``/policy override) are answered from the
read model (:mod:`trustengine.readmodel`), which each method first catches up with the store;
the others replay the customer's events. The read model is opened on the first read, in
the engine's ``views`` location, and closed with the engine.

One engine may be shared by the threads of a web server. The read model's SQLite
connection is used under one lock, so its reads and catch-ups take turns (each
catch-up processes every event exactly once); writes take the engine's own lock, and
the event store serves both.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import TYPE_CHECKING, cast

from trustengine.application.answers import (
    AuditReport,
    CaseDetail,
    CustomerList,
    CustomerState,
    DueList,
    Report,
    Timeline,
)
from trustengine.application.engine import check_times
from trustengine.domain.base import CustomerEvent
from trustengine.exceptions import CustomerNotFoundError, UnknownCaseError
from trustengine.readmodel.due import due_items
from trustengine.readmodel.location import has_read_model, views_location
from trustengine.readmodel.queries import AT_RISK_PHASES, CustomerSort
from trustengine.readmodel.read_model import ReadModel
from trustengine.readmodel.snapshots import FoldSnapshots
from trustengine.readmodel.timeline import timeline_rows
from trustengine.scoring.history import as_of as history_as_of
from trustengine.scoring.policy import DEFAULT_TRUST_POLICY
from trustengine.scoring.sla import DEFAULT_SLA_POLICY
from trustengine.scoring.trust import PHASES, TrustModel

if TYPE_CHECKING:
    from trustengine.application.facade import TrustEngine

Progress = Callable[[int], None]


class ReadingMixin:
    """The read methods of :class:`~trustengine.application.facade.TrustEngine`."""

    def _open_reading(self, views: str | None) -> None:
        """Remember where the read model lives (checked now, opened on the first read)."""
        self._views = views
        self.views_location: str = views_location(self._engine.target, views)
        """The SQLite file (or ``:memory:``) that holds the engine's read model."""
        self._read_lock = threading.RLock()
        self._read_model: ReadModel | None = None

    @property
    def _engine(self) -> TrustEngine:
        return cast("TrustEngine", self)

    def _close_reading(self) -> None:
        with self._read_lock:
            if self._read_model is not None:
                self._read_model.close()
                self._read_model = None

    # --- the read model ------------------------------------------------------------

    @contextmanager
    def read_model(self, progress: Progress | None = None) -> Iterator[ReadModel]:
        """The engine's read model, caught up, for this thread alone until the block ends.

        For work the methods below do not cover (the read model's tables in SQL, a
        sweep). ``progress`` is called with the number of events processed as it goes.
        """
        with self._read_lock:
            model = self._opened()
            model.catch_up(progress)
            yield model

    def catch_up(self, progress: Progress | None = None) -> int:
        """Bring the read model up to the store; return how many events it processed.

        Every read method does this first; call it to warm the read model at start-up.
        """
        with self._read_lock:
            return self._opened().catch_up(progress)

    def _opened(self) -> ReadModel:
        # Called under the lock: one read model per engine, its connection shared.
        if self._read_model is None:
            self._read_model = ReadModel(self._engine, self._views, shared=True)
        return self._read_model

    def lag(self) -> int:
        """About how many stored events the read model does not hold yet (it is not
        caught up first: a health check can watch it)."""
        with self._read_lock:
            return self._opened().pending()

    # --- one customer --------------------------------------------------------------

    def state(
        self,
        customer: str,
        *,
        as_of: datetime | None = None,
        as_known_at: datetime | None = None,
        policy: str | None = None,
        sla: str | None = None,
    ) -> CustomerState:
        """Where ``customer``'s trust stands, and each event's contribution.

        With none of the options it answers from the read model, under the policies it
        was built with. ``as_of`` (business time) and ``as_known_at`` (recorded time)
        replay the store as it was, under those same policies; ``policy`` and ``sla`` (a
        file stem in projections/ or a path) re-score under other policies. Raises
        :class:`CustomerNotFoundError` when the customer has no events (by then).
        """
        if as_of is None and as_known_at is None and policy is None and sla is None:
            with self.read_model() as model:
                return CustomerState.model_validate(model.state(customer))
        if as_of is not None and as_known_at is None:
            found = self._state_as_of(customer, as_of, policy, sla)
            if found is not None:
                return found
        events = self._history_by_then(customer, as_of, as_known_at)
        scoring = TrustModel.named(*self._policies(policy, sla))
        return CustomerState.model_validate(scoring.replay(events).as_dict())

    def timeline(
        self,
        customer: str,
        *,
        case: str | None = None,
        as_of: datetime | None = None,
        as_known_at: datetime | None = None,
        policy: str | None = None,
        sla: str | None = None,
    ) -> Timeline:
        """``customer``'s remediation steps, oldest first, with the trust score after each.

        ``case`` keeps one case's steps. Without options it answers from the read model;
        with ``as_of``/``as_known_at`` it replays the store as it was, under the policies
        the read model was built with (so both answers agree), and with ``policy``/``sla``
        under those, as :meth:`state` does. Raises
        :class:`CustomerNotFoundError` when the customer has no events (by then) and
        :class:`UnknownCaseError` when they have no such case (by then).
        """
        where = self._engine.target.display
        if as_of is None and as_known_at is None and policy is None and sla is None:
            with self.read_model() as model:
                rows = model.timeline(customer, case=case)
                explanation = model.state(customer)["explanation"] if rows else []
            then = f"in {where}"
        else:
            events = self._history_by_then(customer, as_of, as_known_at)
            scoring = TrustModel.named(*self._policies(policy, sla))
            rows = timeline_rows(events, case=case, late_after=scoring.policy.report.late_after)
            steps = scoring.replay(events).explanation if rows else []
            explanation = [step.as_dict() for step in steps]
            then = _then(as_of, as_known_at)
        if case is not None and not rows:
            raise UnknownCaseError(f"customer {customer!r} has no case {case!r} {then}")
        score_at = {int(step["position"]): step["score"] for step in explanation}
        for row in rows:
            row["trust"] = score_at.get(int(row["position"]))
        return Timeline.model_validate(rows)

    def case(self, customer: str, case: str) -> CaseDetail:
        """Everything about one case, from the read model: status, owner and hand-offs,
        the complaint, its commitments, compensation, SLA clocks and timeline.

        Raises :class:`CustomerNotFoundError` or :class:`UnknownCaseError`.
        """
        with self.read_model() as model:
            return CaseDetail.model_validate(model.case(customer, case))

    def audit(
        self,
        customer: str,
        *,
        case: str | None = None,
        as_of: datetime | None = None,
        as_known_at: datetime | None = None,
        sla: str | None = None,
        policy: str | None = None,
    ) -> AuditReport:
        """The complete, verified record of ``customer`` (only ``case``, when given), as
        the store held it; see :func:`trustengine.audit.build_audit`. ``policy`` and ``sla``
        default to the policies the read model was built with. The same store and
        arguments always give an equal report. Raises :class:`CustomerNotFoundError` or
        :class:`UnknownCaseError`.
        """
        # The audit reads the store through the engine, so it is imported when asked for.
        from trustengine.audit.build import build_audit, rounded

        policy, sla = self._policies(policy, sla)
        report = build_audit(
            self._engine,
            customer,
            case=case,
            as_of=as_of,
            as_known_at=as_known_at,
            policy=policy,
            sla=sla,
        )
        return AuditReport.model_validate(rounded(report))

    # --- the whole ledger ----------------------------------------------------------

    def customers(
        self,
        *,
        phase: str | Iterable[str] | None = None,
        at_risk: bool = False,
        sort: CustomerSort = "score",
        limit: int | None = None,
    ) -> CustomerList:
        """Customers with their score, phase, open cases, broken promises and last
        contact, from the read model.

        ``phase`` keeps one phase (or several); ``at_risk`` adds ``at_risk`` and ``lost``;
        ``sort`` is ``score`` (lowest trust first) or ``changed`` (most recently changed
        first); ``limit`` keeps the first rows.
        """
        wanted: set[str] | None = None
        if phase is not None or at_risk:
            wanted = {phase} if isinstance(phase, str) else set(phase or ())
            unknown = sorted(wanted - set(PHASES))
            if unknown:
                raise ValueError(f"unknown phase {unknown[0]!r}: use one of {', '.join(PHASES)}")
            if at_risk:
                wanted |= set(AT_RISK_PHASES)
        if limit is not None and limit < 1:
            raise ValueError(f"limit {limit} is not a positive number of customers")
        with self.read_model() as model:
            return CustomerList.model_validate(
                model.customers(phases=wanted, sort=sort, limit=limit)
            )

    def due(
        self, *, at: datetime | None = None, overdue: bool = False, owner: str | None = None
    ) -> DueList:
        """Owed work, soonest first, judged as of ``at`` (default: the engine's now); see
        :mod:`trustengine.readmodel.due` for what is owed. ``overdue`` keeps what is past due
        at ``at``; ``owner`` keeps the work of the cases that owner owns."""
        moment = self._engine.clock() if at is None else at
        with self.read_model() as model:
            items = due_items(model, moment, overdue_only=overdue, owner=owner)
        return DueList.model_validate([item.as_dict() for item in items])

    def report(
        self, *, since: datetime | None = None, until: datetime | None = None, by: str = "month"
    ) -> Report:
        """The ledger's figures over business times ``since``..``until`` (both inclusive,
        either open), grouped by ``week`` or ``month``: see :mod:`trustengine.report`.
        Raises :class:`ReportWindowError` for a backwards window or a bad grouping."""
        with self.read_model() as model:
            from trustengine.report import build_report  # here: only a report needs it (start-up)

            return Report.model_validate(build_report(model.db, since=since, until=until, by=by))

    # --- helpers -------------------------------------------------------------------

    def _policies(self, policy: str | None, sla: str | None) -> tuple[str | None, str | None]:
        """The trust and SLA policies a replay scores under: those the caller names, else
        those the read model was built with (``rebuild --policy/--sla``), else the
        defaults. One question gets one answer, whether read or replayed."""
        if policy is not None and sla is not None:
            return policy, sla
        built = self._built_with()
        return policy or built.get("policy"), sla or built.get("sla_policy")

    def _built_with(self) -> dict[str, str]:
        """The read model's ``view_meta`` (policies included); empty when there is none
        yet, which is then not created just to be asked."""
        with self._read_lock:
            if self._read_model is None and not has_read_model(self.views_location):
                return {}
            return self._opened().meta()

    def _state_as_of(
        self, customer: str, as_of: datetime, policy: str | None, sla: str | None
    ) -> CustomerState | None:
        """:meth:`state` as of ``as_of`` from the read model's fold snapshots
        (:mod:`trustengine.readmodel.snapshots`); None when there is no read model to keep
        them in (the replay then reads the whole history, as it would anyway)."""
        check_times(as_of, None)
        with self._read_lock:
            if self._read_model is None and not has_read_model(self.views_location):
                return None
            model = self._opened()
            names = self._policies(policy, sla)
            trust, service = names[0] or DEFAULT_TRUST_POLICY, names[1] or DEFAULT_SLA_POLICY
            snapshots = FoldSnapshots(model.db, self._engine, model.store)
            try:
                with self._engine._decoding():
                    found = snapshots.state_as_of(customer, as_of, trust, service)
            except sqlite3.Error:
                return None  # the snapshots are a cache: the full replay says what is wrong
        if found is None:
            then = _then(as_of, None)
            raise CustomerNotFoundError(f"customer {customer!r} has no events {then}")
        return CustomerState.model_validate_json(found)

    def _history_by_then(
        self, customer: str, as_of: datetime | None, as_known_at: datetime | None
    ) -> list[CustomerEvent]:
        check_times(as_of, as_known_at)
        events = self._engine.history(customer, as_known_at=as_known_at)
        if as_of is not None:
            events = history_as_of(events, as_of)  # corrections apply at every point
        if not events:
            then = _then(as_of, as_known_at)
            raise CustomerNotFoundError(f"customer {customer!r} has no events {then}")
        return events


def _then(as_of: datetime | None, as_known_at: datetime | None) -> str:
    """``as of T``, ``as known at T`` or both: the moment a replay answered for."""
    parts = [
        f"{name} {moment.isoformat()}"
        for name, moment in (("as of", as_of), ("as known at", as_known_at))
        if moment is not None
    ]
    return " and ".join(parts)


__all__ = ["ReadingMixin"]
