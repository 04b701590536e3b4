"""Contract-shaped example events shared by the test suites.

``EXAMPLES`` holds one valid event per contract type (every one in ``EVENT_TYPES``).
``history()`` puts them in an order the rules accept, with the few extra events some of
them need, so that recording it stores every type. ``event()`` builds a contract-shaped
dict concisely.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
"""The business time every example history starts at."""

KEY = "cust-1"
ERASED_KEY = "cust-gone"


def when(minutes: int) -> datetime:
    """The business time ``minutes`` after :data:`T0`."""
    return T0 + timedelta(minutes=minutes)


def iso(minutes: int) -> str:
    """:func:`when` as the contract's ISO 8601 string."""
    return when(minutes).isoformat()


def event(
    type_: str,
    customer: str = KEY,
    case: str | None = None,
    *,
    at: int | str | datetime = 0,
    actor: str | None = None,
    channel: str | None = None,
    **data: Any,
) -> dict[str, Any]:
    """A contract-shaped event dict; ``at`` is minutes after :data:`T0`, or a time.

    Keys come in the order :func:`trustengine.to_contract` writes them, and ``data`` is
    always present, so a round trip compares equal.
    """
    out: dict[str, Any] = {"type": type_, "customer": customer}
    if case is not None:
        out["case"] = case
    if isinstance(at, int):
        out["at"] = iso(at)
    elif isinstance(at, datetime):
        out["at"] = at.isoformat()
    else:
        out["at"] = at
    if actor is not None:
        out["actor"] = actor
    if channel is not None:
        out["channel"] = channel
    out["data"] = data
    return out


# One valid example per type, in an order the rules accept (see history()).
_ORDERED: list[dict[str, Any]] = [
    event(
        "CustomerRegistered", at=0, actor="system", channel="web", name="Amelia Hart", tier="vip"
    ),
    event(
        "ConsentUpdated", at=1, actor="customer", email=True, sms=False, phone=True, marketing=False
    ),
    event(
        "CustomerContacted",
        at=2,
        channel="phone",
        direction="inbound",
        sentiment=-0.25,
        summary="Asked where the sofa is",
    ),
    event("ContactUnanswered", at=3, actor="agent-7", channel="phone", attempts=2),
    event(
        "ComplaintFiled",
        case="C-1",
        at=4,
        actor="customer",
        channel="email",
        category="delivery",
        severity=3,
        cause="broken_promise",
        summary="Sofa promised for Monday arrived Friday",
        remedy_sought="A firm delivery date",
    ),
    event(
        "ComplaintAcknowledged",
        case="C-1",
        at=5,
        actor="agent-7",
        message="I own this until it is fixed",
    ),
    event(
        "ApologyIssued",
        case="C-1",
        at="2026-03-01T11:06:00+02:00",
        actor="agent-7",
        accepts_responsibility=True,
        explanation="Our van broke down; we did not call",
    ),
    event("JustificationGiven", case="C-1", at=7, summary="The carrier is to blame"),
    event(
        "PromiseMade",
        case="C-1",
        at=8,
        promise="P-1",
        description="Deliver on Saturday",
        due="2026-03-07T12:00:00+00:00",
    ),
    event("PromiseKept", case="C-1", at=9, promise="P-1"),
    event(
        "PromiseBroken",
        case="C-1",
        at=11,
        actor="system",
        promise="P-2",
        reason="Not called back by noon",
    ),
    event(
        "CorrectiveActionCommitted",
        case="C-1",
        at=12,
        action="A-1",
        description="Call customers when a route is cancelled",
        due="2026-03-31T17:00:00+01:00",
        prevents_recurrence=True,
    ),
    event(
        "CorrectiveActionCompleted",
        case="C-1",
        at=13,
        action="A-1",
        evidence="Runbook v2 published",
    ),
    event(
        "CompensationOffered",
        case="C-1",
        at=14,
        offer="O-1",
        kind="refund",
        amount=25.5,
        currency="EUR",
        addresses_failure=True,
    ),
    event("CompensationAccepted", case="C-1", at=15, offer="O-1"),
    event("CompensationDeclined", case="C-1", at=17, offer="O-2", reason="Not useful"),
    event("CaseEscalated", case="C-1", at=18, level=2, reason="Second failure"),
    event("CaseReassigned", case="C-1", at=19, owner="agent-9", reason="Shift change"),
    event(
        "CaseAwaitingCustomer",
        case="C-1",
        at="2026-03-01T09:19:20+00:00",
        reason="Asked for a photo of the damage",
        on="customer",
    ),
    event("CaseResumed", case="C-1", at="2026-03-01T09:19:40+00:00"),
    event("ResolutionProposed", case="C-1", at=20, summary="Delivery on Saturday 10-12"),
    event("ResolutionConfirmed", case="C-1", at=21, actor="customer"),
    event("FollowUpScheduled", case="C-1", at=22, follow_up="F-1", due="2026-03-10T09:00:00+00:00"),
    event(
        "SlaBreached",
        case="C-1",
        at=23,
        actor="system",
        clock="resolution",
        due="2026-03-01T09:20:00.250000+00:00",
    ),
    event("CaseClosed", case="C-1", at=24, confirmed_by_customer=True, reason="Delivered"),
    event("FollowUpCompleted", case="C-1", at=25, follow_up="F-1", outcome="satisfied"),
    event(
        "SatisfactionRecorded",
        case="C-1",
        at=26,
        metric="nps",
        score=9,
        comment="Fixed well in the end",
    ),
    event("CaseReopened", case="C-1", at=27, reason="Sofa leg broke"),
    event("CustomerErased", ERASED_KEY, at=28, actor="dpo", legal_basis="GDPR art. 17"),
]


