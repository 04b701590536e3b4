"""A synthetic customer (:class:`Persona`) and one case of theirs being told (:class:`Story`):
the vocabulary and the acts the stories of :mod:`trustengine.testing.stories` are made of."""

from __future__ import annotations

import random
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta

Event = dict[str, object]

DEFAULT_START = datetime(2026, 1, 1, tzinfo=UTC)

FIRST_NAMES = (
    "Ana",
    "Ben",
    "Chloe",
    "Dev",
    "Elif",
    "Femi",
    "Greta",
    "Hiro",
    "Ines",
    "Jonas",
    "Kemal",
    "Lena",
    "Mateo",
    "Noor",
    "Olek",
    "Priya",
    "Rosa",
    "Sami",
    "Tess",
    "Yuki",
)
LAST_NAMES = (
    "Novak",
    "Okafor",
    "Silva",
    "Berg",
    "Kowalski",
    "Moreau",
    "Haddad",
    "Lindqvist",
    "Tanaka",
    "Byrne",
    "Costa",
    "Meyer",
    "Nash",
    "Petrov",
    "Reyes",
    "Weber",
)
_COMPLAINTS = {  # cause: (category, summary)
    "broken_promise": ("delivery", "Delivery promised for the weekend never came"),
    "slow_follow_up": ("support", "Asked for a call back three times; nobody called"),
    "unclear_communication": ("contract", "Nobody can tell me when my contract ends"),
    "poor_touchpoint": ("support", "Chat agent closed the conversation mid-sentence"),
    "expectation_mismatch": ("subscription", "The plan did not include what the page said"),
    "product_defect": ("product", "Appliance stopped working after two weeks"),
    "billing_error": ("billing", "Charged twice for the same month"),
    "data_incident": ("privacy", "Received another customer's invoice by email"),
    "other": ("other", "Service centre car park closed without notice"),
}
ANY_CAUSE = tuple(_COMPLAINTS)
BAD_CAUSES = ("billing_error", "broken_promise", "slow_follow_up", "unclear_communication")
_EXPLANATIONS = (
    "We missed a step in our own process and did not tell you. That is on us.",
    "A system change went out untested and caused this; we should have caught it.",
    "The hand-over between two of our teams failed and your request was lost.",
)
EXCUSES = (
    "This is our standard policy and it is stated in the terms.",
    "The delay was caused by our supplier, not by us.",
    "Our records show the charge is correct.",
)
_FIXES = (
    "Add an automatic check for this case to the process",
    "Retrain the team on the hand-over procedure",
    "Fix the system rule that caused the error",
)
_TEAMS = ("billing-team", "tier2-support", "logistics-desk", "complaints-office")
FAIR_KINDS = ("refund", "replacement", "credit", "fee_waiver", "discount", "free_service")
_MONEY_KINDS = frozenset({"refund", "credit", "fee_waiver", "discount", "gift"})
_FIRST_RESPONSE_HOURS = {"standard": 24, "priority": 4, "vip": 2}
REDRAWS = 3
SMALL = 4


class Persona:
    """One customer's events while they are being written, each with its business time."""

    def __init__(self, rng: random.Random, key: str) -> None:
        self.rng = rng
        self.key = key
        self.tier = rng.choices(("standard", "priority", "vip"), (75, 20, 5))[0]
        self.currency = rng.choices(("EUR", "GBP", "USD"), (6, 2, 2))[0]
        self.timed: list[tuple[datetime, int, Event]] = []

    def add(
        self,
        at: datetime,
        type_: str,
        data: Event,
        actor: str,
        channel: str | None,
        case: str | None = None,
    ) -> None:
        event = {
            "type": type_,
            "customer": self.key,
            "case": case,
            "at": "",
            "actor": actor,
            "channel": channel,
            "data": data,
        }  # `at` is written when merged
        self.timed.append((at, len(self.timed), {k: v for k, v in event.items() if v is not None}))

    def finish(self, budget: int, erase: bool) -> list[Event]:
        """Merge the stories by time, cut to ``budget`` and make the times strictly rise."""
        self.timed.sort(key=lambda item: (item[0], item[1]))
        out: list[Event] = []
        last: datetime | None = None
        for at, _, event in self.timed[: budget - 1 if erase else budget]:
            # Strictly rising times also keep two identical-looking facts apart.
            last = at if last is None or at > last else last + timedelta(minutes=1)
            event["at"] = last.isoformat()
            out.append(event)
        if erase and last is not None:
            out.append(
                {
                    "type": "CustomerErased",
                    "customer": self.key,
                    "at": (last + timedelta(days=30)).isoformat(),
                    "actor": "system",
                    "data": {"legal_basis": "GDPR Art. 17 erasure request"},
                }
            )
        return out


