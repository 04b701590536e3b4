"""Any CSV or JSON Lines export, with a mapping file saying what its columns mean
(docs/importing.md, "Any CSV"; examples in examples/mappings/).

The mapping names the customer, case and time columns and lists the events rows give::

    [source]
    system = "helpdesk"

    [columns]
    customer = "customer_email"
    case = "ticket_id"
    time = "updated_at"

    [[event]]
    type = "ResolutionProposed"
    when = { column = "status", becomes = "resolved" }
    data = { summary = "Resolved: {resolution_note}" }

``when`` is ``"first"`` (a case's first row), ``"every"``, ``{ present = COLUMN }``,
``{ column, equals | in | becomes | changes }``; ``once = true`` fires a rule once per case;
``at = COLUMN`` takes the event's time from another column; ``time = "bound"`` says the
time is only an upper bound. A text in ``data`` names columns as ``{column}``; a text
that is one ``{column|conversion}`` becomes a typed value (``int``, ``float``, ``bool``,
``time``, or a table of ``[maps.NAME]``). Rows are read one at a time; per case only the
watched columns' last values are kept.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from trustengine.domain.events import EVENT_TYPES
from trustengine.interchange.adapters.csvspec import (
    CellError,
    CsvMapping,
    MappingRule,
    column_of,
    csv_mapping,
)
from trustengine.interchange.adapters.mapping import TEMPLATE, Mapping
from trustengine.interchange.adapters.report import ConversionReport
from trustengine.interchange.adapters.sequence import Draft, Sequencer, in_time_order
from trustengine.interchange.adapters.sources import files_of, key, text
from trustengine.interchange.adapters.times import (
    Precision,
    SourceTimeError,
    day_of,
    exact_time,
    iso,
    start_of,
    unix_time,
)

TRUE = frozenset({"true", "yes", "y", "1"})
FALSE = frozenset({"false", "no", "n", "0"})


@dataclass
class _CaseState:
    last: dict[str, str] = field(default_factory=dict)
    fired: set[int] = field(default_factory=set)


def convert(
    path: Path, *, mapping: Mapping, report: ConversionReport | None = None
) -> Iterator[dict[str, Any]]:
    """The events of a CSV or JSON Lines export (or a folder of them), row by row."""
    spec = csv_mapping(mapping)
    report = report if report is not None else ConversionReport(spec.system)
    sequencer = Sequencer(spec.system, report)
    cases: dict[tuple[str, str], _CaseState] = {}
    for file in files_of(path, (".csv", ".jsonl", ".ndjson", ".tsv")):
        for line, row in _rows(file, spec, report):
            report.records += 1
            where = f"{file.name}:{line}"
            try:
                drafts = _drafts(spec, row, where, cases, report)
            except CellError as error:
                report.reject(where, error.column, error.rule, str(error))
                continue
            yield from sequencer.emit(in_time_order(drafts))


def _rows(
    file: Path, spec: CsvMapping, report: ConversionReport
) -> Iterator[tuple[int, dict[str, str]]]:
    with file.open(encoding="utf-8-sig", errors="replace", newline="") as stream:
        if file.suffix in (".jsonl", ".ndjson"):
            for number, raw in enumerate(stream, start=1):
                if not raw.strip():
                    continue
                try:
                    obj = json.loads(raw)
                except (ValueError, RecursionError) as error:
                    report.reject(
                        f"{file.name}:{number}", "", "json", f"not a JSON object: {error}"
                    )
                    continue
                if not isinstance(obj, dict):
                    report.reject(f"{file.name}:{number}", "", "json", "not a JSON object")
                    continue
                yield (
                    number,
                    {
                        str(k): "" if v is None else v if isinstance(v, str) else json.dumps(v)
                        for k, v in obj.items()
                    },
                )
            return
        reader = csv.DictReader(stream, delimiter="\t" if file.suffix == ".tsv" else spec.delimiter)
        line = 2
        try:
            for row in reader:
                yield (
                    line,
                    {
                        str(k): v if isinstance(v, str) else ""
                        for k, v in row.items()
                        if k is not None
                    },
                )
                line = reader.line_num + 1
        except csv.Error as error:
            report.reject(f"{file.name}:{line}", "", "csv", f"not readable as CSV: {error}")


def _drafts(
    spec: CsvMapping,
    row: dict[str, str],
    where: str,
    cases: dict[tuple[str, str], _CaseState],
    report: ConversionReport,
) -> list[Draft]:
    customer = key(spec.customer_prefix + _cell(row, spec.customer))
    case = key(_cell(row, spec.case))
    if customer is None or case is None:
        missing = spec.customer if customer is None else spec.case
        raise CellError(missing, "required", "needs a key: 1-200 characters")
    at, precision = _time(spec, row, spec.time)
    state = cases.get((customer, case))
    first = state is None
    if state is None:
        state = cases[(customer, case)] = _CaseState()
    names = dict(row) | {"customer": customer, "case": case}
    row_id = _cell(row, spec.id) if spec.id else ""
    url = _fill_text(spec.url, names) if spec.url else None
    drafts: list[Draft] = []
    for rule in spec.rules:
        if (rule.once and rule.index in state.fired) or not _fires(rule, row, state, first):
            continue
        try:
            when, how = (at, precision) if rule.at is None else _time(spec, row, rule.at)
            data = _data(spec, rule, names, when, report)
        except CellError as error:  # this event is refused; the row's others may stand
            report.reject(where, error.column, error.rule, f"{rule.emit.type}: {error}")
            continue
        drafts.append(
            Draft(
                type=rule.emit.type,
                customer=customer,
                case=case,
                at=when,
                data=data,
                # Stable across re-exports: the row's own id, else the case, rule and time.
                source_id=f"{row_id}/event-{rule.index}"
                if row_id
                else f"{case}/event-{rule.index}/{iso(when)}",
                precision=rule.time or how,
                where=where,
                field=column_of(rule),
                url=url,
                order=rule.index,
            )
        )
        state.fired.add(rule.index)
    for column in spec.watched:
        state.last[column] = _cell(row, column)
    for column, value in row.items():
        if column not in spec.used and value.strip():
            report.unmapped[f"column {column}"] += 1
    return drafts


def _fires(rule: MappingRule, row: dict[str, str], state: _CaseState, first: bool) -> bool:
    when = rule.when
    if when == "first":
        return first
    if when == "every":
        return True
    assert isinstance(when, dict)
    if "present" in when:
        return bool(_cell(row, when["present"]))
    column = str(when["column"])
    value = _cell(row, column)
    if "equals" in when:
        return value == str(when["equals"])
    if "in" in when:
        return value in {str(v) for v in when["in"]}
    before = state.last.get(column)
    if "becomes" in when:
        return value == str(when["becomes"]) and before != value
    return not first and before != value  # changes


def _cell(row: dict[str, str], column: str) -> str:
    value = row.get(column)
    return value.strip() if isinstance(value, str) else ""


def _time(spec: CsvMapping, row: dict[str, str], column: str) -> tuple[datetime, Precision]:
    value = _cell(row, column)
    if not value:
        raise CellError(column, "required", "needs a time")
    try:
        if spec.time_format == "unix":
            return unix_time(value), "exact"
        if spec.time_format != "iso":
            parsed = datetime.strptime(value, spec.time_format)
            moment = parsed if parsed.tzinfo else parsed.replace(tzinfo=spec.zone)
            return (
                moment,
                "exact" if "%H" in spec.time_format or "%I" in spec.time_format else "day",
            )
        if len(value) == 10 or "/" in value[:10]:
            return start_of(day_of(value), spec.zone), "day"
        return exact_time(value, zone=spec.zone), "exact"
    except (SourceTimeError, ValueError, OverflowError) as error:
        raise CellError(column, "time", f"{value[:60]!r} is not a time ({error})") from None


def _data(
    spec: CsvMapping,
    rule: MappingRule,
    names: dict[str, str],
    at: datetime,
    report: ConversionReport,
) -> dict[str, Any]:
    cls = EVENT_TYPES.get(rule.emit.type)
    data: dict[str, Any] = {}
    for name, template in rule.emit.data.items():
        value = _value(spec, template, names)
        if isinstance(value, str):
            value = text(value, report, name)
        if value is None:
            if cls is not None and cls.model_fields[name].is_required():
                raise CellError(
                    _columns_in(template), "required", f"{rule.emit.type}: data.{name} is empty"
                )
            continue
        data[name] = value
    if rule.emit.due_days is not None:
        data["due"] = iso(at + timedelta(days=rule.emit.due_days))
    return data


def _columns_in(template: Any) -> str:
    found = TEMPLATE.findall(template) if isinstance(template, str) else []
    return ", ".join(name for name, _ in found)


def _value(spec: CsvMapping, template: Any, names: dict[str, str]) -> Any:
    if not isinstance(template, str):
        return template
    whole = TEMPLATE.fullmatch(template)
    if whole is None or whole.group(2) is None:
        return _fill_text(template, names)
    column, conversion = whole.group(1), whole.group(2).strip()
    raw = names.get(column, "").strip()
    if not raw:
        return None
    try:
        if conversion == "int":
            return int(raw)
        if conversion == "float":
            return float(raw)
        if conversion == "bool":
            if raw.lower() not in TRUE | FALSE:
                raise ValueError("not yes/no or true/false")
            return raw.lower() in TRUE
        if conversion == "time":
            return iso(_time(spec, names, column)[0])
    except (ValueError, OverflowError) as error:
        raise CellError(column, conversion, f"{raw[:60]!r} is not {conversion}: {error}") from None
    table = spec.maps.get(conversion)
    if table is None:
        raise CellError(column, "map", f"no [maps.{conversion}] in the mapping")
    if raw not in table:
        raise CellError(column, "map", f"{raw[:60]!r} is not in [maps.{conversion}]")
    return table[raw]


def _fill_text(template: str, names: dict[str, str]) -> str:
    return TEMPLATE.sub(lambda m: names.get(m.group(1), "").strip(), template)


__all__ = ["CellError", "CsvMapping", "convert", "csv_mapping"]
