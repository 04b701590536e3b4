"""Due work: what is owed to customers and by when, from the read-model tables, as of T.

One :class:`DueItem` per piece of owed work, soonest first:

- ``promise``, ``action``, ``follow_up``: each open promise, corrective action and
  scheduled follow-up (table ``promises``), due when it says;
- ``follow_up`` without an id (derived): a case that is resolved (``ResolutionConfirmed``,
  or a ``CaseClosed`` that says so; else closed), not yet followed up since, and with no
  follow-up scheduled (none still open) is owed one, due **one day after the
  resolution**. "Followed up" is what stops the ``follow_up`` SLA clock (the rule is
  explained once, in :mod:`trustengine.readmodel.projections.clocks`), so the case is
  owed one exactly while its ``follow_up`` clock runs and nothing is planned;
- ``survey`` (derived): a closed case with no ``SatisfactionRecorded`` for it since it was
  last opened (filed or reopened) is owed a CSAT/NPS request, due **one day after it was
  closed**;
- ``sla:<clock>``: each running SLA clock (table ``sla_clocks``: not stopped, with a due
  time), e.g. ``sla:first_response``. A clock with a breach already recorded stays listed
  while it runs: the miss is a fact, the work is still owed. (A reopening stops the
  ``follow_up`` clock of the resolution it undid, so none is left running from before.)

The derived follow-up and the ``follow_up`` SLA clock (which starts at the same
resolution and, under ``sla-default``, runs out at the same moment) are one piece of work,
so they are one row: the derived ``follow_up`` row, due at the earlier of its own due time
and the clock's; its description names the clock. A *scheduled* follow-up is the agent's
own plan, so a running ``follow_up`` clock beside it stays a row of its own
(``sla:follow_up``), showing the SLA's deadline next to the plan's.

``T`` judges the work, it does not rewind the history: the items are those open in the
tables (everything recorded), and ``overdue`` says whether each is past due at ``T``
(``hours_overdue``: hours past due, negative when still to come). Customers who were
erased are left out: nothing can be recorded for them any more.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import sqlite_utils

from trustengine.exceptions import InvalidTimeError
from trustengine.readmodel.misses import erased_customers, rows, running_clocks
from trustengine.readmodel.projections.cases import TABLE as CASES
from trustengine.readmodel.projections.clocks import TABLE as CLOCKS
from trustengine.readmodel.projections.promises import TABLE as PROMISES
from trustengine.readmodel.projections.satisfaction import TABLE as SATISFACTION
from trustengine.readmodel.sealing import open_value

if TYPE_CHECKING:
    from trustengine.application.facade import TrustEngine
from trustengine.readmodel.read_model import ReadModel

FOLLOW_UP_AFTER = timedelta(days=1)
"""A resolved case with no follow-up scheduled is owed one this long after resolving."""
SURVEY_AFTER = timedelta(days=1)
"""A closed case with no CSAT/NPS is owed a request for one this long after closing."""
SLA_PREFIX = "sla:"
_CASES = CASES.select(
    "customer", "case", "status", "opened_at", "reopened_at", "resolved_at", "closed_at", "owner"
)
_COMMITMENTS = PROMISES.select("customer", "kind", "id", "case", "description", "due")

DUE_COLUMNS = (
    "due",
    "kind",
    "customer",
    "case",
    "id",
    "description",
    "owner",
    "overdue",
    "hours_overdue",
)


@dataclass(frozen=True)
class DueItem:
    """One piece of owed work (see the module's docstring for the kinds)."""

    due: datetime
    kind: str
    customer: str
    case: str
    id: str | None
    description: str
    owner: str | None
    overdue: bool
    hours_overdue: float
    due_explained: str | None = None
    """How an SLA clock's due time was computed (``SlaPolicy.explain``, and the pauses
    that moved it); None for other work."""

    def as_dict(self) -> dict[str, Any]:
        """The item as a row of ``trustengine due`` (``due`` as ISO 8601 text)."""
        row = asdict(self)
        row["due"] = self.due.isoformat()
        return row

    def sort_key(self) -> tuple[datetime, str, str, str, str]:
        """Soonest first; ties by customer, case, kind and id."""
        return (self.due, self.customer, self.case, self.kind, self.id or "")


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def _time(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


def _awaiting_follow_up(db: sqlite_utils.Database) -> set[tuple[str, str]]:
    """The (customer, case) pairs whose ``follow_up`` clock runs (with a due time or not):
    resolved, and not followed up since."""
    sql = CLOCKS.select("customer", "case", distinct=True)
    found = db.execute(f"{sql} WHERE clock = 'follow_up' AND stopped_at IS NULL")
    return {(str(customer), str(case)) for customer, case in found.fetchall()}


_CLOCK_WORDS = {"follow_up": "follow-up"}


def clock_description(clock: dict[str, Any]) -> str:
    """What a running clock asks for, in words."""
    name = _CLOCK_WORDS.get(clock["clock"], clock["clock"].replace("_", " "))
    text = f"{name} SLA ({clock['policy']})"
    if clock["period"] > 1:
        text += f", after reopening {clock['period'] - 1}"
    if clock["breached"]:
        text += "; breach recorded"
    return text


class _Collector:
    """Builds the items of one query: judges each against ``at`` and the filters."""

    def __init__(self, at: datetime, overdue_only: bool, owners: dict[tuple[str, str], Any]):
        self.at = at
        self.overdue_only = overdue_only
        self.owners = owners
        self.items: list[DueItem] = []

    def add(
        self,
        due: datetime,
        kind: str,
        customer: str,
        case: str,
        ident: str | None,
        text: str,
        explained: str | None = None,
    ) -> None:
        overdue = due < self.at
        if self.overdue_only and not overdue:
            return
        hours = round((self.at - due).total_seconds() / 3600, 1) + 0.0  # no -0.0
        owner = self.owners.get((customer, case))
        self.items.append(
            DueItem(due, kind, customer, case, ident, text, owner, overdue, hours, explained)
        )


def due_items(
    source: TrustEngine | ReadModel | sqlite_utils.Database,
    at: datetime | None = None,
    *,
    overdue_only: bool = False,
    owner: str | None = None,
) -> list[DueItem]:
    """The owed work in the read-model tables, judged as of ``at`` (default now), soonest
    first. ``overdue_only`` keeps what is past due at ``at``; ``owner`` keeps the work of
    cases that ``owner`` owns (``cases.owner``). Catch a read model up first; an engine
    catches its own up (:meth:`TrustEngine.due` gives the same as models).
    """
    if not isinstance(source, sqlite_utils.Database) and hasattr(source, "read_model"):
        with source.read_model() as model:
            return due_items(model, at, overdue_only=overdue_only, owner=owner)
    db = source if isinstance(source, sqlite_utils.Database) else source.db
    engine = getattr(source, "engine", None)
    personal = getattr(engine, "personal", None)
    if at is None:
        at = datetime.now(tz=UTC)
    elif at.tzinfo is None:
        raise InvalidTimeError(f"{at.isoformat()} has no offset: add one, e.g. +00:00")
    erased = erased_customers(db)
    cases: dict[tuple[str, str], dict[str, Any]] = {
        (row["customer"], row["case"]): row
        for row in rows(db, _CASES)
        if row["customer"] not in erased and (owner is None or row["owner"] == owner)
    }
    out = _Collector(at, overdue_only, {key: row["owner"] for key, row in cases.items()})
    planned: set[tuple[str, str]] = set()
    for row in rows(db, f"{_COMMITMENTS} WHERE status = 'open'"):
        key = (row["customer"], row["case"])
        if key not in cases:
            continue
        if row["kind"] == "follow_up":
            planned.add(key)
        text = (
            open_value(personal, row["customer"], row["description"])
            if row["kind"] != "follow_up"
            else "scheduled follow-up"
        )
        out.add(_at(row["due"]), row["kind"], *key, row["id"], text)
    clocks: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for clock in running_clocks(db):
        key = (clock["customer"], clock["case"])
        if key in cases:
            clocks[key].append(clock)
    surveyed = _surveyed(db)
    owed = _awaiting_follow_up(db)
    for key, case in cases.items():
        resolved = _time(case["resolved_at"]) or (
            _time(case["closed_at"]) if case["status"] == "closed" else None
        )
        running = clocks.pop(key, [])
        if resolved is not None and key in owed and key not in planned:
            folded = [c for c in running if c["clock"] == "follow_up"]
            running = [c for c in running if c["clock"] != "follow_up"]
            due = min([resolved + FOLLOW_UP_AFTER, *(c["due"] for c in folded)])
            text = "follow up on the resolution: none scheduled"
            if folded:
                text += "; " + clock_description(folded[0])
            explained = folded[0]["due_explained"] if folded else None
            out.add(due, "follow_up", *key, None, text, explained)
        for clock in running:
            text = clock_description(clock)
            kind = SLA_PREFIX + clock["clock"]
            out.add(clock["due"], kind, *key, None, text, clock["due_explained"])
        if case["status"] == "closed":
            since = _time(case["reopened_at"] or case["opened_at"])
            assert since is not None
            if not any(moment >= since for moment in surveyed.get(key, ())):
                closed = _time(case["closed_at"])
                assert closed is not None
                text = "ask for CSAT/NPS: the case is closed and none was recorded"
                out.add(closed + SURVEY_AFTER, "survey", *key, None, text)
    return sorted(out.items, key=DueItem.sort_key)


def _surveyed(db: sqlite_utils.Database) -> dict[tuple[str, str], list[datetime]]:
    """When each case got a CSAT/NPS score (``SatisfactionRecorded`` with that case)."""
    found: dict[tuple[str, str], list[datetime]] = defaultdict(list)
    sql = SATISFACTION.select("customer", "case", "at")
    cursor = db.execute(f'{sql} WHERE "case" IS NOT NULL')
    for customer, case, at in cursor.fetchall():
        found[(customer, case)].append(datetime.fromisoformat(at))
    return found


__all__ = [
    "DUE_COLUMNS",
    "FOLLOW_UP_AFTER",
    "SURVEY_AFTER",
    "DueItem",
    "clock_description",
    "due_items",
]
