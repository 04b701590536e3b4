"""The PostgreSQL server under test, its scratch schemas, and the raw psycopg baseline.

Used by ``postgres_bench.py``. The raw baseline writes exactly the rows trustengine
stores (read back from an untimed trustengine import) into a table of the shape
eventsourcing's ``PostgresApplicationRecorder`` creates, so the two differ only in what
trustengine and eventsourcing do around the same I/O.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from uuid import UUID, uuid4

import psycopg
from common import StockApp
from psycopg import sql

from trustengine.application.facade import TrustEngine
from trustengine.domain.customer import customer_id
from trustengine.interchange.jsonl import import_lines
from trustengine.persistence.target import parse_target

DEFAULT_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")

# eventsourcing's Postgres events table, as PostgresApplicationRecorder creates it.
RAW_TABLE = (
    "CREATE TABLE {schema}.events (originator_id uuid NOT NULL, "
    "originator_version bigint NOT NULL, topic text, state bytea, notification_id bigserial, "
    "PRIMARY KEY (originator_id, originator_version))"
)
RAW_INDEX = "CREATE UNIQUE INDEX events_notification_id_idx ON {schema}.events (notification_id)"
# What PostgresApplicationRecorder sends in one pipeline per transaction (no DB functions).
ES_STATEMENTS = (
    "SET LOCAL lock_timeout = '0s'",
    "LOCK TABLE {schema}.events IN EXCLUSIVE MODE",
    "NOTIFY bench_events",
    "INSERT INTO {schema}.events (originator_id, originator_version, topic, state) "
    "VALUES (%s, %s, %s, %s) RETURNING notification_id",
)
RAW_INSERT = (
    "INSERT INTO {schema}.events (originator_id, originator_version, topic, state) "
    "VALUES (%s, %s, %s, %s)"
)
Row = tuple[UUID, int, str, bytes]
Reference = dict[tuple[str, int], Row]
"""The rows trustengine stores, by (customer, version): what raw psycopg writes too."""


class Server:
    """The PostgreSQL server under test, and fresh schemas on it."""

    def __init__(self, url: str) -> None:
        if urlsplit(url).query:
            raise SystemExit(f"--url {url!r}: give no ?options, every run makes its own schema")
        self.url = url
        env = parse_target(url).env
        self.connect_args = {
            "dbname": env["POSTGRES_DBNAME"],
            "host": env["POSTGRES_HOST"],
            "port": env["POSTGRES_PORT"],
            "user": env["POSTGRES_USER"],
            "password": env["POSTGRES_PASSWORD"] or None,
        }
        self.stock_env = {
            key: value
            for key, value in env.items()
            if key.startswith("POSTGRES_") and key != "POSTGRES_ENABLE_DB_FUNCTIONS"
        }
        self.stock_env["PERSISTENCE_MODULE"] = "eventsourcing.postgres"

    def connect(self) -> psycopg.Connection[Any]:
        return psycopg.connect(**self.connect_args)  # type: ignore[arg-type]

    @contextmanager
    def schema(self, label: str) -> Iterator[str]:
        """A new, empty schema for one measurement, dropped afterwards."""
        name = f"bench_{label}_{uuid4().hex[:8]}"
        with self.connect() as conn:
            conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(name)))
        try:
            yield name
        finally:
            with self.connect() as conn:
                conn.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(name)))
                # A trustengine store's key store is a schema of its own beside it.
                conn.execute(
                    sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(
                        sql.Identifier(f"{name}_keys")
                    )
                )

    def target(self, schema: str) -> str:
        return f"{self.url}?schema={schema}"

    def stock_app(self, schema: str) -> StockApp:
        return StockApp(env={**self.stock_env, "POSTGRES_SCHEMA": schema})

    def facts(self) -> str:
        with self.connect() as conn:
            found = [
                str(conn.execute(sql.SQL(query)).fetchone()[0])  # type: ignore[index]
                for query in ("SHOW server_version", "SHOW synchronous_commit", "SHOW fsync")
            ]
        return f"PostgreSQL {found[0]}, synchronous_commit={found[1]}, fsync={found[2]}"


def stmt(template: str, schema: str) -> sql.Composed:
    return sql.SQL(template).format(schema=sql.Identifier(schema))


def chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    """``items`` in consecutive slices of ``size`` (0: all at once)."""
    size = size or len(items)
    for start in range(0, len(items), size):
        yield items[start : start + size]


def lines_of(jsonl: Path) -> list[str]:
    with jsonl.open(encoding="utf-8") as stream:
        return [line for line in stream if line.strip()]


def trustengine_import(jsonl: Path, url: str, expected: int, batch: int) -> None:
    """``import_lines`` into a new engine, ``batch`` lines a transaction (0: the whole file)."""
    engine = TrustEngine(url)
    stored = sum(import_lines(engine, chunk).stored for chunk in chunks(lines_of(jsonl), batch))
    engine.close()
    if stored != expected:
        raise SystemExit(f"trustengine stored {stored} events, expected {expected}")


def stored_rows(server: Server, jsonl: Path, expected: int, batch: int) -> Reference:
    """Import once (untimed, also a warm-up) and read back every row trustengine stored."""
    with server.schema("reference") as schema:
        trustengine_import(jsonl, server.target(schema), expected, batch)
        with server.connect() as conn:
            rows = conn.execute(
                stmt(
                    "SELECT originator_id, originator_version, topic, state "
                    "FROM {schema}.trustengine_events",
                    schema,
                )
            ).fetchall()
    with jsonl.open(encoding="utf-8") as stream:
        keys = {json.loads(line)["customer"] for line in stream if line.strip()}
    by_id = {customer_id(key): key for key in keys}
    return {(by_id[r[0]], r[1]): (r[0], r[1], r[2], bytes(r[3])) for r in rows}


class RawRows:
    """Turns decoded events into the reference rows, numbering each customer's versions."""

    def __init__(self, reference: Reference) -> None:
        self.reference = reference
        self.versions: dict[str, int] = {}

    def row(self, obj: dict[str, Any]) -> Row:
        key = obj["customer"]
        version = self.versions[key] = self.versions.get(key, 0) + 1
        return self.reference[(key, version)]


def raw_create(conn: psycopg.Connection[Any], schema: str) -> None:
    conn.execute(stmt(RAW_TABLE, schema))
    conn.execute(stmt(RAW_INDEX, schema))
    conn.commit()


def raw_import(
    server: Server, schema: str, jsonl: Path, ref: Reference, expected: int, batch: int
) -> None:
    """The reference rows for the same lines, ``batch`` rows a transaction (0: all)."""
    with server.connect() as conn:
        raw_create(conn, schema)
        rows = RawRows(ref)
        insert = stmt(RAW_INSERT, schema)
        for chunk in chunks(lines_of(jsonl), batch):
            with conn.cursor() as cursor:
                cursor.executemany(insert, [rows.row(json.loads(line)) for line in chunk])
            conn.commit()
        found = conn.execute(stmt("SELECT count(*) FROM {schema}.events", schema)).fetchone()
    if found is None or found[0] != expected:
        raise SystemExit(f"raw psycopg stored {found} rows, expected {expected}")
