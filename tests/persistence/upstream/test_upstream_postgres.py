"""eventsourcing's recorder and factory test cases, run against our PostgreSQL recorders.

Every test gets a schema of its own (tests/conftest.py's ``postgres_target``: created
before, dropped after; these tests skip locally and fail in CI when the server cannot be
reached). Each test's chained recorders must still recompute their chain after it (see
:mod:`tests.persistence.upstream.chaincheck`). They run with UUID and with text stream ids, and on
events tables whose derived names would pass PostgreSQL's 63-byte limit.
"""

from __future__ import annotations

from typing import Any, Literal
from uuid import UUID, uuid4

import pytest
from eventsourcing.persistence import (
    AggregateRecorder,
    ApplicationRecorder,
    InfrastructureFactory,
    ProcessRecorder,
    TrackingRecorder,
)
from eventsourcing.postgres import (
    PostgresAggregateRecorder,
    PostgresDatastore,
    PostgresTrackingRecorder,
)
from eventsourcing.tests.persistence import (
    AggregateRecorderTestCase,
    ApplicationRecorderTestCase,
    InfrastructureFactoryTestCase,
    NonInterleavingNotificationIDsBaseCase,
    ProcessRecorderTestCase,
)
from eventsourcing.utils import Environment

from tests.persistence.upstream.chaincheck import AsAggregateRecorder, ChainChecked
from trustengine.persistence.postgres import (
    ChainedPostgresFactory,
    ChainedPostgresProcessRecorder,
    ChainedPostgresRecorder,
)
from trustengine.persistence.target import parse_target

pytestmark = pytest.mark.postgres


class OwnPostgresTrackingRecorder(PostgresTrackingRecorder):
    """A tracking recorder class of our own, that the factory must construct when asked."""


@pytest.fixture(autouse=True)
def _own_schema(request: pytest.FixtureRequest, postgres_target: str) -> None:
    """Give the test case the settings of a fresh schema (dropped after the test)."""
    request.instance.settings = parse_target(postgres_target).env


class OnPostgres(ChainChecked):
    """Recorders in the test's own schema, with ``originator_id_type`` stream ids."""

    settings: dict[str, str]
    originator_id_type: Literal["uuid", "text"] = "uuid"
    events_table_name = "stored_events"

    def datastore(self, **kwargs: Any) -> PostgresDatastore:
        s = self.settings
        datastore = PostgresDatastore(
            s["POSTGRES_DBNAME"],
            s["POSTGRES_HOST"],
            s["POSTGRES_PORT"],
            s["POSTGRES_USER"],
            s["POSTGRES_PASSWORD"],
            schema=s["POSTGRES_SCHEMA"],
            originator_id_type=self.originator_id_type,
            **kwargs,
        )
        self.addCleanup(datastore.close)
        return datastore


class TextStreamIds:
    """Stream ids that are not UUIDs (eventsourcing's ``ORIGINATOR_ID_TYPE=text``)."""

    originator_id_type: Literal["uuid", "text"] = "text"

    def new_originator_id(self) -> UUID | str:
        return f"stream-{uuid4()}"


class LongTableName:
    """An events table name PostgreSQL accepts (under 63 bytes) whose ``_hashes``,
    ``_head`` and ``_meta`` tables it would cut to one shared name."""

    events_table_name = "e" * 58 + "_evts"


class TestChainedPostgresApplicationRecorder(OnPostgres, ApplicationRecorderTestCase):
    def create_recorder(self) -> ChainedPostgresRecorder:
        recorder = ChainedPostgresRecorder(
            self.datastore(pool_size=4, max_overflow=10),
            events_table_name=self.events_table_name,
        )
        recorder.create_table()
        return self.keep(recorder)

    def test_insert_subscribe(self) -> None:
        """Upstream leaves subscriptions optional; ours LISTEN for the insert's NOTIFY."""
        self.optional_test_insert_subscribe()

    # A timing benchmark, not a behaviour: it prints inserts per second and checks
    # nothing (benchmarks/ measures speed).
    test_performance = None  # unittest collects only callables

    # A timing benchmark, not a behaviour: it prints a rate; the behaviour under
    # concurrent writers is what test_concurrent_no_conflicts checks.
    test_concurrent_throughput = None  # unittest collects only callables


class TestChainedPostgresApplicationRecorderWithTextIds(
    TextStreamIds, TestChainedPostgresApplicationRecorder
):
    pass


