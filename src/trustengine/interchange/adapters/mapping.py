"""``--map MAPPING.toml``: what a team's macros, tags and custom fields mean.

A helpdesk says "we apologised" or "we refunded" in its own words: a macro an agent ran,
a tag on the ticket, a custom field's value. A mapping file turns them into events::

    [[rule]]
    macro = "Apology (owned)"
    emit = [{ type = "ApologyIssued", data = { accepts_responsibility = true } }]

    [[rule]]
    tag = "refund_issued"
    emit = [
      { type = "CompensationOffered", data = { offer = "{case}-refund", kind = "refund",
        addresses_failure = true } },
      { type = "CompensationAccepted", data = { offer = "{case}-refund" } },
    ]

A rule names one ``macro``, ``tag`` or ``field`` (with an optional ``value``); each of its
``emit`` entries is an event type and its ``data``. A text in ``data`` may name
``{customer}``, ``{case}``, ``{id}`` (the source record's id) and ``{value}``; ``due_days``
sets ``data.due`` that many days after the event. Tables named after an adapter
(``[zendesk]``, ``[freshdesk]``, ``[cfpb]``) hold its settings (docs/importing.md).
Mistakes are found when the file is read, naming the file, the rule and the field.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping as AnyMapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Literal

from trustengine.domain.events import EVENT_TYPES
from trustengine.exceptions import PolicyError
from trustengine.interchange.adapters.report import ConversionReport
from trustengine.interchange.adapters.sequence import PENDING_TYPES, Draft
from trustengine.interchange.adapters.times import iso

SignalKind = Literal["macro", "tag", "field"]
SIGNAL_KINDS: tuple[SignalKind, ...] = ("macro", "tag", "field")
PENDING_FIELDS = {"CaseAwaitingCustomer": ("reason", "on"), "CaseResumed": ()}
"""The data fields of the issue-14 event types the engine's vocabulary lacks so far."""
TEMPLATE = re.compile(r"\{([^{}|]+)(?:\|([^{}]+))?\}")
"""``{name}`` or ``{name|conversion}`` inside a text of a mapping."""


@dataclass(frozen=True)
class Emit:
    """One event a rule produces."""

    type: str
    data: dict[str, Any]
    due_days: float | None = None


@dataclass(frozen=True)
class Rule:
    """When the source shows this macro, tag or field value, these events happened."""

    index: int
    kind: SignalKind
    name: str
    value: str | None
    emit: tuple[Emit, ...]

    def matches(self, kind: str, name: str, value: str | None) -> bool:
        return (
            kind == self.kind and name == self.name and (self.value is None or self.value == value)
        )


@dataclass(frozen=True)
class Mapping:
    """A read mapping file: its rules and each adapter's settings."""

    name: str = "(no mapping)"
    rules: tuple[Rule, ...] = ()
    tables: dict[str, Any] = field(default_factory=dict)

    def rules_for(self, kind: SignalKind, name: str, value: str | None = None) -> list[Rule]:
        """The rules a macro, tag or field value triggers, in file order."""
        return [rule for rule in self.rules if rule.matches(kind, name, value)]

    def setting(self, section: str, key: str, default: Any) -> Any:
        """``[section] key`` of the file, else ``default``."""
        table = self.tables.get(section)
        if isinstance(table, AnyMapping) and key in table:
            return table[key]
        return default

    def table(self, section: str, key: str) -> dict[str, Any]:
        """``[section.key]`` of the file as a dict (empty if absent)."""
        value = self.setting(section, key, {})
        if not isinstance(value, AnyMapping):
            raise PolicyError(f"{self.name}: [{section}] {key} must be a table")
        return dict(value)


NO_MAPPING = Mapping()


