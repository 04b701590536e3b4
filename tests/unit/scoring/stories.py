"""Build realistic, rule-checked customer histories for trust-model tests, with no I/O."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from trustengine.domain.base import CustomerEvent
from trustengine.domain.customer import Customer
from trustengine.interchange.codec import parse_event

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


class Story:
    """A customer's history told step by step; every step passes the domain rules."""

    def __init__(self, customer: str = "cust-1", *, start: datetime = START) -> None:
        self.customer = customer
        self.now = start
        self.aggregate = Customer.new(customer, start)
        self.recorded: list[CustomerEvent] = []

    def after(self, **delta: float) -> Story:
        self.now += timedelta(**delta)
        return self

    def at(self, **delta: float) -> str:
        return (self.now + timedelta(**delta)).isoformat()

    def add(self, type_name: str, case: str | None = None, **data: Any) -> Story:
        event: dict[str, Any] = {
            "type": type_name,
            "customer": self.customer,
            "at": self.now.isoformat(),
            "data": data,
        }
        if case is not None:
            event["case"] = case
        recorded = self.aggregate.record(parse_event(event), recorded_at=self.now)
        self.recorded.append(recorded)
        self.now += timedelta(minutes=1)
        return self

    # --- common chapters -------------------------------------------------------------

    def complaint(
        self, case: str = "C-1", severity: int = 2, cause: str = "broken_promise"
    ) -> Story:
        return self.add(
            "ComplaintFiled",
            case,
            category="delivery",
            severity=severity,
            cause=cause,
            summary="The order promised for Monday arrived on Friday",
        )

    def good_handling(self, case: str = "C-1") -> Story:
        """Fast acknowledgement, owned apology, a kept promise and a fitting refund."""
        self.add("ComplaintAcknowledged", case, message="I own this until it is fixed.")
        self.add(
            "ApologyIssued",
            case,
            accepts_responsibility=True,
            explanation="We missed the van's departure.",
        )
        self.add(
            "PromiseMade",
            case,
            promise=f"P-{case}",
            description="Call back with a slot",
            due=self.at(days=1),
        )
        self.add(
            "CompensationOffered",
            case,
            offer=f"O-{case}",
            kind="refund",
            amount=20,
            currency="EUR",
            addresses_failure=True,
        )
        self.add("CompensationAccepted", case, offer=f"O-{case}")
        self.after(hours=3).add("PromiseKept", case, promise=f"P-{case}")
        return self

    def confirmed_close(self, case: str = "C-1") -> Story:
        self.add("ResolutionProposed", case, summary="Delivered with a refund")
        self.add("ResolutionConfirmed", case)
        return self.add("CaseClosed", case, confirmed_by_customer=True)

    def follow_up(self, case: str = "C-1", outcome: str = "satisfied") -> Story:
        self.add("FollowUpScheduled", case, follow_up=f"F-{case}", due=self.at(days=1))
        return self.after(days=1).add(
            "FollowUpCompleted", case, follow_up=f"F-{case}", outcome=outcome
        )

    def nps(self, score: int, case: str | None = None) -> Story:
        return self.add("SatisfactionRecorded", case, metric="nps", score=score)

    def model_recovery(self, case: str = "C-1", severity: int = 2) -> Story:
        return (
            self.complaint(case, severity).good_handling(case).confirmed_close(case).follow_up(case)
        )
