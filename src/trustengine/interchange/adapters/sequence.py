"""From drafts to contract-shaped events: each draft gets its ``source``, and the case
rules the engine will check are checked here first, so what an adapter emits imports.

A draft that would break a rule (a case event before its complaint, a hand-off on a
closed case, a commitment settled twice) is not emitted: the report names it, its source
and the rule (docs/interchange.md, section 2). Event types the engine does not know yet
(``CaseAwaitingCustomer``, ``CaseResumed``, issue 14) are treated as case events that
need an open case.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from trustengine.domain.events import EVENT_TYPES
from trustengine.exceptions import InvalidEventError
from trustengine.interchange.adapters.report import ConversionReport
from trustengine.interchange.adapters.times import Precision, iso, sort_key
from trustengine.interchange.codec import parse_event

PENDING_TYPES = frozenset({"CaseAwaitingCustomer", "CaseResumed"})
"""Case events of issue 14 that adapters emit before the engine's vocabulary has them."""
PENDING_FIELDS = {"ComplaintFiled": ("received",)}
"""Data fields of issue 14 that adapters emit before the engine's models have them; they
are left out of the check against the codec (and nothing else)."""


@dataclass
class Draft:
    """One event an adapter means to emit, with where it came from."""

    type: str
    customer: str
    case: str | None
    at: datetime
    data: dict[str, Any]
    source_id: str
    precision: Precision = "exact"
    where: str = ""
    """``FILE:LINE`` or ``FILE:RECORD``, for a rejection."""
    field: str = ""
    """The source field the event comes from, for a rejection."""
    actor: str | None = None
    channel: str | None = None
    url: str | None = None
    order: int = 0
    """Breaks ties between drafts at the same moment: lower first."""

    def key(self) -> tuple[str, int]:
        return sort_key(self.at), self.order


@dataclass
class _Case:
    closed: bool = False
    awaiting: bool = False


@dataclass
class _Customer:
    cases: dict[str, _Case] = field(default_factory=dict)
    made: set[tuple[str, str]] = field(default_factory=set)
    settled: set[tuple[str, str]] = field(default_factory=set)


class Sequencer:
    """Checks drafts against the case rules, in the order given, and emits events.

    Keeps one small record per customer and case, not the events themselves.
    """

    def __init__(self, system: str, report: ConversionReport) -> None:
        self.system = system
        self.report = report
        self._customers: dict[str, _Customer] = {}

    def emit(self, drafts: Iterable[Draft]) -> Iterator[dict[str, Any]]:
        """The events of ``drafts`` that keep the rules, as contract-shaped dicts."""
        for draft in drafts:
            if self._redundant(draft):
                continue
            problem = _invalid(draft) or self._check(draft)
            if problem is not None:
                rule, reason = problem
                self.report.reject(draft.where, draft.field, rule, f"{draft.type}: {reason}")
                continue
            event = self._event(draft)
            self.report.event(event, sort_key(draft.at))
            yield event

    def _redundant(self, draft: Draft) -> bool:
        """Whether ``draft`` repeats what the case's wait already is: a status moving from
        one waiting status to another (pending to on-hold) is one wait, and a wait the
        customer's reply already ended (docs/service-levels.md, "Pauses") needs no
        ``CaseResumed``. Counted in the report's notes."""
        case = self._customers.get(draft.customer, _Customer()).cases.get(draft.case or "")
        if case is None:
            return False
        if draft.type == "CaseAwaitingCustomer" and case.awaiting:
            self.report.notes["a wait already running: no second CaseAwaitingCustomer"] += 1
            return True
        if draft.type == "CaseResumed" and not case.awaiting:
            self.report.notes["a wait the customer's reply had ended: no CaseResumed"] += 1
            return True
        return False

    def _event(self, draft: Draft) -> dict[str, Any]:
        event: dict[str, Any] = {"type": draft.type, "customer": draft.customer}
        if draft.case is not None:
            event["case"] = draft.case
        event["at"] = iso(draft.at)
        if draft.actor is not None:
            event["actor"] = draft.actor
        if draft.channel is not None:
            event["channel"] = draft.channel
        event["data"] = draft.data
        source: dict[str, str] = {"system": self.system, "id": draft.source_id}
        if draft.url is not None:
            source["url"] = draft.url
        source["time"] = draft.precision
        event["source"] = source
        return event

    def _check(self, draft: Draft) -> tuple[str, str] | None:
        cls = EVENT_TYPES.get(draft.type)
        scope = cls.scope if cls is not None else "case"
        customer = self._customers.setdefault(draft.customer, _Customer())
        if scope == "customer" or (scope == "either" and draft.case is None):
            return None
        if draft.case is None:
            return "case-must-exist", "a case event needs a case"
        case = customer.cases.get(draft.case)
        if draft.type == "ComplaintFiled":
            if case is not None:
                return "case-key-unique", f"case {draft.case!r} was opened already"
            customer.cases[draft.case] = _Case()
            return None
        if case is None:
            return "case-must-exist", f"no complaint opened case {draft.case!r} first"
        if draft.type == "CaseReopened":
            if not case.closed:
                return "reopen-needs-closed-case", f"case {draft.case!r} is not closed"
            case.closed = False
            return None
        on_closed = cls.on_closed_case if cls is not None else False
        if case.closed and not on_closed:
            return "closed-case-takes-only-settlements", f"case {draft.case!r} is closed"
        problem = self._commitment(cls, customer, draft)
        if problem is None:
            if draft.type == "CaseClosed":
                case.closed, case.awaiting = True, False
            elif draft.type == "CaseAwaitingCustomer":
                case.awaiting = True
            elif draft.type == "CaseResumed" or (
                draft.type == "CustomerContacted" and draft.data.get("direction") == "inbound"
            ):
                case.awaiting = False
        return problem

    @staticmethod
    def _commitment(cls: Any, customer: _Customer, draft: Draft) -> tuple[str, str] | None:
        if cls is None:
            return None
        if cls.creates is not None:
            key = (cls.creates, str(draft.data.get(cls.creates)))
            if key in customer.made:
                return "commitment-id-unique", f"{key[0]} {key[1]!r} was made already"
            customer.made.add(key)
        if cls.settles is not None:
            key = (cls.settles, str(draft.data.get(cls.settles)))
            if key not in customer.made:
                return "commitment-must-exist", f"{key[0]} {key[1]!r} was never made"
            if key in customer.settled:
                return "commitment-settles-once", f"{key[0]} {key[1]!r} was settled already"
            customer.settled.add(key)
        return None


def _invalid(draft: Draft) -> tuple[str, str] | None:
    """Why the codec would refuse the draft's event (its one-line rules), or None."""
    if draft.type not in EVENT_TYPES:
        return None
    pending = PENDING_FIELDS.get(draft.type, ())
    data = {name: value for name, value in draft.data.items() if name not in pending}
    candidate = {"type": draft.type, "customer": draft.customer, "case": draft.case}
    candidate |= {"at": iso(draft.at), "actor": draft.actor, "channel": draft.channel}
    try:
        parse_event(candidate | {"data": data})
    except InvalidEventError as error:
        message = str(error)
        rule = message.rsplit("(rule: ", 1)[-1].rstrip(")") if "(rule: " in message else "type"
        return rule, message.removeprefix(f"{draft.type}: ").split(" (rule: ")[0]
    return None


def in_time_order(drafts: list[Draft]) -> list[Draft]:
    """``drafts`` in business-time order (ties in the order the adapter gave)."""
    return sorted(drafts, key=Draft.key)


__all__ = ["PENDING_FIELDS", "PENDING_TYPES", "Draft", "Sequencer", "in_time_order"]
