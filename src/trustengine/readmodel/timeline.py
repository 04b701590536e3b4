"""The remediation timeline: each event of a customer as one readable step.

It replays events (a customer's history, or any prefix of it), so it answers "what did we
know, promise and do, and when?" for any point in time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from trustengine.domain import events as ev
from trustengine.domain.base import CustomerEvent


def _day(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M")


def _tail(text: str | None, sep: str = ": ") -> str:
    return f"{sep}{text}" if text else ""


def _money(event: ev.CompensationOffered) -> str:
    if event.amount is None:
        return ""
    return f" {event.amount}{' ' + event.currency if event.currency else ''}"


def _consent(event: ev.ConsentUpdated) -> str:
    parts = [f"{name} {'yes' if value else 'no'}" for name, value in event.data().items()]
    return "Consent updated: " + (", ".join(parts) or "no change")


_SUMMARIES: dict[type[CustomerEvent], Callable[[Any], str]] = {
    ev.CustomerRegistered: lambda e: f"Registered ({e.tier} tier){_tail(e.name)}",
    ev.ConsentUpdated: _consent,
    ev.CustomerContacted: lambda e: (
        f"{e.direction.capitalize()} contact"
        + (f" (sentiment {e.sentiment:+.1f})" if e.sentiment is not None else "")
        + _tail(e.summary)
    ),
    ev.ContactUnanswered: lambda e: (
        f"Outreach unanswered ({e.attempts} attempt" + ("s)" if e.attempts != 1 else ")")
    ),
    ev.SatisfactionRecorded: lambda e: f"{e.metric.upper()} {e.score}{_tail(e.comment)}",
    ev.CustomerErased: lambda e: f"Personal data erased ({e.legal_basis})",
    ev.ComplaintFiled: lambda e: (
        f"Complaint: {e.summary} ({e.category}, severity {e.severity}, {e.cause.replace('_', ' ')})"
    ),
    ev.ComplaintAcknowledged: lambda e: f"Complaint acknowledged{_tail(e.message)}",
    ev.ApologyIssued: lambda e: (
        ("Apology, owning the failure" if e.accepts_responsibility else "Apology, not owning it")
        + _tail(e.explanation)
    ),
    ev.JustificationGiven: lambda e: f"Justification instead of a fix: {e.summary}",
    ev.PromiseMade: lambda e: f"Promise {e.promise}: {e.description} (due {_day(e.due)})",
    ev.PromiseKept: lambda e: f"Promise {e.promise} kept",
    ev.PromiseBroken: lambda e: f"Promise {e.promise} broken{_tail(e.reason)}",
    ev.CorrectiveActionCommitted: lambda e: (
        f"Corrective action {e.action}: {e.description} (due {_day(e.due)}"
        + ("; prevents recurrence)" if e.prevents_recurrence else ")")
    ),
    ev.CorrectiveActionCompleted: lambda e: f"Corrective action {e.action} done{_tail(e.evidence)}",
    ev.CompensationOffered: lambda e: (
        f"Offer {e.offer}: {e.kind.replace('_', ' ')}{_money(e)}"
        + (" (fits the failure)" if e.addresses_failure else " (does not address the failure)")
    ),
    ev.CompensationAccepted: lambda e: f"Offer {e.offer} accepted",
    ev.CompensationDeclined: lambda e: f"Offer {e.offer} declined{_tail(e.reason)}",
    ev.CaseEscalated: lambda e: f"Escalated to level {e.level}: {e.reason}",
    ev.CaseReassigned: lambda e: f"Handed off to {e.owner}{_tail(e.reason)}",
    ev.ResolutionProposed: lambda e: f"Resolution proposed: {e.summary}",
    ev.ResolutionConfirmed: lambda e: "Customer confirmed the fix",
    ev.CaseClosed: lambda e: (
        (
            "Case closed, confirmed by the customer"
            if e.confirmed_by_customer
            else "Case closed without the customer's confirmation"
        )
        + _tail(e.reason)
    ),
    ev.CaseReopened: lambda e: f"Case reopened: {e.reason}",
    ev.FollowUpScheduled: lambda e: f"Follow-up {e.follow_up} scheduled for {_day(e.due)}",
    ev.FollowUpCompleted: lambda e: f"Follow-up {e.follow_up}: {e.outcome.replace('_', ' ')}",
    ev.SlaBreached: lambda e: f"SLA breached: {e.clock.replace('_', ' ')} was due {_day(e.due)}",
    ev.EventRetracted: lambda e: f"Event {e.event} retracted: {e.reason}",
    ev.EventCorrected: lambda e: (
        f"Event {e.event} corrected: {e.reason} (now: {summarize(e.replacement)})"
    ),
    ev.CaseAwaitingCustomer: lambda e: (
        f"Awaiting {'the customer' if e.on == 'customer' else 'a third party'}: {e.reason}"
    ),
    ev.CaseResumed: lambda e: "Case resumed",
}


def source_of(event: CustomerEvent) -> dict[str, str] | None:
    """Where ``event`` came from (the contract's ``source``), None when it was not imported."""
    if event.source is None:
        return None
    return event.source.model_dump(exclude_none=True)


def summarize(event: CustomerEvent) -> str:
    """One human sentence for ``event``."""
    return _SUMMARIES[type(event)](event)


def timeline_rows(
    events: Iterable[CustomerEvent], *, case: str | None = None
) -> list[dict[str, Any]]:
    """Timeline rows, oldest first, with the contract's keys (and position, recorded_at,
    and where an imported event came from, ``source``)."""
    return [
        {
            "at": event.timestamp.isoformat(),
            "type": event.type_name,
            "case": event.case,
            "actor": event.actor,
            "channel": event.channel,
            "summary": summarize(event),
            "position": event.originator_version,
            "recorded_at": event.recorded_at.isoformat(),
            "source": source_of(event),
        }
        for event in events
        if case is None or event.case == case
    ]
