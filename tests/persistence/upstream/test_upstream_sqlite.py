"""eventsourcing's recorder and factory test cases, run against our SQLite recorders.

The application and process recorders are ours (chained); each test's recorders must
still recompute their chain after it (see :mod:`tests.persistence.upstream.chaincheck`). They run on
an in-memory database, on a file (WAL, several connections), with UUID and with text
stream ids, and on a custom events table name.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any, Literal
from uuid import UUID, uuid4

from eventsourcing.persistence import (
    AggregateRecorder,
    ApplicationRecorder,
    InfrastructureFactory,
    ProcessRecorder,
    StoredEvent,
    TrackingRecorder,
)
from eventsourcing.sqlite import SQLiteAggregateRecorder, SQLiteDatastore, SQLiteTrackingRecorder
from eventsourcing.tests.persistence import (
    AggregateRecorderTestCase,
    ApplicationRecorderTestCase,
    InfrastructureFactoryTestCase,
    NonInterleavingNotificationIDsBaseCase,
    ProcessRecorderTestCase,
)
from eventsourcing.utils import Environment

from tests.persistence.upstream.chaincheck import AsAggregateRecorder, ChainChecked
from trustengine.persistence.recorders import (
    ChainedSQLiteFactory,
    ChainedSQLiteProcessRecorder,
    ChainedSQLiteRecorder,
)
from trustengine.persistence.target import SQLITE_FACTORY


class OwnSQLiteTrackingRecorder(SQLiteTrackingRecorder):
    """A tracking recorder class of our own, that the factory must construct when asked."""


class OnSQLite(ChainChecked):
    """Where a case's recorders live: ``db_name`` (``:memory:`` unless a test needs a
    file), with ``originator_id_type`` stream ids."""

    db_name = ":memory:"
    originator_id_type: Literal["uuid", "text"] = "uuid"
    events_table_name = "stored_events"

    def setUp(self) -> None:
        super().setUp()
        self._folder = tempfile.TemporaryDirectory()

    def tearDown(self) -> None:
        try:
            super().tearDown()
        finally:
            self._folder.cleanup()

    def use_file(self) -> None:
        """Put the recorders in a database file (WAL mode, a pool of connections)."""
        self.db_name = str(Path(self._folder.name) / "store.db")

    def datastore(self, **kwargs: Any) -> SQLiteDatastore:
        return SQLiteDatastore(
            db_name=self.db_name, originator_id_type=self.originator_id_type, **kwargs
        )


class TextStreamIds:
    """Stream ids that are not UUIDs (eventsourcing's ``ORIGINATOR_ID_TYPE=text``)."""

    originator_id_type: Literal["uuid", "text"] = "text"

    def new_originator_id(self) -> UUID | str:
        return f"stream-{uuid4()}"


class TestChainedSQLiteApplicationRecorder(OnSQLite, ApplicationRecorderTestCase):
    def create_recorder(self) -> ChainedSQLiteRecorder:
        recorder = ChainedSQLiteRecorder(
            self.datastore(pool_size=20), events_table_name=self.events_table_name
        )
        recorder.create_table()
        return self.keep(recorder)

    def test_concurrent_no_conflicts(self, initial_position: int = 0) -> None:
        self.use_file()  # threads on one in-memory connection would prove nothing
        super().test_concurrent_no_conflicts(initial_position)

    # A timing benchmark, not a behaviour: it prints inserts per second and checks
    # nothing (benchmarks/ measures speed).
    test_performance = None  # unittest collects only callables

    # A timing benchmark, not a behaviour: it prints a rate; the behaviour under
    # concurrent writers is what test_concurrent_no_conflicts checks.
    test_concurrent_throughput = None  # unittest collects only callables


class TestChainedSQLiteApplicationRecorderWithTextIds(
    TextStreamIds, TestChainedSQLiteApplicationRecorder
):
    pass


class TestChainedSQLiteApplicationRecorderWithOwnTable(TestChainedSQLiteApplicationRecorder):
    """Another events table in a file that also holds the default one, with events: the
    chain must read and write this table's events only."""

    events_table_name = "custom_events"

    def create_recorder(self) -> ChainedSQLiteRecorder:
        self.use_file()
        neighbour = ChainedSQLiteRecorder(self.datastore())
        neighbour.create_table()
        neighbour.insert_events(
            [StoredEvent(self.new_originator_id(), n, "neighbour", b"{}") for n in (1, 2)]
        )
        self.keep(neighbour)
        return super().create_recorder()


class TestChainedSQLiteRecorderAsAggregateRecorder(OnSQLite, AggregateRecorderTestCase):
    """Batches refused whole (a conflict in the middle) must leave no hash behind."""

    def create_recorder(self) -> AggregateRecorder:
        recorder = ChainedSQLiteRecorder(self.datastore())
        recorder.create_table()
        return AsAggregateRecorder(self.keep(recorder))

    # A timing benchmark, not a behaviour: it prints inserts per second and checks
    # nothing (benchmarks/ measures speed).
    test_performance = None  # unittest collects only callables


class TestChainedSQLiteRecorderFromPositionZero(TestChainedSQLiteRecorderAsAggregateRecorder):
    """Streams that start at position 0: the next batch's first event chains to it."""

    INITIAL_VERSION = 0


class TestChainedSQLiteProcessRecorder(OnSQLite, ProcessRecorderTestCase):
    def create_recorder(self) -> ProcessRecorder:
        recorder = ChainedSQLiteProcessRecorder(self.datastore())
        recorder.create_table()
        return self.keep(recorder)

    # A timing benchmark, not a behaviour: it prints inserts per second and checks
    # nothing (benchmarks/ measures speed).
    test_performance = None  # unittest collects only callables


class TestChainedSQLiteProcessRecorderWithTextIds(TextStreamIds, TestChainedSQLiteProcessRecorder):
    pass


class TestSQLiteSnapshotRecorder(OnSQLite, AggregateRecorderTestCase):
    """The aggregate recorder our factory gives for snapshots (eventsourcing's own: a
    snapshot is a cache, rebuilt from the events, so it carries no chain)."""

    def create_recorder(self) -> AggregateRecorder:
        factory = ChainedSQLiteFactory(
            Environment(env={"SQLITE_DBNAME": self.db_name, "ORIGINATOR_ID_TYPE": "uuid"})
        )
        self.addCleanup(factory.close)
        return factory.aggregate_recorder("snapshots")

    # A timing benchmark, not a behaviour: it prints inserts per second and checks
    # nothing (benchmarks/ measures speed).
    test_performance = None  # unittest collects only callables


class TestChainedSQLiteNonInterleaving(OnSQLite, NonInterleavingNotificationIDsBaseCase):
    def create_recorder(self) -> ApplicationRecorder:
        self.use_file()
        recorder = ChainedSQLiteRecorder(self.datastore(pool_size=4))
        recorder.create_table()
        return self.keep(recorder)


class TestChainedSQLiteFactory(ChainChecked, InfrastructureFactoryTestCase[ChainedSQLiteFactory]):
    def setUp(self) -> None:
        self.env = Environment("TestCase")
        self.env[InfrastructureFactory.PERSISTENCE_MODULE] = SQLITE_FACTORY
        self.env["SQLITE_DBNAME"] = ":memory:"
        super().setUp()
        made = self.factory.application_recorder, self.factory.process_recorder
        self.factory.application_recorder = lambda: self.keep(made[0]())  # type: ignore[method-assign]
        self.factory.process_recorder = lambda: self.keep(made[1]())  # type: ignore[method-assign]

    def expected_factory_class(self) -> type[ChainedSQLiteFactory]:
        return ChainedSQLiteFactory

    def expected_aggregate_recorder_class(self) -> type[AggregateRecorder]:
        return SQLiteAggregateRecorder

    def expected_application_recorder_class(self) -> type[ApplicationRecorder]:
        return ChainedSQLiteRecorder

    def expected_tracking_recorder_class(self) -> type[TrackingRecorder]:
        return SQLiteTrackingRecorder

    def tracking_recorder_subclass(self) -> type[TrackingRecorder]:
        return OwnSQLiteTrackingRecorder

    def expected_process_recorder_class(self) -> type[ProcessRecorder]:
        return ChainedSQLiteProcessRecorder


# The abstract cases are not tests of their own: keep pytest from collecting them here.
del AggregateRecorderTestCase, ApplicationRecorderTestCase, InfrastructureFactoryTestCase
del NonInterleavingNotificationIDsBaseCase, ProcessRecorderTestCase
