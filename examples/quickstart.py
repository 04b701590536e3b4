"""Embedding trustengine: record a recovery, hit a rule, replay the history.

Run it with a store target as the only argument (default: an in-memory store):

    python examples/quickstart.py ./quickstart.db
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime, timedelta

from trustengine import CaseClosedError, TrustEngine, dumps


def main(target: str = ":memory:") -> None:
    engine = TrustEngine(target)
    start = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)

    def at(hours: float) -> datetime:
        return start + timedelta(hours=hours)

    key, case = "cust-042", "C-1001"
    engine.register_customer(key, name="Ada Example", tier="priority", at=at(0))
    engine.file_complaint(
        key,
        case,
        category="delivery",
        severity=2,
        cause="broken_promise",
        summary="Order promised for Monday arrived Friday",
        at=at(1),
        actor="customer",
        channel="email",
    )
    engine.acknowledge(
        key,
        case,
        message="I own this until it is fixed.",
        at=at(1.3),
        actor="agent-7",
        channel="email",
    )
    engine.apologize(
        key,
        case,
        accepts_responsibility=True,
        explanation="We missed the van's departure.",
        at=at(1.5),
        actor="agent-7",
    )
    engine.make_promise(
        key,
        case,
        promise="P-1",
        description="Call back with a slot",
        due=at(24),
        at=at(1.6),
        actor="agent-7",
    )
    engine.offer_compensation(
        key,
        case,
        offer="O-1",
        kind="refund",
        amount="15.00",
        currency="EUR",
        addresses_failure=True,
        at=at(2),
        actor="agent-7",
    )
    engine.accept_compensation(key, case, offer="O-1", at=at(3), actor="customer")
    engine.keep_promise(key, case, promise="P-1", at=at(20), actor="agent-7")
    engine.confirm_resolution(key, case, at=at(30), actor="customer")
    engine.close_case(key, case, confirmed_by_customer=True, at=at(30.1), actor="agent-7")

    # A closed case takes no new commitments: the rule is named, nothing is stored.
    try:
        engine.make_promise(key, case, promise="P-2", description="More", due=at(50), at=at(31))
    except CaseClosedError as error:
        print(f"refused: {error} (rule: {error.rule})")

    # The same fact twice is stored once, so retries are safe.
    stored_again = engine.keep_promise(key, case, promise="P-1", at=at(20), actor="agent-7")
    print(f"stored the same fact again: {stored_again}")

    engine.schedule_follow_up(key, case, follow_up="F-1", due=at(54), at=at(30.2))
    engine.record_satisfaction(
        key, case=case, metric="nps", score=9, at=at(54.5), actor="customer", channel="sms"
    )

    history = engine.history(key)
    print(f"{len(history)} events for {key}:")
    for event in history:
        print(f"  v{event.originator_version} {event.at:%Y-%m-%d %H:%M} {event.type_name}")
    print("as of day one:", [e.type_name for e in engine.history(key, as_of=at(24))][-1])
    print("first line of the export:", dumps(history[0]))
    engine.close()


if __name__ == "__main__":
    main(*sys.argv[1:2])
