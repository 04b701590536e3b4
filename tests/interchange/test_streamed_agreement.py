"""Property: on any file, the streamed import (a customer at a time, from a spool) does
what the batch path (``import_items``: every line in one ``record_numbered``) does: the
same events stored in the same order, or the same bad lines named in the same order."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from trustengine.application.engine import Ledger
from trustengine.exceptions import ImportRejectedError
from trustengine.interchange.codec import dumps
from trustengine.interchange.jsonl import import_items, import_lines
from trustengine.testing.synth import generate_history

POOL = [json.dumps(e) for e in generate_history(customers=6, events=60, seed=3)]
JUNK = [
    "not json",
    "[1, 2]",
    '{"type": "Nope", "customer": "cust-x"}',
    '{"type": "CustomerRegistered", "customer": 7, "at": "2026-01-01T00:00:00+00:00"}',
    '{"customer": "cust-y"}',
]


def outcome(import_: Any) -> tuple[str, Any]:
    engine = Ledger(":memory:")
    try:
        result = import_(engine)
    except ImportRejectedError as refused:
        return ("refused", refused.lines)
    finally:
        stored = [dumps(e) for e in engine.all_events()]
        engine.close()
    return ("stored", (result.lines, result.stored, result.erased, stored))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    prefix=st.integers(0, len(POOL)),
    picks=st.lists(st.tuples(st.integers(0, 60), st.integers(0, len(POOL) - 1)), max_size=4),
    junk=st.lists(st.tuples(st.integers(0, 60), st.sampled_from(JUNK)), max_size=2),
)
def test_the_streamed_import_agrees_with_one_batch(
    prefix: int, picks: list[tuple[int, int]], junk: list[tuple[int, str]]
) -> None:
    lines = POOL[:prefix]  # a prefix of a valid history is valid
    for place, pick in picks:  # repeats and reorders: duplicates, late entries, gaps
        lines.insert(min(place, len(lines)), POOL[pick])
    for place, text in junk:
        lines.insert(min(place, len(lines)), text)
    numbered = list(enumerate(lines, start=1))
    batch = outcome(lambda engine: import_items(engine, numbered, max_errors=None))
    streamed = outcome(lambda engine: import_lines(engine, lines, max_errors=None))
    assert streamed == batch
