"""A unit of work for one batch: the rows the batch creates or changes, written at its end.

Rows of the append-only tables (``timeline``, ``score_history``, ``satisfaction``) are
collected and inserted; rows of the keyed tables are read at most once per batch (from the
buffer, else from the table by primary key, seeing what earlier batches committed),
changed in place, and written back with ``INSERT OR REPLACE`` when the batch is flushed.
Nothing here commits: :meth:`RowBuffer.flush` runs inside the projector's transaction, so
a batch's rows and its tracked position are committed together or not at all.

The tables are created with sqlite-utils (:mod:`.schema`), but the batch's rows are
written with one prepared ``executemany`` per table: every value here is already a plain
SQLite value, and sqlite-utils' ``insert_all`` (which inspects and JSON-converts each
value and builds the statement per chunk) cost about a fifth of a rebuild's time.

Given the engine's :class:`~trustengine.persistence.personal.PersonalData`, personal text
is sealed as it is written and opened as a keyed row is read back (see :mod:`.sealing`).
"""

from __future__ import annotations

from typing import Any

import sqlite_utils

from trustengine.persistence.personal import PersonalData
from trustengine.readmodel.schema import SPECS
from trustengine.readmodel.sealing import open_row, seal_row, seal_values

Row = dict[str, Any]
Key = tuple[Any, ...]
Values = tuple[Any, ...]
"""A row of an append-only table: its values in the table's column order."""

APPEND_ONLY = ("timeline", "score_history", "satisfaction")
KEYED = ("customers", "cases", "promises", "compensation", "sla_clocks", "view_state")


class RowBuffer:
    """The pending rows of one batch, by table."""

    def __init__(self, db: sqlite_utils.Database, personal: PersonalData | None = None) -> None:
        self.db = db
        self.personal = personal
        self.appended: dict[str, list[Values]] = {name: [] for name in APPEND_ONLY}
        self.changed: dict[str, dict[Key, Row]] = {name: {} for name in KEYED}
        # Table and column names come from the schema's constants, never from input.
        self._insert = {
            name: 'INSERT OR REPLACE INTO "{}" ({}) VALUES ({})'.format(  # noqa: S608
                name,
                ", ".join(f'"{column}"' for column in SPECS[name].columns),
                ", ".join("?" for _ in SPECS[name].columns),
            )
            for name in (*APPEND_ONLY, *KEYED)
        }
        self._columns = {name: tuple(SPECS[name].columns) for name in self._insert}
        self._select = {
            name: 'SELECT * FROM "{}" WHERE {}'.format(  # noqa: S608
                name, " AND ".join(f'"{column}" = ?' for column in SPECS[name].pk)
            )
            for name in KEYED
        }

    def append(self, table: str, values: Values) -> None:
        """Add a row (values in column order) to an append-only table."""
        self.appended[table].append(values)

    def put(self, table: str, row: Row) -> Row:
        """Create or replace a whole row of a keyed table; return it."""
        self.changed[table][self.key(table, row)] = row
        return row

    def edit(self, table: str, *key: Any) -> Row | None:
        """The row of ``table`` with primary key ``key``, to change in place; None if absent.

        A row returned here is written back when the batch is flushed.
        """
        rows = self.changed[table]
        row = rows.get(key)
        if row is None:
            cursor = self.db.execute(self._select[table], key)
            found = cursor.fetchone()
            if found is None:
                return None
            row = dict(zip((d[0] for d in cursor.description), found, strict=True))
            rows[key] = row = open_row(self.personal, table, row)
        return row

    @staticmethod
    def key(table: str, row: Row) -> Key:
        return tuple(row[column] for column in SPECS[table].pk)

    def flush(self) -> int:
        """Write every pending row (inside the caller's transaction); return how many."""
        written = 0
        for name, appended in self.appended.items():
            if appended:
                if self.personal is not None and name == "timeline":
                    columns = self._columns[name]
                    appended[:] = [seal_values(self.personal, name, columns, v) for v in appended]
                self.db.conn.executemany(self._insert[name], appended)
                written += len(appended)
                appended.clear()
        for name, changed in self.changed.items():
            written += self._write(name, list(changed.values()))
            changed.clear()
        return written

    def _write(self, name: str, rows: list[Row]) -> int:
        if rows:
            columns = self._columns[name]
            sealed = (seal_row(self.personal, name, row) for row in rows)
            self.db.conn.executemany(
                self._insert[name], [tuple(row[c] for c in columns) for row in sealed]
            )
        return len(rows)
