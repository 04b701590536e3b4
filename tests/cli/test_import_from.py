"""``trustengine import --from SYSTEM``: an export converted by its adapter, dry-run or
stored, incremental by source id, with one-line errors."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

from click.testing import CliRunner
from tests.interchange.adapters.roundtrip import FIXTURES

from trustengine.cli import main
from trustengine.interchange.adapters import zendesk
from trustengine.interchange.adapters.mapping import load_mapping
from trustengine.interchange.adapters.report import ConversionReport

ZENDESK = FIXTURES / "zendesk"
EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "mappings"
CSV = EXAMPLES / "helpdesk.csv"
HELPDESK = ["--from", "csv", str(CSV), "--map", str(EXAMPLES / "helpdesk.toml")]


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output


def zendesk_ids(folder: Path) -> list[str]:
    events = zendesk.convert(folder, mapping=load_mapping(ZENDESK / "mapping.toml"))
    return [event["source"]["id"] for event in events]


def test_a_dry_run_prints_the_conversion_and_writes_nothing(tmp_path: Path) -> None:
    db = tmp_path / "t.db"
    code, output = run("import", *HELPDESK, "--dry-run", "--db", str(db))

    assert code == 0, output
    lines = output.splitlines()
    with CSV.open(newline="", encoding="utf-8") as stream:
        rows = list(csv.DictReader(stream))
    times = sorted(
        cell.replace("Z", "+00:00")
        for row in rows
        for cell in (row["updated_at"], row["first_response_at"])
        if cell
    )
    assert lines[0] == (
        f"Dry run of {CSV} (helpdesk): {len(rows)} records, 11 events; nothing was written."
    )
    assert "Events by type:" in lines
    assert lines[-1] == f"Span: {times[0]} to {times[-1]}"
    assert not db.exists()


def test_a_dry_run_as_json_is_the_adapters_report(tmp_path: Path) -> None:
    report = ConversionReport("zendesk")
    list(zendesk.convert(ZENDESK, report=report))

    code, output = run(
        "import", "--from", "zendesk", str(ZENDESK), "--dry-run", "--json",
        "--db", str(tmp_path / "t.db"),
    )  # fmt: skip

    assert code == 0, output
    found = json.loads(output)
    expected = report.as_dict()
    # What this build's engine does not take yet (issue 14) is noted, not hidden.
    notes = {k: v for k, v in found["notes"].items() if "of this build" not in k}
    assert {**found, "notes": notes} == expected
    assert not (tmp_path / "t.db").exists()


def test_importing_the_same_zendesk_export_twice_stores_nothing_the_second_time(
    tmp_path: Path,
) -> None:
    db = str(tmp_path / "t.db")
    args = ["import", "--from", "zendesk", str(ZENDESK), "--map", str(ZENDESK / "mapping.toml")]
    first_code, first = run(*args, "--db", db)
    second_code, second = run(*args, "--db", db)

    assert first_code == second_code == 0, first + second
    stored = int(first.split()[1])
    assert stored > 0
    assert second.startswith(f"Imported 0 events ({stored} already stored) from {ZENDESK}")


def test_an_updated_export_stores_only_the_facts_whose_source_ids_are_new(
    tmp_path: Path,
) -> None:
    early = tmp_path / "early"
    early.mkdir()
    for name in ("tickets.json", "ticket_audits.json", "users.json"):
        shutil.copy2(ZENDESK / name, early / name)
    mapping = str(ZENDESK / "mapping.toml")
    db = str(tmp_path / "t.db")
    code, _ = run("import", "--from", "zendesk", str(early), "--map", mapping, "--db", db)
    assert code == 0

    # The later export also has the ratings and the SLA metric events.
    new = set(zendesk_ids(ZENDESK)) - set(zendesk_ids(early))
    code, output = run("import", "--from", "zendesk", str(ZENDESK), "--map", mapping, "--db", db)

    assert code == 0, output
    assert output.startswith(f"Imported {len(new)} events (")
    exported = run("export", "--db", db)[1].splitlines()
    ids = [json.loads(line)["source"]["id"] for line in exported]
    assert len(ids) == len(set(ids))
    assert new <= set(ids)


def test_csv_without_a_mapping_is_refused_in_one_line(tmp_path: Path) -> None:
    code, output = run("import", "--from", "csv", str(EXAMPLES / "helpdesk.csv"))

    assert code == 2
    assert output == (
        "Error: --from csv needs --map MAPPING.toml: the columns and events of the export "
        "(docs/importing.md, 'Any CSV')\n"
    )


def test_a_bad_mapping_rule_is_named_with_its_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('[[rule]]\ntag = "x"\nemit = [{ type = "Nope" }]\n', encoding="utf-8")

    code, output = run("import", "--from", "zendesk", str(ZENDESK), "--map", str(bad))

    assert code == 2
    assert output == f"Error: {bad}: rule 1: unknown event type 'Nope'\n"


def test_a_missing_export_is_one_line_and_creates_no_store(tmp_path: Path) -> None:
    db = tmp_path / "t.db"
    code, output = run("import", "--from", "zendesk", str(tmp_path / "none"), "--db", str(db))

    assert code == 2
    assert output == f"Error: {tmp_path / 'none'}: no such file or folder\n"
    assert not db.exists()


def test_the_options_of_from_are_refused_on_a_json_lines_import(tmp_path: Path) -> None:
    lines = tmp_path / "h.jsonl"
    lines.write_text("", encoding="utf-8")

    code, output = run("import", str(lines), "--dry-run")

    assert code == 2
    assert output == "Error: --dry-run goes with --from SYSTEM (a JSON Lines import takes none)\n"


def _store_with_case_101(tmp_path: Path) -> str:
    db = str(tmp_path / "t.db")
    earlier = {
        "type": "ComplaintFiled",
        "customer": "zendesk-user-9001",
        "case": "zendesk-101",
        "at": "2026-03-01T09:00:00+00:00",
        "data": {"category": "x", "severity": 2, "cause": "other", "summary": "Earlier"},
    }
    history = tmp_path / "pre.jsonl"
    history.write_text(json.dumps(earlier) + "\n", encoding="utf-8")
    assert run("import", str(history), "--db", db)[0] == 0
    return db


def test_a_refused_event_is_named_by_its_place_and_source_and_nothing_is_stored(
    tmp_path: Path,
) -> None:
    db = _store_with_case_101(tmp_path)

    code, output = run("import", "--from", "zendesk", str(ZENDESK), "--db", db)

    assert code == 2
    assert output.splitlines()[0] == (
        f"Error: {ZENDESK}: event 1 (source zendesk ticket/101): case 'zendesk-101' already "
        "exists for this customer: a new complaint needs a new case key (rule: case-key-unique)"
    )
    assert output.splitlines()[-1].endswith("converted events refused; nothing was stored")
    assert len(run("export", "--db", db)[1].splitlines()) == 1


def test_with_a_quarantine_the_refused_events_go_to_the_rejects_file(tmp_path: Path) -> None:
    db = _store_with_case_101(tmp_path)
    rejects = tmp_path / "rejects.jsonl"

    code, output = run(
        "import", "--from", "zendesk", str(ZENDESK), "--db", db, "--quarantine", str(rejects)
    )

    assert code == 1, output
    assert "; 1 converted event rejected to " in output
    (line,) = rejects.read_text(encoding="utf-8").splitlines()
    rejected = json.loads(line)
    assert rejected["source"]["id"] == "ticket/101"
    assert rejected["_rejected"]["line"] == 1


def test_timeline_audit_and_proof_show_where_an_imported_event_came_from(tmp_path: Path) -> None:
    db = str(tmp_path / "t.db")
    assert run("import", "--from", "zendesk", str(ZENDESK), "--db", db)[0] == 0
    first = {
        "system": "zendesk",
        "id": "ticket/101",
        "url": "https://example.zendesk.com/api/v2/tickets/101.json",
        "time": "exact",
    }
    customer = "zendesk-user-9001"

    read = json.loads(run("timeline", customer, "--json", "--db", db)[1])
    replayed = json.loads(
        run("timeline", customer, "--json", "--as-of", "2027-01-01T00:00:00Z", "--db", db)[1]
    )
    audit = json.loads(run("audit", customer, "--json", "--db", db)[1])
    key = str(tmp_path / "signing")
    assert run("keygen", "--signing", "--output", key)[0] == 0
    checkpoint = str(tmp_path / "checkpoint.json")
    assert run("seal", "--sign", key, "--output", checkpoint, "--db", db)[0] == 0
    bundle = tmp_path / "proof.json"
    code, output = run(
        "proof", customer, "--checkpoint", checkpoint, "--output", str(bundle), "--db", db
    )
    assert code == 0, output
    proof = json.loads(bundle.read_text(encoding="utf-8"))

    assert read[0]["source"] == replayed[0]["source"] == first
    assert audit["events"][0]["source"] == first
    assert proof["events"][0]["line"]["source"] == first


def test_timeline_csv_writes_the_source_as_its_json(tmp_path: Path) -> None:
    db = str(tmp_path / "t.db")
    assert run("import", "--from", "zendesk", str(ZENDESK), "--db", db)[0] == 0

    code, output = run("timeline", "zendesk-user-9001", "--csv", "--db", db)

    assert code == 0
    (row, *_) = list(csv.DictReader(output.splitlines()))
    assert json.loads(row["source"])["id"] == "ticket/101"
