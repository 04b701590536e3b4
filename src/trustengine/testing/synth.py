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
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from trustengine.persistence.files import whole_file
from trustengine.testing.stories import STORIES, WEIGHTS, between
from trustengine.testing.story import (
    DEFAULT_START,
    FIRST_NAMES,
    LAST_NAMES,
    REDRAWS,
    SMALL,
    Event,
    Persona,
    Story,
)


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
    cust = Persona(rng, f"cust-{index:05d}")
    at = start + timedelta(minutes=rng.randint(0, 120 * 24 * 60))
    if rng.random() < 0.85:
        data: Event = {"tier": cust.tier}
        if rng.random() < 0.9:
            data["name"] = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
        cust.add(at, "CustomerRegistered", data, "system", "web")
    cases = 0
    while len(cust.timed) < budget:
        at += timedelta(minutes=round(rng.expovariate(1 / (18 * 24 * 60))) + 1)
        before = len(cust.timed)
        for _ in range(REDRAWS):  # prefer a story that fits; the last draw may be cut
            del cust.timed[before:]
            left = budget - before
            story = between if left < SMALL else rng.choices(STORIES, WEIGHTS)[0]
            story(Story(cust, f"C-{index:05d}-{cases + 1:02d}", at))
            if len(cust.timed) <= budget:
                break
        cases += story is not between
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
