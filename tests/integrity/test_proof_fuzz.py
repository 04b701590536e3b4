"""Whatever a bundle holds, checking it names problems or refuses it: it never crashes,
and an edit anywhere in an event or the checkpoint is never passed as proven."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from trustengine import TrustEngine
from trustengine.exceptions import CheckpointError
from trustengine.integrity.bundle import build_proof
from trustengine.integrity.checkpoint import sign
from trustengine.integrity.ledger import ledger_root
from trustengine.integrity.proofcheck import verify_proof

KEY = Ed25519PrivateKey.generate()


@pytest.fixture(scope="module")
def bundle() -> dict[str, Any]:
    engine = TrustEngine(":memory:")
    try:
        for minutes, summary in ((0, "Parcel late"), (5, "Still late")):
            engine.record(
                {
                    "type": "CustomerContacted",
                    "customer": "cust-1",
                    "at": f"2026-03-01T09:{minutes:02d}:00+00:00",
                    "data": {"direction": "inbound", "summary": summary},
                }
            )
        checkpoint = sign(ledger_root(engine), KEY)
        fields = build_proof(engine, "cust-1", checkpoint).fields
        return dict(json.loads(json.dumps(fields)))
    finally:
        engine.close()


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=6,
)


def paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every place in ``value`` a value can be replaced."""
    found = [prefix] if prefix else []
    if isinstance(value, dict):
        for key, inner in value.items():
            found += paths(inner, (*prefix, key))
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            found += paths(inner, (*prefix, index))
    return found


@settings(max_examples=300, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_a_bundle_edited_anywhere_is_refused_or_its_problems_named_never_a_crash(
    bundle: dict[str, Any], data: st.DataObject
) -> None:
    places = paths(bundle)
    place = data.draw(st.sampled_from(places))
    value = data.draw(JSON)
    edited = copy.deepcopy(bundle)
    target: Any = edited
    for step in place[:-1]:
        target = target[step]
    original = target[place[-1]]
    target[place[-1]] = value

    try:
        report = verify_proof(edited, KEY.public_key())
    except CheckpointError:
        return
    if value != original:
        assert not report.ok, place