def stored_id(version: int, customer: str = KEY) -> str:
    """The id of the event stored at ``version`` of ``customer``'s history."""
    from trustengine.domain.customer import customer_id

    return f"{customer_id(customer)}:{version}"


# The amendments name events by id, so they are examples of their own and not part of
# history(): the contact at version 3 of KEY's history is retracted, the unanswered
# contact at version 4 corrected.
AMENDMENTS: list[dict[str, Any]] = [
    event("EventRetracted", at=40, actor="agent-7", event=stored_id(3), reason="Wrong customer"),
    event(
        "EventCorrected",
        at=41,
        actor="agent-7",
        event=stored_id(4),
        replacement=event("ContactUnanswered", at=3, actor="agent-7", channel="phone", attempts=3),
        reason="Three calls, not two",
    ),
]

EXAMPLES: dict[str, dict[str, Any]] = {
    example["type"]: example for example in [*_ORDERED, *AMENDMENTS]
}
"""One valid contract-shaped example per event type (tests/interchange/test_codec.py checks
that every type of ``EVENT_TYPES`` has one)."""

# Events some examples need before them: a second promise to break, a second offer to
# decline.
_EXTRA_BEFORE: dict[str, dict[str, Any]] = {
    "PromiseBroken": event(
        "PromiseMade",
        case="C-1",
        at=10,
        promise="P-2",
        description="Call back by noon",
        due="2026-03-01T12:00:00+00:00",
    ),
    "CompensationDeclined": event(
        "CompensationOffered",
        case="C-1",
        at=16,
        offer="O-2",
        kind="discount",
        addresses_failure=False,
    ),
}


def history() -> list[dict[str, Any]]:
    """A valid history holding every type: :func:`history_length` events in all, the last
    being ERASED_KEY's erasure.

    The erasure is a different customer's, so erasing never touches KEY's data.
    """
    out: list[dict[str, Any]] = []
    for example in _ORDERED:
        extra = _EXTRA_BEFORE.get(example["type"])
        if extra is not None:
            out.append(extra)
        out.append(example)
    return out


def history_length() -> int:
    """How many events :func:`history` holds: one per type, and the extra ones."""
    return len(_ORDERED) + len(_EXTRA_BEFORE)


def key_history() -> list[dict[str, Any]]:
    """The events of :data:`KEY` in :func:`history`."""
    return [item for item in history() if item["customer"] == KEY]


def case_opened(case: str = "C-1", *, at: int = 0, customer: str = KEY) -> dict[str, Any]:
    """A ComplaintFiled that opens ``case``."""
    return event(
        "ComplaintFiled",
        customer,
        case,
        at=at,
        category="billing",
        severity=2,
        cause="billing_error",
        summary="Charged twice",
    )
