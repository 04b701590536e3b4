"""Stores holding events the read side cannot project: bytes changed behind the engine's
back, and events written through the recorder past the engine's validation (as an older
version, which took values this one refuses, would have written them)."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from typing import Any

from trustengine import TrustEngine, customer_id
from trustengine.domain import events as ev

AMELIA_EVENTS = 19
"""cust-amelia's events in the demo history; her third (event #3) is her ComplaintFiled."""
BROKEN_BYTES = b"\x00\xff"
OVERFLOW = (
    "its rows cannot be written: OverflowError: Python int too large to convert to SQLite INTEGER"
)
"""What the problems table says of a CaseEscalated of level 2**64 the mapper accepts."""

# What the commands say of the demo store with event #3 made undecodable.
SEE = "trustengine verify --views lists them"
KEPT = "2026-06-02T10:00:00+00:00"
WARN = (
    "warning: 1 stored event could not be projected into the read model, 16 later events "
    f"held back: customer 'cust-amelia' shown as of before them; {SEE}\n"
)
WARN_AMELIA = (
    "warning: customer 'cust-amelia' is shown as of position 2: 1 stored event of theirs "
    f"could not be projected, 16 later events held back; {SEE}\n"
)
SET_ASIDE = (
    "read model: customer 'cust-amelia' position 3 (event #3, ComplaintFiled) could not be "
    "projected: does not decode: Expecting value: line 1 column 1 (char 0); 16 later events "
    "held back (positions 4-19)"
)


def corrupt(path: str, rowid: int, state: bytes = BROKEN_BYTES) -> bytes:
    """Overwrite the payload of stored event ``rowid`` of the SQLite store at ``path``;
    return the bytes it had."""
    with sqlite3.connect(path) as conn:
        (old,) = conn.execute(
            "SELECT state FROM stored_events WHERE rowid = ?", (rowid,)
        ).fetchone()
        conn.execute("UPDATE stored_events SET state = ? WHERE rowid = ?", (state, rowid))
    conn.close()
    return bytes(old)


def store_unchecked(engine: TrustEngine, customer: str, case: str, **data: Any) -> None:
    """Store a CaseEscalated of ``customer`` through the recorder, built without
    validation: what the engine would refuse to record, but a store may hold."""
    store_raw(
        engine, ev.CaseEscalated, customer, case=case, reason="raised by an old version", **data
    )


def store_raw(engine: TrustEngine, cls: type[Any], customer: str, **data: Any) -> None:
    """Store an event of type ``cls`` as ``customer``'s next through the recorder,
    without the engine (which cannot add to a customer with an event it cannot read)
    and without validation."""
    version = len(engine.recorder.select_events(customer_id(customer)))
    fields: dict[str, Any] = {
        "originator_id": customer_id(customer),
        "originator_version": version + 1,
        "timestamp": datetime(2026, 6, 1, 9, 0, tzinfo=UTC),
        "recorded_at": datetime(2026, 6, 1, 9, 0, tzinfo=UTC),
        "customer": customer,
        "actor": "agent-7",
        "channel": "phone",
        **data,
    }
    event = cls.model_construct(**fields)
    engine.recorder.insert_events([engine.mapper.to_stored_event(event)])
