"""export --archive and import --archive: the same ledger comes back, hash for hash."""

from __future__ import annotations

import base64
import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import TEST_CIPHER_KEY
from tests.integrity.conftest import load, run
from tests.integrity.test_proofs import check, public_of


@pytest.fixture
def archive(demo_db: str, checkpoint: Path, tmp_path: Path) -> Path:
    path = tmp_path / "ledger.archive"
    result = run("export", "--archive", str(path), "--checkpoint", str(checkpoint), "--db", demo_db)
    assert result.exit_code == 0, result.output
    return path


def seals(db: str, signing_key: Path) -> tuple[str, str, int, str]:
    head = run("seal", "--db", db).output.strip()
    signed = json.loads(run("seal", "--sign", str(signing_key), "--db", db).output)
    return head, signed["root"], signed["events"], signed["store"]


def test_an_archive_restores_the_same_head_root_and_store_id(
    archive: Path, demo_db: str, signing_key: Path, tmp_path: Path
) -> None:
    restored = str(tmp_path / "restored.db")

    result = run("import", "--archive", str(archive), "--db", restored)

    assert result.exit_code == 0, result.output
    root = load(checkpoint_of(archive))["root"]
    assert result.output == f"Restored 83 events from {archive}: root {root}, as archived.\n"
    assert seals(restored, signing_key) == seals(demo_db, signing_key)
    without_keys = run("verify", "--db", restored)  # an archive carries no customer keys
    shutil.copy2(Path(demo_db).with_suffix(".keys"), Path(restored).with_suffix(".keys"))
    assert without_keys.exit_code == 1
    assert "cust-boris': their key is missing from the key store" in without_keys.output
    assert run("verify", "--db", restored).output == "83 events checked: ok\n"


def checkpoint_of(archive: Path) -> Path:
    header = json.loads(archive.read_text(encoding="utf-8").splitlines()[0])
    path = archive.with_name("from-archive.json")
    path.write_text(json.dumps(header["checkpoint"]))
    return path


def test_the_archive_keeps_recorded_times_hashes_and_the_checkpoint(
    archive: Path, checkpoint: Path
) -> None:
    header, *records = [json.loads(line) for line in archive.read_text().splitlines()]

    assert header["format"] == "trustengine-archive/1"
    assert header["events"] == 83 == len(records)
    assert header["checkpoint"] == load(checkpoint)
    assert header["root"] == load(checkpoint)["root"]
    assert [r["index"] for r in records] == list(range(83))
    first = records[0]
    assert set(first) == {"index", "position", "type", "recorded_at", "previous", "hash", "stored"}
    stored_state = json.loads(base64.b64decode(first["stored"]["state"]))
    assert stored_state["recorded_at"].replace("Z", "+00:00") == first["recorded_at"]


def test_an_archive_holds_no_personal_text_in_the_clear(archive: Path) -> None:
    text = archive.read_text()
    states = b"".join(
        base64.b64decode(json.loads(line)["stored"]["state"]) for line in text.splitlines()[1:]
    )

    assert "Charged twice" not in text
    assert b"Charged twice" not in states  # sealed under the customer's key, as stored


def test_proofs_from_the_original_and_the_restored_store_both_verify(
    archive: Path, demo_db: str, checkpoint: Path, signing_key: Path, tmp_path: Path
) -> None:
    restored = str(tmp_path / "restored.db")
    run("import", "--archive", str(archive), "--db", restored)
    bundles = {}
    for name, db in (("original", demo_db), ("restored", restored)):
        path = tmp_path / f"{name}.json"
        made = run(
            "proof",
            "cust-boris",
            "--checkpoint",
            str(checkpoint_of(archive)),
            "--output",
            str(path),
            "--db",
            db,
        )
        assert made.exit_code == 0, made.output
        done = check(path, public_of(signing_key))
        assert done.returncode == 0, done.stdout
        bundles[name] = load(path)

    keep = ("index", "position", "recorded_at", "previous", "hash", "stored", "path")
    assert [{k: e[k] for k in keep} for e in bundles["original"]["events"]] == [
        {k: e[k] for k in keep} for e in bundles["restored"]["events"]
    ]
    # The archive holds no customer keys: restored without their key store, personal
    # fields read as erased, and the bundle still verifies.
    assert bundles["restored"]["personal_key"] is None


def test_import_archive_into_a_store_that_has_events_is_refused_in_one_line(
    archive: Path, demo_db: str
) -> None:
    result = run("import", "--archive", str(archive), "--db", demo_db)

    assert result.exit_code == 2
    assert result.output == (
        f"Error: {demo_db} is not empty (83 events): an archive is restored only into an "
        "empty store\n"
    )


def _edit_bytes(lines: list[str]) -> None:
    record = json.loads(lines[9])
    state = base64.b64decode(record["stored"]["state"]).replace(b'"actor":"', b'"actor":"x')
    record["stored"]["state"] = base64.b64encode(state).decode()
    lines[9] = json.dumps(record)


