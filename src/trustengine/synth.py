"""Deterministic synthetic histories in the interchange format, for benchmarks and tests.

:func:`generate_history` writes realistic customer histories as contract-shaped dicts (the
JSON Lines shape of ``/work/shared/spec/interchange.md``): good recoveries, botched
complaints, escalations, quick fixes, cases still in progress, repeat complaints on new case
keys, and customer-level contacts, consent changes and satisfaction scores. Every history
obeys the contract's rules, and the same arguments always give the same list.

Each complaint is written as a *story* on its own clock; a customer's stories (which may
overlap in time) are merged by time and cut to the customer's share of the event budget.
Any prefix of a valid history is valid, so the cut keeps every rule; a cut story is simply
a case still in progress.

Run ``python -m trustengine.synth --customers N --events M --seed S OUT.jsonl``.
"""

from __future__ import annotations

import argparse
import json
import random
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path

Event = dict[str, object]

DEFAULT_START = datetime(2026, 1, 1, tzinfo=UTC)

_FIRST = ("Ana", "Ben", "Chloe", "Dev", "Elif", "Femi", "Greta", "Hiro", "Ines", "Jonas",
          "Kemal", "Lena", "Mateo", "Noor", "Olek", "Priya", "Rosa", "Sami", "Tess", "Yuki")
_LAST = ("Novak", "Okafor", "Silva", "Berg", "Kowalski", "Moreau", "Haddad", "Lindqvist",
         "Tanaka", "Byrne", "Costa", "Meyer", "Nash", "Petrov", "Reyes", "Weber")
_COMPLAINTS: dict[str, tuple[tuple[str, str], ...]] = {
    "broken_promise": (("delivery", "Delivery promised for the weekend never came"),
                       ("installation", "Installer did not turn up on the agreed day")),
    "slow_follow_up": (("support", "Asked for a call back three times; nobody called"),
                       ("returns", "Return sent four weeks ago, still no refund or update")),
    "unclear_communication": (("contract", "Nobody can tell me when my contract ends"),
                              ("billing", "Invoice lists charges no one can explain")),
    "poor_touchpoint": (("store", "Staff in store were dismissive about my question"),
                        ("support", "Chat agent closed the conversation mid-sentence")),
    "expectation_mismatch": (("subscription", "The plan did not include what the page said"),
                             ("product", "Item looks nothing like the product photos")),
    "product_defect": (("product", "Appliance stopped working after two weeks"),
                       ("product", "Screen cracked on first use")),
    "billing_error": (("billing", "Charged twice for the same month"),
                      ("billing", "Cancelled subscription still being charged")),
    "data_incident": (("privacy", "Received another customer's invoice by email"),
                      ("privacy", "My address was shown to another customer")),
    "other": (("other", "Parking at the service centre was closed without notice"),),
}
_GOOD_CAUSES = tuple(_COMPLAINTS)
_BAD_CAUSES = ("billing_error", "broken_promise", "slow_follow_up", "unclear_communication")
_EXPLANATIONS = ("We missed a step in our own process and did not tell you. That is on us.",
                 "A system change went out untested and caused this; we should have caught it.",
                 "The hand-over between two of our teams failed and your request was lost.")
_EXCUSES = ("This is our standard policy and it is stated in the terms.",
            "The delay was caused by our supplier, not by us.",
            "Our records show the charge is correct.")
_FIXES = ("Add an automatic check for this case to the process",
          "Retrain the team on the hand-over procedure",
          "Fix the system rule that caused the error")
_TEAMS = ("billing-team", "tier2-support", "logistics-desk", "complaints-office")
_FAIR_KINDS = ("refund", "replacement", "credit", "fee_waiver", "discount", "free_service")
_MONEY_KINDS = frozenset({"refund", "credit", "fee_waiver", "discount", "gift"})
_SLA_HOURS = {"standard": 24.0, "priority": 4.0, "vip": 2.0}


def _iso(moment: datetime) -> str:
    return moment.isoformat()


