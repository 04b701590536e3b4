"""Names of the tables PostgreSQL keeps beside an events table, within its name limit.

Kept apart from :mod:`.postgres` so that it needs no PostgreSQL driver.
"""

from __future__ import annotations

import hashlib

__all__ = ["IDENTIFIER_BYTES", "derived_name"]

IDENTIFIER_BYTES = 63
"""The longest name PostgreSQL keeps (NAMEDATALEN - 1); it cuts longer ones silently."""


def derived_name(table: str, suffix: str) -> str:
    """``table + suffix``, or when that is longer than :data:`IDENTIFIER_BYTES` in UTF-8,
    ``table`` cut short with 8 hex digits of a hash of the full name before ``suffix``.

    PostgreSQL would cut the long name itself, so two events tables whose names share
    their first bytes would share (and mix) one hashes table, or one table's hashes and
    head would get the same name. Names that fit are unchanged.
    """
    name = table + suffix
    if len(name.encode()) <= IDENTIFIER_BYTES:
        return name
    tag = "_" + hashlib.sha256(name.encode()).hexdigest()[:8]
    room = IDENTIFIER_BYTES - len((tag + suffix).encode())
    return table.encode()[:room].decode(errors="ignore") + tag + suffix
