"""The audit report of one customer as plain data: every event, every commitment, every
SLA clock, every offer, the trust state and its explanation, and the verification result.

The report is made from the store alone and from what the caller asks (customer, case,
``as_of``, ``as_known_at``, policies), never from the wall clock, so the same store and
the same question always give the same report; :func:`to_json` writes it byte for byte
the same. Running clocks and open commitments are judged at one moment the inputs fix
(``judged_at``): ``as_of`` if given, else ``as_known_at``, else the business time of the
customer's last event.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import datetime
from typing import TYPE_CHECKING, Any, cast

from trustengine.audit.fold import Folded, as_bool, fold, only_case
from trustengine.audit.marks import ledger_rows
from trustengine.domain.base import CustomerEvent
from trustengine.exceptions import CustomerNotFoundError, InvalidTimeError, UnknownCaseError
from trustengine.integrity.verify import CustomerVerification, verify_customer
from trustengine.interchange.codec import to_contract
from trustengine.readmodel import Row
from trustengine.readmodel.timeline import summarize
from trustengine.scoring.history import as_of as history_as_of
from trustengine.scoring.sla import CLOCKS
from trustengine.scoring.trust import TrustModel

if TYPE_CHECKING:
    from trustengine.application.engine import Ledger

FORMAT = "trustengine-audit/1"
"""Names the report's shape; it changes only by adding keys (a new shape, a new name)."""
FLOAT_DIGITS = 4
"""Every float in the JSON is rounded to this many decimals, so that no float noise
(``0.30000000000000004``) can make two reports of the same facts differ."""


def build_audit(
    engine: Ledger,
    customer: str,
    *,
    case: str | None = None,
    as_of: datetime | None = None,
    as_known_at: datetime | None = None,
    policy: str | None = None,
    sla: str | None = None,
) -> dict[str, Any]:
    """The audit report of ``customer`` (only ``case``, when given) as the store held it.

    ``as_of`` keeps the events that happened by then (business time), ``as_known_at``
    those the store had recorded by then; ``policy`` and ``sla`` name the trust policy and
    the SLA preset (a name from ``projections/``, see docs/service-levels.md, or a path).
    Verification always covers every stored event of the customer.

    Raises :class:`CustomerNotFoundError` (no events, or none by then),
    :class:`UnknownCaseError`, :class:`InvalidTimeError` or ``PolicyError``.
    """
    for name, moment in (("as_of", as_of), ("as_known_at", as_known_at)):
        if moment is not None and moment.tzinfo is None:
            raise InvalidTimeError(f"{name} {moment.isoformat()} has no offset: add one")
    model = TrustModel.named(policy, sla)
    # One read serves both: the events that decode are the history the report shows,
    # so a store with a damaged event still gets a report that says what is wrong.
    check = verify_customer(engine, customer)
    events = [
        event for event in check.decoded if as_known_at is None or event.recorded_at <= as_known_at
    ]
    if as_of is not None:
        events = history_as_of(events, as_of)  # corrections apply at every point
    if not events:
        if check.problems and not check.decoded:
            raise CustomerNotFoundError(
                f"customer {customer!r} has no stored event that can be read: {check.problems[0]}"
            )
        raise CustomerNotFoundError(f"customer {customer!r} has no events by then")
    folded = _folded(model, customer, events, check)
    if case is not None and case not in folded.trust.cases:
        raise UnknownCaseError(f"customer {customer!r} has no case {case!r} by then")
    judged_at, judged_by = _judgement(events, as_of, as_known_at)
    shown = ledger_rows(events, folded.timeline, model.policy.report.late_after, event_row, case)
    report = _sections(folded, case, judged_at)
    report.update(
        {
            "format": FORMAT,
            "customer": customer,
            "case": case,
            "as_of": as_of.isoformat() if as_of else None,
            "as_known_at": as_known_at.isoformat() if as_known_at else None,
            "judged_at": judged_at.isoformat(),
            "judged_by": judged_by,
            "policy": model.policy.version,
            "sla_policy": model.sla.version,
            "sla_description": model.sla.description,
            "events": shown,
            "trust": folded.trust.as_dict(),
            "verification": _verification(check),
        }
    )
    report["summary"] = _summary(report)
    return report


