"""eventsourcing's application test cases, run on our factories (memory, SQLite, PostgreSQL).

Upstream's cases build their applications from the OS environment, so each test here
sets ``PERSISTENCE_MODULE`` (and the store's settings) to one of our factories for the
test's duration. Every application recorder the factory makes is noted; after the test
its chain must recompute from the stored events (see :mod:`tests.persistence.upstream.chaincheck`),
read through a fresh connection, since a test may have closed its applications.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from eventsourcing.postgres import PostgresDatastore
from eventsourcing.sqlite import SQLiteDatastore
from eventsourcing.tests.application import ApplicationTestCase, ExampleApplicationTestCase
from eventsourcing.utils import get_topic

from tests.persistence.upstream.chaincheck import ChainChecked
from trustengine.persistence.postgres import ChainedPostgresFactory, ChainedPostgresRecorder
from trustengine.persistence.recorders import (
    ChainedPOPOFactory,
    ChainedSQLiteFactory,
    ChainedSQLiteRecorder,
)
from trustengine.persistence.target import (
    MEMORY_FACTORY,
    POSTGRES_FACTORY,
    SQLITE_FACTORY,
    parse_target,
)


class OnFactory(ChainChecked):
    """Applications made in the test use ``factory`` with ``settings()``."""

    factory: Any
    made: list[Any]

    def settings(self) -> dict[str, str]:
        raise NotImplementedError

    def reopen(self, recorder: Any) -> Any:
        """A recorder reading what ``recorder`` stored, on connections of its own."""
        return recorder

    def setUp(self) -> None:
        super().setUp()
        self.made = []
        environ = mock.patch.dict(os.environ, self.settings())
        environ.start()
        self.addCleanup(environ.stop)
        make = self.factory.application_recorder

        def noted(factory: Any) -> Any:
            recorder = make(factory)
            self.made.append(recorder)
            return recorder

        patched = mock.patch.object(self.factory, "application_recorder", noted)
        patched.start()
        self.addCleanup(patched.stop)

    def tearDown(self) -> None:
        for recorder in self.made:
            self.keep(self.reopen(recorder))
        super().tearDown()


class InMemory(OnFactory):
    factory = ChainedPOPOFactory
    expected_factory_topic = get_topic(ChainedPOPOFactory)

    def settings(self) -> dict[str, str]:
        return {"PERSISTENCE_MODULE": MEMORY_FACTORY}


class InSQLiteFile(OnFactory):
    factory = ChainedSQLiteFactory
    expected_factory_topic = get_topic(ChainedSQLiteFactory)

    def settings(self) -> dict[str, str]:
        self._folder = tempfile.TemporaryDirectory()
        self.addCleanup(self._folder.cleanup)
        self._path = str(Path(self._folder.name) / "store.db")
        return {"PERSISTENCE_MODULE": SQLITE_FACTORY, "SQLITE_DBNAME": self._path}

    def reopen(self, recorder: Any) -> Any:
        datastore = SQLiteDatastore(self._path)
        self.addCleanup(datastore.close)
        return ChainedSQLiteRecorder(datastore, events_table_name=recorder.events_table_name)


class InPostgres(OnFactory):
    factory = ChainedPostgresFactory
    expected_factory_topic = get_topic(ChainedPostgresFactory)
    target: str

    def settings(self) -> dict[str, str]:
        env = parse_target(self.target).env
        # eventsourcing's mapper: the cases' events are not trustengine's.
        env.pop("MAPPER_TOPIC")
        assert env["PERSISTENCE_MODULE"] == POSTGRES_FACTORY
        self._env = env
        return env

    def reopen(self, recorder: Any) -> Any:
        e = self._env
        datastore = PostgresDatastore(
            e["POSTGRES_DBNAME"],
            e["POSTGRES_HOST"],
            e["POSTGRES_PORT"],
            e["POSTGRES_USER"],
            e["POSTGRES_PASSWORD"],
            schema=e["POSTGRES_SCHEMA"],
        )
        self.addCleanup(datastore.close)
        return ChainedPostgresRecorder(datastore, events_table_name=recorder.events_table_name)


class TestApplicationInMemory(InMemory, ApplicationTestCase):
    pass


class TestExampleApplicationInMemory(InMemory, ExampleApplicationTestCase):
    pass


class TestApplicationInSQLite(InSQLiteFile, ApplicationTestCase):
    pass


class TestExampleApplicationInSQLite(InSQLiteFile, ExampleApplicationTestCase):
    pass


@pytest.fixture
def _own_schema(request: pytest.FixtureRequest, postgres_target: str) -> None:
    """A fresh schema for the test (dropped after it)."""
    request.instance.target = postgres_target


@pytest.mark.postgres
@pytest.mark.usefixtures("_own_schema")
class TestApplicationInPostgres(InPostgres, ApplicationTestCase):
    pass


@pytest.mark.postgres
@pytest.mark.usefixtures("_own_schema")
class TestExampleApplicationInPostgres(InPostgres, ExampleApplicationTestCase):
    pass


# The upstream cases themselves would run on eventsourcing's defaults: not collected here.
del ApplicationTestCase, ExampleApplicationTestCase