def load_mapping(path: Path) -> Mapping:
    """Read a mapping file; :class:`PolicyError` names what is wrong in it."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise PolicyError(f"{path}: cannot read the mapping file: {error}") from None
    return parse_mapping(text, str(path))


def parse_mapping(text: str, name: str = "mapping") -> Mapping:
    """A mapping from TOML text (see the module's docstring)."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise PolicyError(f"{name}: not valid TOML: {error}") from None
    rules_raw = raw.pop("rule", [])
    if not isinstance(rules_raw, list):
        raise PolicyError(f"{name}: 'rule' must be an array of tables ([[rule]])")
    rules = tuple(_rule(name, index, item) for index, item in enumerate(rules_raw, start=1))
    return Mapping(name=name, rules=rules, tables=raw)


def _rule(name: str, index: int, item: Any) -> Rule:
    where = f"{name}: rule {index}"
    if not isinstance(item, dict):
        raise PolicyError(f"{where}: must be a table")
    kinds = [kind for kind in SIGNAL_KINDS if kind in item]
    if len(kinds) != 1:
        raise PolicyError(f"{where}: name exactly one of macro, tag or field")
    kind = kinds[0]
    unknown = set(item) - {kind, "value", "emit"}
    if unknown:
        raise PolicyError(
            f"{where}: unknown key {sorted(unknown)[0]!r} (allowed: {kind}, value, emit)"
        )
    signal, value = item[kind], item.get("value")
    if not isinstance(signal, str) or not signal:
        raise PolicyError(f"{where}: {kind} must be a non-empty text")
    if value is not None and not isinstance(value, str):
        raise PolicyError(f"{where}: value must be a text")
    emits = item.get("emit")
    if not isinstance(emits, list) or not emits:
        raise PolicyError(f"{where}: emit must list at least one event")
    return Rule(index, kind, signal, value, tuple(emit_spec(where, spec) for spec in emits))


def emit_spec(where: str, spec: Any, extra: frozenset[str] = frozenset()) -> Emit:
    """One ``{type, data, due_days}`` entry, checked against the event vocabulary
    (``extra`` names further keys a caller reads itself)."""
    if not isinstance(spec, dict):
        raise PolicyError(f"{where}: each emitted event must be a table")
    unknown = set(spec) - {"type", "data", "due_days"} - extra
    if unknown:
        raise PolicyError(f"{where}: unknown key {sorted(unknown)[0]!r} in an emitted event")
    type_name = spec.get("type")
    fields = data_fields(type_name)
    if fields is None:
        raise PolicyError(f"{where}: unknown event type {type_name!r}")
    data = spec.get("data", {})
    if not isinstance(data, dict):
        raise PolicyError(f"{where}: data of {type_name} must be a table")
    for key in data:
        if key not in fields:
            allowed = ", ".join(fields) or "none"
            raise PolicyError(f"{where}: {type_name} has no field {key!r} (allowed: {allowed})")
    due_days = spec.get("due_days")
    if due_days is not None:
        if isinstance(due_days, bool) or not isinstance(due_days, int | float) or due_days < 0:
            raise PolicyError(f"{where}: due_days must be a number of days, 0 or more")
        if "due" not in fields:
            raise PolicyError(f"{where}: {type_name} has no due for due_days to set")
    return Emit(str(type_name), dict(data), None if due_days is None else float(due_days))


def data_fields(type_name: object) -> tuple[str, ...] | None:
    """The data fields of an event type, or None when there is no such type."""
    if not isinstance(type_name, str):
        return None
    if type_name in EVENT_TYPES:
        return EVENT_TYPES[type_name].data_fields()
    if type_name in PENDING_TYPES:
        return PENDING_FIELDS[type_name]
    return None


def fill(value: Any, names: AnyMapping[str, str]) -> Any:
    """``value`` with each ``{name}`` in its texts replaced (names it lacks stay as
    written); tables and arrays are filled inside."""
    if isinstance(value, str):
        return TEMPLATE.sub(lambda match: names.get(match.group(1), match.group(0)), value)
    if isinstance(value, dict):
        return {key: fill(item, names) for key, item in value.items()}
    if isinstance(value, list):
        return [fill(item, names) for item in value]
    return value


def expand(emit: Emit, names: AnyMapping[str, str], at: datetime) -> dict[str, Any]:
    """The data of one emitted event at ``at``."""
    data: dict[str, Any] = fill(emit.data, names)
    if emit.due_days is not None:
        data["due"] = iso(at + timedelta(days=emit.due_days))
    return data


def rule_drafts(
    mapping: Mapping,
    report: ConversionReport,
    kind: SignalKind,
    name: str,
    value: str | None,
    base: Draft,
) -> list[Draft]:
    """The events the mapping's rules give for one macro, tag or field value, each like
    ``base`` (customer, case, time, source) with its own type, data and source id; a
    signal no rule names is counted as unmapped."""
    rules = mapping.rules_for(kind, name, value)
    if not rules:
        report.unmapped[f"{kind} {name}"] += 1
        return []
    names = {"customer": base.customer, "case": base.case or "", "id": base.source_id}
    names["value"] = value or ""
    drafts: list[Draft] = []
    for rule in rules:
        for number, emit in enumerate(rule.emit, start=1):
            drafts.append(
                Draft(
                    type=emit.type,
                    customer=base.customer,
                    case=base.case,
                    at=base.at,
                    data=expand(emit, names, base.at),
                    source_id=f"{base.source_id}/rule-{rule.index}-{number}",
                    precision=base.precision,
                    where=base.where,
                    field=f"{kind} {name}",
                    actor=base.actor,
                    channel=base.channel,
                    url=base.url,
                    order=base.order,
                )
            )
    return drafts


__all__ = [
    "NO_MAPPING",
    "PENDING_FIELDS",
    "SIGNAL_KINDS",
    "TEMPLATE",
    "Emit",
    "Mapping",
    "Rule",
    "SignalKind",
    "data_fields",
    "emit_spec",
    "expand",
    "fill",
    "load_mapping",
    "parse_mapping",
    "rule_drafts",
]
