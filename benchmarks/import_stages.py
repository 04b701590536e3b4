"""CPU time of each stage of the streamed import, an event at a time, in tight loops.

Run ``TRUSTENGINE_FUTURE_TOLERANCE=30000d python benchmarks/import_stages.py`` (see
``benchmarks/README.md``). cProfile overstates a path of many small calls, so each stage
here runs alone over the same events, with the collector paused as the import pauses it,
and is timed by ``time.process_time``: the median of ``--repeat`` runs, in microseconds
an event. The stages, in the order the import runs them:

- **spool**: the lines set aside by customer and read back (``Spool``);
- **decode**: ``json`` of each line as the parse decodes it (decimals exact);
- **parse**: ``parse_line``, that decoding plus the contract's checks and pydantic's
  validation of the event (the door);
- **stage**: each customer's drafts staged (``Ledger._stage``): the rules, the fact keys,
  each draft placed in its history and applied;
- **map and seal**: ``to_stored_event``: the payload dumped, personal fields sealed
  under the customer's key, the stored record;
- **chain**: the hash chain's two SHA-256 a stored event (``chain.link``);
- **SQL**: the chunk's rows, hashes and head written into a fresh store in one
  transaction (``bulk_insert``), the chain's hashing taken out;
- **import_lines**: the whole import into a fresh SQLite file, engine construction and
  table creation included, the figure ``import_bench.py`` compares.
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import json
import os
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from trustengine.application.facade import TrustEngine
from trustengine.domain.events import EVENT_TYPES
from trustengine.interchange.codec import parse_line
from trustengine.interchange.jsonl import import_lines
from trustengine.persistence.bulk import bulk_insert
from trustengine.persistence.chain import GENESIS, Seal, link
from trustengine.persistence.jsontext import exact_loads
from trustengine.persistence.personal import PERSONAL_FIELDS
from trustengine.persistence.spool import Spool
from trustengine.testing.synth import generate_history, write_jsonl

ENVELOPE = (
    ("customer", "customer"),
    ("case", "case"),
    ("actor", "actor"),
    ("at", "timestamp"),
    ("source", "source"),
    ("channel", "channel"),
)
"""A line's envelope keys and the event fields they fill (as ``parse_event`` has them)."""


def timed(repeat: int, run: Callable[[], Any]) -> tuple[float, Any]:
    """The median CPU seconds of ``repeat`` runs, and what the last one returned."""
    times, out = [], None
    for _ in range(repeat):
        gc.collect()
        gc.disable()
        try:
            start = time.process_time()
            out = run()
            times.append(time.process_time() - start)
        finally:
            gc.enable()
    return statistics.median(times), out


def staged(drafts: list[Any]) -> tuple[TrustEngine, list[Any]]:
    """A memory engine and its customers with ``drafts`` staged, a customer at a time."""
    engine = TrustEngine(":memory:")
    groups: dict[str, list[Any]] = {}
    for draft in drafts:
        groups.setdefault(draft.customer, []).append(draft)
    now = engine.clock()
    engine._known_empty = True  # as a streamed import into an empty store stages
    customers = []
    for group in groups.values():
        staged_customers, _ = engine._stage(group, list(range(len(group))), now)
        customers.extend(staged_customers)
    engine._known_empty = False
    return engine, customers


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--customers", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    n, repeat = args.events, args.repeat
    with tempfile.TemporaryDirectory(prefix="trustengine-stages-") as tmp:
        root = Path(tmp)
        jsonl = root / "history.jsonl"
        write_jsonl(generate_history(args.customers, n, seed=args.seed), jsonl)
        lines = jsonl.read_text(encoding="utf-8").splitlines()
        decode = exact_loads(json.JSONDecoder(parse_float=Decimal))
        results: dict[str, float] = {}

        def spool() -> int:
            with Spool() as kept:
                kept.extend(enumerate(lines, 1))
                return sum(len(group) for group in kept.customers())

        results["spool"], _ = timed(repeat, spool)
        results["decode"], _ = timed(repeat, lambda: [decode(line) for line in lines])
        results["parse"], drafts = timed(repeat, lambda: [parse_line(line) for line in lines])
        results["stage"], (engine, customers) = timed(repeat, lambda: staged(drafts))
        events = [event for customer in customers for event in customer.pending_events]
        engine.personal.prepare([customer.id for customer in customers])
        to_stored = engine.mapper.to_stored_event
        results["map and seal"], stored = timed(repeat, lambda: [to_stored(e) for e in events])
        results["chain"], _ = timed(
            repeat, lambda: link(stored, lambda s, p: None, Seal(0, GENESIS))
        )
        runs = iter(range(repeat))

        def write() -> None:
            store = TrustEngine(str(root / f"sql-{next(runs)}.db"))
            try:
                with bulk_insert(store.recorder) as insert:
                    for start in range(0, len(stored), 2000):
                        insert(stored[start : start + 2000])
            finally:
                store.close()

        results["SQL"], _ = timed(repeat, write)
        results["SQL"] -= results["chain"]
        imports = iter(range(repeat))

        def whole() -> None:
            store = TrustEngine(str(root / f"import-{next(imports)}.db"))
            try:
                import_lines(store, lines)
            finally:
                store.close()

        results["import_lines"], _ = timed(repeat, whole)
        floors = floor_costs(repeat, [decode(line) for line in lines], events, stored)
    parts = sum(v for k, v in results.items() if k not in ("decode", "import_lines"))
    print(f"{n} events, {args.customers} customers, seed {args.seed}, median of {repeat}")
    for name, seconds in results.items():
        note = " (inside parse)" if name == "decode" else ""
        print(f"{name:14s} {seconds / n * 1e6:7.2f} us an event{note}")
    rest = results["import_lines"] - parts
    print(f"{'rest':14s} {rest / n * 1e6:7.2f} us an event (import_lines minus the stages)")
    print("floors: the library calls inside the stages alone, no code of ours around them")
    for name, seconds in floors.items():
        print(f"  {name:52s} {seconds / n * 1e6:7.2f} us an event")