class Story:
    """One case's story on its own clock, with the SLA clocks a sweep would watch."""

    def __init__(self, cust: Persona, case: str, at: datetime) -> None:
        self.cust = cust
        self.rng = cust.rng
        self.case = case
        self.t = at
        self.agent = f"agent-{self.rng.randint(1, 60)}"
        self.channel = self.rng.choice(("email", "phone", "chat", "web", "email", "social"))
        self.clocks: dict[str, datetime] = {}
        self.dues: dict[str, datetime] = {}
        self.count = 0

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def maybe(self, p: float, data: Mapping[str, object], **optional: object) -> Event:
        """``data``, with the ``optional`` fields added with probability ``p``."""
        return {**data, **optional} if self.chance(p) else dict(data)

    def after(self, low: float, high: float) -> Story:
        """Let ``low``-``high`` hours pass; a clock that runs out meanwhile is recorded."""
        target = self.t + timedelta(minutes=round(self.rng.uniform(low, high) * 60))
        for clock, due in sorted(self.clocks.items(), key=lambda item: item[1]):
            if due < target:
                self.t = max(self.t, due + timedelta(minutes=self.rng.randint(1, 15)))
                self.emit("SlaBreached", {"clock": clock, "due": due.isoformat()}, "system")
                del self.clocks[clock]
        self.t = max(self.t, target)
        return self

    def emit(
        self,
        type_: str,
        data: Event,
        by: str = "agent",
        *,
        case: bool = True,
        channel: str | None = None,
    ) -> None:
        actor = self.agent if by == "agent" else by
        chan = None if by == "system" else channel or self.channel
        self.cust.add(self.t, type_, data, actor, chan, self.case if case else None)

    def new_id(self, prefix: str, due: datetime | None = None) -> str:
        self.count += 1
        ident = f"{self.case}-{prefix}{self.count}"
        if due is not None:
            self.dues[ident] = due
        return ident

    def hours_to(self, ident: str) -> float:
        return max(0.0, (self.dues[ident] - self.t).total_seconds() / 3600)

    # --- steps the stories are made of ---------------------------------------------------

    def file(self, severity: int, causes: tuple[str, ...]) -> None:
        cause = self.rng.choice(causes)
        category, summary = _COMPLAINTS[cause]
        remedy = self.rng.choice(("A refund", "A fix", "An apology", "A firm date", "To cancel"))
        data = {"category": category, "severity": severity, "cause": cause, "summary": summary}
        self.emit("ComplaintFiled", self.maybe(0.4, data, remedy_sought=remedy), "customer")
        hours = _FIRST_RESPONSE_HOURS[self.cust.tier]
        self.clocks["first_response"] = self.t + timedelta(hours=hours)
        self.clocks["resolution"] = self.t + timedelta(days=7 if severity >= 3 else 14)

    def acknowledge(self) -> None:
        message = "Thank you for telling us; we are on it."
        self.emit("ComplaintAcknowledged", self.maybe(0.6, {}, message=message))
        self.clocks.pop("first_response", None)

    def apologise(self, owns_it: bool) -> None:
        why = self.rng.choice(_EXPLANATIONS)
        data = {"accepts_responsibility": owns_it}
        self.emit("ApologyIssued", self.maybe(1 if owns_it else 0.3, data, explanation=why))

    def promise(self, days: float) -> str:
        due = (self.t + timedelta(days=days)).replace(minute=0)
        pid = self.new_id("P", due)
        self.emit(
            "PromiseMade",
            {"promise": pid, "description": "Put it right by this date", "due": due.isoformat()},
        )
        return pid

    def settle(self, pid: str, kept: bool) -> None:
        """Keep the promise before its due time, or let that pass; a sweep records the breach."""
        left = self.hours_to(pid)
        if kept:
            self.after(0.2 * left, 0.9 * left).emit("PromiseKept", {"promise": pid})
        else:
            broken: Event = {"promise": pid, "reason": "Not done by the due date"}
            self.after(left + 0.1, left + 12).emit("PromiseBroken", broken, "system")

    def commit_fix(self, days: float) -> str:
        due = self.t + timedelta(days=days)
        aid = self.new_id("A", due)
        self.emit(
            "CorrectiveActionCommitted",
            {
                "action": aid,
                "description": self.rng.choice(_FIXES),
                "due": due.isoformat(),
                "prevents_recurrence": self.chance(0.8),
            },
        )
        return aid

    def complete(self, aid: str) -> None:
        left = self.hours_to(aid)
        data = self.maybe(0.7, {"action": aid}, evidence="Change verified in production")
        self.after(0.3 * left, left).emit("CorrectiveActionCompleted", data)

    def offer(self, kind: str, fair: bool, accept: bool) -> None:
        oid = self.new_id("O")
        data: Event = {"offer": oid, "kind": kind}
        if kind in _MONEY_KINDS:
            data["amount"] = round(self.rng.uniform(5, 40) * (3 if fair else 1), 2)
            data["currency"] = self.cust.currency
        data["addresses_failure"] = fair
        self.emit("CompensationOffered", data)
        self.after(0.5, 30)
        if accept:
            self.emit("CompensationAccepted", {"offer": oid}, "customer")
        else:
            data = self.maybe(0.6, {"offer": oid}, reason="Not what I asked for")
            self.emit("CompensationDeclined", data, "customer")

    def reassign(self, reason: str) -> None:
        owner = self.rng.choice((*_TEAMS, f"agent-{self.rng.randint(1, 60)}"))
        self.emit("CaseReassigned", self.maybe(0.7, {"owner": owner}, reason=reason))
        if owner.startswith("agent-"):
            self.agent = owner

    def resolve(self, confirmed: bool, *, propose: bool = True) -> None:
        if propose:
            self.emit("ResolutionProposed", {"summary": "Issue fixed and the customer informed"})
        if confirmed and propose:
            self.after(0.1, 20).emit("ResolutionConfirmed", {}, "customer")
        reason = "Resolved" if confirmed else "No further action from our side"
        data = self.maybe(
            0.3 if confirmed else 1, {"confirmed_by_customer": confirmed}, reason=reason
        )
        self.after(0.05, 2).emit("CaseClosed", data)
        self.clocks.pop("resolution", None)

    def reopen(self, reason: str) -> None:
        self.emit("CaseReopened", {"reason": reason})
        self.clocks["resolution"] = self.t + timedelta(days=7)

    def follow_up(self, days: float, outcome: str) -> None:
        due = self.t + timedelta(days=days)
        fid = self.new_id("F", due)
        self.emit("FollowUpScheduled", {"follow_up": fid, "due": due.isoformat()})
        self.clocks["follow_up"] = due
        late = 30 if outcome == "no_answer" else 1
        self.after(days * 24 - 4, days * 24 + late)
        self.emit("FollowUpCompleted", {"follow_up": fid, "outcome": outcome})
        self.clocks.pop("follow_up", None)

    def rate(self, low: int, high: int, *, on_case: bool = True) -> None:
        nps = self.rng.randint(low, high)
        for metric, score in (("nps", nps), ("csat", 1 + round(nps * 0.4))):
            if self.chance(0.6):
                self.emit(
                    "SatisfactionRecorded",
                    {"metric": metric, "score": score},
                    "customer",
                    case=on_case,
                    channel="web",
                )

    def contact(self, direction: str, low: float, high: float, *, on_case: bool = True) -> None:
        data = {"direction": direction, "sentiment": round(self.rng.uniform(low, high), 2)}
        summary = "Customer chasing an update" if direction == "inbound" else "Checked in"
        self.emit(
            "CustomerContacted",
            self.maybe(0.5, data, summary=summary),
            "customer" if direction == "inbound" else "agent",
            case=on_case,
            channel="phone",
        )


__all__ = [
    "ANY_CAUSE",
    "BAD_CAUSES",
    "DEFAULT_START",
    "EXCUSES",
    "FAIR_KINDS",
    "FIRST_NAMES",
    "LAST_NAMES",
    "REDRAWS",
    "SMALL",
    "Event",
    "Persona",
    "Story",
]