def _folded(
    model: TrustModel,
    customer: str,
    events: list[CustomerEvent],
    check: CustomerVerification,
) -> Folded:
    """The fold of ``events`` up to the first event that cannot be read or folded, as the
    read model stops there (see ``trustengine.readmodel.problems``); where it stopped is
    added to ``check``'s problems, so the report says it and the audit exits 1."""
    unreadable = _first_unreadable(check)
    folded = fold(
        model,
        [e for e in events if unreadable is None or e.originator_version < unreadable],
        customer,
    )
    sections = "trust, promise ledger, SLA clocks and compensation"
    if folded.stopped_at is not None:
        check.problems.append(
            f"customer {customer!r} position {folded.stopped_at}: cannot be folded "
            f"({folded.stop_reason}): {sections} are as of position {folded.stopped_at - 1}"
        )
    elif unreadable is not None:
        check.problems.append(
            f"customer {customer!r}: {sections} are as of position {unreadable - 1}: "
            f"position {unreadable} cannot be read"
        )
    return folded


def _first_unreadable(check: CustomerVerification) -> int | None:
    """The first position whose event did not decode (None: every stored one did)."""
    expected = 1
    for event in check.decoded:
        if event.originator_version != expected:
            return expected
        expected += 1
    return expected if expected <= check.events else None


def to_json(report: dict[str, Any]) -> str:
    """The report as JSON text: sorted keys, two-space indent, rounded floats, newline."""
    return (
        json.dumps(rounded(report), sort_keys=True, indent=2, ensure_ascii=False, allow_nan=False)
        + "\n"
    )


def rounded(report: dict[str, Any]) -> dict[str, Any]:
    """The report with every float rounded as :func:`to_json` writes it."""
    return cast(dict[str, Any], _fixed(report))


# --- sections ----------------------------------------------------------------------------


def event_row(event: CustomerEvent) -> dict[str, Any]:
    """One event as the audit lists it: both times, who, how, what, and its data (and,
    for an imported event, where it came from: ``source``)."""
    line = to_contract(event)
    row = {
        "position": event.originator_version,
        "at": event.timestamp.isoformat(),
        "recorded_at": event.recorded_at.isoformat(),
        "type": event.type_name,
        "case": event.case,
        "actor": event.actor,
        "channel": event.channel,
        "summary": summarize(event),
        "data": line["data"],
    }
    if "source" in line:
        row["source"] = line["source"]
    return row


def _judgement(
    events: list[CustomerEvent], as_of: datetime | None, as_known_at: datetime | None
) -> tuple[datetime, str]:
    if as_of is not None:
        return as_of, "as_of"
    if as_known_at is not None:
        return as_known_at, "as_known_at"
    return max(event.timestamp for event in events), "last_event"


def _sections(folded: Folded, case: str | None, judged_at: datetime) -> dict[str, Any]:
    opened = {row["case"]: _time(row["opened_at"]) for row in folded.cases}
    cases = sorted(only_case(folded.cases, case), key=lambda r: (opened[r["case"]], r["case"]))
    commitments = sorted(
        only_case(folded.commitments, case),
        key=lambda r: (_time(r["made_at"]), r["kind"], r["id"]),
    )
    clocks = sorted(
        only_case(folded.clocks, case),
        key=lambda r: (
            opened.get(r["case"], judged_at),
            r["case"],
            r["period"],
            CLOCKS.index(r["clock"]) if r["clock"] in CLOCKS else len(CLOCKS),
            r["clock"],
            r["run"],
        ),
    )
    offers = sorted(
        only_case(folded.compensation, case), key=lambda r: (_time(r["at"]), r["offer"])
    )
    return {
        "cases": [_case_row(row) for row in cases],
        "commitments": [_commitment_row(row, judged_at) for row in commitments],
        "sla_clocks": [_clock_row(row, judged_at) for row in clocks],
        "compensation": [_offer_row(row) for row in offers],
    }


def _case_row(row: Row) -> dict[str, Any]:
    out = {key: value for key, value in row.items() if key != "customer"}
    out["confirmed_by_customer"] = as_bool(row["confirmed_by_customer"])
    return out


