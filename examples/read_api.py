"""Reading the ledger from code: the answers the commands print, as typed models.

Loads the bundled demo history, then asks what a support dashboard would: who is at
risk, what is overdue, where one customer stands and why, one case, the month's figures.
Several threads share the one engine, as the workers of a web server would; each answer
dumps to the JSON its command prints with ``--json``.

Run it with a store target as the only argument (default: an in-memory store):

    python examples/read_api.py ./read-api.db
"""

from __future__ import annotations

import json
import sys
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from importlib import resources

from trustengine import CustomerNotFoundError, TrustEngine, UnknownCaseError


def main(target: str = ":memory:") -> None:
    engine = TrustEngine(target)
    demo = resources.files("trustengine").joinpath("data/demo.jsonl").read_text("utf-8")
    engine.record_many(demo.splitlines())

    for row in engine.customers(at_risk=True):
        print(f"at risk: {row.customer} trust {row.score:g} ({row.phase})")

    judged = datetime(2026, 6, 1, tzinfo=UTC)
    for item in engine.due(at=judged, overdue=True):
        print(f"overdue: {item.kind} {item.customer}/{item.case} by {item.hours_overdue:g} h")

    state = engine.state("cust-boris")
    worst = min(state.explanation, key=lambda step: step.delta)
    print(f"cust-boris: {state.phase}, trust {state.score:g}; worst step: {worst.reason}")
    then = engine.state("cust-boris", as_of=datetime(2026, 3, 20, tzinfo=UTC))
    print(f"cust-boris on 20 March: {then.phase}, trust {then.score:g}")

    case = engine.case("cust-chen", "C-1003")
    still_open = [item.id for item in case.promises if item.status == "open"]
    print(f"case C-1003: {case.case.status}, owner {case.case.owner}, open: {still_open}")

    # Questions about things the ledger does not hold are named errors, not empty answers.
    for ask in (lambda: engine.timeline("cust-nobody"), lambda: engine.case("cust-chen", "C-9")):
        try:
            ask()
        except (CustomerNotFoundError, UnknownCaseError) as error:
            print(f"not found: {error}")

    # One engine, many threads: each read catches the read model up, exactly once.
    customers = [row.customer for row in engine.customers()]
    with ThreadPoolExecutor(max_workers=4) as pool:
        timelines = list(pool.map(engine.timeline, customers))
    steps = sum(len(timeline) for timeline in timelines)
    print(f"{steps} steps read by 4 threads for {len(customers)} customers")

    report = engine.report(since=datetime(2026, 3, 1, tzinfo=UTC))
    print("NPS:", report.satisfaction["nps"]["nps"])
    print("as a web handler would return it:", json.dumps(state.model_dump(mode="json"))[:72], "…")
    engine.close()


if __name__ == "__main__":
    main(*sys.argv[1:2])
