"""trustengine: an event-sourced ledger of how a business repairs a customer's trust.

Every complaint, apology, promise, corrective action, compensation, hand-off, resolution,
follow-up and satisfaction score is an immutable event on a customer aggregate; read
models rebuild from those events where the customer's trust stands and what is owed next.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:  # what type checkers and editors see; at run time, _WHERE below
    from trustengine.application.answers import (
        AuditReport,
        CaseDetail,
        CaseRecord,
        CaseStep,
        Clock,
        Commitment,
        CustomerList,
        CustomerRow,
        CustomerState,
        DueEntry,
        DueList,
        ExplanationStep,
        HandOff,
        Offer,
        Report,
        Timeline,
        TimelineStep,
    )
    from trustengine.application.facade import TrustEngine
    from trustengine.audit import build_audit
    from trustengine.domain import EVENT_TYPES, Customer, CustomerEvent, customer_id
    from trustengine.domain.events import (
        ApologyIssued,
        CaseClosed,
        CaseEscalated,
        CaseReassigned,
        CaseReopened,
        CompensationAccepted,
        CompensationDeclined,
        CompensationOffered,
        ComplaintAcknowledged,
        ComplaintFiled,
        ConsentUpdated,
        ContactUnanswered,
        CorrectiveActionCommitted,
        CorrectiveActionCompleted,
        CustomerContacted,
        CustomerErased,
        CustomerRegistered,
        FollowUpCompleted,
        FollowUpScheduled,
        JustificationGiven,
        PromiseBroken,
        PromiseKept,
        PromiseMade,
        ResolutionConfirmed,
        ResolutionProposed,
        SatisfactionRecorded,
        SlaBreached,
    )
    from trustengine.exceptions import (
        BatchRejectedError,
        CaseAlreadyExistsError,
        CaseClosedError,
        CaseNotClosedError,
        CaseNotFoundError,
        CommitmentAlreadySettledError,
        CommitmentCaseMismatchError,
        ConcurrencyError,
        CustomerErasedError,
        CustomerNotFoundError,
        DomainRuleError,
        DuplicateCommitmentError,
        InvalidEventError,
        InvalidTimeError,
        NotFoundError,
        ReadModelError,
        ReportWindowError,
        StoreError,
        StoreTargetError,
        SweepTimeError,
        TimeWentBackwardsError,
        TrustEngineError,
        UnknownCaseError,
        UnknownCommitmentError,
        UnknownEventTypeError,
    )
    from trustengine.interchange.codec import dumps, parse_event, parse_line, to_contract
    from trustengine.readmodel.due import DueItem, due_items
    from trustengine.readmodel.follow import Follower
    from trustengine.readmodel.read_model import ReadModel
    from trustengine.report import build_report, report_html, report_text
    from trustengine.workflows.sweep import Miss, SweepResult, find_misses, run_sweep

_WHERE: dict[str, str] = {
    # trustengine.application.answers
    "AuditReport": "trustengine.application.answers",
    "CaseDetail": "trustengine.application.answers",
    "CaseRecord": "trustengine.application.answers",
    "CaseStep": "trustengine.application.answers",
    "Clock": "trustengine.application.answers",
    "Commitment": "trustengine.application.answers",
    "CustomerList": "trustengine.application.answers",
    "CustomerRow": "trustengine.application.answers",
    "CustomerState": "trustengine.application.answers",
    "DueEntry": "trustengine.application.answers",
    "DueList": "trustengine.application.answers",
    "ExplanationStep": "trustengine.application.answers",
    "HandOff": "trustengine.application.answers",
    "Offer": "trustengine.application.answers",
    "Report": "trustengine.application.answers",
    "Timeline": "trustengine.application.answers",
    "TimelineStep": "trustengine.application.answers",
    # trustengine.application.facade
    "TrustEngine": "trustengine.application.facade",
    # trustengine.audit
    "build_audit": "trustengine.audit",
    # trustengine.domain
    "Customer": "trustengine.domain",
    "CustomerEvent": "trustengine.domain",
    "EVENT_TYPES": "trustengine.domain",
    "customer_id": "trustengine.domain",
    # trustengine.domain.events
    "ApologyIssued": "trustengine.domain.events",
    "CaseClosed": "trustengine.domain.events",
    "CaseEscalated": "trustengine.domain.events",
    "CaseReassigned": "trustengine.domain.events",
    "CaseReopened": "trustengine.domain.events",
    "CompensationAccepted": "trustengine.domain.events",
    "CompensationDeclined": "trustengine.domain.events",
    "CompensationOffered": "trustengine.domain.events",
    "ComplaintAcknowledged": "trustengine.domain.events",
    "ComplaintFiled": "trustengine.domain.events",
    "ConsentUpdated": "trustengine.domain.events",
    "ContactUnanswered": "trustengine.domain.events",
    "CorrectiveActionCommitted": "trustengine.domain.events",
    "CorrectiveActionCompleted": "trustengine.domain.events",
    "CustomerContacted": "trustengine.domain.events",
    "CustomerErased": "trustengine.domain.events",
    "CustomerRegistered": "trustengine.domain.events",
    "FollowUpCompleted": "trustengine.domain.events",
    "FollowUpScheduled": "trustengine.domain.events",
    "JustificationGiven": "trustengine.domain.events",
    "PromiseBroken": "trustengine.domain.events",
    "PromiseKept": "trustengine.domain.events",
    "PromiseMade": "trustengine.domain.events",
    "ResolutionConfirmed": "trustengine.domain.events",
    "ResolutionProposed": "trustengine.domain.events",
    "SatisfactionRecorded": "trustengine.domain.events",
    "SlaBreached": "trustengine.domain.events",
    # trustengine.exceptions
    "BatchRejectedError": "trustengine.exceptions",
    "CaseAlreadyExistsError": "trustengine.exceptions",
    "CaseClosedError": "trustengine.exceptions",
    "CaseNotClosedError": "trustengine.exceptions",
    "CaseNotFoundError": "trustengine.exceptions",
    "CommitmentAlreadySettledError": "trustengine.exceptions",
    "CommitmentCaseMismatchError": "trustengine.exceptions",
    "ConcurrencyError": "trustengine.exceptions",
    "CustomerErasedError": "trustengine.exceptions",
    "CustomerNotFoundError": "trustengine.exceptions",
    "DomainRuleError": "trustengine.exceptions",
    "DuplicateCommitmentError": "trustengine.exceptions",
    "InvalidEventError": "trustengine.exceptions",
    "InvalidTimeError": "trustengine.exceptions",
    "NotFoundError": "trustengine.exceptions",
    "ReadModelError": "trustengine.exceptions",
    "ReportWindowError": "trustengine.exceptions",
    "StoreError": "trustengine.exceptions",
    "StoreTargetError": "trustengine.exceptions",
    "SweepTimeError": "trustengine.exceptions",
    "TimeWentBackwardsError": "trustengine.exceptions",
    "TrustEngineError": "trustengine.exceptions",
    "UnknownCaseError": "trustengine.exceptions",
    "UnknownCommitmentError": "trustengine.exceptions",
    "UnknownEventTypeError": "trustengine.exceptions",
    # trustengine.interchange.codec
    "dumps": "trustengine.interchange.codec",
    "parse_event": "trustengine.interchange.codec",
    "parse_line": "trustengine.interchange.codec",
    "to_contract": "trustengine.interchange.codec",
    # trustengine.readmodel.due
    "DueItem": "trustengine.readmodel.due",
    "due_items": "trustengine.readmodel.due",
    # trustengine.readmodel.follow
    "Follower": "trustengine.readmodel.follow",
    # trustengine.readmodel.read_model
    "ReadModel": "trustengine.readmodel.read_model",
    # trustengine.report
    "build_report": "trustengine.report",
    "report_html": "trustengine.report",
    "report_text": "trustengine.report",
    # trustengine.workflows.sweep
    "Miss": "trustengine.workflows.sweep",
    "SweepResult": "trustengine.workflows.sweep",
    "find_misses": "trustengine.workflows.sweep",
    "run_sweep": "trustengine.workflows.sweep",
}
"""Where each public name lives. A name is imported on first use, so that
``import trustengine`` (and ``trustengine --help``) costs only what is used."""


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'trustengine' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # the next lookup is a plain one
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_WHERE])


__all__ = [
    "EVENT_TYPES",
    "ApologyIssued",
    "AuditReport",
    "BatchRejectedError",
    "CaseAlreadyExistsError",
    "CaseClosed",
    "CaseClosedError",
    "CaseDetail",
    "CaseEscalated",
    "CaseNotClosedError",
    "CaseNotFoundError",
    "CaseReassigned",
    "CaseRecord",
    "CaseReopened",
    "CaseStep",
    "Clock",
    "Commitment",
    "CommitmentAlreadySettledError",
    "CommitmentCaseMismatchError",
    "CompensationAccepted",
    "CompensationDeclined",
    "CompensationOffered",
    "ComplaintAcknowledged",
    "ComplaintFiled",
    "ConcurrencyError",
    "ConsentUpdated",
    "ContactUnanswered",
    "CorrectiveActionCommitted",
    "CorrectiveActionCompleted",
    "Customer",
    "CustomerContacted",
    "CustomerErased",
    "CustomerErasedError",
    "CustomerEvent",
    "CustomerList",
    "CustomerNotFoundError",
    "CustomerRegistered",
    "CustomerRow",
    "CustomerState",
    "DomainRuleError",
    "DueEntry",
    "DueItem",
    "DueList",
    "DuplicateCommitmentError",
    "ExplanationStep",
    "FollowUpCompleted",
    "FollowUpScheduled",
    "Follower",
    "HandOff",
    "InvalidEventError",
    "InvalidTimeError",
    "JustificationGiven",
    "Miss",
    "NotFoundError",
    "Offer",
    "PromiseBroken",
    "PromiseKept",
    "PromiseMade",
    "ReadModel",
    "ReadModelError",
    "Report",
    "ReportWindowError",
    "ResolutionConfirmed",
    "ResolutionProposed",
    "SatisfactionRecorded",
    "SlaBreached",
    "StoreError",
    "StoreTargetError",
    "SweepResult",
    "SweepTimeError",
    "TimeWentBackwardsError",
    "Timeline",
    "TimelineStep",
    "TrustEngine",
    "TrustEngineError",
    "UnknownCaseError",
    "UnknownCommitmentError",
    "UnknownEventTypeError",
    "__version__",
    "build_audit",
    "build_report",
    "customer_id",
    "due_items",
    "dumps",
    "find_misses",
    "parse_event",
    "parse_line",
    "report_html",
    "report_text",
    "run_sweep",
    "to_contract",
]