class _Customer:
    """One customer's events while they are being written, each with its time."""

    def __init__(self, rng: random.Random, key: str) -> None:
        self.rng = rng
        self.key = key
        self.tier = rng.choices(("standard", "priority", "vip"), (75, 20, 5))[0]
        self.currency = rng.choices(("EUR", "GBP", "USD"), (6, 2, 2))[0]
        self.timed: list[tuple[datetime, int, Event]] = []

    def add(self, at: datetime, type_: str, data: Event, actor: str, channel: str | None,
            case: str | None = None) -> None:
        event: Event = {"type": type_, "customer": self.key}
        if case is not None:
            event["case"] = case
        event["actor"] = actor
        if channel is not None:
            event["channel"] = channel
        event["data"] = data
        self.timed.append((at, len(self.timed), event))

    def finish(self, budget: int, erase: bool) -> list[Event]:
        """Merge the stories by time, cut to ``budget`` and make the times strictly rise."""
        self.timed.sort(key=lambda item: (item[0], item[1]))
        kept = self.timed[: budget - 1 if erase else budget]
        out: list[Event] = []
        last: datetime | None = None
        for at, _, event in kept:
            # Strictly rising times also keep two identical-looking facts apart.
            moment = at if last is None or at > last else last + timedelta(minutes=1)
            event["at"] = _iso(moment)
            out.append(event)
            last = moment
        if erase and last is not None:
            erased: Event = {"type": "CustomerErased", "customer": self.key, "at":
                             _iso(last + timedelta(days=30)), "actor": "system",
                             "data": {"legal_basis": "GDPR Art. 17 request"}}
            out.append(erased)
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
        self.count = 0
        self.closed = False

    def wait(self, low: float, high: float) -> None:
        """Let ``low``-``high`` hours pass; a clock that runs out meanwhile is recorded."""
        target = self.t + timedelta(minutes=round(self.rng.uniform(low, high) * 60))
        for clock, due in sorted(self.clocks.items(), key=lambda item: item[1]):
            if due < target:
                self.t = max(self.t, due + timedelta(minutes=self.rng.randint(1, 15)))
                self.emit("SlaBreached", {"clock": clock, "due": _iso(due)}, "system")
                del self.clocks[clock]
        self.t = max(self.t, target)

    def emit(self, type_: str, data: Event, by: str = "agent", *, case: bool = True,
             channel: str | None = None) -> None:
        actor = self.agent if by == "agent" else by
        chan = None if by == "system" else channel or self.channel
        self.cust.add(self.t, type_, data, actor, chan, self.case if case else None)

    def new_id(self, prefix: str) -> str:
        self.count += 1
        return f"{self.case}-{prefix}{self.count}"

    # --- steps shared by the stories ------------------------------------------------------

    def file(self, severity: int, causes: tuple[str, ...]) -> None:
        cause = self.rng.choice(causes)
        category, summary = self.rng.choice(_COMPLAINTS[cause])
        data: Event = {"category": category, "severity": severity, "cause": cause,
                       "summary": summary}
        if self.rng.random() < 0.4:
            data["remedy_sought"] = self.rng.choice(("A refund", "A fix", "An apology",
                                                     "A firm date", "Cancel the contract"))
        self.emit("ComplaintFiled", data, "customer")
        self.clocks["first_response"] = self.t + timedelta(hours=_SLA_HOURS[self.cust.tier])
        self.clocks["resolution"] = self.t + timedelta(days=7 if severity >= 3 else 14)

    def acknowledge(self) -> None:
        self.emit("ComplaintAcknowledged", {"message": "Thank you, we are on it."}
                  if self.rng.random() < 0.6 else {})
        self.clocks.pop("first_response", None)

    def apologise(self, owns_it: bool) -> None:
        data: Event = {"accepts_responsibility": owns_it}
        if owns_it or self.rng.random() < 0.3:
            data["explanation"] = self.rng.choice(_EXPLANATIONS)
        self.emit("ApologyIssued", data)

    def promise(self, days: float) -> str:
        pid = self.new_id("P")
        due = self.t + timedelta(days=days)
        self.emit("PromiseMade", {"promise": pid, "description": "Put it right by the date given",
                                  "due": _iso(due.replace(minute=0, second=0))})
        return pid

    def commit_fix(self, days: float) -> str:
        aid = self.new_id("A")
        self.emit("CorrectiveActionCommitted", {
            "action": aid, "description": self.rng.choice(_FIXES),
            "due": _iso(self.t + timedelta(days=days)),
            "prevents_recurrence": self.rng.random() < 0.8})
        return aid

    def offer(self, kind: str, fair: bool, accept: bool) -> None:
        oid = self.new_id("O")
        data: Event = {"offer": oid, "kind": kind}
        if kind in _MONEY_KINDS:
            data["amount"] = round(self.rng.uniform(5, 40) * (3 if fair else 1)) + 0.0
            data["currency"] = self.cust.currency
        data["addresses_failure"] = fair
        self.emit("CompensationOffered", data)
        self.wait(0.5, 30)
        if accept:
            self.emit("CompensationAccepted", {"offer": oid}, "customer")
        else:
            self.emit("CompensationDeclined", {"offer": oid, "reason": "Not what I asked for"}
                      if self.rng.random() < 0.6 else {"offer": oid}, "customer")

    def reassign(self, reason: str) -> None:
        owner = self.rng.choice((*_TEAMS, f"agent-{self.rng.randint(1, 60)}"))
        self.emit("CaseReassigned", {"owner": owner, "reason": reason}
                  if self.rng.random() < 0.7 else {"owner": owner})
        if owner.startswith("agent-"):
            self.agent = owner

    def resolve(self, confirmed: bool) -> None:
        self.emit("ResolutionProposed", {"summary": "Issue fixed and the customer informed"})
        if confirmed:
            self.wait(0.1, 20)
            self.emit("ResolutionConfirmed", {}, "customer")
        self.close(confirmed)

    def close(self, confirmed: bool) -> None:
        self.wait(0.05, 2)
        data: Event = {"confirmed_by_customer": confirmed}
        if not confirmed or self.rng.random() < 0.3:
            data["reason"] = "Resolved" if confirmed else "No further action from our side"
        self.emit("CaseClosed", data)
        self.clocks.pop("resolution", None)
        self.closed = True

    def reopen(self, reason: str) -> None:
        self.emit("CaseReopened", {"reason": reason})
        self.clocks["resolution"] = self.t + timedelta(days=7)
        self.closed = False

    def follow_up(self, days: float, outcome: str) -> None:
        fid = self.new_id("F")
        due = self.t + timedelta(days=days)
        self.emit("FollowUpScheduled", {"follow_up": fid, "due": _iso(due)})
        self.clocks["follow_up"] = due
        self.wait(days * 24 - 4, days * 24 + (30 if outcome == "no_answer" else 1))
        self.emit("FollowUpCompleted", {"follow_up": fid, "outcome": outcome})
        self.clocks.pop("follow_up", None)

    def rate(self, low: int, high: int, *, on_case: bool = True) -> None:
        nps = self.rng.randint(low, high)
        if self.rng.random() < 0.6:
            self.emit("SatisfactionRecorded", {"metric": "nps", "score": nps}, "customer",
                      case=on_case, channel="web")
        if self.rng.random() < 0.6:
            csat = 1 + round(nps * 0.4)
            self.emit("SatisfactionRecorded", {"metric": "csat", "score": csat}, "customer",
                      case=on_case, channel="web")

    def contact(self, direction: str, low: float, high: float, *, on_case: bool = True) -> None:
        data: Event = {"direction": direction, "sentiment": round(self.rng.uniform(low, high), 2)}
        if self.rng.random() < 0.5:
            data["summary"] = "Customer chasing an update" if direction == "inbound" \
                else "Checked in with the customer"
        self.emit("CustomerContacted", data, "customer" if direction == "inbound" else "agent",
                  case=on_case, channel="phone")


