"""The US CFPB Consumer Complaint Database CSV to contract events (docs/importing.md, "CFPB").

One case per complaint (``Complaint ID``), its own customer too: the public file names no
consumer. The file gives dates, never times, and no date for the company's response, so
every event says how precise its time is (item 1 of issue 15): the complaint is ``day``
precise; the response is placed at its latest possible moment, ``bound`` precise: the end
of the response window (``[cfpb] response_days`` after ``Date sent to company``) when the
response was timely, else the end of ``[cfpb] export_date`` (the day the file was taken),
and without that day it is not converted. Rows are read one at a time.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

from trustengine.exceptions import PolicyError
from trustengine.interchange.adapters.mapping import NO_MAPPING, Mapping, rule_drafts
from trustengine.interchange.adapters.report import ConversionReport
from trustengine.interchange.adapters.sequence import Draft, Sequencer, in_time_order
from trustengine.interchange.adapters.sources import files_of, key, text
from trustengine.interchange.adapters.times import (
    SourceTimeError,
    day_of,
    days_after,
    end_of,
    iso,
    start_of,
)

SYSTEM = "cfpb"
RESPONSE_DAYS = 15
"""The CFPB's window for a company's response, in calendar days; ``[cfpb] response_days``."""
DETAIL_URL = "https://www.consumerfinance.gov/data-research/consumer-complaints/search/detail/{}"
CHANNELS = {"Web": "web", "Web Referral": "web", "Phone": "phone", "Email": "email"}
"""``Submitted via`` to the contract's channel; Referral, Postal mail, Fax and the rest: other."""
JUSTIFYING = (
    "Company disputes the facts presented in the complaint",
    "Company believes complaint caused principally by actions of third party outside the "
    "control or direction of the company",
    "Company believes the complaint is the result of a misunderstanding",
)
"""Public responses that defend the company or blame others: ``JustificationGiven``."""
USED = frozenset(
    {
        "Date received",
        "Product",
        "Sub-product",
        "Issue",
        "Sub-issue",
        "Consumer complaint narrative",
        "Company public response",
        "Submitted via",
        "Tags",
        "Date sent to company",
        "Company response to consumer",
        "Timely response?",
        "Consumer disputed?",
        "Complaint ID",
    }
)


def convert(
    path: Path, *, mapping: Mapping = NO_MAPPING, report: ConversionReport | None = None
) -> Iterator[dict[str, Any]]:
    """The events of a CFPB complaints CSV (or a folder of them), row by row."""
    report = report if report is not None else ConversionReport(SYSTEM)
    settings = _Settings(mapping)
    for file in files_of(path, (".csv",)):
        with file.open(encoding="utf-8-sig", newline="") as stream:
            reader = csv.DictReader(stream)
            line = 2
            for row in reader:
                report.records += 1
                where = f"{file.name}:{line}"
                line = reader.line_num + 1
                drafts = _row(row, where, settings, mapping, report)
                # Each complaint is its own customer: nothing to remember across rows.
                yield from Sequencer(SYSTEM, report).emit(in_time_order(drafts))


class _Settings:
    def __init__(self, mapping: Mapping) -> None:
        self.severity = mapping.setting(SYSTEM, "severity", 2)
        self.cause = mapping.setting(SYSTEM, "cause", "other")
        self.causes = mapping.table(SYSTEM, "cause_by_issue")
        days = mapping.setting(SYSTEM, "response_days", RESPONSE_DAYS)
        if isinstance(days, bool) or not isinstance(days, int) or not 0 < days < 10_000:
            raise PolicyError(
                f"{mapping.name}: [cfpb] response_days must be a whole number of days"
            )
        self.days = days
        self.relief_kind = mapping.setting(SYSTEM, "relief_kind", "refund")
        exported = mapping.setting(SYSTEM, "export_date", None)
        try:
            self.export_end = None if exported is None else end_of(day_of(str(exported)))
        except SourceTimeError as error:
            raise PolicyError(f"{mapping.name}: [cfpb] export_date: {error}") from None


