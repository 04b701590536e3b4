"""What the read API answers: frozen pydantic models, one per question.

:class:`~trustengine.TrustEngine`'s read methods (:mod:`trustengine.application.reading`)
return these.
Each one's ``model_dump(mode="json")`` is exactly what the matching command prints with
``--json`` (same keys, same values), so a web handler can return it as it is. Times are
ISO 8601 text with an offset, exactly as the events carry them (``datetime.fromisoformat``
reads them); numbers keep the type the ledger computed (an ``int`` stays an ``int``).

The listings (:class:`Timeline`, :class:`CustomerList`, :class:`DueList`) are root models
over a list: iterate them, index them, take ``len``. The two documents (:class:`Report`,
:class:`AuditReport`) name their sections and accept sections added later, as the
interchange contract grows only by adding.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Generic, TypeAlias, TypeVar

from pydantic import BaseModel, ConfigDict, RootModel

Number: TypeAlias = int | float
"""A figure as the ledger computed it: an ``int`` stays an ``int`` in the JSON."""


class Answer(BaseModel):
    """A frozen row or document; unknown keys are refused (the tests keep them in step)."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class Document(BaseModel):
    """A frozen document whose sections may grow: keys added later are kept."""

    model_config = ConfigDict(frozen=True, extra="allow")


Row = TypeVar("Row", bound=BaseModel)


class Rows(RootModel[list[Row]], Generic[Row]):
    """A listing: a list of rows that dumps as a JSON array."""

    model_config = ConfigDict(frozen=True)

    def __iter__(self) -> Iterator[Row]:  # type: ignore[override]  # rows, not fields
        return iter(self.root)

    def __len__(self) -> int:
        return len(self.root)

    def __getitem__(self, index: int) -> Row:
        return self.root[index]


# --- one customer ------------------------------------------------------------------------


class ExplanationStep(Answer):
    """What one event did to the trust score (``state --json``'s ``explanation``)."""

    at: str
    type: str
    case: str | None
    delta: Number
    reason: str
    score: Number
    phase: str
    position: int


class CustomerState(Answer):
    """Where a customer's trust stands, and why (``trustengine state --json``).

    ``components`` holds ``distributive``, ``procedural`` and ``interactional`` (0-100);
    ``phase`` is one of steady, damaged, recovering, restored, advocate, at_risk, lost.
    """

    customer: str
    score: Number
    phase: str
    components: dict[str, Number]
    open_cases: int
    broken_promises: int
    cases: int
    events: int
    last_event_at: str | None
    ceiling: Number
    policy: str
    sla_policy: str
    explanation: list[ExplanationStep]


class TimelineAmendment(Answer):
    """The retraction or correction of a timeline step: what, which event, when, who, why;
    or a recorded miss that the history, as now known, shows was met."""

    kind: str
    """``retracted``, ``corrected`` or ``refuted`` (a recorded ``SlaBreached`` whose
    clock a late entry shows stopped in time, or a recorded ``PromiseBroken`` whose
    promise a late entry shows was kept in time)."""
    by: str | None
    """The id of the ``EventRetracted`` or ``EventCorrected``."""
    recorded_at: str | None
    actor: str | None
    reason: str | None
    met_at: str | None
    """For ``refuted``: when the clock stopped, or the promise was kept, in time."""


class TimelineStep(Answer):
    """One remediation step (a row of ``trustengine timeline --json``), with the trust
    score after it (``trust``; None when the step is not scored)."""

    at: str
    type: str
    case: str | None
    actor: str | None
    channel: str | None
    summary: str
    position: int
    recorded_at: str
    id: str
    """The event's stable id (customer id and version)."""
    late_days: int | None
    """Whole days it was entered late (recorded more than the policy's
    ``late_entry_hours`` after its ``at``); None: not a late entry."""
    counted: bool
    """False: a retracted event, or a retraction or correction itself."""
    amendment: TimelineAmendment | None
    """The retraction that struck it, or the correction it stands for."""
    source: dict[str, str] | None = None
    """Where an imported event came from (the contract's ``source``), else None."""
    trust: Number | None


class Timeline(Rows[TimelineStep]):
    """A customer's steps, oldest first (``trustengine timeline --json``)."""


# --- customers and cases -----------------------------------------------------------------


class CustomerRow(Answer):
    """One customer in ``trustengine customers`` (``changed_at``: when the store recorded
    their latest event; ``phase_since``: business time the phase began)."""

    customer: str
    score: Number
    phase: str
    tier: str | None
    open_cases: int | None
    broken_promises: int | None
    cases: int | None
    last_contact_at: str | None
    last_event_at: str | None
    phase_since: str | None
    changed_at: str | None


class CustomerList(Rows[CustomerRow]):
    """Customers, lowest trust (or most recently changed) first."""