# --- stories -----------------------------------------------------------------------------


def _recovery(s: _Story) -> None:
    """Fast, owned, fair: the shape trust is rebuilt by."""
    s.file(s.rng.randint(1, 3), _GOOD_CAUSES)
    s.wait(0.05, 0.8)
    s.acknowledge()
    s.wait(0.1, 2)
    s.apologise(s.rng.random() < 0.9)
    pid = s.promise(s.rng.uniform(1, 5)) if s.rng.random() < 0.8 else None
    aid = s.commit_fix(s.rng.uniform(2, 10)) if s.rng.random() < 0.6 else None
    if s.rng.random() < 0.7:
        s.wait(0.1, 3)
        s.offer(s.rng.choice(_FAIR_KINDS), True, s.rng.random() < 0.9)
    if pid is not None:
        s.wait(12, 24)
        s.emit("PromiseKept", {"promise": pid})
    if aid is not None and s.rng.random() < 0.6:
        s.wait(2, 30)
        s.emit("CorrectiveActionCompleted", {"action": aid, "evidence": "Change verified"})
        aid = None
    s.wait(1, 24)
    s.resolve(True)
    if aid is not None:
        s.wait(24, 120)
        s.emit("CorrectiveActionCompleted", {"action": aid})
    if s.rng.random() < 0.7:
        outcome = s.rng.choices(("satisfied", "issue_persists", "no_answer"), (85, 10, 5))[0]
        s.follow_up(s.rng.uniform(1, 3), outcome)
        if outcome == "issue_persists":
            s.wait(0.5, 4)
            s.reopen("The problem came back")
            _put_right(s)
            s.rate(5, 8)
            return
    s.wait(1, 30)
    s.rate(8, 10)


