"""Freshdesk API v2 exports to contract events (docs/importing.md, "Freshdesk").

Reads JSON files as the API v2 returns them, from one file or a folder: tickets (a list
from ``GET /api/v2/tickets?include=stats``, or one ticket with ``include=conversations``),
conversations (a list from ``GET /api/v2/tickets/{id}/conversations``) and satisfaction
ratings (a list from ``GET /api/v2/surveys/satisfaction_ratings``). A file's kind is read
from its records' fields. Freshdesk keeps no history of a ticket's status, only the
latest times in ``stats``, so status events come from those; tags and custom fields carry
no time and are placed at ``updated_at`` as an upper bound.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from trustengine.interchange.adapters.mapping import NO_MAPPING, Mapping, rule_drafts
from trustengine.interchange.adapters.report import ConversionReport
from trustengine.interchange.adapters.sequence import Draft, Sequencer, in_time_order
from trustengine.interchange.adapters.sources import files_of, json_page, key, records, text
from trustengine.interchange.adapters.times import SourceTimeError, exact_time, iso

SYSTEM = "freshdesk"
STATUS = {2: "open", 3: "pending", 4: "resolved", 5: "closed"}
"""Freshdesk's built-in statuses; custom ones (6 and up) are named in ``[freshdesk.statuses]``."""
CHANNELS = {
    1: "email",
    2: "web",
    3: "phone",
    5: "social",
    6: "social",
    7: "chat",
    9: "web",
    10: "email",
}
"""Freshdesk's ``source`` (1 Email, 2 Portal, 3 Phone, 7 Chat, 9 Feedback widget, 10
Outbound email; 5 and 6 Twitter and Facebook in older accounts) to a channel."""
CSAT = {"103": 5, "102": 4, "101": 4, "100": 3, "-101": 2, "-102": 2, "-103": 1}
"""Freshdesk's rating values (103 extremely happy … 100 neutral … -103 extremely unhappy)
to a CSAT score 1-5; ``[freshdesk.csat]`` changes it."""


@dataclass
class _Ticket:
    case: str
    customer: str
    requester: str
    url: str | None
    item: dict[str, Any]
    acknowledged: bool = False
    last_reply: str | None = None


def convert(
    path: Path, *, mapping: Mapping = NO_MAPPING, report: ConversionReport | None = None
) -> Iterator[dict[str, Any]]:
    """The events of a Freshdesk export (a JSON file or a folder of them), in time order."""
    report = report if report is not None else ConversionReport(SYSTEM)
    return Sequencer(SYSTEM, report).emit(in_time_order(_Reader(mapping, report).drafts(path)))


def _kind(item: dict[str, Any]) -> str:
    if "ratings" in item:
        return "rating"
    if "incoming" in item or "body_text" in item:
        return "conversation"
    if "requester_id" in item and "status" in item:
        return "ticket"
    return "unknown"


