"""``import --from SYSTEM``: another system's export through its adapter into the ledger.

The adapters (:mod:`trustengine.interchange.adapters`, docs/importing.md) turn the export
into contract events with their ``source``; this module stores them all or nothing, as a
JSON Lines import does, or with ``--dry-run`` prints what the conversion found and writes
nothing. A converted event the engine refuses is named by its place in the conversion
and its source id (the export's own line is in the source id, or in ``--dry-run``).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, TypeVar

import click

from trustengine.application.engine import Ledger
from trustengine.cli.errors import InputError
from trustengine.cli.files import whole_output
from trustengine.cli.options import current_tolerance
from trustengine.cli.render import progress_bar
from trustengine.cli.session import is_new_store, open_engine
from trustengine.domain.events import EVENT_TYPES
from trustengine.exceptions import BatchRejectedError
from trustengine.interchange.adapters import cfpb, csvmap, freshdesk, zendesk
from trustengine.interchange.adapters.mapping import NO_MAPPING, Mapping, load_mapping
from trustengine.interchange.adapters.report import ConversionReport
from trustengine.interchange.quarantine import import_quarantined
from trustengine.persistence.spool import Spool
from trustengine.terminal.escape import escape_controls

F = TypeVar("F", bound=Callable[..., Any])
Converter = Callable[..., Iterator[dict[str, Any]]]
SYSTEMS: dict[str, Converter] = {
    "zendesk": zendesk.convert,
    "freshdesk": freshdesk.convert,
    "cfpb": cfpb.convert,
    "csv": csvmap.convert,
}
"""The systems ``import --from`` reads, and their adapters."""
MAX_SHOWN = 20
"""How many rejected source rows the dry run's table lists (``--json`` has them all)."""


def jsonl_file(file: str, *, map_file: str | None, dry_run: bool, as_json: bool) -> IO[bytes]:
    """FILE of a JSON Lines import, opened as click.File("rb") opens it (in its words for
    a missing file); the options that go only with --from are refused."""
    for flag, given in (("--map", map_file), ("--dry-run", dry_run), ("--json", as_json)):
        if given:
            raise InputError(f"{flag} goes with --from SYSTEM (a JSON Lines import takes none)")
    ctx = click.get_current_context()
    param = next(p for p in ctx.command.params if p.name == "file")
    opened: IO[bytes] = click.File("rb").convert(file, param, ctx)
    return opened


