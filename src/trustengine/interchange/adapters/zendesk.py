"""Zendesk Support exports to contract events (docs/importing.md, "Zendesk").

Reads JSON pages as Zendesk's REST API returns them, from one file or a folder: the
incremental ticket export (``{"tickets": [...]}``), ticket audits (``{"audits": [...]}``,
each with Create, Change, Comment and macro events), satisfaction ratings
(``{"satisfaction_ratings": [...]}``), ticket metric events
(``{"ticket_metric_events": [...]}``) and, optionally, users (``{"users": [...]}``, to tell
end users from agents). A page's kind is read from its top-level key, not its file name.
Pages are read one at a time; the events are gathered (not the pages) and given in
business-time order.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from trustengine.interchange.adapters.mapping import NO_MAPPING, Mapping, rule_drafts
from trustengine.interchange.adapters.report import ConversionReport
from trustengine.interchange.adapters.sequence import Draft, Sequencer, in_time_order
from trustengine.interchange.adapters.sources import files_of, json_page, key, records, text
from trustengine.interchange.adapters.times import SourceTimeError, exact_time, iso

SYSTEM = "zendesk"
SEVERITY = {"low": 1, "normal": 2, "high": 3, "urgent": 4}
"""Zendesk's priority to the contract's severity (1-4, 4 worst)."""
CHANNELS = {
    "email": "email",
    "web": "web",
    "web_form": "web",
    "web_widget": "web",
    "chat": "chat",
    "native_messaging": "chat",
    "voice": "phone",
    "sms": "sms",
    "twitter": "social",
    "facebook": "social",
    "instagram_dm": "social",
    "whatsapp": "whatsapp",
    "telegram": "telegram",
}
"""Zendesk's ``via.channel`` to the contract's channel; others give no channel."""
CSAT = {"good": 5, "bad": 1}
"""Zendesk's two-point rating to a CSAT score; ``[zendesk.csat]`` changes it."""
CLOCKS = {
    "reply_time": "first_response",
    "agent_work_time": "resolution",
    "requester_wait_time": "resolution",
    "periodic_update_time": "follow_up",
    "pausable_update_time": "follow_up",
}
"""A metric's breach to the contract's SLA clock (``reply_time`` only for its first
instance, the first reply); ``[zendesk.clocks]`` changes it."""
PAUSES = {"pending": "customer", "hold": "third_party"}
"""The statuses that stop the clock while someone else has to act."""
PAGE_KINDS = ("tickets", "users", "audits", "satisfaction_ratings", "ticket_metric_events")


@dataclass
class _Ticket:
    case: str
    customer: str
    requester: str
    url: str | None
    updated: Any
    status: str
    tags: list[str]
    fields: list[tuple[str, str]]
    audited: bool = False
    acknowledged: bool = False
    last_reply: str | None = None


def convert(
    path: Path, *, mapping: Mapping = NO_MAPPING, report: ConversionReport | None = None
) -> Iterator[dict[str, Any]]:
    """The events of a Zendesk export (a JSON page or a folder of them), in time order."""
    report = report if report is not None else ConversionReport(SYSTEM)
    return Sequencer(SYSTEM, report).emit(in_time_order(_Reader(mapping, report).drafts(path)))