class _Reader:
    def __init__(self, mapping: Mapping, report: ConversionReport) -> None:
        self.mapping, self.report = mapping, report
        self.tickets: dict[str, _Ticket] = {}
        self.out: list[Draft] = []
        self.order = 0
        self.csat = {**CSAT, **{str(k): v for k, v in mapping.table(SYSTEM, "csat").items()}}
        self.statuses = {str(k): v for k, v in mapping.table(SYSTEM, "statuses").items()}
        self.cause_tags = mapping.table(SYSTEM, "cause_tags")
        self.domain = mapping.setting(SYSTEM, "domain", None)

    def drafts(self, path: Path) -> list[Draft]:
        items: dict[str, list[tuple[str, dict[str, Any]]]] = {}
        for file in files_of(path, (".json",)):
            page = json_page(file)
            for index, item in records([page] if isinstance(page, dict) else page, ""):
                self.report.records += 1
                where = f"{file.name}[{index}]"
                items.setdefault(_kind(item), []).append((where, item))
                for number, nested in enumerate(item.get("conversations") or []):
                    if isinstance(nested, dict):
                        items.setdefault("conversation", []).append(
                            (f"{where}.conversations[{number}]", nested)
                        )
        for where, item in items.get("ticket", []):
            self._ticket(where, item)
        conversations = sorted(
            items.get("conversation", []), key=lambda pair: str(pair[1].get("created_at"))
        )
        for where, item in conversations:
            self._conversation(where, item)
        for ticket in self.tickets.values():
            self._stats(ticket)
        for where, item in items.get("rating", []):
            self._rating(where, item)
        for where, _ in items.get("unknown", []):
            self.report.reject(
                where, "", "record-kind", "not a Freshdesk ticket, conversation or rating"
            )
        return self.out

    def _time(self, value: object, where: str, name: str) -> datetime | None:
        try:
            return exact_time(value)
        except SourceTimeError as error:
            self.report.reject(where, name, "time", str(error))
            return None

    def _add(
        self,
        type_name: str,
        ticket: _Ticket,
        at: datetime,
        data: dict[str, Any],
        source_id: str,
        where: str,
        field: str,
        **extra: Any,
    ) -> None:
        self.order += 1
        self.out.append(
            Draft(
                type=type_name,
                customer=ticket.customer,
                case=ticket.case,
                at=at,
                data=data,
                source_id=source_id,
                where=where,
                field=field,
                url=ticket.url,
                order=self.order,
                **extra,
            )
        )

    def _ticket(self, where: str, item: dict[str, Any]) -> None:
        ticket_id, requester = key(item.get("id")), key(item.get("requester_id"))
        at = self._time(item.get("created_at"), where, "created_at")
        if ticket_id is None or requester is None or at is None:
            if at is not None:
                self.report.reject(
                    where, "id", "required", "a ticket needs an id and a requester_id"
                )
            return
        url = f"https://{self.domain}/a/tickets/{ticket_id}" if self.domain else None
        ticket = _Ticket(
            f"freshdesk-{ticket_id}", f"freshdesk-contact-{requester}", requester, url, item
        )
        self.tickets[ticket_id] = ticket
        tags = [str(tag) for tag in item.get("tags") or []]
        priority = item.get("priority")
        severity = (
            priority if priority in (1, 2, 3, 4) else self.mapping.setting(SYSTEM, "severity", 2)
        )
        if priority not in (1, 2, 3, 4):
            self.report.notes["ticket without priority 1-4: default severity"] += 1
        cause = next((self.cause_tags[tag] for tag in tags if tag in self.cause_tags), None)
        data = {
            "category": key(item.get("type")) or self.mapping.setting(SYSTEM, "category", "help"),
            "severity": severity,
            "cause": cause or self.mapping.setting(SYSTEM, "cause", "other"),
            "summary": text(item.get("subject"), self.report, "subject")
            or text(item.get("description_text"), self.report, "description")
            or "(no subject)",
        }
        self._add(
            "ComplaintFiled",
            ticket,
            at,
            data,
            f"ticket/{ticket_id}",
            where,
            "ticket",
            actor="customer",
            channel=CHANNELS.get(_number(item.get("source"))),
        )
        updated = self._signal_time(item, where) if tags or item.get("custom_fields") else None
        if updated is None:
            return
        base = Draft("", ticket.customer, ticket.case, updated, {}, "", "bound", where, "", url=url)
        for tag in tags:
            self.order += 1
            base.source_id, base.order = f"ticket/{ticket_id}/tag/{tag}", self.order
            self.out.extend(rule_drafts(self.mapping, self.report, "tag", tag, None, base))
        for name, value in sorted((item.get("custom_fields") or {}).items()):
            if value not in (None, "", False):
                self.order += 1
                base.source_id, base.order = f"ticket/{ticket_id}/field/{name}", self.order
                self.out.extend(
                    rule_drafts(self.mapping, self.report, "field", name, str(value), base)
                )

    def _signal_time(self, item: dict[str, Any], where: str) -> datetime | None:
        """When a ticket's tags and custom fields were set, at the latest: ``updated_at``,
        or the closing time for a closed ticket unless ``[freshdesk] tags_before_close``
        is false (a closed case takes no new commitments, docs/importing.md)."""
        updated = self._time(item.get("updated_at"), where, "updated_at")
        closed = _table(item, "stats").get("closed_at")
        if updated is None or item.get("status") != 5 or not closed:
            return updated
        if not self.mapping.setting(SYSTEM, "tags_before_close", True):
            return updated
        closing = self._time(closed, where, "stats.closed_at")
        return updated if closing is None else min(updated, closing)

    def _conversation(self, where: str, item: dict[str, Any]) -> None:
        ticket = self.tickets.get(str(item.get("ticket_id")))
        at = self._time(item.get("created_at"), where, "created_at")
        if ticket is None or at is None:
            if at is not None:
                self.report.reject(
                    where, "ticket_id", "required", "the conversation's ticket is not in the export"
                )
            return
        body = text(item.get("body_text"), self.report, "conversation")
        user = str(item.get("user_id"))
        source_id = f"ticket/{item.get('ticket_id')}/conversation/{item.get('id')}"
        if item.get("incoming") or user == ticket.requester:
            data: dict[str, Any] = {"direction": "inbound"} | ({"summary": body} if body else {})
            self._add(
                "CustomerContacted",
                ticket,
                at,
                data,
                source_id,
                where,
                "conversation",
                actor="customer",
            )
        elif item.get("private"):
            self.report.unmapped["private note"] += 1
        elif not ticket.acknowledged:
            ticket.acknowledged, ticket.last_reply = True, body
            self._add(
                "ComplaintAcknowledged",
                ticket,
                at,
                {"message": body} if body else {},
                source_id,
                where,
                "conversation",
                actor=f"freshdesk-agent-{user}",
            )
        else:
            ticket.last_reply = body or ticket.last_reply
            data = {"direction": "outbound"} | ({"summary": body} if body else {})
            self._add(
                "CustomerContacted",
                ticket,
                at,
                data,
                source_id,
                where,
                "conversation",
                actor=f"freshdesk-agent-{user}",
            )

    def _stats(self, ticket: _Ticket) -> None:
        item = ticket.item
        stats = _table(item, "stats")
        where, prefix = f"ticket {item.get('id')}", f"ticket/{item.get('id')}"

        def moment(name: str, table: dict[str, Any] = stats) -> datetime | None:
            return self._time(table[name], where, name) if table.get(name) else None

        first, resolved, closed = (
            moment("first_responded_at"),
            moment("resolved_at"),
            moment("closed_at"),
        )
        if first is not None and not ticket.acknowledged:
            self._add(
                "ComplaintAcknowledged",
                ticket,
                first,
                {},
                f"{prefix}/first_responded_at",
                where,
                "stats.first_responded_at",
            )
        status = STATUS.get(_number(item.get("status")), self.statuses.get(str(item.get("status"))))
        paused = {"pending": "customer"}.get(
            str(status), status if status in ("customer", "third_party") else None
        )
        if paused is not None:
            since = moment("pending_since") if status == "pending" else moment("status_updated_at")
            precision = "exact"
            if since is None:
                since, precision = moment("updated_at", item), "bound"
            if since is not None:
                data = {"reason": f"Freshdesk status {item.get('status')}", "on": paused}
                self._add(
                    "CaseAwaitingCustomer",
                    ticket,
                    since,
                    data,
                    f"{prefix}/status/{item.get('status')}",
                    where,
                    "status",
                    precision=precision,
                )
        elif status is None:
            self.report.unmapped[f"status {item.get('status')}"] += 1
        if resolved is not None and status in ("resolved", "closed"):
            summary = ticket.last_reply or "Resolved in Freshdesk"
            self._add(
                "ResolutionProposed",
                ticket,
                resolved,
                {"summary": summary},
                f"{prefix}/resolved_at",
                where,
                "stats.resolved_at",
            )
        if closed is not None and status == "closed":
            closing = {"confirmed_by_customer": False, "reason": "Closed in Freshdesk"}
            self._add(
                "CaseClosed",
                ticket,
                closed,
                closing,
                f"{prefix}/closed_at",
                where,
                "stats.closed_at",
            )
        for clock, due_name, done, flag in (
            ("first_response", "fr_due_by", first, "fr_escalated"),
            ("resolution", "due_by", resolved, "is_escalated"),
        ):
            due = moment(due_name, item)
            if due is not None and (item.get(flag) is True or (done is not None and done > due)):
                self._add(
                    "SlaBreached",
                    ticket,
                    due,
                    {"clock": clock, "due": iso(due)},
                    f"{prefix}/{due_name}",
                    where,
                    due_name,
                    actor="system",
                )

    def _rating(self, where: str, item: dict[str, Any]) -> None:
        ticket = self.tickets.get(str(item.get("ticket_id")))
        ratings = _table(item, "ratings")
        score = self.csat.get(str(ratings.get("default_question")))
        at = self._time(item.get("created_at"), where, "created_at")
        for question in ratings:
            if question != "default_question":
                self.report.unmapped[f"rating {question}"] += 1
        if ticket is None or score is None or at is None:
            if at is not None:
                rule, why = (
                    ("required", "the rating's ticket is not in the export")
                    if ticket is None
                    else (
                        "allowed-values",
                        f"rating {ratings.get('default_question')!r} has no CSAT score",
                    )
                )
                self.report.reject(where, "ratings.default_question", rule, why)
            return
        data: dict[str, Any] = {"metric": "csat", "score": score}
        feedback = text(item.get("feedback"), self.report, "feedback")
        if feedback:
            data["comment"] = feedback
        self._add(
            "SatisfactionRecorded",
            ticket,
            at,
            data,
            f"satisfaction_rating/{item.get('id')}",
            where,
            "ratings.default_question",
            actor="customer",
        )


def _table(item: dict[str, Any], name: str) -> dict[str, Any]:
    value = item.get(name)
    return value if isinstance(value, dict) else {}


def _number(value: object) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else -1


__all__ = ["CHANNELS", "CSAT", "STATUS", "SYSTEM", "convert"]
