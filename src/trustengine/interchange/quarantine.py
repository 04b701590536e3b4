"""An import that keeps what is good: store the good lines, set the bad ones aside.

``import --quarantine REJECTS`` stores every good line (all of them or none, as any
import) and writes each bad line to the rejects file, unchanged but for a ``_rejected``
key holding its line number and reason, so that it can be fixed and imported again
(import reads past that key). A line that depends on a rejected one (a later event of
the same customer and case, or one that breaks a rule only once an earlier line of its
customer is set aside) is rejected too, marked ``dependant_of`` that line. The contract
of it is docs/interchange.md, section 3.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import IO, Any

from trustengine.application.engine import Ledger
from trustengine.domain.base import CustomerEvent
from trustengine.domain.events import EVENT_TYPES
from trustengine.exceptions import BatchRejectedError, ImportRejectedError, InvalidEventError
from trustengine.interchange.codec import REJECTED_KEY, parse_line
from trustengine.persistence.recorders import Progress
from trustengine.persistence.spool import Spool

LINE_KEY = "_line"
"""The key of a rejected line that is no JSON object, kept as text."""
_DECODER = json.JSONDecoder()
Keys = tuple[str | None, str | None, str | None]
"""The customer, case and type a line names."""
_OPENS = frozenset(
    name for name, cls in EVENT_TYPES.items() if cls.case_effect == "open" or cls.creates
)
"""The types whose rejection can leave later events of their case without a footing."""


@dataclass(frozen=True)
class Rejected:
    """One line set aside, and why."""

    line: int
    text: str
    reason: str
    dependant_of: int | None = None

    def as_json(self) -> dict[str, Any]:
        """The ``_rejected`` value of the line."""
        out: dict[str, Any] = {"line": self.line, "reason": self.reason}
        if self.dependant_of is not None:
            out["dependant_of"] = self.dependant_of
        return out


@dataclass(frozen=True)
class QuarantineResult:
    """What an import with a quarantine did."""

    lines: int
    stored: int
    erased: int
    rejected: list[Rejected]

    @property
    def dependants(self) -> int:
        """Rejected lines that depend on another rejected line."""
        return sum(1 for item in self.rejected if item.dependant_of is not None)

    @property
    def skipped(self) -> int:
        """Lines whose fact the store already had."""
        return self.lines - self.stored - self.erased - len(self.rejected)


def decode_each(stream: Iterable[bytes]) -> tuple[list[tuple[int, str]], list[Rejected]]:
    """The non-blank lines of a file read as bytes, with their numbers, and the lines
    that are not UTF-8, rejected (kept with their bad bytes escaped)."""
    lines: list[tuple[int, str]] = []
    bad: list[Rejected] = []
    for number, raw in enumerate(stream, start=1):
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as error:
            reason = f"not UTF-8 (byte 0x{raw[error.start]:02x} at column {error.start + 1})"
            bad.append(Rejected(number, raw.decode("utf-8", "backslashreplace"), reason))
            continue
        text = text.removeprefix("\ufeff") if number == 1 else text
        if text.strip():
            lines.append((number, text))
    return lines, bad


def rejected_line(item: Rejected) -> str:
    """The rejects file's line for ``item``: the line as it was, plus ``_rejected``."""
    text = item.text.rstrip("\r\n")
    tag = json.dumps(item.as_json(), ensure_ascii=False, separators=(",", ":"))
    try:
        obj = _DECODER.decode(text.removeprefix("\ufeff"))
    except (ValueError, RecursionError):
        obj = None
    if isinstance(obj, dict):
        inner = text.rstrip()[:-1].rstrip()
        comma = "," if obj else ""
        return f'{inner}{comma}"{REJECTED_KEY}":{tag}}}'
    return json.dumps(
        {REJECTED_KEY: item.as_json(), LINE_KEY: text}, ensure_ascii=False, separators=(",", ":")
    )


def _keys_of(text: str) -> Keys:
    """The customer, case and type a bad line names, where it names them as strings."""
    try:
        obj = _DECODER.decode(text.removeprefix("\ufeff"))
    except (ValueError, RecursionError):
        return (None, None, None)
    if not isinstance(obj, dict):
        return (None, None, None)
    found = [obj.get(key) for key in ("customer", "case", "type")]
    customer, case, type_ = (value if isinstance(value, str) else None for value in found)
    return (customer, case, type_)


