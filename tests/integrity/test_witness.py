"""seal --cosign: a witness countersigns a checkpoint the ledger extends, and
verify-proof --witness requires that countersignature."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.integrity.conftest import load, run
from tests.integrity.test_consistency import rewrite
from tests.integrity.test_proofs import public_of


@pytest.fixture
def witness(tmp_path: Path) -> Path:
    path = tmp_path / "witness"
    assert run("keygen", "--signing", "--output", str(path)).exit_code == 0
    return path


@pytest.fixture
def cosigned(demo_db: str, checkpoint: Path, witness: Path, tmp_path: Path) -> Path:
    path = tmp_path / "cosigned.json"
    result = run(
        "seal",
        "--cosign",
        str(witness),
        "--checkpoint",
        str(checkpoint),
        "--output",
        str(path),
        "--db",
        demo_db,
    )
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Countersigned the checkpoint of 83 events (root ")
    return path


def bundle_of(demo_db: str, checkpoint: Path, tmp_path: Path) -> Path:
    path = tmp_path / "bundle.json"
    made = run(
        "proof",
        "cust-chen",
        "--checkpoint",
        str(checkpoint),
        "--output",
        str(path),
        "--db",
        demo_db,
    )
    assert made.exit_code == 0, made.output
    return path


def test_a_countersignature_leaves_the_operator_s_signature_and_fields_as_they_were(
    checkpoint: Path, cosigned: Path
) -> None:
    before, after = load(checkpoint), load(cosigned)

    assert {k: v for k, v in after.items() if k != "cosignatures"} == before
    assert [set(c) for c in after["cosignatures"]] == [{"key", "signature"}]


def test_verify_proof_with_the_witness_key_says_the_witness_countersigned(
    demo_db: str, cosigned: Path, signing_key: Path, witness: Path, tmp_path: Path
) -> None:
    bundle = bundle_of(demo_db, cosigned, tmp_path)
    key = load(cosigned)["cosignatures"][0]["key"]

    result = run(
        "verify-proof",
        str(bundle),
        "--public-key",
        str(public_of(signing_key)),
        "--witness",
        str(public_of(witness)),
    )

    assert result.exit_code == 0, result.output
    assert f" Witness {key[:16]}... countersigned it.\n" in result.output


def test_verify_proof_fails_when_a_required_witness_has_not_countersigned(
    demo_db: str, checkpoint: Path, signing_key: Path, witness: Path, tmp_path: Path
) -> None:
    bundle = bundle_of(demo_db, checkpoint, tmp_path)

    result = run(
        "verify-proof",
        str(bundle),
        "--public-key",
        str(public_of(signing_key)),
        "--witness",
        str(public_of(witness)),
    )

    assert result.exit_code == 1
    assert "has not countersigned this checkpoint" in result.output
    assert "Proven:" not in result.output


def test_an_edit_after_countersigning_breaks_both_signatures(
    demo_db: str, cosigned: Path, signing_key: Path, witness: Path, tmp_path: Path
) -> None:
    bundle = bundle_of(demo_db, cosigned, tmp_path)
    fields = load(bundle)
    fields["checkpoint"]["time"] = "2031-01-01T00:00:00+00:00"
    bundle.write_text(json.dumps(fields))

    result = run(
        "verify-proof",
        str(bundle),
        "--public-key",
        str(public_of(signing_key)),
        "--witness",
        str(public_of(witness)),
    )
    problems = [line for line in result.output.splitlines() if "signature" in line]

    assert result.exit_code == 1
    assert (
        problems[0] == "signature: does not verify: the checkpoint was edited after it was signed"
    )
    assert problems[1].endswith(
        "...: the countersignature does not verify: the checkpoint was edited after it was "
        "countersigned"
    )


def test_a_witness_does_not_countersign_a_checkpoint_the_ledger_does_not_extend(
    demo_db: str, checkpoint: Path, witness: Path, tmp_path: Path
) -> None:
    rewrite(demo_db, 21, b'"severity":4', b'"severity":1')

    result = run(
        "seal",
        "--cosign",
        str(witness),
        "--checkpoint",
        str(checkpoint),
        "--output",
        str(tmp_path / "c.json"),
        "--db",
        demo_db,
    )

    assert result.exit_code == 1
    assert result.output == (
        "Error: not countersigned: checkpoint: the ledger does not extend it: the first 83 "
        "events no longer give its root, so history before it was rewritten\n"
    )
    assert not (tmp_path / "c.json").exists()


def test_countersigning_again_replaces_the_witness_s_own_countersignature(
    demo_db: str, cosigned: Path, witness: Path
) -> None:
    again = run("seal", "--cosign", str(witness), "--checkpoint", str(cosigned), "--db", demo_db)

    assert again.exit_code == 0, again.output
    assert len(json.loads(again.output)["cosignatures"]) == 1


def test_cosign_needs_the_checkpoint(demo_db: str, witness: Path) -> None:
    result = run("seal", "--cosign", str(witness), "--db", demo_db)

    assert result.exit_code == 2
    assert result.output == (
        "Error: --cosign needs --checkpoint FILE: the checkpoint to countersign\n"
    )
