"""verify --against CHECKPOINT.json: the ledger now extends the checkpoint's, proven by an
RFC 9162 consistency proof, and a rewrite with every hash recomputed is caught."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from eventsourcing.persistence import StoredEvent

from tests.integrity.conftest import load, run
from trustengine import TrustEngine
from trustengine.integrity.checkpoint import sign
from trustengine.integrity.consistency import check_consistency
from trustengine.integrity.ledger import ledger_root
from trustengine.integrity.merkle import consistent
from trustengine.persistence.chain import GENESIS, advance_head, event_hash


def rechain(db: str) -> None:
    """Recompute every stored hash and the head from the stored bytes, as a forger who
    can write the whole file would after editing events."""
    with sqlite3.connect(db) as conn:
        rows = conn.execute(
            "SELECT originator_id, originator_version, topic, state FROM stored_events "
            "ORDER BY rowid"
        ).fetchall()
        conn.execute("DELETE FROM event_hashes")
        last: dict[str, str] = {}
        head = GENESIS
        for stream, position, topic, state in rows:
            stored = StoredEvent(
                originator_id=stream, originator_version=position, topic=topic, state=state
            )
            hashed = last[stream] = event_hash(last.get(stream, GENESIS), stored)
            conn.execute("INSERT INTO event_hashes VALUES (?, ?, ?)", (stream, position, hashed))
            head = advance_head(head, hashed)
        conn.execute("INSERT OR REPLACE INTO ledger_head VALUES (1, ?, ?)", (len(rows), head))


def rewrite(db: str, rowid: int, old: bytes, new: bytes) -> None:
    with sqlite3.connect(db) as conn:
        (state,) = conn.execute(
            "SELECT state FROM stored_events WHERE rowid = ?", (rowid,)
        ).fetchone()
        assert old in bytes(state)
        conn.execute(
            "UPDATE stored_events SET state = ? WHERE rowid = ?",
            (bytes(state).replace(old, new), rowid),
        )
    rechain(db)


def public(signing_key: Path) -> str:
    return str(signing_key.with_name(signing_key.name + ".pub"))


def test_a_ledger_that_only_grew_extends_its_checkpoint(
    demo_db: str, checkpoint: Path, signing_key: Path
) -> None:
    run(
        "record",
        "CustomerContacted",
        "--customer",
        "cust-boris",
        "--direction",
        "outbound",
        "--db",
        demo_db,
    )

    result = run(
        "verify", "--against", str(checkpoint), "--public-key", public(signing_key), "--db", demo_db
    )

    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "checkpoint: its signature holds; the ledger of 84 events extends its 83 (RFC 9162 "
        "consistency proof of 5 hashes to the current root): nothing it covers was rewritten",
        "84 events checked: ok",
    ]


def test_the_json_carries_the_consistency_proof_anyone_can_check(
    demo_db: str, checkpoint: Path
) -> None:
    run(
        "record",
        "CustomerContacted",
        "--customer",
        "cust-boris",
        "--direction",
        "outbound",
        "--db",
        demo_db,
    )

    result = run("verify", "--against", str(checkpoint), "--json", "--db", demo_db)
    shown = json.loads(result.output)["checkpoint"]
    cp = load(checkpoint)

    assert result.exit_code == 0
    assert shown["ok"] is True
    assert shown["signature_checked"] is False
    assert consistent(
        83,
        shown["events"],
        bytes.fromhex(cp["root"]),
        bytes.fromhex(shown["root"]),
        [bytes.fromhex(node) for node in shown["proof"]],
    )


def test_a_rewrite_with_every_hash_and_the_head_recomputed_is_caught_by_a_checkpoint(
    demo_db: str, checkpoint: Path, signing_key: Path
) -> None:
    # Boris's complaint (event #21) made less severe, and the whole chain rebuilt to match.
    rewrite(demo_db, 21, b'"severity":4', b'"severity":1')

    plain = run("verify", "--db", demo_db)
    result = run(
        "verify", "--against", str(checkpoint), "--public-key", public(signing_key), "--db", demo_db
    )

    assert plain.exit_code == 0  # self-consistent: only something kept elsewhere can tell
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        "checkpoint: the ledger does not extend it: the first 83 events no longer give its "
        "root, so history before it was rewritten",
        "83 events checked: 1 problem(s)",
    ]


def test_a_truncated_ledger_with_its_head_recomputed_is_caught_by_a_checkpoint(
    demo_db: str, checkpoint: Path
) -> None:
    with sqlite3.connect(demo_db) as conn:
        conn.execute(
            "DELETE FROM stored_events WHERE rowid = (SELECT max(rowid) FROM stored_events)"
        )
    rechain(demo_db)

    result = run("verify", "--against", str(checkpoint), "--db", demo_db)

    assert result.exit_code == 1
    assert result.output.splitlines() == [
        "checkpoint: it covers 83 events but the store holds 82: the ledger was truncated",
        "82 events checked: 1 problem(s)",
    ]


def test_a_checkpoint_checked_with_another_key_is_a_finding(
    demo_db: str, checkpoint: Path, tmp_path: Path
) -> None:
    other = tmp_path / "other"
    run("keygen", "--signing", "--output", str(other))

    result = run(
        "verify", "--against", str(checkpoint), "--public-key", public(other), "--db", demo_db
    )

    assert result.exit_code == 1
    first = result.output.splitlines()[0]
    assert first.startswith("checkpoint signature: the checkpoint names key ")
    assert first.endswith("...: wrong key")


def test_an_edited_checkpoint_is_a_finding_with_the_public_key(
    demo_db: str, checkpoint: Path, signing_key: Path
) -> None:
    fields = load(checkpoint)
    fields["time"] = "2030-01-01T00:00:00+00:00"
    checkpoint.write_text(json.dumps(fields))

    result = run(
        "verify", "--against", str(checkpoint), "--public-key", public(signing_key), "--db", demo_db
    )

    assert result.exit_code == 1
    assert result.output.splitlines()[0] == (
        "checkpoint signature: does not verify: the checkpoint was edited after it was signed"
    )


def test_a_checkpoint_of_another_store_is_a_finding(
    checkpoint: Path, make_event: Callable[..., dict[str, Any]], tmp_path: Path
) -> None:
    other = tmp_path / "other.db"
    engine = TrustEngine(str(other))
    engine.record_many(
        [make_event("CustomerContacted", f"cust-{i}", direction="inbound") for i in range(90)]
    )
    engine.close()

    result = run("verify", "--against", str(checkpoint), "--db", str(other))

    assert result.exit_code == 1
    assert result.output.splitlines()[:2] == [
        "checkpoint: it is of another store, or this store's first event was rewritten",
        "checkpoint: the ledger does not extend it: the first 83 events no longer give its "
        "root, so history before it was rewritten",
    ]


def test_against_neither_a_seal_nor_a_file_is_a_usage_error(demo_db: str) -> None:
    result = run("verify", "--against", "nothing.json", "--db", demo_db)

    assert result.exit_code == 2
    assert result.output == (
        "Error: Invalid value for '--against': 'nothing.json' is not a seal: expected "
        "COUNT:HEAD as `seal` prints it, or a checkpoint file (no file 'nothing.json') "
        "(see 'trustengine verify --help')\n"
    )


def test_every_backend_proves_it_extends_its_checkpoint(
    engine: TrustEngine, make_event: Callable[..., dict[str, Any]]
) -> None:
    for i in range(5):
        engine.record(make_event("CustomerContacted", f"cust-{i % 2}", at=i, direction="inbound"))
    key = Ed25519PrivateKey.generate()
    checkpoint = sign(ledger_root(engine), key)
    for i in range(5, 12):
        engine.record(make_event("CustomerContacted", f"cust-{i % 3}", at=i, direction="inbound"))

    found = check_consistency(engine, checkpoint, key=key.public_key())

    assert found.problems == []
    assert found.signed
    assert (found.events, checkpoint.events) == (12, 5)
    assert consistent(5, 12, checkpoint.root, found.root, found.proof)