def _commitment_row(row: Row, judged_at: datetime) -> dict[str, Any]:
    """A promise, corrective action or follow-up: made, due, settled, on time or not."""
    is_open = row["status"] == "open"
    return {
        "kind": row["kind"],
        "id": row["id"],
        "case": row["case"],
        "description": row["description"],
        "made_at": row["made_at"],
        "due": row["due"],
        "status": row["status"],
        "settled_at": row["settled_at"],
        "on_time": as_bool(row["on_time"]),
        "overdue": is_open and _time(row["due"]) < judged_at,
        "prevents_recurrence": as_bool(row["prevents_recurrence"]),
        "note": row["note"],
    }


def _clock_row(row: Row, judged_at: datetime) -> dict[str, Any]:
    """An SLA clock: ``late`` says whether it ran past its due time under this preset;
    ``status`` is ``breached`` also when an ``SlaBreached`` event named it."""
    due = _time(row["due"]) if row["due"] else None
    stopped = _time(row["stopped_at"]) if row["stopped_at"] else None
    paused = _time(row["paused_at"]) if row["paused_at"] else None
    late = due is not None and (stopped or paused or judged_at) > due
    if row["breached"] or late:
        status = "breached"
    elif stopped is not None:
        status = "met"
    else:
        status = "paused" if paused is not None else "running"
    return {
        "case": row["case"],
        "clock": row["clock"],
        "period": row["period"],
        "run": row["run"],
        "started_at": row["started_at"],
        "due": row["due"],
        "stopped_at": row["stopped_at"],
        "late": late,
        "status": status,
        "paused_at": row["paused_at"],
        "paused_seconds": row["paused_seconds"],
        "due_explained": row["due_explained"],
    }


def _offer_row(row: Row) -> dict[str, Any]:
    return {
        "offer": row["offer"],
        "case": row["case"],
        "kind": row["kind"],
        "amount": row["amount"],
        "currency": row["currency"],
        "addresses_failure": as_bool(row["addresses_failure"]),
        "status": row["status"],
        "offered_at": row["at"],
        "settled_at": row["settled_at"],
        "reason": row["reason"],
    }


def _verification(check: CustomerVerification) -> dict[str, Any]:
    return {**check.as_dict(), "scope": "every stored event of the customer"}


def _summary(report: dict[str, Any]) -> dict[str, Any]:
    commitments = report["commitments"]
    statuses = Counter(row["status"] for row in commitments)
    accepted: dict[str, float] = {}
    for offer in report["compensation"]:
        if offer["status"] == "accepted" and offer["amount"] is not None:
            currency = offer["currency"] or ""
            accepted[currency] = accepted.get(currency, 0.0) + offer["amount"]
    clocks = Counter(row["status"] for row in report["sla_clocks"])
    offers = Counter(row["status"] for row in report["compensation"])
    trust = report["trust"]
    return {
        "events": len(report["events"]),
        "cases": len(report["cases"]),
        "score": trust["score"],
        "phase": trust["phase"],
        "verified": report["verification"]["ok"],
        "commitments": {
            "made": len(commitments),
            **{status: statuses[status] for status in ("open", "kept", "completed", "broken")},
            "on_time": sum(1 for row in commitments if row["on_time"] is True),
            "late": sum(1 for row in commitments if row["on_time"] is False),
            "overdue": sum(1 for row in commitments if row["overdue"]),
        },
        "sla_clocks": {status: clocks[status] for status in ("met", "breached", "running")},
        "compensation": {
            "offered": len(report["compensation"]),
            **{status: offers[status] for status in ("accepted", "declined")},
            "open": offers["offered"],
            "accepted_amounts": accepted,
        },
    }


def _time(text: str) -> datetime:
    return datetime.fromisoformat(text)


def _fixed(value: Any) -> Any:
    """``value`` with every float rounded to :data:`FLOAT_DIGITS` (and -0.0 made 0.0)."""
    if isinstance(value, float):
        return round(value, FLOAT_DIGITS) + 0.0
    if isinstance(value, dict):
        return {key: _fixed(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_fixed(item) for item in value]
    return value


__all__ = [
    "FLOAT_DIGITS",
    "FORMAT",
    "build_audit",
    "event_row",
    "rounded",
    "to_json",
]
