"""The remediation timeline: each event of a customer as one readable step.

It replays events (a customer's history, or any prefix of it), so it answers "what did we
know, promise and do, and when?" for any point in time: in business-time order, every
stored event, a retracted one marked with its retraction, a corrected one as its
replacement, a late entry with how late it was entered (docs/trust-model.md, "Late
entries and corrections").
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import Any

from trustengine.domain import events as ev
from trustengine.domain.base import CustomerEvent
from trustengine.scoring.history import Amendment, business_order, days_late
from trustengine.scoring.policy import load_trust_policy

DEFAULT_LATE_AFTER = load_trust_policy().report.late_after
"""The default policy's late-entry threshold (``[report] late_entry_hours``)."""


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


def timeline_row(
    event: CustomerEvent,
    seq: int,
    *,
    counted: bool = True,
    amended_by: Amendment | None = None,
    met_at: datetime | None = None,
    late_entry: bool = False,
    texts: tuple[str, str] | None = None,
) -> dict[str, Any]:
    """The ``timeline`` table's row of stored ``event``, at place ``seq`` (business-time
    order) of its customer's ledger; ``amended_by`` is the retraction that struck it
    (``counted`` False) or the correction whose replacement it is; ``met_at``, for a
    recorded miss that the history shows was met, when its clock stopped or its promise
    was kept; ``late_entry`` whether it arrived after a later event of the customer.
    ``texts``: the event's ``at`` and ``recorded_at`` as ISO text, when the caller has
    them."""
    kind = None
    if amended_by is not None:
        kind = "retracted" if isinstance(amended_by, ev.EventRetracted) else "corrected"
    elif met_at is not None:
        kind = "refuted"
    at, recorded_at = texts or (event.timestamp.isoformat(), event.recorded_at.isoformat())
    return {
        "customer": event.customer,
        "position": event.originator_version,
        "at": at,
        "recorded_at": recorded_at,
        "type": event.type_name,
        "case": event.case,
        "actor": event.actor,
        "channel": event.channel,
        "summary": summarize(event),
        "seq": seq,
        "event_id": event.event_id or "",
        "counted": counted,
        "amendment": kind,
        "amended_by": amended_by.event_id if amended_by is not None else None,
        "amended_at": amended_by.recorded_at.isoformat() if amended_by is not None else None,
        "amended_actor": amended_by.actor if amended_by is not None else None,
        "amend_reason": amended_by.reason if amended_by is not None else None,
        "met_at": met_at.isoformat() if met_at is not None else None,
        "late_entry": late_entry,
        "source": _source_text(event),
    }


def _source_text(event: CustomerEvent) -> str | None:
    """An event's ``source`` as the ``timeline`` column keeps it: its JSON object, as text."""
    source = source_of(event)
    return None if source is None else json.dumps(source, ensure_ascii=False, sort_keys=True)


def timeline_step(row: dict[str, Any], late_after: timedelta) -> dict[str, Any]:
    """A ``timeline`` table row as ``timeline --json`` gives it: the contract's keys,
    ``position`` and ``recorded_at``, the event ``id``, ``late_days`` (for a late entry
    recorded more than ``late_after`` after its ``at``: the whole days; else None),
    ``counted``, and ``amendment`` (None, or the retraction or correction: its ``kind``,
    ``by`` (its id), ``recorded_at``, ``actor`` and ``reason``; or, kind ``refuted``, a
    recorded ``SlaBreached`` whose clock the history shows ``met_at`` a time in time, or
    a recorded ``PromiseBroken`` whose promise it shows kept then)."""
    amendment = None
    if row.get("amendment"):
        amendment = {
            "kind": row["amendment"],
            "by": row["amended_by"],
            "recorded_at": row["amended_at"],
            "actor": row["amended_actor"],
            "reason": row["amend_reason"],
            "met_at": row["met_at"],
        }
    return {
        "at": row["at"],
        "type": row["type"],
        "case": row["case"],
        "actor": row["actor"],
        "channel": row["channel"],
        "summary": row["summary"],
        "position": row["position"],
        "recorded_at": row["recorded_at"],
        "id": row["event_id"],
        "late_days": days_late(
            datetime.fromisoformat(row["at"]),
            datetime.fromisoformat(row["recorded_at"]),
            late_after,
            late_entry=bool(row["late_entry"]),
        ),
        "counted": bool(row["counted"]),
        "amendment": amendment,
        "source": json.loads(row["source"]) if row.get("source") else None,
    }


def timeline_rows(
    events: Iterable[CustomerEvent],
    *,
    case: str | None = None,
    late_after: timedelta = DEFAULT_LATE_AFTER,
) -> list[dict[str, Any]]:
    """Timeline rows of a customer's stored ``events`` (their history or a prefix of it),
    in business-time order, amendments applied, as :func:`timeline_step` gives them."""
    return [
        timeline_step(
            timeline_row(
                step.event,
                seq,
                counted=step.counted,
                amended_by=step.amended_by,
                met_at=step.met_at,
                late_entry=step.late_entry,
            ),
            late_after,
        )
        for seq, step in enumerate(business_order(events), 1)
        if case is None or step.event.case == case
    ]


__all__ = [
    "DEFAULT_LATE_AFTER",
    "source_of",
    "summarize",
    "timeline_row",
    "timeline_rows",
    "timeline_step",
]
