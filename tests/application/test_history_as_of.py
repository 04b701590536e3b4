"""A history as of a time holds exactly the events of the whole history by then."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from trustengine import TrustEngine
from trustengine.exceptions import CustomerNotFoundError
from trustengine.testing.synth import generate_history


def test_a_history_as_of_a_time_is_the_whole_history_filtered_by_business_time(
    engine: TrustEngine,
) -> None:
    engine.future_tolerance = timedelta(days=3650)
    history = list(generate_history(3, 90, seed=5))
    engine.record_many(history)
    for key in sorted({event["customer"] for event in history}):
        whole = engine.history(key)
        times = sorted({event.timestamp for event in whole})
        for as_of in (times[0], times[len(times) // 2], times[-1], times[0] - timedelta(1)):
            expected = [event for event in whole if event.timestamp <= as_of]
            assert engine.history(key, as_of=as_of) == expected


def test_a_time_in_another_offset_is_compared_as_the_same_instant(engine: TrustEngine) -> None:
    plus_two = timezone(timedelta(hours=2))
    engine.contact("cust-z", direction="inbound", at=datetime(2026, 3, 1, 11, 0, tzinfo=plus_two))
    engine.contact("cust-z", direction="outbound", at=datetime(2026, 3, 1, 9, 30, tzinfo=UTC))
    as_of = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)  # the first event's very instant
    assert [e.timestamp for e in engine.history("cust-z", as_of=as_of)] == [as_of]
    assert engine.history("cust-z", as_of=as_of - timedelta(seconds=1)) == []
    with pytest.raises(CustomerNotFoundError):
        engine.history("nobody", as_of=as_of)
