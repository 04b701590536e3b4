"""What every upstream case run against our recorders checks after its test: the chain.

eventsourcing's own test cases (``eventsourcing.tests.persistence`` and
``eventsourcing.tests.application``) know nothing of our tamper-evidence chain. Each
subclass here collects the chained recorders its test made, and after the test
:func:`chain_problems` recomputes every hash from the stored events, in notification
order, with :mod:`trustengine.persistence.chain`, and compares them with the stored
hashes (by batch, and by stream), the hash count and the stored head. Writes the test
saw refused (a version conflict, a repeated tracking record) must have left no hash
behind either.
"""

from __future__ import annotations

import unittest
from collections.abc import Sequence
from typing import Any

from eventsourcing.persistence import AggregateRecorder, StoredEvent

from trustengine.persistence.chain import GENESIS, Seal, advance_head, event_hash, norm_stream
from trustengine.persistence.recorders import ChainReader

BATCH = 500
"""Notifications read at a time, so a batch's hashes are read as verify reads them."""


def chain_problems(recorder: Any) -> list[str]:
    """How the stored chain of ``recorder`` (an application recorder that is also a
    :class:`ChainReader`) differs from the one its stored events recompute to."""
    assert isinstance(recorder, ChainReader), f"{type(recorder).__name__} keeps no chain"
    problems: list[str] = []
    last: dict[str, str] = {}
    streams: dict[str, Any] = {}
    expected: dict[str, dict[int, str]] = {}
    head, count, start = GENESIS, 0, 1
    while notifications := recorder.select_notifications(start, BATCH):
        stored = recorder.links_between(notifications[0].id, notifications[-1].id)
        for n in notifications:
            stream = norm_stream(str(n.originator_id))
            streams.setdefault(stream, n.originator_id)
            hashed = event_hash(last.get(stream, GENESIS), n)
            last[stream] = hashed
            expected.setdefault(stream, {})[n.originator_version] = hashed
            if stored.get(n.id) != hashed:
                problems.append(
                    f"event #{n.id} ({stream} position {n.originator_version}): stored hash "
                    f"{stored.get(n.id)} but it recomputes to {hashed}"
                )
            head, count = advance_head(head, hashed), count + 1
        start = notifications[-1].id + 1
    if recorder.chain_head() != Seal(count, head):
        problems.append(f"head: stored {recorder.chain_head()}, recomputed {Seal(count, head)}")
    if recorder.links_count() != count:
        problems.append(f"hashes: {recorder.links_count()} stored for {count} events")
    for stream, original in streams.items():
        if recorder.stream_links(original) != expected[stream]:
            problems.append(f"stream {stream}: its stored hashes are not the recomputed ones")
    return problems


class ChainChecked(unittest.TestCase):
    """Mixed in before an upstream case: ``chained`` collects recorders to check, and
    :meth:`tearDown` fails the test when any one's chain does not recompute."""

    chained: list[Any]

    def setUp(self) -> None:
        self.chained = []
        super().setUp()

    def keep(self, recorder: Any) -> Any:
        """Check ``recorder``'s chain after the test; return it."""
        self.chained.append(recorder)
        return recorder

    def tearDown(self) -> None:
        try:
            for recorder in self.chained:
                problems = chain_problems(recorder)
                self.assertEqual(problems, [], f"the chain of {type(recorder).__name__}")
        finally:
            super().tearDown()


class AsAggregateRecorder(AggregateRecorder):
    """One of our application recorders seen as an aggregate recorder, whose
    ``insert_events`` returns None (eventsourcing's ``AggregateRecorderTestCase`` checks
    that it does): the writes and reads are the recorder's own, and its chain is checked."""

    def __init__(self, recorder: Any) -> None:
        self.recorder = recorder

    def insert_events(self, stored_events: Sequence[StoredEvent], **kwargs: Any) -> None:
        self.recorder.insert_events(stored_events, **kwargs)

    def select_events(self, *args: Any, **kwargs: Any) -> Sequence[StoredEvent]:
        return self.recorder.select_events(*args, **kwargs)  # type: ignore[no-any-return]
