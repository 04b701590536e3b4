"""``trustengine types``: the contract's event types and their fields, read off the models.

``types`` lists every type with its scope and fields, ``types TYPE`` shows one type's
fields (type, required, allowed values, constraints), and ``--json`` prints a JSON Schema
(draft 2020-12) of one interchange line. The same field reference is what
``record TYPE --help`` lists.
"""

from __future__ import annotations

import json
import shutil
import textwrap
from typing import Any

import click

from trustengine.cli.fields import SCOPES, event_class, option, requirement, rule_text
from trustengine.domain.base import CustomerEvent
from trustengine.domain.events import EVENT_TYPES
from trustengine.interchange.contract import fields, line_schema, scope


def field_summary(cls: type[CustomerEvent]) -> str:
    """``promise, description, due``; optional fields end in ``?``."""
    names = [doc.name + ("" if doc.required else "?") for doc in fields(cls)]
    return ", ".join(names) if names else "(no data)"


def _width() -> int:
    return max(60, shutil.get_terminal_size((80, 24)).columns)


def _rows(header: list[str], rows: list[list[str]]) -> list[str]:
    """Plain aligned columns; the last column wraps to the terminal, indented."""
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header) - 1)]
    indent = sum(width + 2 for width in widths)
    room = max(20, _width() - indent)
    out = []
    for row in [header, *rows]:
        lead = "".join(cell.ljust(width + 2) for cell, width in zip(row, widths, strict=False))
        last = textwrap.wrap(row[-1], room, break_on_hyphens=False) or [""]
        out.append((lead + last[0]).rstrip())
        out.extend(" " * indent + more for more in last[1:])
    return out


def _listing() -> str:
    rows = [[name, scope(cls), field_summary(cls)] for name, cls in EVENT_TYPES.items()]
    lines = _rows(["TYPE", "SCOPE", "FIELDS (? optional)"], rows)
    lines += [
        "",
        "Scope: customer = no case; case = needs --case; either = a case is allowed.",
        "Every event also has customer, at (required), case, actor and channel.",
        "See one type: trustengine types TYPE",
    ]
    return "\n".join(lines)


def _one(cls: type[CustomerEvent]) -> str:
    name = cls.__name__
    lines = [f"{name} ({SCOPES[scope(cls)]})", (cls.__doc__ or "").strip(), ""]
    docs = fields(cls)
    if docs:
        rows = [[doc.name, doc.kind, requirement(doc), rule_text(doc)] for doc in docs]
        lines += _rows(["FIELD", "TYPE", "REQUIRED", "ALLOWED / CONSTRAINTS"], rows)
    else:
        lines.append("No data fields: give data as {} or leave it out.")
    example = "".join(f" {option(doc)} {doc.kind.upper()}" for doc in docs if doc.required)
    case = " --case CASE" if scope(cls) == "case" else ""
    lines += ["", f"Record one: trustengine record {name} --customer KEY{case}{example}"]
    return "\n".join(line.rstrip() for line in lines)


def _schema_of(type_name: str | None) -> dict[str, Any]:
    schema = line_schema()
    if type_name is None:
        return schema
    one: dict[str, Any] = {"$schema": schema["$schema"], **schema["$defs"][type_name]}
    return one


@click.command(
    "types",
    epilog="Example: trustengine types PromiseMade (or: trustengine types --json "
    "> interchange.schema.json)",
)
@click.argument("type_name", metavar="[TYPE]", required=False)
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="Print a JSON Schema (draft 2020-12) of one interchange line (of TYPE, if given).",
)
def types_(type_name: str | None, as_json: bool) -> None:
    """List the contract's event types with their scope and fields, or show one TYPE:
    each field's type, whether it is required, its allowed values and constraints.

    All of it is read off the models that import and record validate with; the contract
    itself is docs/interchange.md.
    """
    cls = None if type_name is None else event_class(type_name)
    if as_json:
        schema = _schema_of(None if cls is None else cls.__name__)
        click.echo(json.dumps(schema, indent=2, ensure_ascii=False, allow_nan=False))
    elif cls is None:
        click.echo(_listing())
    else:
        click.echo(_one(cls))


__all__ = [
    "field_summary",
    "types_",
]
