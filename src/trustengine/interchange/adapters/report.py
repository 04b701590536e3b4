"""What a conversion did, for ``import --from … --dry-run``: counts per event type, source
fields left unmapped, rows that could not be converted and why, and the time span.

The adapters fill one :class:`ConversionReport` while their event stream is read; nothing
in it depends on a store. docs/importing.md explains each adapter's entries.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

MAX_REJECTIONS = 1000
"""How many rejections a report keeps one by one; beyond that it only counts them."""


@dataclass(frozen=True)
class Rejection:
    """One source row (or part of one) that gave no event, and why.

    ``where`` is ``FILE:LINE`` for line-based files and ``FILE:RECORD`` (a JSON path such
    as ``tickets[3]``) for JSON pages; ``field`` names the source column or field; ``rule``
    is a short name for the reason (``time``, ``required``, ``closed-case``, …).
    """

    where: str
    field: str
    rule: str
    reason: str

    def __str__(self) -> str:
        column = f" {self.field}:" if self.field else ""
        return f"{self.where}:{column} {self.reason} (rule: {self.rule})"


@dataclass
class ConversionReport:
    """Counts and findings of one conversion; filled as its events are read."""

    system: str
    records: int = 0
    """Source records read (CSV rows, JSON Lines lines, JSON objects)."""
    counts: Counter[str] = field(default_factory=Counter)
    """Events produced, per event type."""
    times: Counter[str] = field(default_factory=Counter)
    """Events per precision of their time: ``exact``, ``day``, ``bound``."""
    unmapped: Counter[str] = field(default_factory=Counter)
    """Source fields (or kinds of record) read but turned into no event, with how often."""
    notes: Counter[str] = field(default_factory=Counter)
    """Choices the adapter made that change a value (a text cut to fit, a default used)."""
    rejections: list[Rejection] = field(default_factory=list)
    rejected: int = 0
    """Every rejection, including those past :data:`MAX_REJECTIONS`."""
    first_at: str | None = None
    last_at: str | None = None
    _first_key: str = ""
    _last_key: str = ""

    def event(self, event: dict[str, Any], sort_key: str) -> None:
        """Count one produced event (``sort_key`` is its UTC time as sortable text)."""
        self.counts[event["type"]] += 1
        source = event.get("source") or {}
        self.times[source.get("time", "exact")] += 1
        if self.first_at is None or sort_key < self._first_key:
            self.first_at, self._first_key = event["at"], sort_key
        if self.last_at is None or sort_key > self._last_key:
            self.last_at, self._last_key = event["at"], sort_key

    def reject(self, where: str, field_name: str, rule: str, reason: str) -> None:
        """Record that a source row or part of one gave no event."""
        self.rejected += 1
        if len(self.rejections) < MAX_REJECTIONS:
            self.rejections.append(Rejection(where, field_name, rule, reason))

    def as_dict(self) -> dict[str, Any]:
        """The report as JSON-ready data (what ``--dry-run --json`` would print)."""
        return {
            "system": self.system,
            "records": self.records,
            "events": sum(self.counts.values()),
            "counts": dict(sorted(self.counts.items())),
            "times": dict(sorted(self.times.items())),
            "unmapped": dict(sorted(self.unmapped.items())),
            "notes": dict(sorted(self.notes.items())),
            "rejected": self.rejected,
            "rejections": [str(rejection) for rejection in self.rejections],
            "span": {"first": self.first_at, "last": self.last_at},
        }


__all__ = ["MAX_REJECTIONS", "ConversionReport", "Rejection"]