def _row(
    row: dict[str, Any],
    where: str,
    settings: _Settings,
    mapping: Mapping,
    report: ConversionReport,
) -> list[Draft]:
    def value(name: str) -> str:
        cell = row.get(name)
        return cell.strip() if isinstance(cell, str) else ""

    complaint = key(value("Complaint ID"))
    if complaint is None:
        report.reject(where, "Complaint ID", "required", "a complaint needs its Complaint ID")
        return []
    try:
        received = day_of(value("Date received"))
    except SourceTimeError as error:
        report.reject(where, "Date received", "time", str(error))
        return []
    sent: date | None = None
    if value("Date sent to company"):
        try:
            sent = day_of(value("Date sent to company"))
        except SourceTimeError as error:
            report.reject(where, "Date sent to company", "time", str(error))
    for name, cell in row.items():
        if name is not None and name not in USED and isinstance(cell, str) and cell.strip():
            report.unmapped[f"column {name}"] += 1
    case = f"cfpb-{complaint}"
    drafts: list[Draft] = []

    def add(
        type_name: str,
        at: datetime,
        data: dict[str, Any],
        role: str,
        column: str,
        precision: Any = "bound",
        **extra: Any,
    ) -> None:
        drafts.append(
            Draft(
                type=type_name,
                customer=case,
                case=case,
                at=at,
                data=data,
                source_id=f"{complaint}/{role}",
                precision=precision,
                where=where,
                field=column,
                url=DETAIL_URL.format(complaint),
                order=len(drafts),
                **extra,
            )
        )

    filed_at = start_of(received)
    issue, sub_issue = value("Issue"), value("Sub-issue")
    summary = ": ".join(part for part in (issue, sub_issue) if part) or "(no issue given)"
    filed: dict[str, Any] = {
        "category": key(value("Product")) or "unknown",
        "severity": settings.severity,
        "cause": settings.causes.get(issue, settings.cause),
        "summary": text(summary, report, "Issue"),
    }
    if sent is not None:
        filed["received"] = iso(start_of(sent))
    channel = CHANNELS.get(value("Submitted via"), "other" if value("Submitted via") else None)
    add(
        "ComplaintFiled",
        filed_at,
        filed,
        "filed",
        "Date received",
        "day",
        actor="customer",
        channel=channel,
    )
    narrative = text(value("Consumer complaint narrative"), report, "narrative")
    if narrative:
        add(
            "CustomerContacted",
            filed_at,
            {"direction": "inbound", "summary": narrative},
            "narrative",
            "Consumer complaint narrative",
            "day",
            actor="customer",
        )
    for tag in filter(None, (part.strip() for part in value("Tags").split(","))):
        base = Draft("", case, case, filed_at, {}, f"{complaint}/tag", "day", where, "Tags")
        drafts.extend(rule_drafts(mapping, report, "tag", tag, None, base))

    due = end_of(days_after(sent or received, settings.days))
    timely = value("Timely response?")
    if timely == "No":
        add(
            "SlaBreached",
            due,
            {"clock": "final_response", "due": iso(due)},
            "sla",
            "Timely response?",
            "day",
            actor="system",
        )
    bound = due if timely == "Yes" else settings.export_end
    if bound is not None and settings.export_end is not None:
        bound = min(bound, settings.export_end)
    response = value("Company response to consumer")
    if not response.startswith("Closed"):
        if response:
            report.unmapped[f"response {response}"] += 1
        return drafts
    if bound is None:
        report.reject(
            where,
            "Company response to consumer",
            "time",
            "no latest date for an untimely response: set [cfpb] export_date",
        )
        return drafts
    _response(
        add,
        response,
        value("Company public response"),
        value("Consumer disputed?"),
        bound,
        settings,
        complaint,
        report,
        where,
    )
    return drafts


def _response(
    add: Any,
    response: str,
    public: str,
    disputed: str,
    bound: datetime,
    settings: _Settings,
    complaint: str,
    report: ConversionReport,
    where: str,
) -> None:
    column = "Company response to consumer"
    add("ComplaintAcknowledged", bound, {"message": response}, "acknowledged", column)
    if public in JUSTIFYING:
        add(
            "JustificationGiven",
            bound,
            {"summary": public},
            "public-response",
            "Company public response",
        )
    elif public:
        report.unmapped["column Company public response (not a justification)"] += 1
    relief = f"cfpb-{complaint}-relief"
    if response in ("Closed with monetary relief", "Closed with relief"):
        add(
            "CompensationOffered",
            bound,
            {"offer": relief, "kind": settings.relief_kind, "addresses_failure": True},
            "relief",
            column,
        )
    elif response == "Closed with non-monetary relief":
        description = "Non-monetary relief given (CFPB: Closed with non-monetary relief)"
        add(
            "CorrectiveActionCommitted",
            bound,
            {"action": relief, "description": description, "due": iso(bound)},
            "relief",
            column,
        )
        add(
            "CorrectiveActionCompleted",
            bound,
            {"action": relief, "evidence": f"{column}: {response}"},
            "relief-given",
            column,
        )
    add("ResolutionProposed", bound, {"summary": response}, "resolution", column)
    if disputed == "No":
        add("ResolutionConfirmed", bound, {}, "not-disputed", "Consumer disputed?")
    add(
        "CaseClosed",
        bound,
        {"confirmed_by_customer": disputed == "No", "reason": response},
        "closed",
        column,
    )
    if disputed == "Yes":
        if settings.export_end is None:
            report.reject(
                f"complaint {complaint}",
                "Consumer disputed?",
                "time",
                "no latest date for the dispute: set [cfpb] export_date",
            )
        else:
            add(
                "CaseReopened",
                settings.export_end,
                {"reason": "The consumer disputed the company's response"},
                "disputed",
                "Consumer disputed?",
                actor="customer",
            )


__all__ = ["CHANNELS", "JUSTIFYING", "RESPONSE_DAYS", "SYSTEM", "convert"]
