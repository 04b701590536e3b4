"""Files the commands write: whole or absent, private when they hold personal data, and
never written over a FIFO, a device, a socket or a directory."""

from __future__ import annotations

import errno
import os
import socket
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from tests.examples import event

import trustengine.interchange.jsonl
from trustengine import TrustEngine
from trustengine.cli import main
from trustengine.exceptions import OutputFileError
from trustengine.persistence.files import create_private, whole_file, write_text
from trustengine.readmodel import ReadModel

COMPLAINT = event(
    "ComplaintFiled",
    "cust-1",
    "C-1",
    category="delivery",
    severity=2,
    cause="other",
    summary="Parcel late",
)


@pytest.fixture
def umask() -> Iterator[None]:
    """Restore the process's umask after a test that sets it."""
    before = os.umask(0o022)
    yield
    os.umask(before)


@pytest.fixture
def demo_db(tmp_path: Path) -> str:
    db = str(tmp_path / "trust.db")
    result = CliRunner().invoke(main, ["demo", "--db", db])
    assert result.exit_code == 0, result.output
    return db


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output


# --- whole or absent -------------------------------------------------------------------


def test_a_failure_mid_export_leaves_the_old_file_intact_and_no_temporary_file(
    demo_db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "backup.jsonl"
    out.write_text("the old backup\n", encoding="utf-8")
    real = trustengine.interchange.jsonl.dumps
    written: list[str] = []

    def failing(event: object, **options: bool) -> str:
        if len(written) == 40:
            raise OSError(errno.ENOSPC, "No space left on device")
        written.append(real(event, **options))  # type: ignore[arg-type]
        return written[-1]

    monkeypatch.setattr(trustengine.interchange.jsonl, "dumps", failing)

    assert run("export", "--db", demo_db, "--output", str(out)) == (
        2,
        f"Error: --output {out}: cannot write: No space left on device\n",
    )
    assert len(written) == 40
    assert out.read_text(encoding="utf-8") == "the old backup\n"
    assert leftovers(tmp_path) == []


def test_an_unexpected_error_mid_export_leaves_no_file_where_there_was_none(
    demo_db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "backup.jsonl"
    calls: list[int] = []

    def failing(event: object, **options: bool) -> str:
        calls.append(1)
        if len(calls) > 5:
            raise ArithmeticError("injected")
        return "{}"

    monkeypatch.setattr(trustengine.interchange.jsonl, "dumps", failing)

    result = CliRunner().invoke(main, ["export", "--db", demo_db, "--output", str(out)])

    assert (result.exit_code, result.stderr) == (
        3,
        "trustengine: internal error: ArithmeticError: injected; "
        "rerun with --debug for the traceback\n",
    )
    assert not out.exists()
    assert leftovers(tmp_path) == []


def test_export_to_a_file_writes_what_stdout_gets_and_replaces_the_old_file(
    demo_db: str, tmp_path: Path
) -> None:
    out = tmp_path / "backup.jsonl"
    out.write_text("old\n", encoding="utf-8")

    code, output = run("export", "--db", demo_db, "--output", str(out))

    assert (code, output) == (0, "Exported 83 events.\n")
    assert out.read_text(encoding="utf-8") == run("export", "--db", demo_db)[1]
    assert leftovers(tmp_path) == []


def test_whole_file_removes_its_temporary_file_and_keeps_the_old_one_on_any_error(
    tmp_path: Path,
) -> None:
    target = tmp_path / "page.html"
    target.write_text("old", encoding="utf-8")

    with pytest.raises(KeyboardInterrupt), whole_file(target, private=True) as out:
        out.write("half")
        raise KeyboardInterrupt

    assert target.read_text(encoding="utf-8") == "old"
    assert leftovers(tmp_path) == []


# --- private files ---------------------------------------------------------------------


@pytest.mark.usefixtures("umask")
@pytest.mark.parametrize("mask", [0o000, 0o022])
def test_the_store_and_its_wal_and_shm_files_are_created_0600_whatever_the_umask(
    tmp_path: Path, mask: int
) -> None:
    os.umask(mask)
    db = tmp_path / "trust.db"
    engine = TrustEngine(str(db))
    try:
        engine.record(COMPLAINT)
        files = {p.name: mode(p) for p in tmp_path.iterdir()}
    finally:
        engine.close()

    # The key store beside it too.
    assert files == dict.fromkeys(
        (
            "trust.db",
            "trust.db-wal",
            "trust.db-shm",
            "trust.keys",
            "trust.keys-wal",
            "trust.keys-shm",
        ),
        384,
    )


@pytest.mark.usefixtures("umask")
def test_a_views_file_of_its_own_is_created_0600(tmp_path: Path) -> None:
    os.umask(0)
    (tmp_path / "store").mkdir()
    (tmp_path / "views").mkdir()
    views = tmp_path / "views" / "views.db"
    engine = TrustEngine(str(tmp_path / "store" / "trust.db"))
    try:
        engine.record(COMPLAINT)
        with ReadModel(engine, str(views)) as model:
            model.catch_up()
            made = {p.name: mode(p) for p in views.parent.iterdir()}
    finally:
        engine.close()

    assert made == {"views.db": 0o600, "views.db-wal": 0o600, "views.db-shm": 0o600}


@pytest.mark.usefixtures("umask")
def test_exports_and_audit_pages_are_0600_and_the_period_report_follows_the_umask(
    demo_db: str, tmp_path: Path
) -> None:
    os.umask(0o027)
    export, audit, report = tmp_path / "e.jsonl", tmp_path / "a.html", tmp_path / "r.html"

    assert run("export", "--db", demo_db, "-o", str(export))[0] == 0
    assert run("audit", "cust-boris", "--db", demo_db, "--html", str(audit))[0] == 0
    assert run("report", "--db", demo_db, "--html", str(report))[0] == 0

    assert (mode(export), mode(audit), mode(report)) == (0o600, 0o600, 0o640)


@pytest.mark.usefixtures("umask")
def test_a_file_that_replaces_a_world_readable_one_is_private(tmp_path: Path) -> None:
    target = tmp_path / "export.jsonl"
    target.write_text("old", encoding="utf-8")
    target.chmod(0o644)

    write_text(target, "new", private=True)

    assert (target.read_text(encoding="utf-8"), mode(target)) == ("new", 0o600)


def test_create_private_leaves_an_existing_file_as_it_is(tmp_path: Path) -> None:
    there = tmp_path / "trust.db"
    there.write_bytes(b"data")

    assert create_private(there) is False
    assert there.read_bytes() == b"data"
    assert create_private(tmp_path / "new.db") is True
    assert mode(tmp_path / "new.db") == 0o600


# --- never over what is not a regular file ---------------------------------------------


def not_regular(tmp_path: Path, kind: str) -> tuple[Path, str]:
    """A path that is not a regular file, and how the refusal names it."""
    if kind == "fifo":
        path = tmp_path / "pipe"
        os.mkfifo(path)
        return path, "is a FIFO, not a regular file: nothing written"
    if kind == "device":
        path = tmp_path / "null"
        path.symlink_to(os.devnull)
        return path, "is a character device, not a regular file: nothing written"
    path = tmp_path / "folder"
    path.mkdir()
    return path, "is a directory"


@pytest.mark.parametrize("kind", ["fifo", "device", "directory"])
@pytest.mark.parametrize(
    ("command", "option"),
    [
        (["report"], "--html"),
        (["audit", "cust-boris"], "--html"),
        (["export"], "--output"),
    ],
)
def test_a_fifo_a_device_or_a_directory_is_never_written_over(
    demo_db: str, tmp_path: Path, kind: str, command: list[str], option: str
) -> None:
    path, why = not_regular(tmp_path, kind)
    before = path.lstat().st_mode

    assert run(*command, "--db", demo_db, option, str(path)) == (
        2,
        f"Error: {option} {path} {why}\n".replace(f"{path} is", f"{path}: is"),
    )
    assert path.lstat().st_mode == before
    assert leftovers(tmp_path) == []


def test_a_symbolic_link_to_a_regular_file_is_followed_and_stays_a_link(tmp_path: Path) -> None:
    real = tmp_path / "real.html"
    real.write_text("old", encoding="utf-8")
    link = tmp_path / "link.html"
    link.symlink_to(real)

    write_text(link, "new", private=False)

    assert link.is_symlink()
    assert real.read_text(encoding="utf-8") == "new"


def test_a_socket_is_never_written_over(tmp_path: Path) -> None:
    path = tmp_path / "s"
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as listening:
        listening.bind(str(path))

        with pytest.raises(OutputFileError, match=r"s: is a socket, not a regular file"):
            write_text(path, "x", private=False)

        assert stat.S_ISSOCK(path.lstat().st_mode)


def test_the_library_names_the_refused_path(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe")

    with pytest.raises(OutputFileError, match=r"pipe: is a FIFO, not a regular file"):
        write_text(tmp_path / "pipe", "x", private=True)
