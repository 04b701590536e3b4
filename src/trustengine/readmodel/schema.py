"""The read-model tables, created with sqlite-utils, and the SQL views auditors read.

Each table is declared once: the projections' in :mod:`.tables` (each projection of
:mod:`trustengine.readmodel.projections` names its own), ``problems`` in :mod:`.problems`,
the processor's own three here. None of these imports an event model, so the tables'
names and columns are known without loading the projections. This module puts them
together and creates them.

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
from pathlib import Path
from typing import TYPE_CHECKING

from trustengine.readmodel.problems import TABLE as PROBLEMS
from trustengine.readmodel.snapshot_tables import TABLES as SNAPSHOT_TABLES
from trustengine.readmodel.table import Column, Table
from trustengine.readmodel.tables import PROJECTED_TABLES
from trustengine.scoring.policy import policy_dir

if TYPE_CHECKING:  # for types only: the tables' names and columns are read without it
    import sqlite_utils

VIEW_STATE = Table(
    "view_state",
    Column("customer", str, key=True),
    Column("position", int, not_null=True),
    Column("state", str, not_null=True),
    doc="The projector's fold of each customer so far (JSON), to resume without replay.",
)
VIEW_TRACKING = Table(
    "view_tracking",
    Column("name", str, key=True),
    Column("notification_id", int, not_null=True),
    Column("originator_id", str),
    Column("originator_version", int),
    doc="The last notification id whose rows are in the tables (exactly-once).",
)
PROJECTION = "read-model"
"""The name of the projector's row in ``view_tracking``."""
VIEW_META = Table(
    "view_meta",
    Column("key", str, key=True),
    Column("value", str),
    doc="What the tables were built from: store, policies, model fingerprint.",
)

TABLES: tuple[Table, ...] = (*PROJECTED_TABLES, PROBLEMS, VIEW_STATE, VIEW_TRACKING, VIEW_META)
"""Every table: the projections' (in registry order), then the processor's own."""
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
        for index in spec.partial:
            db.execute(index.sql(spec.name))
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
    """Drop the SQL views from ``projections/``, every read-model table and the fold
    snapshots (:mod:`.snapshots`, made again when next needed)."""
    drop_views(db)
    for name in (*TABLE_NAMES, *(table.name for table in SNAPSHOT_TABLES)):
        db.execute(f'DROP TABLE IF EXISTS "{name}"')


__all__ = [
    "PROJECTION",
    "READ_TABLES",
    "SPECS",
    "TABLES",
    "TABLE_NAMES",
    "VIEW_META",
    "VIEW_STATE",
    "VIEW_TRACKING",
    "create_tables",
    "drop_all",
    "drop_views",
    "view_files",
    "view_name",
]
