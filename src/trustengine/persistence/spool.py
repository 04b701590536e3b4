"""An import's lines set aside on disk, to be read back one customer at a time.

The contract's rules are per customer, so a large import is checked and written a
customer at a time (:mod:`trustengine.application.streaming`). A file interleaves its
customers, so its lines are first written, as they are read, to a :class:`Spool`: a
private temporary SQLite database, which SQLite keeps in a bounded page cache and spills
to a file it deletes itself (unlinked as soon as it is made, so even a kill leaves none
behind). :meth:`Spool.customers` reads them back grouped by customer, in the order each
customer first appears, each customer's lines in file order: SQLite sorts them with its
external merge sort, in bounded memory too. What stays in memory is one small entry per
customer (their key and number).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator
from typing import Any

from trustengine.persistence.jsontext import exact_loads

CACHE_KIB = 16384
"""The spool's page cache (and sorter memory), in KiB: the most it holds in memory."""
INSERT_ROWS = 5000
"""Lines buffered before one insert into the spool."""
UNKEYED = -1
"""The group of lines that name no customer (they are refused when read back)."""
KEPT_KEYS = 20_000
"""Up to this many customers, the spool keeps their keys once read back (see
:meth:`Spool.customer_keys`); a larger one lets them go."""
_loads = exact_loads(fallback=json.loads)


def customer_of(text: str) -> str | None:
    """The customer a line names (its ``customer`` key, when it is a string), or None when
    the line is no JSON object or names none; such a line is refused when parsed."""
    try:
        obj = _loads(text)
    except (ValueError, RecursionError):
        return None
    if not isinstance(obj, dict):
        return None
    customer = obj.get("customer")
    return customer if isinstance(customer, str) else None


class Spool:
    """Numbered lines of an import, kept on a private temporary database by customer."""

    def __init__(self, *, objects: bool = False) -> None:
        self.objects = objects
        """Whether lines are read back as the JSON objects they hold (decoded as
        ``json.loads`` does, floats as floats) rather than as text: for events that were
        dicts before they were spooled, so that they are parsed as those dicts were."""
        # "" opens a private temporary database on disk, deleted when it is closed.
        self._db = sqlite3.connect("", isolation_level=None)
        self._db.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
        self._db.execute("PRAGMA journal_mode = OFF")
        self._db.execute("PRAGMA synchronous = OFF")
        self._db.execute(
            "CREATE TABLE lines (grp INTEGER NOT NULL, position INTEGER NOT NULL, text BLOB)"
        )
        self._groups: dict[str, int] | None = {}
        """Customer key to their group, while lines are added (dropped once read back)."""
        self._customers = 0
        self._keys: list[str] | None = None
        self._buffer: list[tuple[int, int, bytes]] = []
        self.lines = 0
        """How many lines were added."""

    def add(self, position: int, text: str) -> None:
        """Keep line ``text``, at ``position`` (its line number) in the file."""
        groups = self._groups
        if groups is None:
            raise ValueError("the spool was read back: it takes no more lines")
        key = customer_of(text)
        group = UNKEYED if key is None else groups.setdefault(key, len(groups))
        # As bytes: a str from the library may hold lone surrogates, which SQLite's text
        # (UTF-8) cannot; "surrogatepass" gives them back as they were.
        self._buffer.append((group, position, text.encode("utf-8", "surrogatepass")))
        self.lines += 1
        if len(self._buffer) >= INSERT_ROWS:
            self._flush()

    def extend(self, items: Iterable[tuple[int, str]]) -> Spool:
        """Keep every numbered line of ``items``; the spool itself."""
        for position, text in items:
            self.add(position, text)
        return self

    @property
    def customers_count(self) -> int:
        """How many customers the lines name."""
        return self._customers if self._groups is None else len(self._groups)

    def customer_keys(self) -> list[str] | None:
        """The keys of the customers the lines name, in the order :meth:`customers` gives
        them; None once read back when there were more than :data:`KEPT_KEYS`."""
        return list(self._groups) if self._groups is not None else self._keys

    def _flush(self) -> None:
        if self._buffer:
            self._db.execute("BEGIN")
            self._db.executemany("INSERT INTO lines VALUES (?, ?, ?)", self._buffer)
            self._db.execute("COMMIT")
            self._buffer = []

    def customers(self) -> Iterator[list[tuple[int, Any]]]:
        """The lines customer by customer (those naming none first), each customer's in
        file order, as lists of (line number, text, or object with :attr:`objects`); may
        be read again. Once read, the spool takes no more lines (its customers' keys are
        let go, but for up to :data:`KEPT_KEYS` of them)."""
        self._flush()
        if self._groups is not None:
            groups = self._groups
            self._customers, self._groups = len(groups), None
            self._keys = list(groups) if len(groups) <= KEPT_KEYS else None
        rows = self._db.execute("SELECT grp, position, text FROM lines ORDER BY grp, position")
        group: list[tuple[int, Any]] = []
        current: int | None = None
        for grp, position, raw in rows:
            if grp != current and group:
                yield group
                group = []
            current = grp
            text = raw.decode("utf-8", "surrogatepass")
            group.append((position, json.loads(text) if self.objects else text))
        if group:
            yield group

    def close(self) -> None:
        """Close the spool; SQLite deletes its file."""
        self._db.close()

    def __enter__(self) -> Spool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


__all__ = ["CACHE_KIB", "INSERT_ROWS", "KEPT_KEYS", "UNKEYED", "Spool", "customer_of"]
