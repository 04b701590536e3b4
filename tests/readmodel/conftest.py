"""Fixtures for the read-model tests: stores with the demo or a synthetic history loaded,
and helpers that compare read-model tables."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
import sqlite_utils

from trustengine import TrustEngine
from trustengine.interchange.jsonl import import_lines
from trustengine.readmodel import TABLE_NAMES, ReadModel
from trustengine.readmodel.schema import SPECS
from trustengine.testing.synth import generate_history

DEMO_CUSTOMERS = ("cust-amelia", "cust-boris", "cust-chen", "cust-dara", "cust-esme")


def demo_lines() -> list[str]:
    text = resources.files("trustengine").joinpath("data/demo.jsonl").read_text("utf-8")
    return text.splitlines()


def dump(db: sqlite_utils.Database) -> dict[str, list[tuple[Any, ...]]]:
    """Every read-model table's rows, ordered by primary key."""
    out = {}
    for name in TABLE_NAMES:
        order = ", ".join(f'"{column}"' for column in SPECS[name].pk)
        out[name] = db.execute(f'SELECT * FROM "{name}" ORDER BY {order}').fetchall()  # noqa: S608
    return out


@pytest.fixture
def engine() -> Iterator[TrustEngine]:
    """An engine on a fresh in-memory store (the read-model tests need no other backend;
    this overrides the per-backend ``engine`` of ``tests/conftest.py``)."""
    engine = TrustEngine(":memory:")
    yield engine
    engine.close()


@pytest.fixture
def model(engine: TrustEngine) -> Iterator[ReadModel]:
    """A read model of ``engine``, in memory; not caught up."""
    with ReadModel(engine) as model:
        yield model


@pytest.fixture
def sqlite_db(tmp_path: Path) -> str:
    return str(tmp_path / "trust.db")


@pytest.fixture
def engines(sqlite_db: str) -> Iterator[Callable[..., TrustEngine]]:
    """Open engines on one SQLite store file; all closed after the test."""
    opened: list[TrustEngine] = []

    def open_engine() -> TrustEngine:
        engine = TrustEngine(sqlite_db)
        opened.append(engine)
        return engine

    yield open_engine
    for engine in reversed(opened):
        engine.close()


@pytest.fixture
def read_models() -> Iterator[Callable[..., ReadModel]]:
    """Open read models (arguments go to ReadModel); all closed after the test."""
    opened: list[ReadModel] = []

    def open_model(engine: TrustEngine, *args: Any, **kwargs: Any) -> ReadModel:
        model = ReadModel(engine, *args, **kwargs)
        opened.append(model)
        return model

    yield open_model
    for model in reversed(opened):
        model.close()


@pytest.fixture
def demo_engine(engines: Callable[..., TrustEngine]) -> TrustEngine:
    """An SQLite store holding the bundled demo history (83 events)."""
    engine = engines()
    import_lines(engine, demo_lines(), name="demo.jsonl")
    return engine


@pytest.fixture(scope="session")
def synthetic_history() -> list[dict[str, object]]:
    """A synthetic history: 4000 events of 200 customers."""
    return generate_history(200, 4000)


@pytest.fixture
def synth_engine(
    engines: Callable[..., TrustEngine], synthetic_history: list[dict[str, object]]
) -> TrustEngine:
    """An SQLite store holding :func:`synthetic_history`."""
    engine = engines()
    engine.record_many(synthetic_history)
    return engine