def sort_out(
    engine: Ledger,
    items: Iterable[tuple[int, str]],
    *,
    bad: Iterable[Rejected] = (),
) -> tuple[list[tuple[int, CustomerEvent]], list[Rejected]]:
    """Split numbered lines into the events that can all be stored now and the rejected
    lines (``bad`` holds lines already refused, e.g. for not being UTF-8)."""
    rejected: dict[int, Rejected] = {item.line: item for item in bad}
    keys: dict[int, Keys] = {item.line: (None, None, None) for item in rejected.values()}
    drafts: dict[int, CustomerEvent] = {}
    texts: dict[int, str] = {}
    for number, text in items:
        texts[number] = text
        try:
            draft = parse_line(text)
        except InvalidEventError as error:
            rejected[number] = Rejected(number, text, str(error))
            keys[number] = _keys_of(text)
        else:
            drafts[number] = draft
            keys[number] = (draft.customer, draft.case, draft.type_name)
    first_round = True
    while True:
        try:
            events = engine.check_numbered(sorted(drafts.items()), erased=[])
        except BatchRejectedError as refused:
            for number, reason in refused.problems:
                del drafts[number]
                cause = _cause(number, rejected, keys, any_case=not first_round)
                rejected[number] = Rejected(number, texts[number], reason, cause)
            first_round = False
            continue
        return events, sorted(rejected.values(), key=lambda item: item.line)


def _cause(
    number: int, rejected: dict[int, Rejected], keys: dict[int, Keys], *, any_case: bool
) -> int | None:
    """The rejected line that ``number`` depends on: the latest earlier one of its
    customer and case that opens the case or makes a commitment (or, once lines were set
    aside and it failed only then, any earlier one of its customer)."""
    customer, case, _ = keys[number]
    earlier = [
        other
        for other in rejected
        if other < number
        and keys[other][0] == customer
        and (any_case or (case is not None and keys[other][1] == case and keys[other][2] in _OPENS))
    ]
    return max(earlier) if earlier else None


def import_quarantined(
    engine: Ledger,
    items: Iterable[tuple[int, str]],
    rejects: IO[str],
    *,
    name: str = "-",
    bad: Sequence[Rejected] = (),
    progress: Progress | None = None,
) -> QuarantineResult:
    """Store every good line of ``items`` (all or nothing) and write the rejected ones to
    ``rejects``; return what was done (see :func:`import_spool_quarantined`)."""
    with Spool().extend(items) as spool:
        return import_spool_quarantined(
            engine, spool, rejects, name=name, bad=bad, progress=progress
        )


def import_spool_quarantined(
    engine: Ledger,
    spool: Spool,
    rejects: IO[str],
    *,
    name: str = "-",
    bad: Sequence[Rejected] = (),
    progress: Progress | None = None,
) -> QuarantineResult:
    """Store every good line of ``spool`` (all or nothing) and write the rejected ones to
    ``rejects``, a customer at a time: each customer's lines are sorted out on their own
    (a line depends only on lines of its customer), then the good ones of every customer
    are stored in one transaction (:meth:`Ledger.record_spooled`). Only the rejected
    lines are held in memory."""
    rejected: list[Rejected] = list(bad)
    for group in spool.customers():
        _, refused = sort_out(engine, group)
        rejected.extend(refused)
    rejected.sort(key=lambda item: item.line)
    try:
        stored, erased = engine.record_spooled(
            spool, progress=progress, leave_out={item.line for item in rejected}
        )
    except BatchRejectedError as refused:  # another writer changed these customers since
        raise ImportRejectedError(name, refused.problems, total=spool.lines) from None
    for item in rejected:
        rejects.write(rejected_line(item))
        rejects.write("\n")
    return QuarantineResult(
        lines=spool.lines + len(bad), stored=stored, erased=erased, rejected=rejected
    )


def spooled_each(stream: Iterable[bytes]) -> tuple[Spool, list[Rejected]]:
    """As :func:`decode_each`, with the good lines set aside in a :class:`Spool` (on disk)
    rather than in a list."""
    spool = Spool()
    bad: list[Rejected] = []
    try:
        for number, raw in enumerate(stream, start=1):
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as error:
                byte = raw[error.start]
                reason = f"not UTF-8 (byte 0x{byte:02x} at column {error.start + 1})"
                bad.append(Rejected(number, raw.decode("utf-8", "backslashreplace"), reason))
                continue
            text = text.removeprefix("\ufeff") if number == 1 else text
            if text.strip():
                spool.add(number, text)
    except BaseException:
        spool.close()
        raise
    return spool, bad


__all__ = [
    "LINE_KEY",
    "QuarantineResult",
    "Rejected",
    "decode_each",
    "import_quarantined",
    "import_spool_quarantined",
    "rejected_line",
    "sort_out",
    "spooled_each",
]