class CaseRecord(Answer):
    """A case's status, owner, classification and milestones (``case --json``'s ``case``)."""

    customer: str
    case: str
    status: str
    opened_at: str
    severity: int | None
    category: str | None
    cause: str | None
    summary: str | None
    owner: str | None
    hand_offs: int | None
    escalation_level: int | None
    acknowledged_at: str | None
    proposed_at: str | None
    resolved_at: str | None
    closed_at: str | None
    confirmed_by_customer: bool | None
    reopened: int | None
    reopened_at: str | None
    broken_promises: int | None
    sla_breaches: int | None
    last_event_at: str | None
    awaiting_since: str | None = None
    """When the case began to await the customer (None: it does not now)."""
    paused_seconds: Number | None = None
    """How long the case has awaited the customer, in all."""
    pauses: str | None = None
    """Each wait as JSON: ``from``, ``until``, ``reason``, ``on`` (docs/service-levels.md)."""


class HandOff(Answer):
    """One ``CaseReassigned`` step of a case."""

    at: str
    actor: str | None
    channel: str | None
    summary: str
    position: int


class Commitment(Answer):
    """A promise, corrective action or follow-up (``kind``: promise, action, follow_up;
    ``status``: open, kept, broken, completed)."""

    kind: str
    id: str
    description: str | None
    made_at: str
    due: str | None
    status: str
    settled_at: str | None
    on_time: bool | None
    prevents_recurrence: bool | None
    note: str | None


class Offer(Answer):
    """One compensation offer and how it was settled."""

    offer: str
    kind: str | None
    amount: Number | None
    currency: str | None
    addresses_failure: bool | None
    status: str | None
    at: str | None
    settled_at: str | None
    reason: str | None


class Clock(Answer):
    """One SLA clock of one period of a case (a reopening starts a new period)."""

    clock: str
    period: int
    started_at: str | None
    due: str | None
    stopped_at: str | None
    breached: bool | None
    policy: str | None
    run: int = 1
    """Which run of a clock that runs many times (``next_reply``, ``periodic_update``)."""
    paused_at: str | None = None
    """When the clock stopped for the case to await the customer (None: not paused)."""
    paused_seconds: Number = 0.0
    due_explained: str | None = None
    """How ``due`` was computed: docs/service-levels.md."""


class CaseStep(TimelineStep):
    """One step of a case's timeline, with the customer's trust score after it: the
    fields of a :class:`TimelineStep`."""


class CaseDetail(Answer):
    """Everything about one case (``trustengine case --json``)."""

    case: CaseRecord
    hand_offs: list[HandOff]
    promises: list[Commitment]
    compensation: list[Offer]
    sla_clocks: list[Clock]
    timeline: list[CaseStep]


# --- the day's work ----------------------------------------------------------------------


class DueEntry(Answer):
    """One piece of owed work (a row of ``trustengine due --json``; see
    :mod:`trustengine.readmodel.due` for the kinds). ``hours_overdue`` is negative while the
    work is still to come."""

    due: str
    kind: str
    customer: str
    case: str
    id: str | None
    description: str
    owner: str | None
    overdue: bool
    hours_overdue: Number
    due_explained: str | None = None
    """How an SLA clock's due time was computed (None for other work)."""


class DueList(Rows[DueEntry]):
    """Owed work, soonest first."""


# --- documents ---------------------------------------------------------------------------


class Report(Document):
    """The ledger's figures over a window (``trustengine report --json``); each section is
    described in docs/cli.md under ``trustengine report``."""

    window: dict[str, Any]
    issues: dict[str, Any]
    satisfaction: dict[str, Any]
    recovery: dict[str, Any]
    response_times: dict[str, Any]
    sla: dict[str, Any]
    promises: dict[str, Any]
    compensation: dict[str, Any]
    hand_offs: dict[str, Any]
    recovery_paradox: dict[str, Any]
    trust_scores: dict[str, Any]
    late_entries: dict[str, Any]


class AuditReport(Document):
    """One customer's complete, verified record (``trustengine audit --json``): floats
    rounded as the JSON has them, so two reports of the same facts are equal."""

    format: str
    customer: str
    case: str | None
    as_of: str | None
    as_known_at: str | None
    judged_at: str
    judged_by: str
    policy: str
    sla_policy: str
    sla_description: str
    events: list[dict[str, Any]]
    cases: list[dict[str, Any]]
    commitments: list[dict[str, Any]]
    sla_clocks: list[dict[str, Any]]
    compensation: list[dict[str, Any]]
    trust: CustomerState
    verification: dict[str, Any]
    summary: dict[str, Any]


__all__ = [
    "AuditReport",
    "CaseDetail",
    "CaseRecord",
    "CaseStep",
    "Clock",
    "Commitment",
    "CustomerList",
    "CustomerRow",
    "CustomerState",
    "DueEntry",
    "DueList",
    "ExplanationStep",
    "HandOff",
    "Offer",
    "Report",
    "Timeline",
    "TimelineAmendment",
    "TimelineStep",
]
