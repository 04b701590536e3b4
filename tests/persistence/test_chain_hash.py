"""The chained hash keeps its definition: every part, then the separator, then the payload.

Stores written before hold hashes computed part by part; the hash is computed in one go
now, so these tests pin it to the part-by-part definition for any topic, stream, position
and payload.
"""

from __future__ import annotations

import hashlib
from uuid import UUID

from eventsourcing.persistence import StoredEvent
from hypothesis import given
from hypothesis import strategies as st

from trustengine.persistence.chain import GENESIS, event_hash, norm_stream


def _part_by_part(previous: str, stored: StoredEvent) -> str:
    digest = hashlib.sha256()
    stream = stored.originator_id
    text = stream.hex if isinstance(stream, UUID) else str(stream)
    for part in (previous, stored.topic, text, str(stored.originator_version)):
        digest.update(part.encode())
        digest.update(b"\x1f")
    digest.update(stored.state)
    return digest.hexdigest()


@given(
    previous=st.one_of(
        st.just(GENESIS), st.text(alphabet="0123456789abcdef", min_size=64, max_size=64)
    ),
    topic=st.text(),
    stream=st.one_of(st.uuids(), st.text()),
    version=st.integers(min_value=0, max_value=10**9),
    state=st.binary(),
)
def test_event_hash_is_the_parts_each_followed_by_the_separator_then_the_payload(
    previous: str, topic: str, stream: UUID | str, version: int, state: bytes
) -> None:
    stored = StoredEvent(originator_id=stream, originator_version=version, topic=topic, state=state)

    assert event_hash(previous, stored) == _part_by_part(previous, stored)


def test_norm_stream_spells_a_uuid_one_way_and_leaves_other_ids_alone() -> None:
    stream = UUID("12345678-1234-5678-1234-567812345678")

    assert norm_stream(stream.hex) == str(stream)
    assert norm_stream(str(stream).upper()) == str(stream)
    assert norm_stream("not-a-uuid") == "not-a-uuid"