def _swap(lines: list[str]) -> None:
    lines[9], lines[10] = lines[10], lines[9]


def _drop_last(lines: list[str]) -> None:
    del lines[-1]


def _not_json(lines: list[str]) -> None:
    lines[4] = "{"


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (_edit_bytes, "{a}:10: its bytes do not give its hash after the one before"),
        (_swap, "{a}:10: is event 9, expected 8: reordered"),
        (
            _drop_last,
            "{a}: its 82 events do not give the count, root and store id its first line "
            "states: events were added, removed or changed",
        ),
        (
            _not_json,
            "{a}:5: not valid JSON: Expecting property name enclosed in double quotes at column 2",
        ),
    ],
    ids=["edited bytes", "swapped", "last dropped", "not JSON"],
)
def test_a_tampered_archive_is_refused_naming_the_line_and_nothing_is_written(
    archive: Path, tmp_path: Path, edit: Callable[[list[str]], None], message: str
) -> None:
    lines = archive.read_text().splitlines()
    edit(lines)
    archive.write_text("\n".join(lines) + "\n")
    restored = tmp_path / "restored.db"

    result = run("import", "--archive", str(archive), "--db", str(restored))

    assert result.exit_code == 2
    assert result.output == "Error: " + message.format(a=archive) + "\n"
    assert not restored.exists()


def test_an_archive_s_checkpoint_is_checked_with_the_public_key(
    archive: Path, tmp_path: Path
) -> None:
    other = tmp_path / "other"
    run("keygen", "--signing", "--output", str(other))

    result = run(
        "import",
        "--archive",
        str(archive),
        "--public-key",
        str(public_of(other)),
        "--db",
        str(tmp_path / "r.db"),
    )

    assert result.exit_code == 2
    assert result.output.startswith(
        f"Error: {archive}:1: checkpoint signature: the checkpoint names key "
    )


def test_export_archive_keeps_the_whole_ledger_only(demo_db: str, tmp_path: Path) -> None:
    result = run(
        "export", "--archive", str(tmp_path / "a"), "--customer", "cust-boris", "--db", demo_db
    )

    assert result.exit_code == 2
    assert result.output == "Error: --archive keeps the whole ledger: leave out --customer\n"


def test_export_archive_refuses_a_checkpoint_the_ledger_does_not_extend(
    demo_db: str, checkpoint: Path, tmp_path: Path
) -> None:
    fields = load(checkpoint)
    fields["root"] = "cd" * 32
    checkpoint.write_text(json.dumps(fields))

    result = run(
        "export", "--archive", str(tmp_path / "a"), "--checkpoint", str(checkpoint), "--db", demo_db
    )

    assert result.exit_code == 2
    assert result.output == (
        "Error: --checkpoint: checkpoint: the ledger does not extend it: the first 83 events "
        "no longer give its root, so history before it was rewritten\n"
    )
    assert not (tmp_path / "a").exists()


def test_an_encrypted_store_s_archive_restores_with_the_same_cipher_key_only(
    tmp_path: Path, signing_key: Path
) -> None:
    key_file = tmp_path / "store.key"
    key_file.write_text(TEST_CIPHER_KEY)
    key_file.chmod(0o600)
    source, path = str(tmp_path / "enc.db"), tmp_path / "enc.archive"
    cipher = ("--cipher-key-file", str(key_file))
    run("demo", "--db", source, *cipher)
    exported = run("export", "--archive", str(path), "--db", source, *cipher)

    without = run("import", "--archive", str(path), "--db", str(tmp_path / "plain.db"))
    restored = run("import", "--archive", str(path), "--db", str(tmp_path / "r.db"), *cipher)

    assert exported.exit_code == 0, exported.output
    assert without.exit_code == 2
    assert "does not decode with this store's settings" in without.output
    assert restored.exit_code == 0, restored.output
    root = json.loads(path.read_text().splitlines()[0])["root"]
    signed = run("seal", "--sign", str(signing_key), "--db", str(tmp_path / "r.db"), *cipher)
    assert json.loads(signed.output)["root"] == root


@pytest.mark.postgres
def test_an_sqlite_archive_restores_into_postgresql_as_the_same_ledger(
    archive: Path, demo_db: str, signing_key: Path, postgres_target: str, tmp_path: Path
) -> None:
    result = run("import", "--archive", str(archive), "--db", postgres_target)
    path = tmp_path / "pg.json"
    made = run(
        "proof",
        "cust-amelia",
        "--checkpoint",
        str(checkpoint_of(archive)),
        "--output",
        str(path),
        "--db",
        postgres_target,
    )

    assert result.exit_code == 0, result.output
    assert seals(postgres_target, signing_key) == seals(demo_db, signing_key)
    assert made.exit_code == 0, made.output
    assert check(path, public_of(signing_key)).returncode == 0
    again = run("import", "--archive", str(archive), "--db", postgres_target)
    assert again.exit_code == 2
