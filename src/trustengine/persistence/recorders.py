"""Application recorders that keep the tamper-evidence chain beside the events.

Each subclasses eventsourcing's own recorder and writes the events' hashes and the new
head in the same transaction as the events, so the chain can never disagree with what
was committed. They are selected through ``PERSISTENCE_MODULE`` (see :mod:`.target`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol, runtime_checkable
from uuid import UUID

from eventsourcing.persistence import StoredEvent
from eventsourcing.popo import Factory as POPOFactory
from eventsourcing.popo import POPOApplicationRecorder
from eventsourcing.sqlite import Factory as SQLiteFactory
from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteCursor

from trustengine.persistence.chain import GENESIS, Seal, link, stream_hex


def first_versions(stored_events: Sequence[StoredEvent]) -> dict[str, StoredEvent]:
    first: dict[str, StoredEvent] = {}
    for stored in stored_events:
        first.setdefault(str(stored.originator_id), stored)
    return first


@runtime_checkable
class ChainReader(Protocol):
    """What verification reads back: every stored hash, and the head."""

    def chain_links(self) -> dict[tuple[str, int], str]:
        """Stored hash by (stream id, position)."""
        ...

    def chain_head(self) -> Seal:
        """The head the store keeps."""
        ...


# --- SQLite ------------------------------------------------------------------------------


class ChainedSQLiteRecorder(SQLiteApplicationRecorder):
    """SQLite events plus tables ``event_hashes`` and ``ledger_head``."""

    def construct_create_table_statements(self) -> list[str]:
        return [
            *super().construct_create_table_statements(),
            "CREATE TABLE IF NOT EXISTS event_hashes ("
            "originator_id TEXT, originator_version INTEGER, hash TEXT NOT NULL, "
            "PRIMARY KEY (originator_id, originator_version)) WITHOUT ROWID",
            "CREATE TABLE IF NOT EXISTS ledger_head ("
            "id INTEGER PRIMARY KEY CHECK (id = 1), events INTEGER NOT NULL, head TEXT NOT NULL)",
        ]

    def _insert_events(
        self, c: SQLiteCursor, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        ids = super()._insert_events(c, stored_events, **kwargs)
        previous: dict[str, str] = {}
        for key, stored in first_versions(stored_events).items():
            if stored.originator_version > 1:
                c.execute(
                    "SELECT hash FROM event_hashes WHERE originator_id=? AND originator_version=?",
                    (stream_hex(stored.originator_id), stored.originator_version - 1),
                )
                row = c.fetchone()
                previous[key] = row[0] if row else GENESIS
        c.execute("SELECT events, head FROM ledger_head WHERE id = 1")
        row = c.fetchone()
        head = Seal(row[0], row[1]) if row else Seal(0, GENESIS)
        links, head = link(list(stored_events), previous, head)
        c.executemany(
            "INSERT INTO event_hashes VALUES (?, ?, ?)",
            [(stream_hex(k.originator_id), k.originator_version, k.hash) for k in links],
        )
        c.execute("INSERT OR REPLACE INTO ledger_head VALUES (1, ?, ?)", (head.events, head.head))
        return ids

    def chain_links(self) -> dict[tuple[str, int], str]:
        with self.datastore.transaction(commit=False) as c:
            c.execute("SELECT originator_id, originator_version, hash FROM event_hashes")
            return {(norm_stream(r[0]), int(r[1])): str(r[2]) for r in c.fetchall()}

    def chain_head(self) -> Seal:
        with self.datastore.transaction(commit=False) as c:
            c.execute("SELECT events, head FROM ledger_head WHERE id = 1")
            row = c.fetchone()
            return Seal(int(row[0]), str(row[1])) if row else Seal(0, GENESIS)


class ChainedSQLiteFactory(SQLiteFactory):
    application_recorder_class = ChainedSQLiteRecorder


# --- memory ------------------------------------------------------------------------------


class ChainedPOPORecorder(POPOApplicationRecorder):
    """In-memory events plus their hashes and head, under the same lock."""

    def __init__(self) -> None:
        super().__init__()
        self._hashes: dict[tuple[str, int], str] = {}
        self._head = Seal(0, GENESIS)

    def _update_table(self, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Any:
        ids = super()._update_table(stored_events, **kwargs)
        previous = {
            key: self._hashes.get((key, s.originator_version - 1), GENESIS)
            for key, s in first_versions(stored_events).items()
        }
        links, self._head = link(list(stored_events), previous, self._head)
        for k in links:
            self._hashes[(norm_stream(str(k.originator_id)), k.originator_version)] = k.hash
        return ids

    def chain_links(self) -> dict[tuple[str, int], str]:
        with self._database_lock:
            return dict(self._hashes)

    def chain_head(self) -> Seal:
        with self._database_lock:
            return self._head


class ChainedPOPOFactory(POPOFactory):
    def application_recorder(self) -> ChainedPOPORecorder:
        return ChainedPOPORecorder()


def norm_stream(stream: str) -> str:
    """One spelling of a stream id for lookups: the UUID's canonical text."""
    try:
        return str(UUID(stream))
    except ValueError:
        return stream