def floor_costs(
    repeat: int, decoded: list[Any], events: list[Any], stored: list[Any]
) -> dict[str, float]:
    """What the libraries alone take for the stages' core work, over the same events:
    pydantic validating each event (the fields of its line as the parse hands them over,
    the door's validators included: they are the contract's), pydantic dumping each stored payload,
    AES-GCM with a fresh nonce for the events that seal personal fields, the chain's two
    SHA-256, and SQLite inserting the same rows into the same three tables."""
    exclude = {"originator_id", "originator_version"}
    fields = []
    for obj in decoded:  # what parse_event hands pydantic: data and envelope, as decoded
        given = dict(obj.get("data") or {})
        for key, name in ENVELOPE:
            if obj.get(key) is not None:
                given[name] = obj[key]
        fields.append((EVENT_TYPES[obj["type"]], given))
    personal = PERSONAL_FIELDS
    sealing = [e for e in events if any(getattr(e, k, None) is not None for k in personal)]
    cipher = AESGCM(bytes(32))
    floors: dict[str, float] = {}
    floors["pydantic: validate each event"], _ = timed(
        repeat, lambda: [cls.__pydantic_validator__.validate_python(f) for cls, f in fields]
    )
    floors["pydantic: model_dump_json of each event"], _ = timed(
        repeat, lambda: [e.model_dump_json(exclude=exclude, exclude_none=True) for e in events]
    )
    floors[f"AES-GCM + nonce, {len(sealing)} sealed events"], _ = timed(
        repeat, lambda: [cipher.encrypt(os.urandom(12), b'{"name": "x"}', None) for _ in sealing]
    )
    floors["SHA-256 twice a stored event"], _ = timed(
        repeat,
        lambda: [
            hashlib.sha256(hashlib.sha256(s.state).hexdigest().encode()).hexdigest() for s in stored
        ],
    )
    rows = [(s.originator_id.hex, s.originator_version, s.topic, s.state) for s in stored]
    links = [(r[0], r[1], "0" * 64) for r in rows]

    def insert() -> None:
        db = sqlite3.connect(":memory:")
        db.execute(
            "CREATE TABLE stored_events (originator_id TEXT, originator_version INTEGER, "
            "topic TEXT, state BLOB, PRIMARY KEY (originator_id, originator_version))"
        )
        db.execute(
            "CREATE TABLE event_hashes (originator_id TEXT, originator_version INTEGER, "
            "hash TEXT NOT NULL, PRIMARY KEY (originator_id, originator_version)) WITHOUT ROWID"
        )
        with db:
            db.executemany("INSERT INTO stored_events VALUES (?, ?, ?, ?)", rows)
            db.executemany("INSERT INTO event_hashes VALUES (?, ?, ?)", links)
        db.close()

    floors["SQLite: the rows and hashes, executemany (memory)"], _ = timed(repeat, insert)
    return floors


if __name__ == "__main__":
    os.environ.setdefault("TRUSTENGINE_FUTURE_TOLERANCE", "30000d")
    main()
