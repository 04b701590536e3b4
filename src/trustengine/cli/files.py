"""Files the commands write (``--html FILE``, ``export --output FILE``): whole or absent,
private when they hold personal data, never over a FIFO, device, socket or directory.

The work is :mod:`trustengine.persistence.files`'s; here a path that cannot be written becomes one
:class:`~trustengine.cli.errors.InputError` line (exit status 2) naming the option.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

import click

from trustengine.exceptions import OutputFileError
from trustengine.persistence.files import whole_file


class OutputPathError(click.ClickException):
    """An output path that cannot be written: exit status 2, one line, nothing written."""

    exit_code = 2


@contextmanager
def whole_output(option: str, name: str | Path, *, private: bool) -> Iterator[TextIO]:
    """A handle on a temporary file that becomes ``name`` (given as ``option``) when the
    ``with`` block ends without an error; on an error nothing changes at ``name``."""
    try:
        with whole_file(name, private=private) as out:
            yield out
    except OutputFileError as error:
        raise OutputPathError(f"{option} {error}") from None


def write_whole(option: str, name: str | Path, text: str, *, private: bool) -> None:
    """Write ``text`` to the file ``name`` (given as ``option``) whole or not at all.

    ``private`` files (anything holding a customer's data) are made mode 0600; others
    follow the umask.
    """
    with whole_output(option, name, private=private) as out:
        out.write(text)


__all__ = ["OutputPathError", "whole_output", "write_whole"]
