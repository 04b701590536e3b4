"""A unit of work for one batch: the rows the batch creates or changes, written at its end.

Rows are dicts by column name (the tables' declarations, :mod:`.table`, say which
columns there are). Rows of the append-only tables (``timeline``, ``score_history``,
``satisfaction``) are collected and inserted; rows of the keyed tables are read at most
once per batch (from the buffer, else from the table by primary key, seeing what earlier
batches committed), changed in place, and written back with ``INSERT OR REPLACE`` when
the batch is flushed. Nothing here commits: :meth:`RowBuffer.flush` runs inside the
projector's transaction, so a batch's rows and its tracked position are committed
together or not at all.

Without a database (``db=None``) the buffer is the whole world: a row not put in this
buffer does not exist, and :meth:`RowBuffer.rows` hands the rows over instead of
writing them (the public fold from scratch, :mod:`.fold`).

The tables are created with sqlite-utils (:mod:`.schema`), but the batch's rows are
written with one prepared ``executemany`` per table: every value here is already a plain
SQLite value, and sqlite-utils' ``insert_all`` (which inspects and JSON-converts each
value and builds the statement per chunk) cost about a fifth of a rebuild's time.

Given the engine's :class:`~trustengine.persistence.personal.PersonalData`, personal text
is sealed as it is written and opened as a keyed row is read back (see :mod:`.sealing`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sqlite_utils

from trustengine.persistence.personal import PersonalData
from trustengine.readmodel.schema import TABLES
from trustengine.readmodel.sealing import open_row, sealed_values
from trustengine.readmodel.table import Row, Table

Key = tuple[Any, ...]
BUFFERED = tuple(t for t in TABLES if t.name not in ("problems", "view_tracking", "view_meta"))
"""The tables a batch's rows go to: the projections' and ``view_state``."""


class RowBuffer:
    """The pending rows of one batch, by table."""

    def __init__(
        self,
        db: sqlite_utils.Database | None,
        personal: PersonalData | None = None,
        tables: Iterable[Table] = BUFFERED,
    ) -> None:
        self.db = db
        self.personal = personal
        self.tables = {t.name: t for t in tables}
        self.appended: dict[str, list[Row]] = {
            t.name: [] for t in self.tables.values() if t.append_only
        }
        self.changed: dict[str, dict[Key, Row]] = {
            t.name: {} for t in self.tables.values() if not t.append_only
        }
        # Table and column names come from the declarations, never from input.
        self._insert = {
            t.name: 'INSERT OR REPLACE INTO "{}" ({}) VALUES ({})'.format(  # noqa: S608
                t.name,
                ", ".join(f'"{column}"' for column in t.columns),
                ", ".join("?" for _ in t.columns),
            )
            for t in self.tables.values()
        }
        self._select = {
            t.name: 'SELECT * FROM "{}" WHERE {}'.format(  # noqa: S608
                t.name, " AND ".join(f'"{column}" = ?' for column in t.pk)
            )
            for t in self.tables.values()
        }

    def append(self, table: str, row: Row) -> None:
        """Add a row to an append-only table."""
        self.appended[table].append(row)

    def put(self, table: str, row: Row) -> Row:
        """Create or replace a whole row of a keyed table; return it."""
        self.changed[table][self.tables[table].key_of(row)] = row
        return row

    def edit(self, table: str, *key: Any) -> Row | None:
        """The row of ``table`` with primary key ``key``, to change in place; None if absent.

        A row returned here is written back when the batch is flushed.
        """
        rows = self.changed[table]
        row = rows.get(key)
        if row is None and self.db is not None:
            cursor = self.db.execute(self._select[table], key)
            found = cursor.fetchone()
            if found is None:
                return None
            row = dict(zip((d[0] for d in cursor.description), found, strict=True))
            rows[key] = row = open_row(self.personal, table, row)
        return row

    def discard(self, customer: str) -> None:
        """Drop every pending row of ``customer`` (their rows are being folded again)."""
        for _name, appended in self.appended.items():
            appended[:] = [row for row in appended if row.get("customer") != customer]
        for _name, changed in self.changed.items():
            for key in [key for key, row in changed.items() if row.get("customer") == customer]:
                del changed[key]

    def rows(self) -> dict[str, list[Row]]:
        """Every pending row by table (the append-only ones in the order they came)."""
        out = {name: list(rows) for name, rows in self.appended.items()}
        out.update((name, list(rows.values())) for name, rows in self.changed.items())
        return {t: out[t] for t in self.tables}

    def flush(self) -> int:
        """Write every pending row (inside the caller's transaction); return how many."""
        if self.db is None:
            raise ValueError("a buffer without a database has nowhere to write")
        written = 0
        for name, appended in self.appended.items():
            written += self._write(name, appended)
            appended.clear()
        for name, changed in self.changed.items():
            written += self._write(name, changed.values())
            changed.clear()
        return written

    def _write(self, name: str, rows: Iterable[Row]) -> int:
        assert self.db is not None
        table = self.tables[name]
        values = sealed_values(self.personal, name, tuple(table.columns)) or table.values()
        found = [values(row) for row in rows]
        if found:
            self.db.conn.executemany(self._insert[name], found)
        return len(found)


__all__ = ["BUFFERED", "Key", "Row", "RowBuffer"]
