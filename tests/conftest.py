"""Shared fixtures: the storage backends every engine test runs on.

- ``backend_target``: a fresh, empty store target for each backend (``memory``,
  ``sqlite``, ``postgres``), for tests that open engines themselves;
- ``durable_target``: the same for the backends two engines can share (sqlite, postgres);
- ``open_engine``: opens a :class:`TrustEngine` on ``backend_target`` and closes it after
  the test;
- ``engine``: one engine on ``backend_target``.

PostgreSQL tests get a schema of their own (``te_<uuid hex>``), dropped after the test.
When the server is not reachable they are skipped locally, but fail when ``CI`` is set:
PostgreSQL tests must never be skipped in CI.
"""

from __future__ import annotations

import base64
import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.examples import event
from trustengine import TrustEngine

# The synthetic histories (trustengine.testing.synth) start on 2026-01-01 and run for up to a
# year, past the clock of a machine in 2026: without this, the future tolerance (one day
# by default) would refuse their later events. Tests of the tolerance give it explicitly.
os.environ.setdefault("TRUSTENGINE_FUTURE_TOLERANCE", "3650d")

POSTGRES_ADMIN_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)
"""The server and database the PostgreSQL tests use (override for other setups)."""

_TRUE = {"1", "true", "yes", "on", "y"}
_postgres_problem: list[str | None] = []  # cached reachability: [None] or [reason]


def in_ci() -> bool:
    """Whether the ``CI`` environment variable is set to a true value."""
    return os.environ.get("CI", "").strip().lower() in _TRUE


def _postgres_unreachable() -> str | None:
    """Why PostgreSQL cannot be used, or None when it can (checked once per session)."""
    if not _postgres_problem:
        try:
            import psycopg
        except ImportError as error:  # installed without the ``postgres`` extra
            _postgres_problem.append(f"psycopg is not installed ({error})")
            return _postgres_problem[0]
        try:
            with psycopg.connect(POSTGRES_ADMIN_URL, connect_timeout=3) as connection:
                connection.execute("SELECT 1")
            _postgres_problem.append(None)
        except psycopg.Error as error:
            _postgres_problem.append(f"{type(error).__name__}: {error}".strip())
    return _postgres_problem[0]


def _require_postgres() -> None:
    problem = _postgres_unreachable()
    if problem is None:
        return
    message = f"PostgreSQL is not reachable at {POSTGRES_ADMIN_URL}: {problem}"
    if in_ci():
        pytest.fail(f"{message} (CI is set: PostgreSQL tests must run, never skip)")
    pytest.skip(message)


def _admin(template: str, schema: str) -> None:
    import psycopg
    from psycopg import sql

    statement = sql.SQL(template).format(sql.Identifier(schema))
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True, connect_timeout=3) as connection:
        connection.execute(statement)


def _target(backend: str, tmp_path: Path) -> Iterator[str]:
    if backend == "memory":
        yield ":memory:"
    elif backend == "sqlite":
        yield str(tmp_path / "trust.db")
    elif backend == "postgres":
        _require_postgres()
        schema = f"te_{uuid.uuid4().hex}"
        _admin("CREATE SCHEMA {}", schema)
        try:
            yield f"{POSTGRES_ADMIN_URL}?schema={schema}"
        finally:
            _admin("DROP SCHEMA IF EXISTS {} CASCADE", schema)
            _admin("DROP SCHEMA IF EXISTS {} CASCADE", f"{schema}_keys")  # its key store
    else:  # pragma: no cover - a typo in a parametrisation
        raise AssertionError(f"unknown backend {backend!r}")


_POSTGRES = pytest.param("postgres", marks=pytest.mark.postgres)


@pytest.fixture(autouse=True)
def _no_screen_size(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tables are laid out for $COLUMNS/$LINES when set: tests start without them, so a
    shell that exports them cannot change an expected table."""
    monkeypatch.delenv("COLUMNS", raising=False)
    monkeypatch.delenv("LINES", raising=False)


@pytest.fixture(params=["memory", "sqlite", _POSTGRES])
def backend_target(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty store target of each backend."""
    yield from _target(request.param, tmp_path)


@pytest.fixture(params=["sqlite", _POSTGRES])
def durable_target(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty store target that several engines can open at once."""
    yield from _target(request.param, tmp_path)


TEST_CIPHER_KEY = base64.b64encode(bytes(range(32))).decode()


@pytest.fixture(params=["plain", "encrypted"])
def at_rest(request: pytest.FixtureRequest) -> str | None:
    """Each backend test runs with stored payloads in the clear and encrypted at rest."""
    return TEST_CIPHER_KEY if request.param == "encrypted" else None


def _opener(target: str, cipher_key: str | None) -> Iterator[Callable[..., TrustEngine]]:
    engines: list[TrustEngine] = []

    def open_engine(**kwargs: Any) -> TrustEngine:
        kwargs.setdefault("cipher_key", cipher_key)
        engine = TrustEngine(target, **kwargs)
        engines.append(engine)
        return engine

    try:
        yield open_engine
    finally:
        for engine in reversed(engines):
            engine.close()


@pytest.fixture
def open_engine(backend_target: str, at_rest: str | None) -> Iterator[Callable[..., TrustEngine]]:
    """Open engines on ``backend_target`` (keyword arguments go to TrustEngine)."""
    yield from _opener(backend_target, at_rest)


@pytest.fixture
def open_durable_engine(
    durable_target: str, at_rest: str | None
) -> Iterator[Callable[..., TrustEngine]]:
    """Open engines on ``durable_target`` (keyword arguments go to TrustEngine)."""
    yield from _opener(durable_target, at_rest)


@pytest.fixture
def engine(open_engine: Callable[..., TrustEngine]) -> TrustEngine:
    """An engine on a fresh store, of each backend; closed after the test."""
    return open_engine()


@pytest.fixture
def make_event() -> Callable[..., dict[str, Any]]:
    """:func:`tests.examples.event`: build a contract-shaped event dict concisely."""
    return event


@pytest.fixture
def postgres_url() -> str:
    """The PostgreSQL server's URL (skips locally, fails in CI, when it is unreachable)."""
    _require_postgres()
    return POSTGRES_ADMIN_URL


def terminate_connections(postgres_url: str, application_name: str) -> int:
    """Have the PostgreSQL server drop every connection named ``application_name``, as a
    failover or an administrator would; how many it dropped."""
    import psycopg

    with psycopg.connect(postgres_url, autocommit=True, application_name="te-admin") as admin:
        killed = admin.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE application_name = %s",
            (application_name,),
        ).fetchone()
    return 0 if killed is None else int(killed[0])


@pytest.fixture
def postgres_target(tmp_path: Path) -> Iterator[str]:
    """A PostgreSQL target with a fresh schema of its own, dropped afterwards."""
    yield from _target("postgres", tmp_path)


TEN_THOUSAND = (10_000, 120_000)
"""Customers and events of the large generated history the agreement tests share."""


@pytest.fixture(scope="session")
def ten_thousand_customers(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An SQLite store of a generated history of 10,000 customers (120,000 events), its
    read model built in the same file. Built once a session (about 25 s); treat it as
    read-only, or copy the file before writing to it."""
    from trustengine.readmodel import ReadModel
    from trustengine.testing.synth import generate_history

    path = tmp_path_factory.mktemp("ten-thousand") / "store.db"
    engine = TrustEngine(str(path))
    try:
        engine.record_many(generate_history(*TEN_THOUSAND))
        with ReadModel(engine) as model:
            model.catch_up()
    finally:
        engine.close()
    return path
