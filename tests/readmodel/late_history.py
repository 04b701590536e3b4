"""A synthetic history as it might really arrive: some events late, some entered by
mistake and retracted, some entered wrongly and corrected; and the tables compared with
those of the same final history imported in business-time order."""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import sqlite_utils

from trustengine import TrustEngine
from trustengine.domain.history import Entry, replay
from trustengine.interchange.codec import parse_event
from trustengine.readmodel import ReadModel
from trustengine.readmodel.projections import PROJECTED_TABLES
from trustengine.testing.synth import generate_history

START = datetime(2023, 1, 1, tzinfo=UTC)
"""Long enough ago that no generated event is in the store's future."""

Event = dict[str, Any]

IGNORED = {
    # Where and when the store learned of each event, and its place among the stored.
    "timeline": {
        "position",
        "seq",
        "event_id",
        "recorded_at",
        "amendment",
        "amended_by",
        "amended_at",
        "amended_actor",
        "amend_reason",
        "counted",
        "met_at",
        "late_entry",
    },
    "score_history": {"position", "seq"},
    "satisfaction": {"position"},
    "customers": {"changed_at"},
}


def _valid(events: list[Event], order: list[int]) -> bool:
    entries = [Entry.of(parse_event(events[i]), i + 1) for i in order]
    return not replay(entries)[1]


def arrival_order(events: list[Event], rng: random.Random, late: float) -> list[int]:
    """An order in which one customer's ``events`` (in business time) may arrive, the
    store taking each as it comes: a ``late`` share of them held back past later ones (as
    long as every arrival keeps the rules at its place in business time)."""
    ats = [event["at"] for event in events]
    held: dict[int, int] = {}  # index -> arrivals still to wait
    order: list[int] = []
    for index, event in enumerate(events):
        movable = ats.count(event["at"]) == 1 and event["type"] not in (
            "CaseClosed",
            "CaseReopened",
        )
        if index and movable and rng.random() < late:
            held[index] = rng.randint(1, 6)
            continue
        if _valid(events, [*order, index]):
            order.append(index)
            for key in held:
                held[key] -= 1
        else:
            held[index] = 0
        progress = True
        while progress:
            progress = False
            for key in sorted(held):
                if held[key] <= 0 and _valid(events, [*order, key]):
                    order.append(key)
                    del held[key]
                    progress = True
    while held:
        key = next(k for k in sorted(held) if _valid(events, [*order, k]))
        order.append(key)
        del held[key]
    return order


def by_customer(history: list[Event]) -> dict[str, list[Event]]:
    out: dict[str, list[Event]] = defaultdict(list)
    for event in history:
        out[str(event["customer"])].append(event)
    return out


def generated(customers: int = 40, events: int = 800, seed: int = 13) -> list[Event]:
    return generate_history(customers, events, seed=seed, start=START)


def record_as_it_arrives(
    engine: TrustEngine,
    history: list[Event],
    *,
    late: float = 0.2,
    retracted: float = 0.02,
    corrected: float = 0.01,
    seed: int = 5,
    catch_up: Callable[[], object] | None = None,
) -> tuple[list[Event], int]:
    """Record ``history`` in ``engine`` as it might really arrive; return the final
    history (what counts, in business time) and how many events arrived late.

    A ``late`` share of each customer's events arrive after later ones; a ``retracted``
    share of contacts entered by mistake are retracted; a ``corrected`` share of the
    contacts are first entered with a wrong sentiment, then corrected. ``catch_up`` runs
    after each customer's arrivals (so later customers' rows meet earlier ones).
    """
    rng = random.Random(seed)  # noqa: S311 - reproducible test data
    final: list[Event] = []
    lates = 0
    for customer, events in by_customer(history).items():
        order = arrival_order(events, rng, late)
        latest = ""
        for index in order:
            event = events[index]
            lates += event["at"] < latest
            latest = max(latest, str(event["at"]))
            wrong = event["type"] == "CustomerContacted" and rng.random() < corrected * 10
            if wrong:
                entered = {**event, "data": {**event["data"], "sentiment": -0.9}}
                engine.record(entered)
                stored = engine.history(customer)[-1]
                assert stored.event_id is not None
                engine.correct(
                    customer,
                    stored.event_id,
                    reason="sentiment mistyped",
                    changes={"sentiment": event["data"].get("sentiment")},
                )
            else:
                engine.record(event)
            if rng.random() < retracted:
                mistake = {
                    "type": "CustomerContacted",
                    "customer": customer,
                    "at": event["at"].replace(":00+", ":30+"),
                    "data": {"direction": "inbound", "sentiment": -1.0},
                }
                engine.record(mistake)
                stored = engine.history(customer)[-1]
                assert stored.event_id is not None
                engine.retract(customer, stored.event_id, reason="entered for the wrong customer")
        final.extend(events)
        if catch_up is not None:
            catch_up()
    final.sort(key=lambda event: str(event["at"]))
    return final, lates


def customer_tables(model: ReadModel) -> dict[str, list[dict[str, Any]]]:
    """Every projected table's rows that count, without the columns that say where and
    when the store learned of each event, in business-time order."""
    db: sqlite_utils.Database = model.db
    out: dict[str, list[dict[str, Any]]] = {}
    for table in PROJECTED_TABLES:
        ignored = IGNORED.get(table.name, set())
        names = [c for c in table.columns if c not in ignored]
        where = " WHERE counted" if table.name == "timeline" else ""
        order = "customer, seq" if "seq" in table.columns else ", ".join(f'"{c}"' for c in table.pk)
        cursor = db.execute(
            f'SELECT * FROM "{table.name}"{where} ORDER BY {order}'  # noqa: S608 - declared names
        )
        columns = [d[0] for d in cursor.description]
        rows = [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
        kept = [{name: row[name] for name in names} for row in rows]
        # A table without seq is keyed by event position: compare its rows as a set.
        out[table.name] = kept if "seq" in table.columns else sorted(kept, key=repr)
    return out


__all__ = [
    "IGNORED",
    "START",
    "arrival_order",
    "by_customer",
    "customer_tables",
    "generated",
    "record_as_it_arrives",
]