def _put_right(s: _Story) -> None:
    s.wait(1, 8)
    pid = s.promise(s.rng.uniform(1, 3))
    s.wait(12, 48)
    s.emit("PromiseKept", {"promise": pid})
    s.wait(1, 12)
    s.resolve(True)


def _middling(s: _Story) -> None:
    """Handled, but slowly and without much warmth."""
    s.file(s.rng.randint(1, 3), _GOOD_CAUSES)
    s.wait(1, 20)
    s.acknowledge()
    if s.rng.random() < 0.7:
        s.wait(2, 24)
        s.apologise(s.rng.random() < 0.4)
    if s.rng.random() < 0.4:
        s.wait(4, 48)
        s.reassign("Needs another team")
    s.wait(24, 120)
    s.resolve(s.rng.random() < 0.7)
    if s.rng.random() < 0.5:
        s.wait(4, 72)
        s.rate(4, 8)


def _botched(s: _Story) -> None:
    """Slow, defensive, passed around, and promises broken."""
    s.file(s.rng.randint(3, 4), _BAD_CAUSES)
    s.wait(30, 110)
    s.acknowledge()
    if s.rng.random() < 0.7:
        s.wait(0.1, 4)
        s.emit("JustificationGiven", {"summary": s.rng.choice(_EXCUSES)})
    for _ in range(s.rng.randint(1, 3)):
        s.wait(6, 60)
        s.reassign(s.rng.choice(("Wrong team", "Shift change", "Agent on leave")))
    if s.rng.random() < 0.5:
        s.wait(2, 24)
        s.contact("inbound", -0.9, -0.3)
    s.wait(1, 24)
    pid = s.promise(s.rng.uniform(2, 5))
    s.wait(60, 140)
    s.emit("PromiseBroken", {"promise": pid, "reason": "Not done by the due date"}, "system")
    if s.rng.random() < 0.3:
        s.wait(1, 12)
        s.emit("CaseEscalated", {"level": 2, "reason": "Customer threatens to leave"})
    if s.rng.random() < 0.6:
        s.wait(2, 24)
        s.offer(s.rng.choice(("gift", "discount")), False, s.rng.random() < 0.25)
    s.wait(12, 72)
    s.close(False)
    if s.rng.random() < 0.6:
        s.wait(24, 96)
        s.emit("ContactUnanswered", {"attempts": s.rng.randint(1, 3)}, case=False)
    if s.rng.random() < 0.5:
        s.wait(24, 240)
        s.reopen("Customer says nothing was fixed")
        s.wait(0.5, 6)
        s.contact("inbound", -1.0, -0.5)
        if s.rng.random() < 0.5:
            s.wait(2, 24)
            s.apologise(True)
            s.offer("refund", True, True)
            _put_right(s)
            s.rate(3, 7)
            return
    if s.rng.random() < 0.8:
        s.wait(24, 200)
        s.rate(0, 4)


def _escalated(s: _Story) -> None:
    """Serious enough to go up a level, then handled properly."""
    s.file(s.rng.randint(2, 4), _GOOD_CAUSES)
    s.wait(0.2, 3)
    s.acknowledge()
    s.wait(0.2, 6)
    s.emit("CaseEscalated", {"level": 2, "reason": "Severity needs a specialist"})
    s.reassign("Escalated")
    if s.rng.random() < 0.3:
        s.wait(6, 48)
        s.emit("CaseEscalated", {"level": 3, "reason": "Needs management sign-off"})
    s.wait(1, 24)
    s.apologise(True)
    aid = s.commit_fix(s.rng.uniform(3, 12))
    s.offer(s.rng.choice(_FAIR_KINDS), True, s.rng.random() < 0.85)
    s.wait(48, 200)
    s.emit("CorrectiveActionCompleted", {"action": aid, "evidence": "Fix deployed and checked"})
    s.wait(1, 24)
    s.resolve(s.rng.random() < 0.85)
    s.wait(24, 96)
    s.rate(5, 9)


