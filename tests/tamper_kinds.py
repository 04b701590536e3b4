"""The kinds of tampering the campaign (:mod:`tests.tamper_campaign`) tries: each edits an
open SQLite store behind the engine's back, at a place the seeded ``random.Random``
picks, and returns the customer it touched."""

from __future__ import annotations

import json
import random
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from eventsourcing.persistence import StoredEvent

from trustengine.persistence.chain import GENESIS, advance_head, event_hash

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
