"""Import and export of the contract's JSON Lines, all or nothing.

Import validates every line before writing anything, reports each bad line as
``FILE:LINE: reason``, stores the whole file in one transaction or nothing, and skips
facts the store already has, so importing the same file twice stores nothing new.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import IO

from trustengine.application import Progress, TrustEngine
from trustengine.exceptions import BatchRejectedError, ImportRejectedError
from trustengine.interchange import dumps


@dataclass(frozen=True)
class ImportResult:
    """What an import did."""

    lines: int
    """Non-blank lines read."""
    stored: int
    """Events that were new and are now stored."""

    @property
    def skipped(self) -> int:
        """Lines whose fact the store already had."""
        return self.lines - self.stored


def numbered_lines(stream: Iterable[str]) -> Iterator[tuple[int, str]]:
    """The non-blank lines of ``stream`` with their 1-based line numbers."""
    for number, line in enumerate(stream, start=1):
        if line.strip():
            yield number, line


def import_lines(
    engine: TrustEngine,
    stream: Iterable[str],
    *,
    name: str = "-",
    progress: Progress | None = None,
) -> ImportResult:
    """Import JSON Lines from ``stream`` (``name`` labels it in messages)."""
    items = list(numbered_lines(stream))
    try:
        stored = engine.record_numbered(items, progress=progress)
    except BatchRejectedError as rejected:
        raise ImportRejectedError(name, rejected.problems) from None
    return ImportResult(lines=len(items), stored=stored)


def export_lines(
    engine: TrustEngine,
    out: IO[str],
    *,
    customer: str | None = None,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Write events as JSON Lines, in the order they were stored; return how many."""
    events = engine.history(customer) if customer is not None else engine.all_events()
    count = 0
    for event in events:
        out.write(dumps(event))
        out.write("\n")
        count += 1
        if progress is not None:
            progress(1)
    return count
