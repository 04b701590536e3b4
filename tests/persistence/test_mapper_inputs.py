"""The mapper reads a stored event alike whichever types the recorder hands it.

eventsourcing's recorders give the stream id as a UUID and the payload as bytes; the
mapper takes the id as text and the payload as text too, sealed personal fields included.
"""

from __future__ import annotations

from eventsourcing.persistence import StoredEvent

from trustengine.application.facade import TrustEngine
from trustengine.domain import customer_id
from trustengine.persistence.personal import SEALED
from trustengine.testing.synth import generate_history


def test_a_stored_event_decodes_alike_with_its_stream_id_and_payload_as_text() -> None:
    history = generate_history(1, 40, seed=3)
    engine = TrustEngine(":memory:")
    engine.record_many(history)
    stored = engine.recorder.select_events(customer_id(str(history[0]["customer"])))
    sealed = [event for event in stored if SEALED.encode() in event.state]
    assert sealed, "the synthetic history has personal fields"

    for event in stored:
        as_text = StoredEvent(
            originator_id=str(event.originator_id),
            originator_version=event.originator_version,
            topic=event.topic,
            state=event.state.decode("utf-8"),  # text, on purpose
        )
        assert engine.mapper.to_domain_event(as_text) == engine.mapper.to_domain_event(event)
    engine.close()
