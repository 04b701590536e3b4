"""A read-model table declared by name: its columns, key, indexes and personal columns.

Each projection (:mod:`trustengine.readmodel.projections`) declares the table it owns as
a :class:`Table` of :class:`Column` s; the processor's own tables are declared the same
way (:mod:`.schema`, :mod:`.problems`). Everything that needs a table's columns (creating
it, writing a batch's rows, comparing it with a rebuild, sealing and erasing its personal
text) reads them from here, so a column is named in one place. Rows are dicts keyed by
column name; only the writer turns them into values in column order.

>>> t = Table("notes", Column("customer", str, key=True), Column("text", str, personal=True))
>>> t.pk, t.sealed, list(t.columns)
(('customer',), ('text',), ['customer', 'text'])
"""

from __future__ import annotations

from dataclasses import dataclass
from operator import itemgetter
from typing import Any

Row = dict[str, Any]
"""One row of a table: column name -> plain SQLite value (bool columns hold 0/1)."""
SEALED_PREFIX = "sealed:v1:"
"""How the value of a personal column starts when it is sealed (see :mod:`.sealing`)."""


@dataclass(frozen=True)
class Column:
    """One column: its name and Python type (``str``, ``int``, ``float``, ``bool``)."""

    name: str
    type: type
    key: bool = False
    """Part of the primary key (in the order the columns are declared)."""
    not_null: bool = False
    personal: bool = False
    """Copies personal text: sealed under the customer's key (see :mod:`.sealing`)."""
    erased_unless: str | None = None
    """For a personal column: an SQL condition on the row under which an erasure leaves
    the value (it is not personal there), e.g. ``"kind = 'follow_up'"``."""


@dataclass(frozen=True)
class PartialIndex:
    """An index of only the rows where ``where`` (an SQL condition on the table's
    columns) holds. SQLite reads it for a query whose ``WHERE`` has that very condition
    among its terms (the same text, up to spacing), so a query that wants it builds its
    condition from the same constant; a query written otherwise is still right, only
    slower (it scans the table)."""

    name: str
    columns: tuple[str, ...]
    where: str

    def sql(self, table: str) -> str:
        """``CREATE INDEX IF NOT EXISTS`` of this index on ``table``."""
        listed = ", ".join(f'"{c}"' for c in self.columns)
        return (
            f'CREATE INDEX IF NOT EXISTS "{self.name}" ON "{table}" ({listed}) WHERE {self.where}'
        )


class Table:
    """A table: its columns in order, then how it is written and indexed.

    ``append_only``: rows are only ever added (one per event), never read back and
    changed. ``redacted``: its personal columns are rewritten on erasure by the table's
    own rule (the timeline's summaries are summarised again from the redacted events)
    instead of being blanked. ``partial``: indexes of only some rows
    (:class:`PartialIndex`), beside the full ones of ``indexes``.
    """

    def __init__(
        self,
        name: str,
        *fields: Column,
        indexes: tuple[tuple[str, ...], ...] = (),
        partial: tuple[PartialIndex, ...] = (),
        doc: str = "",
        append_only: bool = False,
        redacted: bool = False,
    ) -> None:
        self.name = name
        self.fields = fields
        self.indexes = indexes
        self.partial = partial
        self.doc = doc
        self.append_only = append_only
        self.redacted = redacted
        self.columns: dict[str, type] = {c.name: c.type for c in fields}
        """Column name -> type, in order (what sqlite-utils creates the table from)."""
        self.pk = tuple(c.name for c in fields if c.key)
        """The primary key's columns."""
        self.not_null = tuple(c.name for c in fields if c.not_null)
        self.sealed = tuple(c.name for c in fields if c.personal)
        """The columns that copy personal text."""
        self.flags = tuple(c.name for c in fields if c.type is bool)
        """The boolean columns (stored as 0/1)."""
        if len(self.columns) != len(fields):
            raise ValueError(f"table {name}: a column is declared twice")
        if not self.pk:
            raise ValueError(f"table {name}: no key column")
        for index in partial:
            unknown = [c for c in index.columns if c not in self.columns]
            if unknown:
                raise ValueError(f"table {name}: index {index.name} names no column {unknown}")

    def __repr__(self) -> str:
        return f"Table({self.name!r}, {', '.join(self.columns)})"

    def key_of(self, row: Row) -> tuple[Any, ...]:
        """``row``'s primary key."""
        return tuple(row[name] for name in self.pk)

    def values(self) -> itemgetter[Any]:
        """A function from a row to its values in column order (for ``executemany``)."""
        return itemgetter(*self.columns) if len(self.columns) > 1 else _one(self.fields[0].name)

    def select(self, *names: str, distinct: bool = False) -> str:
        """``SELECT "a", "b" FROM "table"`` for declared columns ``names`` (all when none
        are given; ``distinct``: ``SELECT DISTINCT``); a name the table does not declare
        raises :class:`KeyError`."""
        for name in names:
            if name not in self.columns:
                raise KeyError(f"table {self.name} has no column {name!r}")
        listed = ", ".join(f'"{n}"' for n in names or tuple(self.columns))
        how = "SELECT DISTINCT" if distinct else "SELECT"
        return f'{how} {listed} FROM "{self.name}"'


def _one(name: str) -> Any:
    return lambda row: (row[name],)


__all__ = ["SEALED_PREFIX", "Column", "PartialIndex", "Row", "Table"]
