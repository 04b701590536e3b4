"""The tamper campaign: every kind of edit behind the engine's back, against every detector.

A demo store (the bundled ``demo.jsonl``) is made once, with its read model built, a seal
(``seal``, COUNT:HEAD) and a signed checkpoint (``seal --sign``) taken, all before any
tampering. Then, for each kind of tampering, ``--tries`` times (10 by default), a fresh
copy of that store is tampered with at a random place (seeded: ``--seed``) and each
detector is run on it through the CLI, in this process:

- ``verify``;
- ``verify --against SEAL`` (the seal taken before);
- ``verify --against CHECKPOINT.json --public-key KEY.pub`` (the checkpoint taken before);
- ``audit CUSTOMER`` of the customer the edit touched;
- ``verify --views``, which runs ``verify``'s checks too; the last column counts the tries
  its read-model part found something in (a table unlike a fresh rebuild, or a read
  model out of step with the store), whatever the chain said.

A detector *detects* a try when it exits 1 (a finding). Another non-zero exit (2, the
store or read model refused as input) is counted apart and shown as ``+N refused``: it
stops the command, but names no tampering. The table goes to stdout as Markdown::

    python -m tests.tamper_campaign            # 10 tries of each kind, seed 11
    python -m tests.tamper_campaign --tries 3 --json campaign.json
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sqlite3
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import Any

from click.testing import CliRunner
from eventsourcing.persistence import StoredEvent

from trustengine import TrustEngine
from trustengine.cli import main
from trustengine.ledger_io import import_lines
from trustengine.persistence.chain import GENESIS, advance_head, event_hash

DETECTORS = (
    "verify",
    "verify --against SEAL",
    "verify --against CHECKPOINT.json",
    "audit CUSTOMER",
    "verify --views",
    "(its read-model part)",
)
READ_MODEL_TABLES = (
    "customers",
    "cases",
    "timeline",
    "promises",
    "compensation",
    "sla_clocks",
    "score_history",
    "satisfaction",
    "view_state",
)
"""The read-model tables with rows in the demo: those people query, and the fold."""


@dataclass
class Base:
    """The untouched store and what was taken from it before any tampering."""

    folder: Path
    seal: str
    checkpoint: Path
    public_key: Path

    @property
    def db(self) -> Path:
        return self.folder / "demo.db"


@dataclass
class Tally:
    detected: dict[str, int] = field(default_factory=lambda: dict.fromkeys(DETECTORS, 0))
    refused: dict[str, int] = field(default_factory=lambda: dict.fromkeys(DETECTORS, 0))
    tries: int = 0
    skipped: str | None = None
    """Why the kind could not be tried at all (nothing of it is reachable)."""


def _cli(*args: str) -> int:
    return CliRunner().invoke(main, list(args)).exit_code


def make_base(folder: Path) -> Base:
    """The demo store, its read model, a seal and a signed checkpoint, in ``folder``."""
    store = folder / "store"
    store.mkdir()
    db = store / "demo.db"
    engine = TrustEngine(str(db))
    try:
        text = resources.files("trustengine").joinpath("data/demo.jsonl").read_text("utf-8")
        import_lines(engine, text.splitlines(), name="demo.jsonl")
    finally:
        engine.close()
    key = folder / "signing"
    checkpoint = folder / "checkpoint.json"
    runner = CliRunner()
    for args in (
        ["rebuild", "--db", str(db)],
        ["keygen", "--signing", "--output", str(key)],
        ["seal", "--sign", str(key), "--output", str(checkpoint), "--db", str(db)],
    ):
        done = runner.invoke(main, args)
        if done.exit_code != 0:
            raise RuntimeError(f"{' '.join(args[:2])} failed: {done.output}")
    seal = runner.invoke(main, ["seal", "--db", str(db)]).output.strip()
    return Base(store, seal, checkpoint, key.with_name(key.name + ".pub"))


# --- the store behind the engine's back ---------------------------------------------------


@dataclass(frozen=True)
class Row:
    rowid: int
    stream: str
    version: int
    topic: str
    state: bytes


def _rows(conn: sqlite3.Connection) -> list[Row]:
    return [
        Row(int(r[0]), str(r[1]), int(r[2]), str(r[3]), bytes(r[4]))
        for r in conn.execute(
            "SELECT rowid, originator_id, originator_version, topic, state "
            "FROM stored_events ORDER BY rowid"
        )
    ]


def _customer(row: Row) -> str:
    return str(json.loads(row.state)["customer"])


def _last_of_stream(rows: list[Row]) -> set[int]:
    last: dict[str, Row] = {}
    for row in rows:
        if row.stream not in last or row.version > last[row.stream].version:
            last[row.stream] = row
    return {row.rowid for row in last.values()}


def _set_state(conn: sqlite3.Connection, row: Row, state: bytes) -> None:
    conn.execute("UPDATE stored_events SET state = ? WHERE rowid = ?", (state, row.rowid))


def _delete(conn: sqlite3.Connection, row: Row, *, with_hash: bool) -> None:
    conn.execute("DELETE FROM stored_events WHERE rowid = ?", (row.rowid,))
    if with_hash:
        conn.execute(
            "DELETE FROM event_hashes WHERE originator_id = ? AND originator_version = ?",
            (row.stream, row.version),
        )


def _compact(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()


def _edited(state: bytes, rng: random.Random) -> bytes:
    """The payload with one field changed to another valid value: the business time moved
    by some minutes, another actor, a flag flipped or a number moved by one, so that the
    event still decodes and only the chain can tell."""
    payload = json.loads(state)
    names = ["timestamp"]
    names += [k for k, v in payload.items() if isinstance(v, bool | int) and k != "class_version"]
    if "actor" in payload:
        names.append("actor")
    name = rng.choice(names)
    value = payload[name]
    if name == "timestamp":
        moved = datetime.fromisoformat(value) - timedelta(minutes=rng.randint(1, 59))
        payload[name] = moved.isoformat().replace("+00:00", "Z")
    elif name == "actor":
        payload[name] = "agent-99"
    elif isinstance(value, bool):
        payload[name] = not value
    else:
        payload[name] = value - 1 if value > 1 else value + 1
    return _compact(payload)


def _rechain(conn: sqlite3.Connection) -> None:
    """Recompute every hash and the head from the stored bytes, as an attacker can."""
    last: dict[str, str] = {}
    head, count, links = GENESIS, 0, []
    for row in _rows(conn):
        stored = StoredEvent(row.stream, row.version, row.topic, row.state)
        hashed = event_hash(last.get(row.stream, GENESIS), stored)
        last[row.stream] = hashed
        links.append((row.stream, row.version, hashed))
        head, count = advance_head(head, hashed), count + 1
    conn.execute("DELETE FROM event_hashes")
    conn.executemany("INSERT INTO event_hashes VALUES (?, ?, ?)", links)
    conn.execute("UPDATE ledger_head SET events = ?, head = ?", (count, head))


# --- the kinds ------------------------------------------------------------------------------

Tamper = Callable[[sqlite3.Connection, random.Random], str | None]
"""Tampers with an open store; returns the customer it touched (for ``audit``), or None
when there is nothing of the kind to tamper with."""


def byte_flip(conn: sqlite3.Connection, rng: random.Random) -> str:
    row = rng.choice(_rows(conn))
    state = bytearray(row.state)
    state[rng.randrange(len(state))] ^= 1 << rng.randrange(8)
    _set_state(conn, row, bytes(state))
    return _customer(row)


def edited_value(conn: sqlite3.Connection, rng: random.Random) -> str:
    row = rng.choice(_rows(conn))
    _set_state(conn, row, _edited(row.state, rng))
    return _customer(row)


def _deleter(*, last: bool, with_hash: bool) -> Tamper:
    def tamper(conn: sqlite3.Connection, rng: random.Random) -> str:
        rows = _rows(conn)
        ends = _last_of_stream(rows)
        row = rng.choice([r for r in rows if (r.rowid in ends) == last])
        _delete(conn, row, with_hash=with_hash)
        return _customer(row)

    return tamper


def inserted_forgery(conn: sqlite3.Connection, rng: random.Random) -> str:
    """A copy of one of a customer's events appended as their next one, with the chain
    hash an attacker computes for it (the head left as it was)."""
    rows = _rows(conn)
    ends = {r.stream: r for r in rows if r.rowid in _last_of_stream(rows)}
    row = rng.choice(rows)
    end = ends[row.stream]
    (previous,) = conn.execute(
        "SELECT hash FROM event_hashes WHERE originator_id = ? AND originator_version = ?",
        (end.stream, end.version),
    ).fetchone()
    forged = StoredEvent(row.stream, end.version + 1, row.topic, row.state)
    conn.execute(
        "INSERT INTO stored_events (originator_id, originator_version, topic, state) "
        "VALUES (?, ?, ?, ?)",
        (forged.originator_id, forged.originator_version, forged.topic, forged.state),
    )
    conn.execute(
        "INSERT INTO event_hashes VALUES (?, ?, ?)",
        (row.stream, end.version + 1, event_hash(str(previous), forged)),
    )
    return _customer(row)


def swapped_order(conn: sqlite3.Connection, rng: random.Random) -> str:
    first, second = rng.sample(_rows(conn), 2)
    conn.execute("UPDATE stored_events SET rowid = -1 WHERE rowid = ?", (first.rowid,))
    conn.execute("UPDATE stored_events SET rowid = ? WHERE rowid = ?", (first.rowid, second.rowid))
    conn.execute("UPDATE stored_events SET rowid = ? WHERE rowid = -1", (second.rowid,))
    return _customer(first)


def truncated_tail(conn: sqlite3.Connection, rng: random.Random) -> str:
    rows = _rows(conn)
    cut = rows[-rng.randint(1, 5) :]
    for row in cut:
        _delete(conn, row, with_hash=True)
    return _customer(cut[-1])


def rechained_forgery(conn: sqlite3.Connection, rng: random.Random) -> str:
    customer = edited_value(conn, rng)
    _rechain(conn)
    return customer


def reordered_sealed_names(conn: sqlite3.Connection, rng: random.Random) -> str | None:
    """The names in a payload's ``_sealed.fields`` put in another order. Only payloads
    with two or more sealed fields can be reordered (one name reordered is the same
    bytes: no edit at all)."""
    rows = [
        r for r in _rows(conn) if len(json.loads(r.state).get("_sealed", {}).get("fields", [])) > 1
    ]
    if not rows:
        return None
    row = rng.choice(rows)
    payload = json.loads(row.state)
    fields = list(payload["_sealed"]["fields"])
    while fields == payload["_sealed"]["fields"]:
        rng.shuffle(fields)
    payload["_sealed"]["fields"] = fields
    _set_state(conn, row, _compact(payload))
    return _customer(row)


def read_model_row(conn: sqlite3.Connection, rng: random.Random) -> str:
    table = rng.choice(READ_MODEL_TABLES)
    info = list(conn.execute(f'PRAGMA table_info("{table}")'))
    keys = {str(r[1]) for r in info if r[5]}
    columns = [str(r[1]) for r in info if str(r[1]) not in keys]
    if table == "view_state":
        columns = ["position"]  # the fold's JSON edited by hand would not parse at all
    # Table and column names come from the schema, never from input.
    rowid, customer = rng.choice(
        list(conn.execute(f'SELECT rowid, customer FROM "{table}"'))  # noqa: S608
    )
    column = rng.choice(columns)
    conn.execute(
        f'UPDATE "{table}" SET "{column}" = CASE '  # noqa: S608
        f"WHEN typeof(\"{column}\") IN ('integer', 'real') THEN \"{column}\" + 1 "
        f"WHEN \"{column}\" IS NULL THEN '2026-01-01T00:00:00+00:00' "
        f"ELSE \"{column}\" || ' (edited)' END WHERE rowid = ?",
        (rowid,),
    )
    return str(customer)


def deleted_key(conn: sqlite3.Connection, rng: random.Random) -> str | None:
    """A customer's erasure key deleted: from the store's own file, or from a key store
    beside it (``NAME.keys`` for ``NAME.db``), when one of them holds the keys."""
    row = rng.choice(_rows(conn))
    (path,) = [str(r[2]) for r in conn.execute("PRAGMA database_list") if r[1] == "main"]
    beside = Path(path).with_suffix(".keys")
    for keys in (conn, *([sqlite3.connect(beside)] if beside.is_file() else [])):
        try:
            names = [str(r[0]) for r in keys.execute("SELECT name FROM sqlite_master")]
            for name in names:
                columns = {str(r[1]) for r in keys.execute(f'PRAGMA table_info("{name}")')}
                if {"originator_id", "key"} <= columns:
                    # The table's name is the key store's own, read from its schema.
                    query = f'DELETE FROM "{name}" WHERE originator_id = ?'  # noqa: S608
                    keys.execute(query, (row.stream,))
                    keys.commit()
                    return _customer(row)
        finally:
            if keys is not conn:
                keys.close()
    return None


KINDS: dict[str, Tamper] = {
    "byte flip in a payload": byte_flip,
    "edited field value": edited_value,
    "deleted event (middle)": _deleter(last=False, with_hash=False),
    "deleted event (middle) with its hash": _deleter(last=False, with_hash=True),
    "deleted event (last)": _deleter(last=True, with_hash=False),
    "deleted event (last) with its hash": _deleter(last=True, with_hash=True),
    "inserted forged event": inserted_forgery,
    "swapped storage order": swapped_order,
    "truncated tail with hashes": truncated_tail,
    "recompute every hash and the head": rechained_forgery,
    "reordered sealed field names": reordered_sealed_names,
    "read-model row edit": read_model_row,
    "deleted customer key": deleted_key,
}


# --- running it -----------------------------------------------------------------------------


def _detect(base: Base, db: Path, customer: str) -> dict[str, int]:
    d = str(db)
    return {
        "verify": _cli("verify", "--db", d),
        "verify --against SEAL": _cli("verify", "--against", base.seal, "--db", d),
        "verify --against CHECKPOINT.json": _cli(
            "verify",
            "--against",
            str(base.checkpoint),
            "--public-key",
            str(base.public_key),
            "--db",
            d,
        ),
        "audit CUSTOMER": _cli("audit", customer, "--json", "--db", d),
        **_views(d),
    }


def _views(db: str) -> dict[str, int]:
    done = CliRunner().invoke(main, ["verify", "--views", "--json", "--db", db])
    if done.exit_code not in (0, 1):
        return {"verify --views": done.exit_code, "(its read-model part)": done.exit_code}
    out = json.loads(done.stdout)
    own = out.get("views", {}).get("problems", [])
    own += [p for p in out["problems"] if p.startswith("the read model is at event ")]
    return {"verify --views": done.exit_code, "(its read-model part)": 1 if own else 0}


def run_campaign(tries: int, seed: int, scratch: Path) -> dict[str, Tally]:
    """Each kind, ``tries`` times, against every detector."""
    base = make_base(scratch)
    untouched = _detect(base, base.db, "cust-amelia")
    if any(untouched.values()):
        raise RuntimeError(f"the untouched store does not verify: {untouched}")
    rng = random.Random(seed)  # noqa: S311 - seeded positions, not secrets
    results: dict[str, Tally] = {}
    for number, (kind, tamper) in enumerate(KINDS.items()):
        tally = results[kind] = Tally()
        for attempt in range(tries):
            copy = scratch / f"try-{number}-{attempt}"
            shutil.copytree(base.folder, copy)
            db = copy / base.db.name
            with sqlite3.connect(db) as conn:
                customer = tamper(conn, rng)
            conn.close()
            if customer is None:
                tally.skipped = "nothing of this kind is reachable in the store's file"
                shutil.rmtree(copy)
                break
            tally.tries += 1
            for detector, code in _detect(base, db, customer).items():
                if code == 1:
                    tally.detected[detector] += 1
                elif code != 0:
                    tally.refused[detector] += 1
            shutil.rmtree(copy)
    return results


def table(results: dict[str, Tally]) -> str:
    """The detection table, as Markdown: detected/tries per kind and detector."""
    lines = [
        "| Tampering | " + " | ".join(f"`{d}`" for d in DETECTORS) + " |",
        "| --- |" + " --- |" * len(DETECTORS),
    ]
    for kind, tally in results.items():
        if tally.skipped:
            cells = [f"n/a ({tally.skipped})"] + [""] * (len(DETECTORS) - 1)
        else:
            cells = []
            for detector in DETECTORS:
                cell = f"{tally.detected[detector]}/{tally.tries}"
                if tally.refused[detector]:
                    cell += f" (+{tally.refused[detector]} refused)"
                cells.append(cell)
        lines.append(f"| {kind} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def main_(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tries", type=int, default=10, help="tries of each kind (10)")
    parser.add_argument("--seed", type=int, default=11, help="seed of the positions (11)")
    parser.add_argument("--json", metavar="FILE", help="also write the counts as JSON")
    options = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="tamper-campaign-") as scratch:
        results = run_campaign(options.tries, options.seed, Path(scratch))
    sys.stdout.write(table(results))
    if options.json:
        out = {
            kind: {
                "tries": t.tries,
                "detected": t.detected,
                "refused": t.refused,
                "skipped": t.skipped,
            }
            for kind, t in results.items()
        }
        Path(options.json).write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main_())
