"""Erasure by crypto-shredding: personal text becomes unreadable everywhere, the history
keeps its shape, the ledger still verifies, and other customers are untouched."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from trustengine import CustomerErasedError, TrustEngine
from trustengine.cli import main
from trustengine.integrity.verify import verify
from trustengine.persistence.personal import ERASED

PRIVATE_NAME = "Zelda Quixote-Marlowe"
PRIVATE_SUMMARY = "My neighbour Ruth signed for the parcel at 14 Elm Close"


def history(customer: str, name: str, summary: str) -> list[dict[str, object]]:
    return [
        {
            "type": "CustomerRegistered",
            "customer": customer,
            "at": "2026-03-01T09:00:00+00:00",
            "data": {"name": name},
        },
        {
            "type": "ComplaintFiled",
            "customer": customer,
            "case": "C-1",
            "at": "2026-03-01T10:00:00+00:00",
            "data": {
                "category": "delivery",
                "severity": 2,
                "cause": "other",
                "summary": summary,
                "remedy_sought": f"{name} wants a refund",
            },
        },
        {
            "type": "ApologyIssued",
            "customer": customer,
            "case": "C-1",
            "at": "2026-03-01T11:00:00+00:00",
            "data": {"accepts_responsibility": True, "explanation": f"We misread {name}'s note"},
        },
    ]


def test_an_erased_customer_reads_back_with_every_personal_field_erased(
    backend_target: str,
) -> None:
    engine = TrustEngine(backend_target)
    engine.record_many(history("cust-z", PRIVATE_NAME, PRIVATE_SUMMARY))

    assert engine.erase("cust-z", legal_basis="GDPR Art. 17 request") is True

    registered, complaint, apology, erased = engine.history("cust-z")
    assert registered.data() == {"name": ERASED, "tier": "standard"}
    assert (complaint.summary, complaint.remedy_sought, complaint.severity) == (ERASED, ERASED, 2)
    assert apology.explanation == ERASED
    assert erased.data() == {"legal_basis": "GDPR Art. 17 request"}
    engine.close()


def test_erasure_keeps_the_chain_verifying_and_other_customers_readable(
    backend_target: str,
) -> None:
    engine = TrustEngine(backend_target)
    engine.record_many(history("cust-z", PRIVATE_NAME, PRIVATE_SUMMARY))
    engine.record_many(history("cust-k", "Kim Keep", "Kept text"))

    engine.erase("cust-z", legal_basis="request")

    assert verify(engine).problems == []
    assert engine.history("cust-k")[0].data()["name"] == "Kim Keep"
    engine.close()


def test_an_erased_customer_takes_no_new_events_and_erasing_again_is_harmless(
    backend_target: str,
) -> None:
    engine = TrustEngine(backend_target)
    engine.record_many(history("cust-z", PRIVATE_NAME, PRIVATE_SUMMARY))
    engine.erase("cust-z", legal_basis="request")

    with pytest.raises(CustomerErasedError):
        engine.contact("cust-z", direction="inbound")
    assert engine.erase("cust-z", legal_basis="request") is False
    engine.close()


def test_importing_a_customer_erased_line_destroys_the_key_too(tmp_path: Path) -> None:
    engine = TrustEngine(str(tmp_path / "t.db"))
    erase_line = {
        "type": "CustomerErased",
        "customer": "cust-z",
        "at": "2026-03-02T00:00:00+00:00",
        "data": {"legal_basis": "request"},
    }

    engine.record_many([*history("cust-z", PRIVATE_NAME, PRIVATE_SUMMARY), erase_line])

    assert engine.history("cust-z")[0].data()["name"] == ERASED
    engine.close()


def test_after_erasure_no_plaintext_of_the_customer_remains_in_the_store_files(
    tmp_path: Path,
) -> None:
    db = tmp_path / "ledger.db"
    runner = CliRunner()
    path = tmp_path / "h.jsonl"
    import json

    path.write_text(
        "\n".join(json.dumps(e) for e in history("cust-z", PRIVATE_NAME, PRIVATE_SUMMARY)) + "\n"
    )
    assert runner.invoke(main, ["import", str(path), "--db", str(db)]).exit_code == 0
    for command in (["state", "cust-z"], ["timeline", "cust-z"]):
        assert runner.invoke(main, [*command, "--db", str(db)]).exit_code == 0

    result = runner.invoke(
        main, ["erase", "cust-z", "--legal-basis", "request", "--yes", "--db", str(db)]
    )

    assert result.exit_code == 0, result.output
    assert result.output == "Erased cust-z: their personal data can no longer be read.\n"
    files = [p for p in tmp_path.iterdir() if p.name.startswith("ledger.db")]
    for needle in ("Zelda", "Quixote", "Ruth signed", "Elm Close", "misread"):
        for file in files:
            assert needle.encode() not in file.read_bytes(), (needle, file.name)
    assert runner.invoke(main, ["verify", "--db", str(db)]).exit_code == 0


def test_a_store_encrypted_at_rest_holds_no_plaintext_and_needs_its_key(tmp_path: Path) -> None:
    from tests.conftest import TEST_CIPHER_KEY

    db = tmp_path / "enc.db"
    engine = TrustEngine(str(db), cipher_key=TEST_CIPHER_KEY)
    engine.record_many(history("cust-k", "Kim Keep", "Kept text about the category delivery"))
    engine.close()

    raw = b"".join(p.read_bytes() for p in tmp_path.iterdir())
    keyless = CliRunner().invoke(main, ["timeline", "cust-k", "--db", str(db)])
    key_file = tmp_path / "store.key"
    key_file.write_text(TEST_CIPHER_KEY + "\n")
    key_file.chmod(0o600)
    keyed = CliRunner().invoke(
        main, ["verify", "--db", str(db), "--cipher-key-file", str(key_file)]
    )

    assert b"delivery" not in raw and b"Kim Keep" not in raw
    assert keyless.exit_code == 2
    assert keyless.output == (
        f"Error: this store is encrypted: give --cipher-key-file (store {db})\n"
    )
    assert keyed.exit_code == 0, keyed.output
    assert keyed.output == "3 events checked: ok\n"


def test_a_cipher_key_of_the_wrong_size_is_refused_by_name(tmp_path: Path) -> None:
    key_file = tmp_path / "bad.key"
    key_file.write_text("c2hvcnQ=\n")
    key_file.chmod(0o600)

    result = CliRunner().invoke(
        main, ["demo", "--db", str(tmp_path / "t.db"), "--cipher-key-file", str(key_file)]
    )

    assert (result.exit_code, result.output) == (
        2,
        f"Error: Invalid value for '--cipher-key-file': {key_file}: the cipher key must be "
        "base64 of 16, 24 or 32 random bytes (`trustengine keygen` makes one) "
        "(see 'main demo --help')\n",
    )
    assert not (tmp_path / "t.db").exists()
