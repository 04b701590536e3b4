"""A customer's trust state read from a read model that is current, without the engine.

Reading a customer's state from the read model opens the engine first (eventsourcing,
the mapper, every event model and the projections) to catch the tables up, and finds,
most of the time, nothing to catch up. :func:`current_state` reads the answer straight
from the views file when catching up would do nothing at all, which it tells with plain
SQL: the tables all there, built from this store (``view_meta``), under the SQL views and
the fingerprint this code has (not stale: a catch-up would rebuild), their tracked event
the store's own (in step), and no event stored after it (nothing to project).

Anything else, and anything it cannot tell, is for the engine: it returns None when the
tables are missing, foreign, stale or behind, when events are set aside (the command
warns of them), when the customer is unknown (the error names them), when a value in the
answer is sealed (it would be opened with the customer's key), or on any SQLite error.
Whether opening the store itself would do anything is :mod:`trustengine.persistence.settled`'s
to tell, before this is asked.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any
from uuid import UUID

from trustengine.exceptions import PolicyError, ReadModelError
from trustengine.persistence.settled import EVENTS_TABLE, existing, tables
from trustengine.persistence.target import StoreTarget
from trustengine.readmodel.fingerprint import VIEWS_VERSION, sql_views_hash, tables_fingerprint
from trustengine.readmodel.location import MEMORY, store_identity, views_location
from trustengine.readmodel.schema import PROJECTION, TABLE_NAMES, TABLES
from trustengine.readmodel.state_query import customer_state
from trustengine.readmodel.table import SEALED_PREFIX
from trustengine.scoring.policy import load_trust_policy

_TRACKED = (
    "SELECT notification_id, originator_id, originator_version FROM view_tracking WHERE name = ?"
)
_AT = f"SELECT originator_id, originator_version FROM {EVENTS_TABLE} WHERE rowid = ?"  # noqa: S608 - a constant
_NEWEST = f"SELECT MAX(rowid) FROM {EVENTS_TABLE}"  # noqa: S608 - a constant


def current_state(target: StoreTarget, views: str | None, customer: str) -> dict[str, Any] | None:
    """``customer``'s trust state (``state --json``'s keys, as the tables hold them) when
    the read model of the SQLite store ``target`` (in ``views``, else the store's file) is
    current and holds it plainly; None when the engine must answer (see the module)."""
    if target.backend != "sqlite" or target.path is None:
        return None
    try:
        location = views_location(target, views)
    except ReadModelError:
        return None
    if location == MEMORY or not Path(location).is_file():
        return None
    same_file = Path(location).resolve() == target.path.resolve()
    try:
        views_db = existing(Path(location))
        try:
            store_db = views_db if same_file else existing(target.path)
            try:
                return _read(views_db, store_db, store_identity(target, location), customer)
            finally:
                if store_db is not views_db:
                    store_db.close()
        finally:
            views_db.close()
    except sqlite3.Error:
        return None


def _read(
    views_db: sqlite3.Connection, store_db: sqlite3.Connection, store: str, customer: str
) -> dict[str, Any] | None:
    views_db.execute("BEGIN")  # one snapshot of the tables (and of the store, in one file)
    if not set(TABLE_NAMES) <= tables(views_db):
        return None
    meta = {str(k): str(v) for k, v in views_db.execute("SELECT key, value FROM view_meta")}
    if meta.get("store") != store or meta.get("sql_views") != sql_views_hash():
        return None
    policy, sla, built = meta.get("policy"), meta.get("sla_policy"), meta.get("fingerprint")
    if policy is None or sla is None or built is None or not _loads(policy, sla, built):
        return None
    tracked = views_db.execute(_TRACKED, (PROJECTION,)).fetchone()
    if tracked is None or not _in_step(store_db, tracked):
        return None
    newest = store_db.execute(_NEWEST).fetchone()[0]
    if (newest or 0) > int(tracked[0]):
        return None  # events to project
    if views_db.execute("SELECT 1 FROM problems LIMIT 1").fetchone() is not None:
        return None  # events set aside: the command says so
    found = customer_state(views_db, customer)
    if found is None or _sealed(found):
        return None
    return found


def _loads(policy: str, sla: str, built: str) -> bool:
    """Whether the policies the tables were built under load, and still give the
    fingerprint they were built with (else a catch-up rebuilds them)."""
    try:
        load_trust_policy(policy)
        return tables_fingerprint(VIEWS_VERSION, TABLES, policy, sla) == built
    except (PolicyError, OSError):
        return False


def _in_step(store_db: sqlite3.Connection, tracked: tuple[Any, ...]) -> bool:
    """Whether the tracked event is the store's event at that position (as the
    projector checks before it catches up)."""
    position, stream, version = tracked
    if not position:
        return True
    found = store_db.execute(_AT, (int(position),)).fetchone()
    if found is None or found[1] != version:
        return False
    try:
        return str(UUID(str(found[0]))) == str(stream)
    except ValueError:
        return False


def _sealed(found: Any) -> bool:
    """Whether any text in ``found`` is a sealed value."""
    if isinstance(found, str):
        return found.startswith(SEALED_PREFIX)
    if isinstance(found, dict):
        return any(_sealed(value) for value in found.values())
    if isinstance(found, list):
        return any(_sealed(value) for value in found)
    return False


__all__ = ["current_state"]
