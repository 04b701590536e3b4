"""The contract's event vocabulary: one frozen pydantic model per event type.

Field names, types and constraints follow the interchange contract (section 2). Each class
declares, as class variables, how the customer's rules treat it (see
:class:`~trustengine.domain.base.CustomerEvent`); the rules themselves live in
:mod:`trustengine.domain.customer`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from pydantic import ConfigDict, StrictBool, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from trustengine.domain.base import CustomerEvent as _Base
from trustengine.domain.base import EventId, Instant, Key, Text
from trustengine.domain.replacement import Replacement
from trustengine.domain.values import (
    SCORE_RANGES,
    Amount,
    Attempts,
    AwaitingOn,
    Cause,
    Clock,
    CompensationKind,
    Currency,
    Direction,
    Level,
    Metric,
    Outcome,
    Score,
    Sentiment,
    Severity,
    Tier,
    score_schema,
)

if TYPE_CHECKING:
    from trustengine.domain.customer import Customer


# --- Customer-level ----------------------------------------------------------------------


class CustomerRegistered(_Base):
    """The customer became known to the business (optional: any first event creates one)."""

    scope: ClassVar = "customer"
    name: Text | None = None
    tier: Tier = "standard"
    calendar: Key | None = None
    """A calendar key of the SLA policy (its ``[calendars]``): docs/service-levels.md."""


class ConsentUpdated(_Base):
    """The customer said which channels may be used to reach them."""

    scope: ClassVar = "customer"
    email: StrictBool | None = None
    sms: StrictBool | None = None
    phone: StrictBool | None = None
    marketing: StrictBool | None = None


class CustomerContacted(_Base):
    """A conversation took place, started by the customer or by the business."""

    scope: ClassVar = "either"
    on_closed_case: ClassVar = True
    direction: Direction
    sentiment: Sentiment | None = None
    summary: Text | None = None

    @property
    def resumes(self) -> bool:
        """Whether it ends a wait on the customer: their reply about the case does."""
        return self.direction == "inbound" and self.case is not None


class ContactUnanswered(_Base):
    """An outreach got no reply: a sign the customer is disengaging."""

    scope: ClassVar = "either"
    attempts: Attempts = 1


class SatisfactionRecorded(_Base):
    """The customer gave a CSAT (1-5) or NPS (0-10) score."""

    scope: ClassVar = "either"
    on_closed_case: ClassVar = True
    model_config = ConfigDict(json_schema_extra={"allOf": score_schema()})

    metric: Metric
    score: Score
    comment: Text | None = None

    @field_validator("score")
    @classmethod
    def _score_fits_metric(cls, score: int, info: ValidationInfo) -> int:
        metric = info.data.get("metric")
        if metric in SCORE_RANGES:
            low, high = SCORE_RANGES[metric]
            if not low <= score <= high:
                raise PydanticCustomError(
                    "score_fits_metric", f"a {metric} score must be from {low} to {high}"
                )
        return score


class CustomerErased(_Base):
    """The customer's personal data was erased; the shape of the history remains."""

    scope: ClassVar = "customer"
    legal_basis: Text

    def apply(self, aggregate: Customer) -> None:
        super().apply(aggregate)
        aggregate.erased = True


# --- Case lifecycle ----------------------------------------------------------------------


class ComplaintFiled(_Base):
    """The customer complained; this opens the case."""

    category: Key
    severity: Severity
    cause: Cause
    case_effect: ClassVar = "open"
    summary: Text
    remedy_sought: Text | None = None
    received: Instant | None = None
    """When the business received the complaint, if later than it was raised (a
    regulator forwarded it): the case's clocks start there (docs/service-levels.md)."""


class ComplaintAcknowledged(_Base):
    """The business first responded to the complaint."""

    message: Text | None = None


class ApologyIssued(_Base):
    """The business apologised, owning the failure or not."""

    accepts_responsibility: StrictBool
    explanation: Text | None = None


class JustificationGiven(_Base):
    """The business defended itself or blamed others instead of solving the problem."""

    summary: Text


class CaseEscalated(_Base):
    """The case went up to a higher support level."""

    level: Level
    reason: Text


class CaseReassigned(_Base):
    """The case was handed to another owner."""

    owner: Key
    reason: Text | None = None


class ResolutionProposed(_Base):
    """The business proposed how the case is resolved."""

    summary: Text


