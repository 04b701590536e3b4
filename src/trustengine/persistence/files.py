"""The files trustengine writes: whole or absent, private when they hold personal data,
and never written over something that is not a regular file.

Every output goes to a temporary file in the folder it belongs in and is renamed into
place only once it is complete (and flushed to disk), so a failure part-way, a full
disk or a kill leaves the old file, or nothing, never half a file. ``private`` files
(the store, the views, exports, audit pages: anything with a customer's data in it) are
created mode 0600; others (the period report, which holds aggregates) take the
process's umask, as any program's output does. The kernel applies the umask to the
mode given at creation, so both are set as the file is made, never afterwards.

A path that names a FIFO, a device, a socket or a directory is refused: renaming over
``/dev/full`` would replace the device node with a regular file. A symbolic link is
followed, so the file it points at is replaced and the link stays.
"""

from __future__ import annotations

import os
import secrets
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

from trustengine.exceptions import OutputFileError

PRIVATE_MODE = 0o600
"""Files that hold personal data: read and written by their owner only."""
PUBLIC_MODE = 0o666
"""Other files: what the umask leaves of read and write for everyone (0644 under 022)."""

_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a FIFO"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def _not_regular(mode: int) -> str | None:
    """What a file of ``mode`` is when it is not a regular file, else None."""
    for test, kind in _KINDS:
        if test(mode):
            return kind
    return None if stat.S_ISREG(mode) else "not a regular file"


def writable_target(path: str | Path) -> Path:
    """The file that writing ``path`` would replace, symbolic links followed.

    Raises :class:`OutputFileError` when it exists and is not a regular file, or when its
    folder does not exist.
    """
    real = Path(os.path.realpath(path))
    try:
        mode = real.stat().st_mode
    except FileNotFoundError:
        mode = None
    except OSError as error:
        raise OutputFileError(f"{path}: cannot write: {error.strerror}") from None
    if mode is not None and (kind := _not_regular(mode)) is not None:
        if kind == "a directory":
            raise OutputFileError(f"{path}: is a directory")
        raise OutputFileError(f"{path}: is {kind}, not a regular file: nothing written")
    if not real.parent.is_dir():
        raise OutputFileError(f"{path}: folder {str(Path(path).parent)!r} does not exist")
    return real


def _temporary(target: Path, mode: int) -> tuple[int, Path]:
    """A new, empty file beside ``target``, created with ``mode`` (less the umask)."""
    while True:
        candidate = target.with_name(f".{target.name}.{secrets.token_hex(6)}.tmp")
        try:
            flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
            return os.open(candidate, flags, mode), candidate
        except FileExistsError:
            continue


def _sync_folder(folder: Path) -> None:
    """Flush the rename to disk too (best effort: not every system can sync a folder)."""
    try:
        handle = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(handle)
    except OSError:
        pass
    finally:
        os.close(handle)


@contextmanager
def whole_file(path: str | Path, *, private: bool) -> Iterator[TextIO]:
    """Write a text file (UTF-8) through the handle this yields; it appears at ``path``
    only when the ``with`` block ends without an error.

    On an error the temporary file is removed and the error goes on, so ``path`` keeps
    its old content, or stays absent. Raises :class:`OutputFileError` when ``path`` cannot
    be written (see :func:`writable_target`), or when writing it fails with an OS error.
    """
    target = writable_target(path)
    try:
        handle, temporary = _temporary(target, PRIVATE_MODE if private else PUBLIC_MODE)
    except OSError as error:
        raise OutputFileError(f"{path}: cannot write: {error.strerror}") from None
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as out:
            yield out
            out.flush()
            os.fsync(out.fileno())
        temporary.replace(target)
        _sync_folder(target.parent)
    except BaseException as error:
        temporary.unlink(missing_ok=True)
        if isinstance(error, OSError):
            raise OutputFileError(f"{path}: cannot write: {error.strerror or error}") from None
        raise


def write_text(path: str | Path, text: str, *, private: bool) -> None:
    """Write ``text`` to ``path`` whole or not at all (see :func:`whole_file`)."""
    with whole_file(path, private=private) as out:
        out.write(text)


def create_private(path: str | Path) -> bool:
    """Create ``path`` as an empty file of mode 0600 unless something is there already;
    return whether it was created.

    SQLite makes a database's ``-wal`` and ``-shm`` files with the mode of the database
    file, so a store or views file made here first keeps all three private.
    """
    try:
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
        os.close(os.open(path, flags, PRIVATE_MODE))
    except OSError:
        return False  # there already, or not creatable: SQLite says which when it opens it
    return True


def write_new_private(path: str | Path, text: str) -> None:
    """Create ``path`` (mode 0600, whatever the umask) holding ``text``; never overwrite.

    For secrets such as a cipher key: raises :class:`OutputFileError` when something is
    at ``path`` already (a symbolic link included) or the file cannot be made; a failure
    while writing removes the file.
    """
    target = Path(path)
    if target.exists() or target.is_symlink():
        raise OutputFileError(f"{path}: already exists; not overwriting a key")
    try:
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
        handle = os.open(target, flags, PRIVATE_MODE)
    except OSError as error:
        raise OutputFileError(f"{path}: cannot create: {error.strerror}") from None
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            os.fchmod(out.fileno(), PRIVATE_MODE)
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
    except BaseException as error:
        target.unlink(missing_ok=True)
        if isinstance(error, OSError):
            raise OutputFileError(f"{path}: cannot write: {error.strerror or error}") from None
        raise


def readable_by_others(path: str | Path) -> int | None:
    """The permission bits of ``path`` when its group or others may use it, else None."""
    mode = Path(path).stat().st_mode
    return stat.S_IMODE(mode) if mode & (stat.S_IRWXG | stat.S_IRWXO) else None


__all__ = [
    "PRIVATE_MODE",
    "PUBLIC_MODE",
    "create_private",
    "readable_by_others",
    "whole_file",
    "writable_target",
    "write_new_private",
    "write_text",
]