def _quick(s: _Story) -> None:
    """A small issue fixed within the hour."""
    s.file(1, _GOOD_CAUSES)
    s.wait(0.02, 0.3)
    s.acknowledge()
    s.wait(0.05, 0.5)
    s.resolve(s.rng.random() < 0.9)
    if s.rng.random() < 0.3:
        s.rate(7, 10)


def _in_progress(s: _Story) -> None:
    """Opened and being worked on; the story stops before anything is settled."""
    s.file(s.rng.randint(1, 4), _GOOD_CAUSES)
    s.wait(0.1, 12)
    s.acknowledge()
    s.wait(0.5, 24)
    s.apologise(s.rng.random() < 0.7)
    s.promise(s.rng.uniform(10, 30))
    if s.rng.random() < 0.5:
        s.commit_fix(s.rng.uniform(20, 45))


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
        s.emit("ConsentUpdated", {c: s.rng.random() < 0.7 for c in ("email", "sms", "marketing")
                                  if s.rng.random() < 0.7} or {"email": True},
               "customer", case=False, channel="web")
    else:
        s.emit("ContactUnanswered", {"attempts": s.rng.randint(1, 4)}, case=False)


_STORIES: tuple[tuple[Callable[[_Story], None], int], ...] = (
    (_recovery, 28), (_middling, 22), (_botched, 15), (_escalated, 8), (_quick, 12),
    (_in_progress, 4), (_between, 25))


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
    stories, weights = zip(*_STORIES, strict=True)
    cases = 0
    while len(cust.timed) < budget:
        at += timedelta(minutes=round(rng.expovariate(1 / (18 * 24 * 60))) + 1)
        story = rng.choices(stories, weights)[0]
        if story is not _between:
            cases += 1
        story(_Story(cust, f"C-{index:05d}-{cases:02d}", at))
    return cust.finish(budget, erase=budget > 3 and rng.random() < 0.003)


def generate_history(customers: int = 5000, events: int = 100_000, *, seed: int = 7,
                     start: datetime | None = None) -> list[dict[str, object]]:
    """Return ``events`` contract-valid events over ``customers`` customers, sorted by ``at``.

    The result depends only on the arguments. ``start`` (default 2026-01-01 UTC) is when
    the first customers appear; naive datetimes are taken as UTC.
    """
    if customers < 0 or events < 0:
        raise ValueError("customers and events must not be negative")
    if customers == 0:
        return []
    rng = random.Random(seed)
    begin = DEFAULT_START if start is None else start
    begin = begin.replace(tzinfo=UTC) if begin.tzinfo is None else begin.astimezone(UTC)
    history: list[Event] = []
    for index, budget in enumerate(_budgets(rng, customers, events), start=1):
        if budget:
            history.extend(_customer(rng, index, budget, begin))
    # Every `at` is UTC in the same ISO layout, so the strings sort as the times do.
    history.sort(key=lambda event: str(event["at"]))
    return history


def write_jsonl(events: Iterable[dict[str, object]], path: str | Path) -> None:
    """Write ``events`` to ``path``, one compact JSON object per line."""
    with Path(path).open("w", encoding="utf-8") as out:
        for event in events:
            out.write(json.dumps(event, separators=(",", ":"), ensure_ascii=False) + "\n")


def main(argv: list[str] | None = None) -> None:
    """Command-line entry: write a generated history to a JSON Lines file."""
    parser = argparse.ArgumentParser(prog="python -m trustengine.synth", description=__doc__
                                     .splitlines()[0])
    parser.add_argument("--customers", type=int, default=5000)
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--start", type=datetime.fromisoformat, default=None,
                        help="ISO 8601 time the first customers appear (default 2026-01-01)")
    parser.add_argument("out", type=Path)
    args = parser.parse_args(argv)
    events = generate_history(args.customers, args.events, seed=args.seed, start=args.start)
    write_jsonl(events, args.out)


if __name__ == "__main__":
    main()
