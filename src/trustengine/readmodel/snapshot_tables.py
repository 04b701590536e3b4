"""The tables that keep the fold snapshots of :mod:`.snapshots`, declared by name.

They are the read side's own, not the projector's: created when the first snapshots are
made, dropped by a rebuild, and compared by ``verify --views`` with snapshots made again.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from trustengine.readmodel.table import Column, Table

if TYPE_CHECKING:
    import sqlite_utils

FOLDS = Table(
    "replay_folds",
    Column("customer", str, key=True),
    Column("key", str, key=True),
    Column("store", str, not_null=True),
    Column("policy", str, not_null=True),
    Column("sla_policy", str, not_null=True),
    Column("high", int, not_null=True),
    Column("digest", str, not_null=True),
    Column("first_us", int),
    Column("last_us", int),
    Column("steps", int, not_null=True),
    doc="Whose fold snapshots are kept, under which policies, made from which events.",
)
STEPS = Table(
    "replay_steps",
    Column("customer", str, key=True),
    Column("key", str, key=True),
    Column("seq", int, key=True),
    Column("at_us", int, not_null=True),
    Column("version", int, not_null=True),
    Column("correction", int),
    doc="Each step of a customer's whole fold, in business-time order.",
)
SNAPSHOTS = Table(
    "replay_snapshots",
    Column("customer", str, key=True),
    Column("key", str, key=True),
    Column("seq", int, key=True),
    Column("at_us", int),
    Column("state", str, not_null=True),
    Column("explanation", str, not_null=True),
    doc="The fold's state every SNAPSHOT_EVERY steps, and the explanation since the last.",
)
TABLES = (FOLDS, STEPS, SNAPSHOTS)


def create(db: sqlite_utils.Database) -> None:
    """Create the tables, or create anew one laid out otherwise (by another version)."""
    for table in TABLES:
        found = db.table(table.name)
        if found.exists() and list(found.columns_dict) != list(table.columns):
            found.drop()
        if not found.exists():
            found.create(table.columns, pk=table.pk, not_null=set(table.not_null))


def kept_rows(db: sqlite_utils.Database, customer: str, key: str) -> list[list[Any]]:
    """Every kept row of ``customer`` under ``key``, in order (``store`` aside)."""
    out: list[list[Any]] = []
    for table in TABLES:
        names = [name for name in table.columns if name != "store"]
        out.extend(
            list(row)
            for row in db.execute(
                f"{table.select(*names)} WHERE customer = ? AND key = ? ORDER BY 1, 2, 3",
                (customer, key),
            )
        )
    return out


__all__ = ["FOLDS", "SNAPSHOTS", "STEPS", "TABLES", "create", "kept_rows"]
