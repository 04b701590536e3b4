"""Personal text in the read model, sealed under the customer's own key.

The read-model tables copy personal text out of the events (timeline and case summaries,
commitment descriptions and notes, compensation reasons). Written in the clear, those
copies would outlive an erasure in any copy of the views file and defeat encryption at
rest. So each such value is written as ``sealed:v1:`` and an AES-SIV token under a key
derived from the customer's key (see
:meth:`~trustengine.persistence.personal.PersonalData.seal_text`), and opened again when
the read API returns rows (:func:`reveal`): a caller who holds the key store reads
plaintext; SQL on the file (Datasette, the ``projections/*.sql`` views) sees tokens; once
the key is destroyed they read as ``[erased]`` (and :mod:`.erasure` overwrites them).

A value whose customer has no key (erased, or never had personal text) is written as it
is: it holds no personal text then.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from operator import itemgetter
from typing import Any, TypeVar
from uuid import UUID

from trustengine.domain.customer import customer_id
from trustengine.exceptions import ReadModelError
from trustengine.persistence.personal import CACHE_LIMIT, ERASED, PersonalData
from trustengine.readmodel.schema import TABLES
from trustengine.readmodel.table import SEALED_PREFIX

PREFIX = SEALED_PREFIX
SEALED_COLUMNS: dict[str, tuple[str, ...]] = {t.name: t.sealed for t in TABLES if t.sealed}
"""The read-model columns that copy personal text (declared ``personal``), by table."""
_NAMES = frozenset(name for names in SEALED_COLUMNS.values() for name in names)
T = TypeVar("T")
_IDS: dict[str, UUID] = {}
"""Customer key -> aggregate id, for the last customers sealed (a hash per row, else)."""


def _id(customer: str) -> UUID:
    found = _IDS.get(customer)
    if found is None:
        if len(_IDS) >= CACHE_LIMIT:
            _IDS.clear()  # bounded: a million customers keep memory flat
        found = _IDS[customer] = customer_id(customer)
    return found


def seal(personal: PersonalData | None, customer: str, value: Any) -> Any:
    """``value`` as a read-model column holds it (a token, when it can be sealed)."""
    if personal is None or not isinstance(value, str) or value == ERASED:
        return value
    token = personal.seal_text(_id(customer), value)
    return value if token is None else PREFIX + token


def open_value(personal: PersonalData | None, customer: str, value: Any) -> Any:
    """The text a read-model column holds, opened when it is a token."""
    if personal is None or not isinstance(value, str) or not value.startswith(PREFIX):
        return value
    try:
        return personal.open_text(_id(customer), value[len(PREFIX) :])
    except ValueError:
        raise ReadModelError(
            f"customer {customer!r}: a sealed value in the read model fails its integrity "
            "check (changed outside the engine): check it with verify --views, and rebuild"
        ) from None


def seal_row(personal: PersonalData | None, table: str, row: dict[str, Any]) -> dict[str, Any]:
    """``row`` of ``table`` with its personal columns sealed (a new dict)."""
    names = SEALED_COLUMNS.get(table)
    if personal is None or not names:
        return row
    return {**row, **{n: seal(personal, row["customer"], row.get(n)) for n in names if n in row}}


def sealed_values(
    personal: PersonalData | None, table: str, columns: Sequence[str]
) -> Callable[[dict[str, Any]], tuple[Any, ...]] | None:
    """A function from a row of ``table`` to its values in ``columns`` order with its
    personal columns sealed, as :func:`seal_row` would; None when nothing is sealed."""
    names = SEALED_COLUMNS.get(table)
    if personal is None or not names:
        return None
    places = [(index, name) for index, name in enumerate(columns) if name in names]
    pick = itemgetter(*columns) if len(columns) > 1 else lambda row: (row[columns[0]],)

    def values(row: dict[str, Any]) -> tuple[Any, ...]:
        found = list(pick(row))
        customer = row["customer"]
        for index, _name in places:
            found[index] = seal(personal, customer, found[index])
        return tuple(found)

    return values


def open_row(personal: PersonalData | None, table: str, row: dict[str, Any]) -> dict[str, Any]:
    """``row`` of ``table`` (as read from the file) with its personal columns opened."""
    names = SEALED_COLUMNS.get(table)
    if personal is None or not names:
        return row
    for name in names:
        if name in row:
            row[name] = open_value(personal, row["customer"], row[name])
    return row


def reveal(personal: PersonalData | None, found: T, customer: str | None = None) -> T:
    """``found`` (rows, a dict of rows, ...) with every sealed personal value opened.

    A dict with a ``customer`` key names the customer of what it holds; ``customer`` is
    the one of the rows that do not say.
    """
    if personal is None:
        return found
    return _reveal(personal, found, customer)  # type: ignore[no-any-return]


def _reveal(personal: PersonalData, found: Any, customer: str | None) -> Any:
    if isinstance(found, list):
        return [_reveal(personal, item, customer) for item in found]
    if isinstance(found, dict):
        owner = found.get("customer")
        owner = owner if isinstance(owner, str) else customer
        return {
            key: (
                open_value(personal, owner, value)
                if key in _NAMES and owner is not None
                else _reveal(personal, value, owner)
            )
            for key, value in found.items()
        }
    return found


__all__ = [
    "PREFIX",
    "SEALED_COLUMNS",
    "open_row",
    "open_value",
    "reveal",
    "seal",
    "seal_row",
    "sealed_values",
]
