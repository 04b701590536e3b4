"""The CSV part of a read mapping file, checked and typed: columns, zone, maps and rules.

The mapping's format is documented in :mod:`trustengine.interchange.adapters.csvmap` and
docs/importing.md ("Any CSV"); :func:`csv_mapping` refuses a mapping that breaks it with a
:class:`~trustengine.exceptions.PolicyError` naming the part.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from trustengine.exceptions import PolicyError
from trustengine.interchange.adapters.mapping import TEMPLATE, Emit, Mapping, emit_spec
from trustengine.interchange.adapters.times import Precision

CONDITIONS = ("equals", "in", "becomes", "changes")


class CellError(ValueError):
    """Raised when a cell cannot be converted; the row's rejection names it."""

    def __init__(self, column: str, rule: str, reason: str) -> None:
        super().__init__(reason)
        self.column, self.rule = column, rule


@dataclass(frozen=True)
class MappingRule:
    index: int
    emit: Emit
    when: str | dict[str, Any]
    once: bool
    at: str | None
    time: Precision | None


@dataclass(frozen=True)
class CsvMapping:
    """A read mapping for :func:`convert`."""

    name: str
    system: str
    customer: str
    case: str
    time: str
    id: str | None
    url: str | None
    time_format: str
    zone: tzinfo
    delimiter: str
    customer_prefix: str
    maps: dict[str, dict[str, Any]]
    rules: tuple[MappingRule, ...]
    watched: frozenset[str] = field(default_factory=frozenset)
    """Columns whose change or new value a rule looks for: their last value per case is kept."""
    used: frozenset[str] = field(default_factory=frozenset)
    """Every column the mapping names; the others are reported as unmapped."""


def csv_mapping(mapping: Mapping) -> CsvMapping:
    """The CSV part of a read mapping file; :class:`PolicyError` names what is missing."""
    name = mapping.name
    source, columns = mapping.tables.get("source", {}), mapping.tables.get("columns", {})
    if not isinstance(source, dict) or not isinstance(columns, dict):
        raise PolicyError(f"{name}: [source] and [columns] must be tables")
    for needed in ("customer", "case", "time"):
        if not isinstance(columns.get(needed), str):
            raise PolicyError(f"{name}: [columns] {needed} must name a column")
    try:
        zone: tzinfo = ZoneInfo(str(source.get("timezone", "UTC")))
    except (ZoneInfoNotFoundError, ValueError):
        raise PolicyError(
            f"{name}: [source] timezone {source.get('timezone')!r} is not known"
        ) from None
    maps = mapping.tables.get("maps", {})
    if not isinstance(maps, dict) or not all(isinstance(m, dict) for m in maps.values()):
        raise PolicyError(f"{name}: [maps.NAME] must be tables of value = result")
    raw_rules = mapping.tables.get("event", [])
    if not isinstance(raw_rules, list) or not raw_rules:
        raise PolicyError(f"{name}: list the events rows give as [[event]] tables")
    rules = tuple(_rule(name, index, raw) for index, raw in enumerate(raw_rules, start=1))
    watched = frozenset(
        str(r.when["column"]) for r in rules if isinstance(r.when, dict) and "column" in r.when
    )
    used = {columns["customer"], columns["case"], columns["time"], str(columns.get("id"))}
    used |= {name for name, _ in TEMPLATE.findall(str(source.get("url", "")))}
    for rule in rules:
        used |= {str(rule.at), column_of(rule)}
        used |= {name for value in rule.emit.data.values() for name in names_in(value)}
    return CsvMapping(
        name=name,
        system=str(source.get("system", "csv")),
        customer=columns["customer"],
        case=columns["case"],
        time=columns["time"],
        id=columns.get("id"),
        url=source.get("url"),
        time_format=str(source.get("time_format", "iso")),
        zone=zone,
        delimiter=str(source.get("delimiter", ",")),
        customer_prefix=str(columns.get("customer_prefix", "")),
        maps={str(k): {str(a): b for a, b in v.items()} for k, v in maps.items()},
        rules=rules,
        watched=watched,
        used=frozenset(used),
    )


def _rule(name: str, index: int, raw: Any) -> MappingRule:
    where = f"{name}: event {index}"
    if not isinstance(raw, dict):
        raise PolicyError(f"{where}: must be a table")
    emit = emit_spec(where, raw, frozenset({"when", "once", "at", "time"}))
    when = raw.get("when", "every")
    if isinstance(when, dict):
        kinds = [k for k in ("present", "column") if k in when]
        conditions = [k for k in CONDITIONS if k in when]
        if kinds == ["present"] and not conditions and isinstance(when["present"], str):
            pass
        elif kinds != ["column"] or len(conditions) != 1 or not isinstance(when["column"], str):
            raise PolicyError(
                f"{where}: when is {{ present = COLUMN }} or {{ column = COLUMN, "
                f"one of {', '.join(CONDITIONS)} }}"
            )
    elif when not in ("first", "every"):
        raise PolicyError(f"{where}: when must be first, every or a table")
    time = raw.get("time")
    if time not in (None, "exact", "day", "bound"):
        raise PolicyError(f"{where}: time must be exact, day or bound")
    at = raw.get("at")
    if at is not None and not isinstance(at, str):
        raise PolicyError(f"{where}: at must name a column")
    return MappingRule(index, emit, when, bool(raw.get("once", False)), at, time)


def column_of(rule: MappingRule) -> str:
    if isinstance(rule.when, dict):
        return str(rule.when.get("present") or rule.when.get("column"))
    return rule.at or ""


def names_in(template: Any) -> list[str]:
    return [name for name, _ in TEMPLATE.findall(template)] if isinstance(template, str) else []


__all__ = [
    "CONDITIONS",
    "CellError",
    "CsvMapping",
    "MappingRule",
    "column_of",
    "csv_mapping",
    "names_in",
]