def from_options(func: F) -> F:
    """``--from``, ``--map``, ``--dry-run`` and ``--json`` of ``import``."""
    options = [
        click.option(
            "--from",
            "system",
            type=click.Choice(list(SYSTEMS)),
            help="FILE or DIR is an export of this system, converted by its adapter "
            "(docs/importing.md); without it FILE is JSON Lines.",
        ),
        click.option(
            "--map",
            "map_file",
            metavar="MAPPING.toml",
            help="With --from: what the export's macros, tags, fields (and, for csv, "
            "columns) mean.",
        ),
        click.option(
            "--dry-run",
            is_flag=True,
            help="With --from: print what the conversion gives and leaves out; write nothing.",
        ),
        click.option("--json", "as_json", is_flag=True, help="With --dry-run: output JSON."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


@dataclass
class Converted:
    """An export converted: its events, numbered from 1, and the conversion's report."""

    path: Path
    events: list[dict[str, Any]]
    report: ConversionReport

    def items(self) -> list[tuple[int, dict[str, Any]]]:
        return list(enumerate(self.events, start=1))

    def label(self, position: int) -> str:
        """``FILE: event N (source SYSTEM ID)`` for a message about one converted event."""
        source = self.events[position - 1].get("source") or {}
        return f"{self.path}: event {position} (source {source.get('system')} {source.get('id')})"


def run(
    system: str,
    file: str,
    map_file: str | None,
    dry_run: bool,
    as_json: bool,
    archive: bool,
    quarantine: str | None,
    db: str,
    max_errors: int,
) -> None:
    """``import --from SYSTEM FILE|DIR``: convert, then dry-run, quarantine or store."""
    if archive:
        raise InputError("--archive restores a ledger's archive: leave out --from")
    if as_json and not dry_run:
        raise InputError("--json goes with --dry-run (an import prints one line)")
    if dry_run and quarantine is not None:
        raise InputError("--dry-run writes nothing: leave out --quarantine")
    converted = convert(system, file, map_file)
    if dry_run:
        print_dry_run(converted, as_json=as_json)
        return
    left_out = summary(converted)
    if quarantine is not None:
        stored, skipped, rejected = store_quarantined(converted, db, quarantine)
        click.echo(
            f"Imported {stored} events ({skipped} already stored) from {file} ({system}); "
            f"{rejected} converted {'event' if rejected == 1 else 'events'} rejected to "
            f"{quarantine}{left_out}."
        )
        finish(rejected)
        return
    stored, erased = store(converted, db, max_errors=max_errors)
    skipped = len(converted.events) - stored - erased
    erased_text = f", {erased} for erased customers skipped" if erased else ""
    click.echo(
        f"Imported {stored} events ({skipped} already stored{erased_text}) from {file} "
        f"({system}){left_out}."
    )


def convert(system: str, file: str, map_file: str | None) -> Converted:
    """Run ``system``'s adapter over ``file`` (a file or a folder) with ``map_file``."""
    if system == "csv" and map_file is None:
        raise InputError(
            "--from csv needs --map MAPPING.toml: the columns and events of the export "
            "(docs/importing.md, 'Any CSV')"
        )
    path = Path(file)
    if not path.exists():
        raise InputError(f"{file}: no such file or folder")
    mapping: Mapping = load_mapping(Path(map_file)) if map_file is not None else NO_MAPPING
    name = csvmap.csv_mapping(mapping).system if system == "csv" else system
    report = ConversionReport(name)
    events = list(_this_build(SYSTEMS[system](path, mapping=mapping, report=report), report))
    return Converted(path, events, report)


def _this_build(
    events: Iterator[dict[str, Any]], report: ConversionReport
) -> Iterator[dict[str, Any]]:
    """The events as this build's vocabulary takes them: the adapters already emit the
    pause events and ``ComplaintFiled.received`` of issue 14, which the engine may not
    have yet; those are left out (and noted) until it does, then they pass untouched."""
    for event in events:
        cls = EVENT_TYPES.get(event["type"])
        if cls is None:
            report.notes[f"{event['type']} left out: not an event type of this build"] += 1
            continue
        data = event.get("data") or {}
        known = cls.data_fields()
        unknown = [name for name in data if name not in known]
        if unknown:
            for name in unknown:
                report.notes[f"{event['type']}.{name} left out: not a field of this build"] += 1
            event = {**event, "data": {k: v for k, v in data.items() if k in known}}
        yield event


def print_dry_run(converted: Converted, *, as_json: bool) -> None:
    """Print what the conversion found (``ConversionReport.as_dict()``); write nothing."""
    found = converted.report.as_dict()
    if as_json:
        click.echo(json.dumps(found, ensure_ascii=False))
        return
    for line in _dry_run_lines(converted.path, found):
        click.echo(escape_controls(line))


def _dry_run_lines(path: Path, found: dict[str, Any]) -> list[str]:
    lines = [
        f"Dry run of {path} ({found['system']}): {found['records']} records, "
        f"{found['events']} events; nothing was written.",
    ]
    lines += _counted("Events by type", found["counts"])
    lines += _counted("Times", found["times"])
    lines += _counted("Left unmapped", found["unmapped"])
    lines += _counted("Notes", found["notes"])
    rejected = found["rejections"]
    lines.append(f"Rejected: {found['rejected']}")
    lines += [f"  {text}" for text in rejected[:MAX_SHOWN]]
    if found["rejected"] > MAX_SHOWN:
        lines.append(f"  … and {found['rejected'] - MAX_SHOWN} more (all in --json)")
    span = found["span"]
    lines.append(f"Span: {span['first'] or '-'} to {span['last'] or '-'}")
    return lines


def _counted(title: str, counts: dict[str, int]) -> list[str]:
    if not counts:
        return [f"{title}: none"]
    width = max(len(name) for name in counts)
    return [f"{title}:", *(f"  {name:<{width}}  {count}" for name, count in counts.items())]


def store(converted: Converted, db: str, *, max_errors: int) -> tuple[int, int]:
    """Store the converted events all or nothing; (stored, erased). A refusal names each
    refused event by its place and source and stores nothing."""
    # Spooled as JSON and read back as the same dicts: checked and written a customer at
    # a time (application/streaming.py), the converted events are all that is held.
    spool = Spool(objects=True).extend(
        (position, json.dumps(event)) for position, event in converted.items()
    )
    try:
        with spool:
            if is_new_store(db):
                # Checked first, so that a refused import leaves no new store behind.
                scratch = Ledger(":memory:", future_tolerance=current_tolerance())
                try:
                    scratch.check_spooled(spool)
                finally:
                    scratch.close()
            with (
                open_engine(db, create=True) as engine,
                progress_bar(f"Importing {converted.path}", spool.lines) as advance,
            ):
                stored, erased = engine.record_spooled(spool, progress=advance)
    except BatchRejectedError as rejected:
        raise InputError(_refused(converted, rejected.problems, max_errors)) from None
    return stored, erased


def _refused(converted: Converted, problems: list[tuple[int, str]], max_errors: int) -> str:
    shown = [f"{converted.label(position)}: {reason}" for position, reason in problems]
    hidden = len(shown) - max_errors
    lines = shown[:max_errors]
    if hidden > 0:
        lines.append(f"… and {hidden} more refused {'event' if hidden == 1 else 'events'}")
    count = len(problems)
    lines.append(f"{count} of {len(converted.events)} converted events refused; nothing was stored")
    return "\n".join(lines)


def store_quarantined(converted: Converted, db: str, rejects: str) -> tuple[int, int, int]:
    """Store every good converted event and write each refused one, as a contract line
    with ``_rejected`` (its ``line`` the event's place in the conversion), to
    ``rejects``; (stored, already stored, rejected)."""
    lines = [(position, json.dumps(event)) for position, event in converted.items()]
    with (
        whole_output("--quarantine", rejects, private=True) as out,
        open_engine(db, create=True) as engine,
        progress_bar(f"Importing {converted.path}", len(lines)) as advance,
    ):
        result = import_quarantined(
            engine, lines, out, name=str(converted.path), bad=[], progress=advance
        )
    return result.stored, result.skipped, len(result.rejected)


def summary(converted: Converted) -> str:
    """`` (N source rows gave no event: see --dry-run)`` when the adapter left any out."""
    count = converted.report.rejected
    if not count:
        return ""
    return f"; {count} source {'row' if count == 1 else 'rows'} gave no event (see --dry-run)"


def finish(rejected: int) -> None:
    """Exit 1 when a quarantine set events aside, as a JSON Lines import does."""
    if rejected:
        sys.exit(1)


__all__ = [
    "SYSTEMS",
    "Converted",
    "convert",
    "finish",
    "from_options",
    "jsonl_file",
    "print_dry_run",
    "run",
    "store",
    "store_quarantined",
    "summary",
]