class TestChainedPostgresApplicationRecorderWithLongTableName(
    LongTableName, TestChainedPostgresApplicationRecorder
):
    pass


class TestChainedPostgresRecorderAsAggregateRecorder(OnPostgres, AggregateRecorderTestCase):
    """Batches refused whole (a conflict in the middle) must leave no hash behind."""

    def create_recorder(self) -> AggregateRecorder:
        recorder = ChainedPostgresRecorder(self.datastore())
        recorder.create_table()
        return AsAggregateRecorder(self.keep(recorder))

    # A timing benchmark, not a behaviour: it prints inserts per second and checks
    # nothing (benchmarks/ measures speed).
    test_performance = None  # unittest collects only callables


class TestChainedPostgresRecorderFromPositionZero(TestChainedPostgresRecorderAsAggregateRecorder):
    """Streams that start at position 0: the next batch's first event chains to it."""

    INITIAL_VERSION = 0


class TestChainedPostgresProcessRecorder(OnPostgres, ProcessRecorderTestCase):
    def create_recorder(self) -> ProcessRecorder:
        recorder = ChainedPostgresProcessRecorder(
            self.datastore(), events_table_name=self.events_table_name
        )
        recorder.create_table()
        return self.keep(recorder)

    # A timing benchmark, not a behaviour: it prints inserts per second and checks
    # nothing (benchmarks/ measures speed).
    test_performance = None  # unittest collects only callables


class TestChainedPostgresProcessRecorderWithTextIds(
    TextStreamIds, TestChainedPostgresProcessRecorder
):
    pass


class TestPostgresSnapshotRecorder(OnPostgres, AggregateRecorderTestCase):
    """The aggregate recorder our factory gives for snapshots (eventsourcing's own: a
    snapshot is a cache, rebuilt from the events, so it carries no chain)."""

    def create_recorder(self) -> AggregateRecorder:
        factory = ChainedPostgresFactory(Environment("TestCase", self.settings))
        self.addCleanup(factory.close)
        return factory.aggregate_recorder("snapshots")

    # A timing benchmark, not a behaviour: it prints inserts per second and checks
    # nothing (benchmarks/ measures speed).
    test_performance = None  # unittest collects only callables


class TestChainedPostgresNonInterleaving(OnPostgres, NonInterleavingNotificationIDsBaseCase):
    def create_recorder(self) -> ApplicationRecorder:
        recorder = ChainedPostgresRecorder(self.datastore(pool_size=2))
        recorder.create_table()
        return self.keep(recorder)


class TestChainedPostgresFactory(
    ChainChecked, InfrastructureFactoryTestCase[ChainedPostgresFactory]
):
    settings: dict[str, str]

    def setUp(self) -> None:
        # The factory as the SQLite and in-memory cases test it, with eventsourcing's
        # mapper: ours codes trustengine's events only, and has tests of its own.
        settings = {k: v for k, v in self.settings.items() if k != "MAPPER_TOPIC"}
        self.env = Environment("TestCase", settings)
        self.env[InfrastructureFactory.PERSISTENCE_MODULE] = self.settings["PERSISTENCE_MODULE"]
        super().setUp()
        made = self.factory.application_recorder, self.factory.process_recorder
        self.factory.application_recorder = lambda: self.keep(made[0]())  # type: ignore[method-assign]
        self.factory.process_recorder = lambda: self.keep(made[1]())  # type: ignore[method-assign]

    def expected_factory_class(self) -> type[ChainedPostgresFactory]:
        return ChainedPostgresFactory

    def expected_aggregate_recorder_class(self) -> type[AggregateRecorder]:
        return PostgresAggregateRecorder

    def expected_application_recorder_class(self) -> type[ApplicationRecorder]:
        return ChainedPostgresRecorder

    def expected_tracking_recorder_class(self) -> type[TrackingRecorder]:
        return PostgresTrackingRecorder

    def tracking_recorder_subclass(self) -> type[TrackingRecorder]:
        return OwnPostgresTrackingRecorder

    def expected_process_recorder_class(self) -> type[ProcessRecorder]:
        return ChainedPostgresProcessRecorder


# The abstract cases are not tests of their own: keep pytest from collecting them here.
del AggregateRecorderTestCase, ApplicationRecorderTestCase, InfrastructureFactoryTestCase
del NonInterleavingNotificationIDsBaseCase, ProcessRecorderTestCase