class ResolutionConfirmed(_Base):
    """The customer said the problem is solved."""


class CaseClosed(_Base):
    """The case was closed, with or without the customer's confirmation."""

    case_effect: ClassVar = "close"
    confirmed_by_customer: StrictBool
    reason: Text | None = None


class CaseReopened(_Base):
    """A closed case was opened again."""

    on_closed_case: ClassVar = True
    case_effect: ClassVar = "reopen"
    reason: Text


class SlaBreached(_Base):
    """A service-level clock ran out before the business acted."""

    on_closed_case: ClassVar = True
    clock: Clock
    due: Instant


# --- Commitments -------------------------------------------------------------------------


class PromiseMade(_Base):
    """The business promised something by a date."""

    creates: ClassVar = "promise"
    promise: Key
    description: Text
    due: Instant


class PromiseKept(_Base):
    """A promise was kept."""

    settles: ClassVar = "promise"
    on_closed_case: ClassVar = True
    promise: Key


class PromiseBroken(_Base):
    """A promise was broken."""

    settles: ClassVar = "promise"
    on_closed_case: ClassVar = True
    promise: Key
    reason: Text | None = None


class CorrectiveActionCommitted(_Base):
    """The business committed to fix the cause, by a date."""

    creates: ClassVar = "action"
    action: Key
    description: Text
    due: Instant
    prevents_recurrence: StrictBool = False


class CorrectiveActionCompleted(_Base):
    """A committed corrective action was carried out."""

    settles: ClassVar = "action"
    on_closed_case: ClassVar = True
    action: Key
    evidence: Text | None = None


class CompensationOffered(_Base):
    """The business offered redress."""

    creates: ClassVar = "offer"
    offer: Key
    kind: CompensationKind
    amount: Amount | None = None
    currency: Currency | None = None
    addresses_failure: StrictBool


class CompensationAccepted(_Base):
    """The customer accepted an offer."""

    settles: ClassVar = "offer"
    offer: Key


class CompensationDeclined(_Base):
    """The customer declined an offer."""

    settles: ClassVar = "offer"
    offer: Key
    reason: Text | None = None


class FollowUpScheduled(_Base):
    """A follow-up with the customer was planned."""

    creates: ClassVar = "follow_up"
    on_closed_case: ClassVar = True
    follow_up: Key
    due: Instant


class FollowUpCompleted(_Base):
    """A planned follow-up took place."""

    settles: ClassVar = "follow_up"
    on_closed_case: ClassVar = True
    follow_up: Key
    outcome: Outcome


# --- Amendments --------------------------------------------------------------------------


class EventRetracted(_Base):
    """A stored event was entered by mistake: it stays in the ledger and stops counting."""

    scope: ClassVar = "customer"
    event: EventId
    reason: Text


class EventCorrected(_Base):
    """A stored event was entered wrongly: the replacement counts in its place."""

    scope: ClassVar = "customer"
    event: EventId
    replacement: Replacement
    reason: Text


# --- Pauses (issue 14, item 4) ------------------------------------------------------------


class CaseAwaitingCustomer(_Base):
    """The case waits on the customer (or a third party): pausing clocks stop."""

    case_effect: ClassVar = "pause"
    reason: Text
    on: AwaitingOn = "customer"


class CaseResumed(_Base):
    """The wait is over: paused clocks run again."""

    case_effect: ClassVar = "resume"


EVENT_TYPES: dict[str, type[_Base]] = {
    cls.__name__: cls
    for cls in (
        CustomerRegistered,
        ConsentUpdated,
        CustomerContacted,
        ContactUnanswered,
        SatisfactionRecorded,
        CustomerErased,
        ComplaintFiled,
        ComplaintAcknowledged,
        ApologyIssued,
        JustificationGiven,
        PromiseMade,
        PromiseKept,
        PromiseBroken,
        CorrectiveActionCommitted,
        CorrectiveActionCompleted,
        CompensationOffered,
        CompensationAccepted,
        CompensationDeclined,
        CaseEscalated,
        CaseReassigned,
        ResolutionProposed,
        ResolutionConfirmed,
        CaseClosed,
        CaseReopened,
        FollowUpScheduled,
        FollowUpCompleted,
        SlaBreached,
        EventRetracted,
        EventCorrected,
        CaseAwaitingCustomer,
        CaseResumed,
    )
}
"""Every event type of the contract, by its exact name."""
