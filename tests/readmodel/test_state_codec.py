"""The per-customer fold survives the ``view_state`` table exactly."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta, timezone

import pytest

from tests.examples import history
from trustengine.interchange.codec import parse_event
from trustengine.readmodel.state import ViewState, dumps_state, loads_state
from trustengine.scoring.trust import TrustModel


def folded() -> ViewState:
    model = TrustModel()
    events = [parse_event(item) for item in history() if item["customer"] == "cust-1"]
    trust = model.new_state("cust-1")
    for position, event in enumerate(events, start=1):
        model.apply(trust, event.model_copy(update={"originator_version": position}))
    return ViewState(trust, last_contact_at="2026-03-01T09:02:00+00:00", phase_since="x")


def test_a_folded_state_reads_back_equal_with_offsets_and_order_kept() -> None:
    state = folded()
    state.trust.last_at = datetime(2026, 3, 1, 11, 6, tzinfo=timezone(timedelta(hours=2)))

    back = loads_state(dumps_state(state))

    assert dataclasses.asdict(back.trust) == dataclasses.asdict(state.trust)
    assert back.trust.last_at is not None
    assert back.trust.last_at.isoformat() == "2026-03-01T11:06:00+02:00"
    assert list(back.trust.cases) == list(state.trust.cases)
    assert back.trust.due == state.trust.due
    assert (back.last_contact_at, back.phase_since) == ("2026-03-01T09:02:00+00:00", "x")
    assert dumps_state(back) == dumps_state(state)


def test_the_explanation_is_left_to_the_score_history_table() -> None:
    state = folded()
    state.trust.explanation = ["not stored"]  # type: ignore[list-item]

    assert loads_state(dumps_state(state)).trust.explanation == []
    assert state.trust.explanation == ["not stored"]


def test_a_value_the_codec_does_not_know_is_refused_not_dropped() -> None:
    state = folded()
    state.extra["when"] = {datetime(2026, 1, 1, tzinfo=UTC).date()}

    with pytest.raises(TypeError, match="cannot store a set"):
        dumps_state(state)
