"""Helpers for the adapters' tests: what of a converted stream today's contract takes, and
a round trip through `trustengine import` and `trustengine report --json`."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from trustengine.cli import main
from trustengine.domain.events import EVENT_TYPES
from trustengine.interchange.adapters.sequence import PENDING_FIELDS, PENDING_TYPES
from trustengine.interchange.codec import parse_event

FIXTURES = Path(__file__).parent / "fixtures"
SOURCE_TIMES = {"exact", "day", "bound"}


def today(event: dict[str, Any]) -> dict[str, Any] | None:
    """``event`` as the contract of this build takes it: without the issue-14 fields, or
    None for an issue-14 type the vocabulary lacks so far."""
    if event["type"] in PENDING_TYPES and event["type"] not in EVENT_TYPES:
        return None
    copied = copy.deepcopy(event)
    known = EVENT_TYPES[copied["type"]].data_fields()
    pending = [name for name in PENDING_FIELDS.get(copied["type"], ()) if name not in known]
    copied["data"] = {k: v for k, v in copied["data"].items() if k not in pending}
    return copied


def assert_importable(events: list[dict[str, Any]]) -> None:
    """Every event parses with the codec and carries a well-formed ``source``."""
    ids = [event["source"]["id"] for event in events]
    assert len(ids) == len(set(ids)), "source ids are unique"
    for event in events:
        source = event["source"]
        assert set(source) <= {"system", "id", "url", "time"}
        assert source["time"] in SOURCE_TIMES
        shaped = today(event)
        if shaped is not None:
            parse_event(shaped)


def round_trip(
    events: list[dict[str, Any]], tmp_path: Path, *, via: list[str] | None = None
) -> dict[str, Any]:
    """Import what this build takes of ``events`` into a new store; its report as JSON.

    With ``via`` (``["--from", SYSTEM, PATH, ...]``), the export is imported a second time
    into another store through ``trustengine import --from``, and its report must be the
    same: the command line converts as the adapter does and stores what it converted."""
    lines = [json.dumps(shaped) for shaped in map(today, events) if shaped is not None]
    history = tmp_path / "converted.jsonl"
    history.write_text("\n".join(lines) + "\n", encoding="utf-8")
    db = str(tmp_path / "t.db")
    runner = CliRunner()
    imported = runner.invoke(main, ["import", str(history), "--db", db])
    assert imported.exit_code == 0, imported.output
    assert f"Imported {len(lines)} events" in imported.output
    reported = runner.invoke(main, ["report", "--json", "--db", db])
    assert reported.exit_code == 0, reported.output
    report: dict[str, Any] = json.loads(reported.output)
    if via is not None:
        other = str(tmp_path / "from.db")
        direct = runner.invoke(main, ["import", *via, "--db", other])
        assert direct.exit_code == 0, direct.output
        assert f"Imported {len(lines)} events (0 already stored)" in direct.output
        again = runner.invoke(main, ["report", "--json", "--db", other])
        assert json.loads(again.output) == report
    return report


def in_time_order(events: list[dict[str, Any]]) -> bool:
    """Whether each customer's events never go back in business time."""
    from datetime import datetime

    last: dict[str, datetime] = {}
    for event in events:
        at = datetime.fromisoformat(event["at"])
        if event["customer"] in last and at < last[event["customer"]]:
            return False
        last[event["customer"]] = at
    return True
