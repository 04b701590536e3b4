"""Import and export of the contract's JSON Lines, all or nothing.

Import checks every line, reports each bad line as ``FILE:LINE: reason`` (the first
:data:`MAX_ERRORS`, then how many more), stores the whole file in one transaction or
nothing, and skips facts the store already has, so importing the same file twice stores
nothing new. Lines for an erased customer are skipped and counted: re-importing an export
made before an erasure is not an error. A file is read through a
:class:`~trustengine.persistence.spool.Spool` and checked and written a customer at a
time (:mod:`trustengine.application.streaming`), so an import's memory does not grow with
its file.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import IO

from trustengine.application.engine import EventInput, Ledger
from trustengine.domain.base import CustomerEvent
from trustengine.exceptions import BatchRejectedError, ImportRejectedError
from trustengine.interchange.codec import dumps
from trustengine.persistence.recorders import Progress
from trustengine.persistence.spool import Spool

MAX_ERRORS = 50
"""How many bad lines an import reports one by one before it only counts them."""


@dataclass(frozen=True)
class ImportResult:
    """What an import did."""

    lines: int
    """Non-blank lines read."""
    stored: int
    """Events that were new and are now stored."""
    erased: int = 0
    """Lines for customers who are erased, skipped (their events cannot be recorded)."""

    @property
    def skipped(self) -> int:
        """Lines whose fact the store already had."""
        return self.lines - self.stored - self.erased


def numbered_lines(stream: Iterable[str]) -> Iterator[tuple[int, str]]:
    """The non-blank lines of ``stream`` with their 1-based line numbers (a UTF-8 byte
    order mark before the first is dropped, as editors on Windows write one)."""
    for number, line in enumerate(stream, start=1):
        text = line.removeprefix("\ufeff") if number == 1 else line
        if text.strip():
            yield number, text


def decoded_lines(stream: Iterable[bytes], *, name: str = "-") -> list[str]:
    """The lines of a file read as bytes, decoded as UTF-8 (line ends LF or CRLF).

    Raises :class:`ImportRejectedError` naming the first line that is not UTF-8.
    """
    lines: list[str] = []
    for number, raw in enumerate(stream, start=1):
        try:
            lines.append(raw.decode("utf-8"))
        except UnicodeDecodeError as error:
            problem = f"not UTF-8 (byte 0x{raw[error.start]:02x} at column {error.start + 1})"
            raise ImportRejectedError(name, [(number, problem)]) from None
    return lines


def spooled_file(stream: Iterable[bytes], *, name: str = "-") -> Spool:
    """The non-blank lines of a file read as bytes, decoded as UTF-8, set aside in a
    :class:`Spool` (on disk: the file is not held in memory).

    Raises :class:`ImportRejectedError` naming the first line that is not UTF-8.
    """
    spool = Spool()
    try:
        for number, raw in enumerate(stream, start=1):
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as error:
                byte = raw[error.start]
                problem = f"not UTF-8 (byte 0x{byte:02x} at column {error.start + 1})"
                raise ImportRejectedError(name, [(number, problem)]) from None
            if number == 1:
                text = text.removeprefix("\ufeff")
            if text.strip():
                spool.add(number, text)
    except BaseException:
        spool.close()
        raise
    return spool


def import_lines(
    engine: Ledger,
    stream: Iterable[str],
    *,
    name: str = "-",
    progress: Progress | None = None,
    max_errors: int | None = MAX_ERRORS,
) -> ImportResult:
    """Import JSON Lines from ``stream`` (``name`` labels it in messages), a customer at a
    time: the lines are set aside on disk first, not held in memory."""
    with Spool().extend(numbered_lines(stream)) as spool:
        return import_spool(engine, spool, name=name, progress=progress, max_errors=max_errors)


def import_spool(
    engine: Ledger,
    spool: Spool,
    *,
    name: str = "-",
    progress: Progress | None = None,
    max_errors: int | None = MAX_ERRORS,
) -> ImportResult:
    """Import a spool's lines as :func:`import_items` imports a list: all or nothing, a
    customer at a time in one transaction (:meth:`Ledger.record_spooled`)."""
    try:
        stored, erased = engine.record_spooled(spool, progress=progress)
    except BatchRejectedError as rejected:
        raise ImportRejectedError(
            name, rejected.problems, total=spool.lines, max_shown=max_errors
        ) from None
    return ImportResult(lines=spool.lines, stored=stored, erased=erased)


def check_spool(
    spool: Spool,
    *,
    name: str = "-",
    max_errors: int | None = MAX_ERRORS,
    future_tolerance: timedelta | None = None,
) -> None:
    """Check a spool's lines against an empty store, storing nothing (see
    :func:`check_items`), a customer at a time."""
    scratch = Ledger(":memory:", future_tolerance=future_tolerance)
    try:
        scratch.check_spooled(spool)
    except BatchRejectedError as rejected:
        raise ImportRejectedError(
            name, rejected.problems, total=spool.lines, max_shown=max_errors
        ) from None
    finally:
        scratch.close()


def import_items(
    engine: Ledger,
    items: Sequence[tuple[int, EventInput]],
    *,
    name: str = "-",
    progress: Progress | None = None,
    max_errors: int | None = MAX_ERRORS,
) -> ImportResult:
    """Import numbered lines (or events): all or nothing; lines for erased customers are
    skipped and counted, never refused. At most ``max_errors`` bad lines are listed."""
    erased: list[int] = []
    try:
        stored = engine.record_numbered(items, progress=progress, erased=erased)
    except BatchRejectedError as rejected:
        raise ImportRejectedError(
            name, rejected.problems, total=len(items), max_shown=max_errors
        ) from None
    return ImportResult(lines=len(items), stored=stored, erased=len(erased))


def check_items(
    items: Sequence[tuple[int, EventInput]],
    *,
    name: str = "-",
    max_errors: int | None = MAX_ERRORS,
    future_tolerance: timedelta | None = None,
) -> list[tuple[int, CustomerEvent]]:
    """Check numbered lines against an empty store, storing nothing, and return them as
    events: what a command does before it creates a new store, so that a refused import
    leaves no store behind."""
    scratch = Ledger(":memory:", future_tolerance=future_tolerance)
    try:
        return scratch.check_numbered(items, erased=[])
    except BatchRejectedError as rejected:
        raise ImportRejectedError(
            name, rejected.problems, total=len(items), max_shown=max_errors
        ) from None
    finally:
        scratch.close()


def export_lines(
    engine: Ledger,
    out: IO[str],
    *,
    customer: str | None = None,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Write events as JSON Lines, in the order they were stored; return how many."""
    events = engine.history(customer) if customer is not None else engine.all_events()
    count = 0
    for event in events:
        out.write(dumps(event, with_id=True))
        out.write("\n")
        count += 1
        if progress is not None:
            progress(1)
    return count
