"""Deterministic synthetic histories in the interchange format, for benchmarks and tests.

:func:`generate_history` returns contract-shaped event dicts (the JSON Lines shape of the
interchange contract, v1) telling realistic stories: good recoveries, botched complaints,
escalations, quick fixes, repeat complaints and customer-level traffic. Each complaint is
written on its own clock, then a customer's stories are merged by time and cut to the
customer's event budget: any prefix of a valid history is valid, so a cut story is simply a
case still in progress.

Run ``python -m trustengine.testing.synth --customers N --events M --seed S OUT.jsonl``.
"""

from __future__ import annotations

import argparse
import json
import random
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path

from trustengine.persistence.files import whole_file

Event = dict[str, object]

DEFAULT_START = datetime(2026, 1, 1, tzinfo=UTC)

_FIRST = (
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
_LAST = (
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
_ANY_CAUSE = tuple(_COMPLAINTS)
_BAD_CAUSES = ("billing_error", "broken_promise", "slow_follow_up", "unclear_communication")
_EXPLANATIONS = (
    "We missed a step in our own process and did not tell you. That is on us.",
    "A system change went out untested and caused this; we should have caught it.",
    "The hand-over between two of our teams failed and your request was lost.",
)
_EXCUSES = (
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
_FAIR_KINDS = ("refund", "replacement", "credit", "fee_waiver", "discount", "free_service")
_MONEY_KINDS = frozenset({"refund", "credit", "fee_waiver", "discount", "gift"})
_FIRST_RESPONSE_HOURS = {"standard": 24, "priority": 4, "vip": 2}
_REDRAWS = 3
_SMALL = 4


class _Customer:
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


class _Story:
    """One case's story on its own clock, with the SLA clocks a sweep would watch."""

    def __init__(self, cust: _Customer, case: str, at: datetime) -> None:
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

    def after(self, low: float, high: float) -> _Story:
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


# --- stories: each writes one case (or customer-level traffic) ----------------------------


def _recovery(s: _Story) -> None:
    """Fast, owned, fair: the shape trust is rebuilt by."""
    s.file(s.rng.randint(1, 3), _ANY_CAUSE)
    s.after(0.05, 0.8).acknowledge()
    s.after(0.1, 2).apologise(s.chance(0.9))
    pid = s.promise(s.rng.uniform(2, 5)) if s.chance(0.8) else None
    aid = s.commit_fix(s.rng.uniform(1, 5)) if s.chance(0.6) else None
    if s.chance(0.7):
        s.after(0.1, 3).offer(s.rng.choice(_FAIR_KINDS), True, s.chance(0.9))
    if pid is not None:
        s.settle(pid, True)
    if aid is not None and s.chance(0.5):
        s.complete(aid)
        aid = None
    s.after(1, 24).resolve(True)
    if aid is not None:  # a closed case still takes the settling of its commitments
        s.complete(aid)
    if s.chance(0.7):
        outcome = s.rng.choices(("satisfied", "issue_persists", "no_answer"), (85, 10, 5))[0]
        s.follow_up(s.rng.uniform(1, 3), outcome)
        if outcome == "issue_persists":
            s.after(0.5, 4).reopen("The problem came back")
            _put_right(s)
            s.after(2, 48).rate(5, 8)
            return
    s.after(1, 30).rate(8, 10)


def _put_right(s: _Story) -> None:
    s.after(1, 8).settle(s.promise(s.rng.uniform(1, 3)), True)
    s.after(1, 12).resolve(True)


def _middling(s: _Story) -> None:
    """Handled, but slowly and without much warmth."""
    s.file(s.rng.randint(1, 3), _ANY_CAUSE)
    s.after(1, 20).acknowledge()
    if s.chance(0.7):
        s.after(2, 24).apologise(s.chance(0.4))
    if s.chance(0.4):
        s.after(4, 48).reassign("Needs another team")
    s.after(24, 120).resolve(s.chance(0.7))
    if s.chance(0.5):
        s.after(4, 72).rate(4, 8)


def _botched(s: _Story) -> None:
    """Slow, defensive, passed around, promises broken, closed without the customer."""
    s.file(s.rng.randint(3, 4), _BAD_CAUSES)
    s.after(30, 110).acknowledge()
    if s.chance(0.7):
        s.after(0.1, 4).emit("JustificationGiven", {"summary": s.rng.choice(_EXCUSES)})
    for _ in range(s.rng.randint(1, 3)):
        s.after(6, 60).reassign(s.rng.choice(("Wrong team", "Shift change", "Agent on leave")))
    if s.chance(0.5):
        s.after(2, 24).contact("inbound", -0.9, -0.3)
    s.after(1, 24).settle(s.promise(s.rng.uniform(2, 5)), False)
    if s.chance(0.3):
        s.after(1, 12).emit("CaseEscalated", {"level": 2, "reason": "Customer threatens to leave"})
    if s.chance(0.6):
        s.after(2, 24).offer(s.rng.choice(("gift", "discount")), False, s.chance(0.25))
    s.after(12, 72).resolve(False, propose=False)
    if s.chance(0.6):
        s.after(24, 96).emit("ContactUnanswered", {"attempts": s.rng.randint(1, 3)}, case=False)
    if s.chance(0.5):
        s.after(24, 240).reopen("Customer says nothing was fixed")
        s.after(0.5, 6).contact("inbound", -1.0, -0.5)
        if s.chance(0.5):
            s.after(2, 24).apologise(True)
            s.offer("refund", True, True)
            _put_right(s)
            s.after(24, 120).rate(3, 7)
            return
    if s.chance(0.8):
        s.after(24, 200).rate(0, 4)


def _escalated(s: _Story) -> None:
    """Serious enough to go up a level or two, then handled properly."""
    s.file(s.rng.randint(2, 4), _ANY_CAUSE)
    s.after(0.2, 3).acknowledge()
    s.after(0.2, 6).emit("CaseEscalated", {"level": 2, "reason": "Needs a specialist"})
    s.reassign("Escalated")
    if s.chance(0.3):
        s.after(6, 48).emit("CaseEscalated", {"level": 3, "reason": "Needs management sign-off"})
    s.after(1, 24).apologise(True)
    aid = s.commit_fix(s.rng.uniform(3, 12))
    s.offer(s.rng.choice(_FAIR_KINDS), True, s.chance(0.85))
    s.complete(aid)
    s.after(1, 24).resolve(s.chance(0.85))
    s.after(24, 96).rate(5, 9)


def _quick(s: _Story) -> None:
    """A small issue fixed within the hour."""
    s.file(1, _ANY_CAUSE)
    s.after(0.02, 0.3).acknowledge()
    s.after(0.05, 0.5).resolve(s.chance(0.9))
    if s.chance(0.3):
        s.rate(7, 10)


def _between(s: _Story) -> None:
    """Customer-level traffic between complaints: contacts, consent, scores, silence."""
    pick = s.rng.random()
    if pick < 0.4:
        s.contact("outbound", 0.1, 0.9, on_case=False)
    elif pick < 0.6:
        s.contact("inbound", -0.3, 0.6, on_case=False)
    elif pick < 0.75:
        s.rate(3, 10, on_case=False)
    elif pick < 0.9:
        channels = ("email", "sms", "phone", "marketing")
        consent: Event = {c: s.chance(0.7) for c in channels if s.chance(0.6)}
        s.emit("ConsentUpdated", consent or {"email": True}, "customer", case=False, channel="web")
    else:
        s.emit("ContactUnanswered", {"attempts": s.rng.randint(1, 4)}, case=False)


_STORIES: tuple[Callable[[_Story], None], ...] = (
    _recovery,
    _middling,
    _botched,
    _escalated,
    _quick,
    _between,
)
_WEIGHTS = (28, 22, 15, 8, 12, 25)


def _budgets(rng: random.Random, customers: int, events: int) -> list[int]:
    """Split ``events`` over the customers: uneven, at least one each, exact in total."""
    if events < customers:
        return [1] * events + [0] * (customers - events)
    weights = [rng.lognormvariate(0, 0.7) for _ in range(customers)]
    spare, total = events - customers, sum(weights)
    shares = [1 + int(spare * w / total) for w in weights]
    for i in rng.sample(range(customers), events - sum(shares)):
        shares[i] += 1
    return shares


def _customer(rng: random.Random, index: int, budget: int, start: datetime) -> list[Event]:
    cust = _Customer(rng, f"cust-{index:05d}")
    at = start + timedelta(minutes=rng.randint(0, 120 * 24 * 60))
    if rng.random() < 0.85:
        data: Event = {"tier": cust.tier}
        if rng.random() < 0.9:
            data["name"] = f"{rng.choice(_FIRST)} {rng.choice(_LAST)}"
        cust.add(at, "CustomerRegistered", data, "system", "web")
    cases = 0
    while len(cust.timed) < budget:
        at += timedelta(minutes=round(rng.expovariate(1 / (18 * 24 * 60))) + 1)
        before = len(cust.timed)
        for _ in range(_REDRAWS):  # prefer a story that fits; the last draw may be cut
            del cust.timed[before:]
            left = budget - before
            story = _between if left < _SMALL else rng.choices(_STORIES, _WEIGHTS)[0]
            story(_Story(cust, f"C-{index:05d}-{cases + 1:02d}", at))
            if len(cust.timed) <= budget:
                break
        cases += story is not _between
    return cust.finish(budget, erase=budget > 3 and rng.random() < 0.003)


def generate_history(
    customers: int = 5000, events: int = 100_000, *, seed: int = 7, start: datetime | None = None
) -> list[dict[str, object]]:
    """Return ``events`` contract-valid events over ``customers`` customers, sorted by ``at``.

    The result depends only on the arguments. ``start`` (default 2026-01-01 UTC) is when
    the first customers appear; a naive ``start`` is taken as UTC.
    """
    if events < 0 or customers < (1 if events else 0):
        raise ValueError("events must not be negative, and need at least one customer")
    if events == 0:
        return []
    rng = random.Random(seed)  # noqa: S311 - reproducible test data, not secrets
    begin = (start or DEFAULT_START).replace(microsecond=0)
    begin = begin.replace(tzinfo=UTC) if begin.tzinfo is None else begin.astimezone(UTC)
    history: list[Event] = []
    for index, budget in enumerate(_budgets(rng, customers, events), start=1):
        if budget:
            history.extend(_customer(rng, index, budget, begin))
    # Every `at` is UTC in the same ISO layout, so the strings sort as the times do.
    history.sort(key=lambda event: str(event["at"]))
    return history


def write_jsonl(events: Iterable[dict[str, object]], path: str | Path) -> None:
    """Write ``events`` to ``path``, one compact JSON object per line, whole or not at all
    (the made-up history holds no one's data, so the file follows the umask)."""
    with whole_file(path, private=False) as out:
        for event in events:
            out.write(json.dumps(event, separators=(",", ":"), allow_nan=False) + "\n")


def main(argv: list[str] | None = None) -> None:
    """Write a generated history to a JSON Lines file."""
    parser = argparse.ArgumentParser(
        "python -m trustengine.testing.synth", description=main.__doc__
    )
    parser.add_argument("--customers", type=int, default=5000)
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--start",
        type=datetime.fromisoformat,
        default=None,
        help="ISO 8601 time the first customers appear (default 2026-01-01)",
    )
    parser.add_argument("out", type=Path, help="the JSON Lines file to write")
    args = parser.parse_args(argv)
    events = generate_history(args.customers, args.events, seed=args.seed, start=args.start)
    write_jsonl(events, args.out)


if __name__ == "__main__":
    main()


__all__ = [
    "DEFAULT_START",
    "Event",
    "generate_history",
    "main",
    "write_jsonl",
]