class _Reader:
    def __init__(self, mapping: Mapping, report: ConversionReport) -> None:
        self.mapping, self.report = mapping, report
        self.tickets: dict[str, _Ticket] = {}
        self.end_users: set[str] = set()
        self.out: list[Draft] = []
        self.order = 0
        self.csat = {**CSAT, **mapping.table(SYSTEM, "csat")}
        self.clocks = {**CLOCKS, **mapping.table(SYSTEM, "clocks")}
        self.cause_tags = mapping.table(SYSTEM, "cause_tags")

    def drafts(self, path: Path) -> list[Draft]:
        pages = [(file, json_page(file)) for file in files_of(path, (".json",))]
        for kind in PAGE_KINDS:  # tickets and users first: the rest refers to them
            for file, page in pages:
                if isinstance(page, dict) and kind in page:
                    for index, item in records(page, kind):
                        self.report.records += 1
                        getattr(self, f"_{kind}")(f"{file.name}:{kind}[{index}]", item)
        for file, page in pages:
            if not isinstance(page, dict) or not any(kind in page for kind in PAGE_KINDS):
                self.report.reject(file.name, "", "page-kind", "not a Zendesk export page")
        for ticket in self.tickets.values():
            if not ticket.audited:
                self._snapshot(ticket)
        return self.out

    def _draft(
        self,
        type_name: str,
        ticket: _Ticket | None,
        at: Any,
        data: dict[str, Any],
        source_id: str,
        where: str,
        **extra: Any,
    ) -> Draft:
        self.order += 1
        draft = Draft(
            type=type_name,
            customer=extra.pop("customer", ticket.customer if ticket else ""),
            case=ticket.case if ticket else None,
            at=at,
            data=data,
            source_id=source_id,
            where=where,
            url=ticket.url if ticket else None,
            order=self.order,
            **extra,
        )
        self.out.append(draft)
        return draft

    def _time(self, value: object, where: str, name: str) -> Any:
        try:
            return exact_time(value)
        except SourceTimeError as error:
            self.report.reject(where, name, "time", str(error))
            return None

    def _tickets(self, where: str, item: dict[str, Any]) -> None:
        ticket_id, requester = key(item.get("id")), key(item.get("requester_id"))
        if ticket_id is None or requester is None:
            self.report.reject(where, "id", "required", "a ticket needs an id and a requester_id")
            return
        at = self._time(item.get("created_at"), where, "created_at")
        if at is None:
            return
        tags = [str(tag) for tag in item.get("tags") or []]
        ticket = _Ticket(
            case=f"zendesk-{ticket_id}",
            customer=f"zendesk-user-{requester}",
            requester=requester,
            url=item.get("url"),
            updated=self._time(item.get("updated_at"), where, "updated_at"),
            status=str(item.get("status") or "new"),
            tags=tags,
            fields=[
                (str(f.get("id")), str(f.get("value")))
                for f in item.get("custom_fields") or []
                if isinstance(f, dict) and f.get("value") not in (None, "", False)
            ],
        )
        self.tickets[ticket_id] = ticket
        priority = item.get("priority")
        severity = SEVERITY.get(str(priority))
        if severity is None:
            severity = self.mapping.setting(SYSTEM, "severity", 2)
            self.report.notes["ticket without priority: default severity"] += 1
        cause = next((self.cause_tags[tag] for tag in tags if tag in self.cause_tags), None)
        data = {
            "category": key(item.get("type")) or self.mapping.setting(SYSTEM, "category", "help"),
            "severity": severity,
            "cause": cause or self.mapping.setting(SYSTEM, "cause", "other"),
            "summary": text(item.get("subject"), self.report, "subject")
            or text(item.get("description"), self.report, "description")
            or "(no subject)",
        }
        via = _via(item)
        self._draft(
            "ComplaintFiled",
            ticket,
            at,
            data,
            f"ticket/{ticket_id}",
            where,
            field="ticket",
            actor="customer",
            channel=CHANNELS.get(str(via.get("channel"))),
        )

    def _users(self, where: str, item: dict[str, Any]) -> None:
        if item.get("role") == "end-user" and key(item.get("id")) is not None:
            self.end_users.add(str(item["id"]))

    def _audits(self, where: str, audit: dict[str, Any]) -> None:
        ticket = self.tickets.get(str(audit.get("ticket_id")))
        if ticket is None:
            self.report.reject(
                where, "ticket_id", "required", "the audit's ticket is not in the export"
            )
            return
        at = self._time(audit.get("created_at"), where, "created_at")
        if at is None:
            return
        ticket.audited = True
        events = [e for e in audit.get("events") or [] if isinstance(e, dict)]
        creates = any(e.get("type") == "Create" for e in events)
        author = str(audit.get("author_id"))
        via = _via(audit)
        channel = CHANNELS.get(str(via.get("channel")))
        for event in events:
            source = (
                f"ticket/{audit.get('ticket_id')}/audit/{audit.get('id')}/event/{event.get('id')}"
            )
            base = {"ticket": ticket, "at": at, "source_id": source, "where": where}
            base["channel"] = channel
            kind = event.get("type")
            if kind == "Comment":
                self._comment(event, author, creates, base)
            elif kind in ("Create", "Change"):
                self._change(event, kind == "Create", base)
            elif kind == "AgentMacroReference":
                self._signal(
                    "macro", str(event.get("macro_title") or event.get("macro_id")), None, base
                )
            else:
                self.report.unmapped[f"audit event {kind}"] += 1

    def _comment(
        self, event: dict[str, Any], author: str, creates: bool, base: dict[str, Any]
    ) -> None:
        ticket: _Ticket = base["ticket"]
        author = str(event.get("author_id", author))
        body = text(event.get("plain_body") or event.get("body"), self.report, "comment")
        from_customer = author == ticket.requester or author in self.end_users
        if creates:
            self.report.unmapped["comment that opened the ticket (its description)"] += 1
        elif from_customer:
            data: dict[str, Any] = {"direction": "inbound"} | ({"summary": body} if body else {})
            self._draft("CustomerContacted", **base, data=data, field="comment", actor="customer")
        elif not event.get("public", True):
            self.report.unmapped["private comment (internal note)"] += 1
        elif not ticket.acknowledged:
            ticket.acknowledged, ticket.last_reply = True, body
            data = {"message": body} if body else {}
            self._draft(
                "ComplaintAcknowledged",
                **base,
                data=data,
                field="comment",
                actor=f"zendesk-user-{author}",
            )
        else:
            ticket.last_reply = body or ticket.last_reply
            data = {"direction": "outbound"} | ({"summary": body} if body else {})
            self._draft(
                "CustomerContacted",
                **base,
                data=data,
                field="comment",
                actor=f"zendesk-user-{author}",
            )

    def _change(self, event: dict[str, Any], create: bool, base: dict[str, Any]) -> None:
        name, value, before = (
            str(event.get("field_name")),
            event.get("value"),
            event.get("previous_value"),
        )
        ticket: _Ticket = base["ticket"]
        if name == "status":
            if not create:
                self._status(ticket, str(before or ticket.status), str(value), base)
            ticket.status = str(value)
        elif (
            name in ("assignee_id", "group_id")
            and not create
            and before
            and value
            and before != value
        ):
            owner = f"zendesk-{'user' if name == 'assignee_id' else 'group'}-{value}"
            reason = "assignee changed" if name == "assignee_id" else "group changed"
            self._draft(
                "CaseReassigned", **base, data={"owner": owner, "reason": reason}, field=name
            )
        elif name == "tags":
            added = set(_tag_list(value)) - set(_tag_list(before))
            for tag in sorted(added):
                self._signal("tag", tag, None, base)
        elif name == "assignee_id" and not create and value and not before:
            self.report.unmapped["first assignment (not a hand-off)"] += 1
        elif create and name in (
            "assignee_id",
            "group_id",
            "priority",
            "subject",
            "type",
            "requester_id",
            "description",
        ):
            pass  # read from the ticket itself
        else:
            self._signal("field", name, None if value is None else str(value), base)

    def _status(self, ticket: _Ticket, before: str, after: str, base: dict[str, Any]) -> None:
        if before == after:
            return
        if before in PAUSES:
            self._status_event("CaseResumed", {}, base)
        if after in PAUSES:
            reason = f"Zendesk status {after}"
            self._status_event(
                "CaseAwaitingCustomer", {"reason": reason, "on": PAUSES[after]}, base
            )
        elif after == "solved":
            summary = ticket.last_reply or "Solved in Zendesk"
            self._status_event("ResolutionProposed", {"summary": summary}, base)
        elif after == "closed":
            reason = "Closed in Zendesk"
            self._status_event(
                "CaseClosed", {"confirmed_by_customer": False, "reason": reason}, base
            )

    def _status_event(self, type_name: str, data: dict[str, Any], base: dict[str, Any]) -> None:
        # One status change can give two events (resumed, then solved): each its own id.
        fields = base | {"source_id": f"{base['source_id']}/{type_name}"}
        self._draft(type_name, **fields, data=data, field="status")

    def _signal(self, kind: Any, name: str, value: str | None, base: dict[str, Any]) -> None:
        ticket: _Ticket = base["ticket"]
        self.order += 1
        template = Draft(
            type="",
            customer=ticket.customer,
            case=ticket.case,
            at=base["at"],
            data={},
            source_id=base["source_id"],
            precision=base.get("precision", "exact"),
            where=base["where"],
            url=ticket.url,
            order=self.order,
        )
        self.out.extend(rule_drafts(self.mapping, self.report, kind, name, value, template))

    def _snapshot(self, ticket: _Ticket) -> None:
        """A ticket without audits: its tags, fields and status as of ``updated_at`` (tags and
        fields first: a closed ticket had them before it closed)."""
        if ticket.updated is None:
            return
        where = f"ticket {ticket.case}"
        base = {"ticket": ticket, "at": ticket.updated, "where": where, "precision": "bound"}
        for tag in ticket.tags:
            self._signal("tag", tag, None, base | {"source_id": f"{ticket.case}/tag/{tag}"})
        for name, value in ticket.fields:
            self._signal("field", name, value, base | {"source_id": f"{ticket.case}/field/{name}"})
        status = ticket.status
        ticket.status = "new"
        if status == "closed":
            self._status(ticket, "new", "solved", base | {"source_id": f"{ticket.case}/solved"})
        self._status(ticket, "new", status, base | {"source_id": f"{ticket.case}/{status}"})

    def _satisfaction_ratings(self, where: str, item: dict[str, Any]) -> None:
        score = self.csat.get(str(item.get("score")))
        if score is None:
            self.report.unmapped[f"satisfaction rating {item.get('score')}"] += 1
            return
        at = self._time(item.get("updated_at") or item.get("created_at"), where, "updated_at")
        ticket = self.tickets.get(str(item.get("ticket_id")))
        requester = key(item.get("requester_id"))
        if at is None or (ticket is None and requester is None):
            return
        data: dict[str, Any] = {"metric": "csat", "score": score}
        comment = text(item.get("comment"), self.report, "rating comment")
        if comment:
            data["comment"] = comment
        customer = ticket.customer if ticket else f"zendesk-user-{requester}"
        self._draft(
            "SatisfactionRecorded",
            ticket,
            at,
            data,
            f"satisfaction_rating/{item.get('id')}",
            where,
            field="satisfaction_rating",
            actor="customer",
            customer=customer,
        )

    def _ticket_metric_events(self, where: str, item: dict[str, Any]) -> None:
        kind, metric = item.get("type"), str(item.get("metric"))
        clock = self.clocks.get(metric)
        if metric == "reply_time" and item.get("instance_id", 1) != 1:
            clock = None
        if kind != "breach" or clock is None or item.get("deleted"):
            self.report.unmapped[f"metric event {kind} {metric}"] += 1
            return
        ticket = self.tickets.get(str(item.get("ticket_id")))
        at = self._time(item.get("time"), where, "time")
        if ticket is None or at is None:
            self.report.reject(
                where, "ticket_id", "required", "the breach's ticket is not in the export"
            )
            return
        self._draft(
            "SlaBreached",
            ticket,
            at,
            {"clock": clock, "due": iso(at)},
            f"ticket_metric_event/{item.get('id')}",
            where,
            field="ticket_metric_event",
            actor="system",
        )


def _via(item: dict[str, Any]) -> dict[str, Any]:
    via = item.get("via")
    return via if isinstance(via, dict) else {}


def _tag_list(value: object) -> list[str]:
    if isinstance(value, list):
        return [str(tag) for tag in value]
    return str(value).split() if value else []


__all__ = ["CHANNELS", "CLOCKS", "CSAT", "PAUSES", "SEVERITY", "SYSTEM", "convert"]
