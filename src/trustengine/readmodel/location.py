"""Where a store's read model lives, and opening that SQLite database with sqlite-utils.

- an SQLite event store keeps its read-model tables in its own file;
- a ``:memory:`` store has them in an in-memory SQLite database owned by the
  :class:`~trustengine.readmodel.ReadModel` (they live as long as it does);
- a PostgreSQL store has them in a local SQLite file, ``--views PATH`` (default
  ``./trustengine-views.db``, or ``$TRUSTENGINE_VIEWS``).

``views`` given explicitly puts an SQLite store's tables in that file instead. The views
database remembers which store it was built from (:func:`store_identity`), so pointing a
views file at another store is an error rather than a mix of two histories.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from trustengine.exceptions import ReadModelError
from trustengine.persistence.files import create_private
from trustengine.persistence.target import StoreTarget

if TYPE_CHECKING:
    import sqlite_utils

DEFAULT_VIEWS = "./trustengine-views.db"
VIEWS_ENV_VAR = "TRUSTENGINE_VIEWS"
MEMORY = ":memory:"
LOCK_TIMEOUT = 30.0
"""Seconds to wait for another writer of the same SQLite file (as the event store does)."""


def has_read_model(location: str) -> bool:
    """Whether ``location`` is a file that already holds read-model tables."""
    if location == MEMORY or not Path(location).is_file():
        return False
    try:
        conn = sqlite3.connect(f"file:{Path(location).resolve()}?mode=ro", uri=True)
        try:
            found = conn.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'view_meta'"
            ).fetchone()
        finally:
            conn.close()
    except sqlite3.Error:
        return False
    return found is not None


def views_location(target: StoreTarget, views: str | None = None) -> str:
    """The SQLite file (or ``:memory:``) that holds ``target``'s read model."""
    if views is not None and views.strip():
        if target.backend == "memory":
            raise ReadModelError(
                "a :memory: store keeps its read model in memory: --views needs an SQLite "
                "or PostgreSQL store"
            )
        path = Path(views.strip()).expanduser()
        if path.is_dir():
            raise ReadModelError(f"views file {views!r} is a directory")
        if not path.parent.is_dir():
            folder = str(path.parent)
            raise ReadModelError(f"views file {views!r}: folder {folder!r} does not exist")
        return str(path)
    if target.backend == "memory":
        return MEMORY
    if target.backend == "sqlite":
        assert target.path is not None
        return str(target.path)
    return os.environ.get(VIEWS_ENV_VAR) or DEFAULT_VIEWS


def store_identity(target: StoreTarget, location: str) -> str:
    """A name for the store that does not change with how the target was spelled.

    The tables in the SQLite store's own file need no name (they move with the file).
    """
    if target.backend == "memory":
        return "memory"
    if target.backend == "sqlite":
        assert target.path is not None
        if location != MEMORY and Path(location).resolve() == target.path.resolve():
            return "sqlite:same-file"
        return f"sqlite:{target.path.resolve()}"
    env = target.env
    return (
        f"postgresql://{env.get('POSTGRES_HOST')}:{env.get('POSTGRES_PORT')}/"
        f"{env.get('POSTGRES_DBNAME')}?schema={env.get('POSTGRES_SCHEMA', 'public')}"
    )


def open_views(location: str, *, shared: bool = False) -> sqlite_utils.Database:
    """Open the views database at ``location`` with sqlite-utils (``shared``: for use from
    any thread, one at a time).

    The connection uses the default (legacy) transaction handling that sqlite-utils needs;
    the projector manages its transactions itself. A file gets WAL (readers do not block
    the projector) and ``synchronous=NORMAL``: the tables are derived data, and a lost
    last batch after a power cut is simply processed again from the tracked position.
    ``secure_delete`` makes SQLite zero what it overwrites or frees, so an erased
    customer's text does not linger in free space (see :mod:`.erasure`).
    """
    import sqlite_utils  # here: where the tables live is known without it (start-up)

    if location != MEMORY:
        create_private(location)  # personal text: 0600, and its -wal and -shm follow it
    try:
        conn = sqlite3.connect(location, timeout=LOCK_TIMEOUT, check_same_thread=not shared)
    except sqlite3.Error as error:
        raise ReadModelError(f"cannot open views database {location}: {error}") from None
    db = sqlite_utils.Database(conn)
    try:
        if location != MEMORY:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
        db.execute("PRAGMA cache_size=-32768")  # 32 MiB of pages at most
        db.execute("PRAGMA secure_delete=ON")
    except sqlite3.Error as error:
        conn.close()
        raise ReadModelError(f"cannot use views database {location}: {error}") from None
    return db


@contextmanager
def immediate(db: sqlite_utils.Database) -> Iterator[None]:
    """A transaction on ``db`` begun with ``BEGIN IMMEDIATE`` (the write lock taken at
    once), committed at the end of the block and rolled back if it raises."""
    conn = db.conn
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
