"""The read-model tables, created with sqlite-utils, and the SQL views auditors read.

Times are ISO 8601 text exactly as the events carry them (with their offsets); the SQL
views compare them with ``julianday()``, which understands offsets. Booleans are 0/1.
``"case"`` is an SQL keyword: quote it in queries (``SELECT "case" FROM cases``).

``problems`` holds the stored events the projector set aside (see :mod:`.problems`).
Besides the tables people query there are three the projector keeps for itself:
``view_state`` (each customer's fold so far), ``view_tracking`` (the last notification id
whose rows are in the tables) and ``view_meta`` (which store and policies the tables were
built from).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlite_utils

from trustengine.scoring.policy import policy_dir


@dataclass(frozen=True)
class TableSpec:
    """One table: its columns in order, primary key, NOT NULL columns and indexes."""

    name: str
    columns: dict[str, Any]
    pk: tuple[str, ...]
    not_null: tuple[str, ...] = ()
    indexes: tuple[tuple[str, ...], ...] = ()
    doc: str = ""


TABLES: tuple[TableSpec, ...] = (
    TableSpec(
        "customers",
        {
            "customer": str,
            "score": float,
            "phase": str,
            "distributive": float,
            "procedural": float,
            "interactional": float,
            "open_cases": int,
            "broken_promises": int,
            "cases": int,
            "events": int,
            "last_event_at": str,
            "last_contact_at": str,
            "changed_at": str,
            "phase_since": str,
            "ceiling": float,
            "tier": str,
            "policy": str,
            "sla_policy": str,
        },
        pk=("customer",),
        not_null=("score", "phase", "events", "policy", "sla_policy"),
        indexes=(("phase", "score"),),
        doc="One row per customer: where trust stands now (changed_at: recorded time of "
        "the last event folded in; phase_since: business time the phase began).",
    ),
    TableSpec(
        "cases",
        {
            "customer": str,
            "case": str,
            "status": str,
            "opened_at": str,
            "severity": int,
            "category": str,
            "cause": str,
            "summary": str,
            "owner": str,
            "hand_offs": int,
            "escalation_level": int,
            "acknowledged_at": str,
            "proposed_at": str,
            "resolved_at": str,
            "closed_at": str,
            "confirmed_by_customer": bool,
            "reopened": int,
            "reopened_at": str,
            "broken_promises": int,
            "sla_breaches": int,
            "last_event_at": str,
        },
        pk=("customer", "case"),
        not_null=("status", "opened_at"),
        indexes=(("status", "opened_at"), ("owner",)),
        doc="One row per case (status open/closed; reopened counts reopenings).",
    ),
    TableSpec(
        "timeline",
        {
            "customer": str,
            "position": int,
            "at": str,
            "recorded_at": str,
            "type": str,
            "case": str,
            "actor": str,
            "channel": str,
            "summary": str,
        },
        pk=("customer", "position"),
        not_null=("at", "recorded_at", "type", "summary"),
        indexes=(("type",),),
        doc="One row per event: the remediation steps, as `trustengine timeline` shows them.",
    ),
    TableSpec(
        "promises",
        {
            "customer": str,
            "kind": str,
            "id": str,
            "case": str,
            "description": str,
            "made_at": str,
            "due": str,
            "settled_at": str,
            "status": str,
            "on_time": bool,
            "prevents_recurrence": bool,
            "note": str,
        },
        pk=("customer", "kind", "id"),
        not_null=("made_at", "status"),
        indexes=(("status", "due"),),
        doc="Commitments: kind promise|action|follow_up; status open|kept|broken|completed. "
        "Overdue is computed at query time (view overdue_commitments).",
    ),
    TableSpec(
        "compensation",
        {
            "customer": str,
            "offer": str,
            "case": str,
            "kind": str,
            "amount": float,
            "amount_exact": str,
            "currency": str,
            "addresses_failure": bool,
            "status": str,
            "at": str,
            "settled_at": str,
            "reason": str,
        },
        pk=("customer", "offer"),
        not_null=("status", "at"),
        indexes=(("status",),),
        doc="Offers of redress: status offered|accepted|declined. amount is a float for SQL "
        "arithmetic; amount_exact is the same amount as exact decimal text (add money up "
        "from it, as the report does).",
    ),
    TableSpec(
        "sla_clocks",
        {
            "customer": str,
            "case": str,
            "clock": str,
            "period": int,
            "started_at": str,
            "due": str,
            "stopped_at": str,
            "breached": bool,
            "policy": str,
        },
        pk=("customer", "case", "clock", "period"),
        not_null=("breached", "policy"),
        indexes=(("clock", "breached"),),
        doc="Service-level clocks per case; period 1 is the case as filed, n+1 after its "
        "n-th reopening. due comes from the SLA policy for the customer's tier.",
    ),
    TableSpec(
        "score_history",
        {
            "customer": str,
            "position": int,
            "at": str,
            "type": str,
            "case": str,
            "delta": float,
            "score": float,
            "phase": str,
            "reason": str,
            "distributive": float,
            "procedural": float,
            "interactional": float,
        },
        pk=("customer", "position"),
        not_null=("at", "type", "delta", "score", "phase", "reason"),
        doc="One row per event per customer: its effect on trust, and why.",
    ),
    TableSpec(
        "satisfaction",
        {
            "customer": str,
            "position": int,
            "case": str,
            "metric": str,
            "score": int,
            "at": str,
            "phase_before": str,
        },
        pk=("customer", "position"),
        not_null=("metric", "score", "at"),
        doc="One row per SatisfactionRecorded: metric nps (0-10) or csat (1-5), the score, "
        "and phase_before, the customer's phase just before it (a score given while "
        "restored or advocate is a recovered customer's). The comment is personal text and "
        "is not copied here.",
    ),
    TableSpec(
        "problems",
        {
            "notification_id": int,
            "originator_id": str,
            "customer": str,
            "position": int,
            "type": str,
            "error": str,
            "held_by": int,
            "seen_at": str,
        },
        pk=("notification_id",),
        not_null=("originator_id", "position", "error", "seen_at"),
        indexes=(("customer",), ("originator_id",)),
        doc="Stored events the projector set aside (see views/problems.py): each one that "
        "could not be projected (held_by NULL), and each later event of the same customer, "
        "held back behind it (held_by: the notification id of the first). customer is "
        "NULL when no event of the stream can be read; error is one line; seen_at is when "
        "(wall clock, UTC) it was set aside.",
    ),
    TableSpec(
        "view_state",
        {"customer": str, "position": int, "state": str},
        pk=("customer",),
        not_null=("position", "state"),
        doc="The projector's fold of each customer so far (JSON), to resume without replay.",
    ),
    TableSpec(
        "view_tracking",
        {"name": str, "notification_id": int, "originator_id": str, "originator_version": int},
        pk=("name",),
        not_null=("notification_id",),
        doc="The last notification id whose rows are in the tables (exactly-once).",
    ),
    TableSpec(
        "view_meta",
        {"key": str, "value": str},
        pk=("key",),
        doc="What the tables were built from: store, policies, model fingerprint.",
    ),
)

TABLE_NAMES = tuple(spec.name for spec in TABLES)
SPECS = {spec.name: spec for spec in TABLES}
READ_TABLES = tuple(name for name in TABLE_NAMES if not name.startswith("view_"))
"""The tables people query (the ``view_*`` ones are the projector's own)."""

_VIEW_NAME = re.compile(r"CREATE\s+VIEW\s+(?:IF\s+NOT\s+EXISTS\s+)?\"?(\w+)", re.IGNORECASE)


def view_files() -> list[Path]:
    """The ``.sql`` files of the policy folder (``projections/``), by name."""
    return sorted(policy_dir().glob("*.sql"))


def view_name(sql: str, path: Path) -> str:
    """The name of the view that ``sql`` (the text of ``path``) creates."""
    match = _VIEW_NAME.search(sql)
    if match is None:
        raise ValueError(f"{path}: no CREATE VIEW statement")
    return match[1]


def create_tables(db: sqlite_utils.Database) -> None:
    """Create every missing table and index, then every missing SQL view."""
    for spec in TABLES:
        table = db.table(spec.name)
        if not table.exists():
            table.create(spec.columns, pk=spec.pk, not_null=set(spec.not_null))
        for columns in spec.indexes:
            table.create_index(columns, if_not_exists=True)
    existing = set(db.view_names())
    for path in view_files():
        sql = path.read_text(encoding="utf-8")
        if view_name(sql, path) not in existing:
            db.executescript(sql)


def drop_views(db: sqlite_utils.Database) -> None:
    """Drop the SQL views that the ``.sql`` files of ``projections/`` create."""
    for path in view_files():
        name = view_name(path.read_text(encoding="utf-8"), path)
        db.execute(f'DROP VIEW IF EXISTS "{name}"')


def drop_all(db: sqlite_utils.Database) -> None:
    """Drop the SQL views from ``projections/`` and every read-model table."""
    drop_views(db)
    for name in TABLE_NAMES:
        db.execute(f'DROP TABLE IF EXISTS "{name}"')
