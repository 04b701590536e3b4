"""Proof bundles: made from a store, checked with no store, and every tampering named."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from tests.integrity.conftest import load, run
from trustengine import TrustEngine
from trustengine.integrity.bundle import build_proof
from trustengine.integrity.checkpoint import sign
from trustengine.integrity.ledger import ledger_root
from trustengine.integrity.proofcheck import verify_proof


@pytest.fixture
def bundle(demo_db: str, checkpoint: Path, tmp_path: Path) -> Path:
    path = tmp_path / "boris.proof.json"
    result = run(
        "proof",
        "cust-boris",
        "--checkpoint",
        str(checkpoint),
        "--output",
        str(path),
        "--db",
        demo_db,
    )
    assert result.exit_code == 0, result.output
    assert result.output == (
        f"Wrote the proof of 19 events of cust-boris against the checkpoint of 83 events "
        f"to {path}.\n"
    )
    return path


def check(bundle: Path, public: Path) -> subprocess.CompletedProcess[str]:
    """``trustengine verify-proof`` in a fresh process, in a folder holding no store."""
    folder = bundle.parent / "auditor"
    folder.mkdir(exist_ok=True)
    (folder / "bundle.json").write_bytes(bundle.read_bytes())
    (folder / "signer.pub").write_bytes(public.read_bytes())
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRUSTENGINE_")}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "trustengine",
            "verify-proof",
            "bundle.json",
            "--public-key",
            "signer.pub",
        ],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert sorted(p.name for p in folder.iterdir()) == ["bundle.json", "signer.pub"]
    return done


def public_of(signing_key: Path) -> Path:
    return signing_key.with_name(signing_key.name + ".pub")


def test_a_bundle_verifies_with_no_store_and_says_exactly_what_it_proves(
    bundle: Path, signing_key: Path
) -> None:
    done = check(bundle, public_of(signing_key))
    lines = done.stdout.splitlines()
    cp = load(bundle)["checkpoint"]

    assert done.returncode == 0, done.stdout + done.stderr
    assert lines[0] == (
        f"Checkpoint: store {cp['store'][:16]}..., 83 events, root {cp['root']}, "
        f"signed {cp['time']} by key {cp['key'][:16]}..."
    )
    assert len([line for line in lines if line.startswith("  leaf ")]) == 19
    assert lines[1].startswith("  leaf 19 position 1 recorded ")
    assert '"summary":"Charged twice for the March subscription' in done.stdout
    assert lines[-3:] == [
        f"Proven: these 19 events of customer 'cust-boris' were in the ledger of store "
        f"{cp['store'][:16]}..., in this order, when checkpoint {cp['root'][:16]}... of 83 "
        f"events was signed at {cp['time']} by key {cp['key'][:16]}...; no byte of them has "
        "changed since.",
        "Not proven: that the ledger holds no other events of this customer after the last "
        "one shown, nor anything recorded after the checkpoint.",
        "Positions run from 1 without a gap: no event is missing between them.",
    ]
    assert done.stderr == ""


def _edit_line(b: dict[str, Any]) -> None:
    b["events"][1]["line"]["data"]["summary"] = "Charged once; all fine"


def _edit_stored(b: dict[str, Any]) -> None:
    entry = b["events"][1]["stored"]
    state = base64.b64decode(entry["state"]).replace(b'"severity":4', b'"severity":1')
    entry["state"] = base64.b64encode(state).decode()


def _swap(b: dict[str, Any]) -> None:
    b["events"][2], b["events"][3] = b["events"][3], b["events"][2]


def _wrong_path(b: dict[str, Any]) -> None:
    b["events"][0]["path"][0] = "00" * 32


def _wrong_index(b: dict[str, Any]) -> None:
    b["events"][0]["index"] += 1


def _edit_checkpoint(b: dict[str, Any]) -> None:
    b["checkpoint"]["time"] = "2020-01-01T00:00:00+00:00"


def _withhold_key(b: dict[str, Any]) -> None:
    b["personal_key"] = None


def _recorded_time(b: dict[str, Any]) -> None:
    b["events"][4]["recorded_at"] = "2026-03-01T00:00:00+00:00"


TAMPERING: list[tuple[str, Callable[[dict[str, Any]], None], str]] = [
    (
        "edited line",
        _edit_line,
        "event 2 (position 2): its line does not say what its stored bytes say (data.summary)",
    ),
    (
        "edited bytes",
        _edit_stored,
        "event 2 (position 2): its stored bytes do not give its hash: the event or its hash "
        "was edited",
    ),
    (
        "reordered pair",
        _swap,
        "event 4 (position 3): comes before the event listed ahead of it: reordered",
    ),
    (
        "wrong path",
        _wrong_path,
        "event 1 (position 1): its audit path does not lead to the checkpoint's root: the "
        "path, its place or the event is not the one signed",
    ),
    (
        "wrong place",
        _wrong_index,
        "event 1 (position 1): its audit path does not lead to the checkpoint's root: the "
        "path, its place or the event is not the one signed",
    ),
    (
        "edited checkpoint",
        _edit_checkpoint,
        "signature: does not verify: the checkpoint was edited after it was signed",
    ),
    (
        "key withheld, text kept",
        _withhold_key,
        "event 1 (position 1): its line does not say what its stored bytes say (data.name)",
    ),
    (
        "edited recorded time",
        _recorded_time,
        "event 5 (position 5): its recorded_at is not the stored recorded time",
    ),
]


@pytest.mark.parametrize(("what", "edit", "line"), TAMPERING, ids=[t[0] for t in TAMPERING])
def test_a_tampered_bundle_fails_with_exit_1_and_names_what_failed(
    bundle: Path, signing_key: Path, what: str, edit: Callable[[dict[str, Any]], None], line: str
) -> None:
    fields = load(bundle)
    edit(fields)
    bundle.write_text(json.dumps(fields), encoding="utf-8")

    done = check(bundle, public_of(signing_key))

    assert done.returncode == 1, what
    assert line in done.stdout.splitlines(), done.stdout
    assert done.stdout.endswith("problem(s): nothing is proven\n")
    assert "Proven:" not in done.stdout


def test_a_bundle_checked_with_another_key_fails_naming_the_key(
    bundle: Path, tmp_path: Path
) -> None:
    other = tmp_path / "other"
    run("keygen", "--signing", "--output", str(other))

    result = run("verify-proof", str(bundle), "--public-key", str(public_of(other)))

    assert result.exit_code == 1
    wrong = [line for line in result.output.splitlines() if line.startswith("signature:")]
    assert len(wrong) == 1
    assert wrong[0].endswith("...: wrong key")


def test_an_erased_customer_s_bundle_verifies_with_personal_fields_shown_as_erased(
    demo_db: str, checkpoint: Path, signing_key: Path, tmp_path: Path
) -> None:
    erased = run("erase", "cust-boris", "--legal-basis", "GDPR Art. 17", "--yes", "--db", demo_db)
    path = tmp_path / "erased.json"
    made = run(
        "proof",
        "cust-boris",
        "--checkpoint",
        str(checkpoint),
        "--output",
        str(path),
        "--db",
        demo_db,
    )

    done = check(path, public_of(signing_key))

    assert erased.exit_code == 0
    assert made.exit_code == 0, made.output
    assert load(path)["personal_key"] is None
    assert done.returncode == 0, done.stdout
    assert '"summary":"[erased]"' in done.stdout
    assert '"name":"[erased]"' in done.stdout
    assert "Charged twice" not in done.stdout
    assert "Proven: these 19 events of customer 'cust-boris'" in done.stdout


def test_a_case_bundle_holds_only_that_case_s_events(
    demo_db: str, checkpoint: Path, signing_key: Path, tmp_path: Path
) -> None:
    path = tmp_path / "case.json"
    made = run(
        "proof",
        "cust-boris",
        "--case",
        "C-1002",
        "--checkpoint",
        str(checkpoint),
        "--output",
        str(path),
        "--db",
        demo_db,
    )

    result = run("verify-proof", str(path), "--public-key", str(public_of(signing_key)))

    assert made.exit_code == 0, made.output
    assert {e["line"]["case"] for e in load(path)["events"]} == {"C-1002"}
    assert result.exit_code == 0, result.output
    assert "Proven: these 17 events of customer 'cust-boris' case 'C-1002'" in result.output
    assert "without a gap" not in result.output


def test_events_after_the_checkpoint_are_not_in_its_bundle(
    demo_db: str, checkpoint: Path, tmp_path: Path
) -> None:
    added = run(
        "record",
        "CustomerContacted",
        "--customer",
        "cust-boris",
        "--direction",
        "outbound",
        "--db",
        demo_db,
    )
    path = tmp_path / "p.json"

    made = run(
        "proof",
        "cust-boris",
        "--checkpoint",
        str(checkpoint),
        "--output",
        str(path),
        "--db",
        demo_db,
    )

    assert added.exit_code == 0, added.output
    assert made.exit_code == 0, made.output
    assert len(load(path)["events"]) == 19


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["cust-nobody"], "Error: the checkpoint covers no events of customer 'cust-nobody' in "),
        (
            ["cust-boris", "--case", "C-9"],
            "Error: the checkpoint covers no events of customer 'cust-boris' case 'C-9' in ",
        ),
    ],
)
def test_a_proof_of_nothing_is_refused_in_one_line(
    demo_db: str, checkpoint: Path, tmp_path: Path, args: list[str], message: str
) -> None:
    result = run(
        "proof",
        *args,
        "--checkpoint",
        str(checkpoint),
        "--output",
        str(tmp_path / "x.json"),
        "--db",
        demo_db,
    )

    assert result.exit_code == 2
    assert result.output.startswith(message)
    assert result.output.count("\n") == 1
    assert not (tmp_path / "x.json").exists()


def test_a_proof_against_a_checkpoint_the_store_no_longer_matches_is_refused(
    demo_db: str, checkpoint: Path, tmp_path: Path
) -> None:
    fields = load(checkpoint)
    fields["root"] = "ab" * 32
    checkpoint.write_text(json.dumps(fields))

    result = run(
        "proof",
        "cust-boris",
        "--checkpoint",
        str(checkpoint),
        "--output",
        str(tmp_path / "x.json"),
        "--db",
        demo_db,
    )

    assert result.exit_code == 2
    assert result.output == (
        f"Error: --checkpoint {checkpoint}: this store's first 83 events do not give the "
        "checkpoint's root: they were changed since it was signed (run `trustengine verify "
        "--against`)\n"
    )


def test_a_file_that_is_no_bundle_is_an_input_error(signing_key: Path, tmp_path: Path) -> None:
    path = tmp_path / "no.json"
    path.write_text('{"format": "something else"}')

    result = run("verify-proof", str(path), "--public-key", str(public_of(signing_key)))

    assert result.exit_code == 2
    assert result.output == (
        f"Error: {path}: not a proof bundle: its 'format' is not 'trustengine-proof/1'\n"
    )


def test_proofs_hold_on_every_backend_plain_and_encrypted(
    engine: TrustEngine, make_event: Callable[..., dict[str, Any]], at_rest: str | None
) -> None:
    for each in (
        make_event(
            "ComplaintFiled",
            "cust-1",
            "C-1",
            category="delivery",
            severity=2,
            cause="other",
            summary="Parcel late",
        ),
        make_event("CustomerContacted", "cust-2", at=5, direction="inbound"),
        make_event("ComplaintAcknowledged", "cust-1", "C-1", at=10),
    ):
        engine.record(each)
    key = Ed25519PrivateKey.generate()
    checkpoint = sign(ledger_root(engine), key)

    bundle = json.loads(json.dumps(build_proof(engine, "cust-1", checkpoint).fields))
    report = verify_proof(bundle, key.public_key())

    assert report.problems == []
    assert [e["index"] for e in bundle["events"]] == [0, 2]
    assert report.unchecked_text == (2 if at_rest else 0)
    assert bundle["events"][0]["line"]["data"]["summary"] == "Parcel late"
