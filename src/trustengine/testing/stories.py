"""The stories a synthetic history tells, one case at a time: good recoveries, botched
complaints, escalations, quick fixes and customer-level traffic between cases, each on its
own clock. :mod:`trustengine.testing.synth` merges a customer's stories and cuts them to
its event budget."""

from __future__ import annotations

from collections.abc import Callable

from trustengine.testing.story import ANY_CAUSE, BAD_CAUSES, EXCUSES, FAIR_KINDS, Event, Story

# --- stories: each writes one case (or customer-level traffic) ----------------------------


def _recovery(s: Story) -> None:
    """Fast, owned, fair: the shape trust is rebuilt by."""
    s.file(s.rng.randint(1, 3), ANY_CAUSE)
    s.after(0.05, 0.8).acknowledge()
    s.after(0.1, 2).apologise(s.chance(0.9))
    pid = s.promise(s.rng.uniform(2, 5)) if s.chance(0.8) else None
    aid = s.commit_fix(s.rng.uniform(1, 5)) if s.chance(0.6) else None
    if s.chance(0.7):
        s.after(0.1, 3).offer(s.rng.choice(FAIR_KINDS), True, s.chance(0.9))
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


def _put_right(s: Story) -> None:
    s.after(1, 8).settle(s.promise(s.rng.uniform(1, 3)), True)
    s.after(1, 12).resolve(True)


def _middling(s: Story) -> None:
    """Handled, but slowly and without much warmth."""
    s.file(s.rng.randint(1, 3), ANY_CAUSE)
    s.after(1, 20).acknowledge()
    if s.chance(0.7):
        s.after(2, 24).apologise(s.chance(0.4))
    if s.chance(0.4):
        s.after(4, 48).reassign("Needs another team")
    s.after(24, 120).resolve(s.chance(0.7))
    if s.chance(0.5):
        s.after(4, 72).rate(4, 8)


def _botched(s: Story) -> None:
    """Slow, defensive, passed around, promises broken, closed without the customer."""
    s.file(s.rng.randint(3, 4), BAD_CAUSES)
    s.after(30, 110).acknowledge()
    if s.chance(0.7):
        s.after(0.1, 4).emit("JustificationGiven", {"summary": s.rng.choice(EXCUSES)})
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


def _escalated(s: Story) -> None:
    """Serious enough to go up a level or two, then handled properly."""
    s.file(s.rng.randint(2, 4), ANY_CAUSE)
    s.after(0.2, 3).acknowledge()
    s.after(0.2, 6).emit("CaseEscalated", {"level": 2, "reason": "Needs a specialist"})
    s.reassign("Escalated")
    if s.chance(0.3):
        s.after(6, 48).emit("CaseEscalated", {"level": 3, "reason": "Needs management sign-off"})
    s.after(1, 24).apologise(True)
    aid = s.commit_fix(s.rng.uniform(3, 12))
    s.offer(s.rng.choice(FAIR_KINDS), True, s.chance(0.85))
    s.complete(aid)
    s.after(1, 24).resolve(s.chance(0.85))
    s.after(24, 96).rate(5, 9)


def _quick(s: Story) -> None:
    """A small issue fixed within the hour."""
    s.file(1, ANY_CAUSE)
    s.after(0.02, 0.3).acknowledge()
    s.after(0.05, 0.5).resolve(s.chance(0.9))
    if s.chance(0.3):
        s.rate(7, 10)


def between(s: Story) -> None:
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


STORIES: tuple[Callable[[Story], None], ...] = (
    _recovery,
    _middling,
    _botched,
    _escalated,
    _quick,
    between,
)
WEIGHTS = (28, 22, 15, 8, 12, 25)


__all__ = ["STORIES", "WEIGHTS", "between"]
