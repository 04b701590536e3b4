"""Signed checkpoints: keygen --signing, seal --sign, and what a third party checks."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import shutil
import sqlite3
import stat
import subprocess
from pathlib import Path

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.serialization import load_pem_public_key

from tests.integrity.conftest import load, run
from tests.integrity.test_merkle import ref_mth
from trustengine import TrustEngine


def test_keygen_signing_writes_a_private_key_only_its_owner_reads_and_a_public_one(
    tmp_path: Path,
) -> None:
    path = tmp_path / "k"
    result = run("keygen", "--signing", "--output", str(path))

    assert result.exit_code == 0
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "k.pub").stat().st_mode) == 0o644
    assert path.read_text().startswith("-----BEGIN PRIVATE KEY-----\n")
    assert (tmp_path / "k.pub").read_text().startswith("-----BEGIN PUBLIC KEY-----\n")
    assert result.output.startswith(f"Wrote the signing key to {path} (keep it private)")


@pytest.mark.parametrize("existing", ["k", "k.pub"])
def test_keygen_signing_refuses_to_overwrite_either_file(tmp_path: Path, existing: str) -> None:
    (tmp_path / existing).write_text("precious")

    result = run("keygen", "--signing", "--output", str(tmp_path / "k"))

    assert result.exit_code == 2
    assert result.output == (
        f"Error: --output {tmp_path / existing}: already exists; not overwriting a key\n"
    )
    assert (tmp_path / existing).read_text() == "precious"
    assert sorted(p.name for p in tmp_path.iterdir()) == [existing]


def test_keygen_signing_needs_an_output_name() -> None:
    result = run("keygen", "--signing")

    assert result.exit_code == 2
    assert result.output == "Error: keygen --signing needs --output NAME (the private key's file)\n"


def test_a_checkpoint_has_the_documented_fields_and_the_root_over_the_chain_hashes(
    checkpoint: Path, demo_db: str, signing_key: Path
) -> None:
    fields = load(checkpoint)
    with sqlite3.connect(demo_db) as conn:
        hashes = [
            bytes.fromhex(h)
            for (h,) in conn.execute(
                "SELECT hash FROM stored_events JOIN event_hashes "
                "USING (originator_id, originator_version) ORDER BY stored_events.rowid"
            )
        ]

    assert list(fields) == ["format", "store", "events", "root", "time", "key", "signature"]
    assert fields["format"] == "trustengine-checkpoint/1"
    assert fields["events"] == 83
    assert fields["store"] == hashes[0].hex()
    assert fields["root"] == ref_mth(hashes).hex()
    public = (signing_key.parent / "ledger-signing.pub").read_bytes()
    raw = load_pem_public_key(public).public_bytes_raw()  # type: ignore[union-attr]
    assert fields["key"] == hashlib.sha256(raw).hexdigest()


def test_the_signature_covers_the_other_fields_as_sorted_compact_json(
    checkpoint: Path, signing_key: Path
) -> None:
    fields = load(checkpoint)
    signature = base64.b64decode(fields.pop("signature"))
    message = json.dumps(fields, sort_keys=True, separators=(",", ":")).encode()
    key = load_pem_public_key((signing_key.parent / "ledger-signing.pub").read_bytes())

    key.verify(signature, message)  # type: ignore[union-attr]  # raises when it does not hold
    fields["events"] = 82
    forged = json.dumps(fields, sort_keys=True, separators=(",", ":")).encode()
    with pytest.raises(InvalidSignature):
        key.verify(signature, forged)  # type: ignore[union-attr]


def documented_openssl_check() -> str:
    """The shell block of docs/integrity.md that checks a checkpoint with jq and openssl."""
    text = (Path(__file__).parents[2] / "docs" / "integrity.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```sh\n(.*?)```", text, flags=re.DOTALL)
    (block,) = [b for b in blocks if "openssl pkeyutl" in b]
    return str(block)


@pytest.mark.skipif(not (shutil.which("openssl") and shutil.which("jq")), reason="no openssl/jq")
def test_openssl_checks_a_checkpoint_exactly_as_docs_integrity_md_says(
    checkpoint: Path, tmp_path: Path
) -> None:
    script = "set -e\n" + documented_openssl_check()

    done = subprocess.run(["bash", "-c", script], cwd=tmp_path, capture_output=True, text=True)
    fields = load(checkpoint)
    fields["events"] = 82
    checkpoint.write_text(json.dumps(fields))
    forged = subprocess.run(["bash", "-c", script], cwd=tmp_path, capture_output=True, text=True)

    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().endswith("Signature Verified Successfully")
    assert forged.returncode != 0


def test_plain_seal_still_prints_count_and_head(demo_db: str) -> None:
    result = run("seal", "--db", demo_db)

    assert result.exit_code == 0
    count, _, head = result.output.strip().partition(":")
    assert count == "83"
    assert len(head) == 64


def test_seal_output_without_sign_is_a_usage_error(demo_db: str, tmp_path: Path) -> None:
    result = run("seal", "--output", str(tmp_path / "c.json"), "--db", demo_db)

    assert result.exit_code == 2
    assert result.output == "Error: --output needs --sign KEY: plain `seal` prints COUNT:HEAD\n"
    assert not (tmp_path / "c.json").exists()


def test_seal_sign_refuses_a_key_that_others_can_read(
    demo_db: str, signing_key: Path, tmp_path: Path
) -> None:
    signing_key.chmod(0o644)

    output = str(tmp_path / "c.json")
    result = run("seal", "--sign", str(signing_key), "--output", output, "--db", demo_db)

    assert result.exit_code == 2
    assert result.output == (
        f"Error: --sign {signing_key}: the signing key can be read by others (mode 644): "
        f"chmod 600 {signing_key}\n"
    )


def test_seal_sign_refuses_an_empty_store(signing_key: Path, tmp_path: Path) -> None:
    empty = tmp_path / "empty.db"
    TrustEngine(str(empty)).close()

    result = run("seal", "--sign", str(signing_key), "--db", str(empty))

    assert result.exit_code == 2
    assert result.output == "Error: the store holds no events: there is nothing to sign\n"


def test_seal_sign_refuses_a_store_whose_event_no_longer_matches_its_hash(
    demo_db: str, signing_key: Path
) -> None:
    with sqlite3.connect(demo_db) as conn:
        (state,) = conn.execute("SELECT state FROM stored_events WHERE rowid = 20").fetchone()
        edited = bytes(state).replace(b"cust-boris", b"cust-borys")
        conn.execute("UPDATE stored_events SET state = ? WHERE rowid = 20", (edited,))

    result = run("seal", "--sign", str(signing_key), "--db", demo_db)

    assert result.exit_code == 2
    assert result.output.startswith("Error: event #20 (stream ")
    assert result.output.endswith("does not match its recorded hash: run `trustengine verify`\n")


def test_seal_sign_without_output_prints_the_checkpoint(demo_db: str, signing_key: Path) -> None:
    result = run("seal", "--sign", str(signing_key), "--db", demo_db)

    assert result.exit_code == 0
    assert json.loads(result.output)["events"] == 83


def test_erasing_a_customer_changes_no_leaf(demo_db: str, signing_key: Path) -> None:
    before = json.loads(run("seal", "--sign", str(signing_key), "--db", demo_db).output)
    erased = run("erase", "cust-boris", "--legal-basis", "test", "--yes", "--db", demo_db)
    after = json.loads(run("seal", "--sign", str(signing_key), "--db", demo_db).output)
    tree_of_before = run("verify", "--db", demo_db)

    assert erased.exit_code == 0
    assert tree_of_before.exit_code == 0
    assert after["events"] == 84  # CustomerErased is appended
    assert after["store"] == before["store"]
    engine = TrustEngine(demo_db)
    try:
        from trustengine.integrity.ledger import ledger_root

        assert ledger_root(engine, limit=83).root.hex() == before["root"]
    finally:
        engine.close()
