"""eventsourcing's recorder and factory test cases, run against our in-memory recorders.

Each test's chained recorders must still recompute their chain after it (see
:mod:`tests.persistence.upstream.chaincheck`).
"""

from __future__ import annotations

from eventsourcing.persistence import (
    AggregateRecorder,
    ApplicationRecorder,
    InfrastructureFactory,
    ProcessRecorder,
    TrackingRecorder,
)
from eventsourcing.popo import POPOAggregateRecorder, POPOTrackingRecorder
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
    ChainedPOPOFactory,
    ChainedPOPOProcessRecorder,
    ChainedPOPORecorder,
)
from trustengine.persistence.target import MEMORY_FACTORY


class OwnPOPOTrackingRecorder(POPOTrackingRecorder):
    """A tracking recorder class of our own, that the factory must construct when asked."""


class TestChainedPOPOApplicationRecorder(ChainChecked, ApplicationRecorderTestCase):
    def create_recorder(self) -> ChainedPOPORecorder:
        return self.keep(ChainedPOPORecorder())

    def test_insert_subscribe(self) -> None:
        """Upstream leaves subscriptions optional; the in-memory recorder has them."""
        self.optional_test_insert_subscribe()

    # A timing benchmark, not a behaviour: it prints inserts per second and checks
    # nothing (benchmarks/ measures speed).
    test_performance = None  # unittest collects only callables

    # A timing benchmark, not a behaviour: it prints a rate; the behaviour under
    # concurrent writers is what test_concurrent_no_conflicts checks.
    test_concurrent_throughput = None  # unittest collects only callables


class TestChainedPOPORecorderAsAggregateRecorder(ChainChecked, AggregateRecorderTestCase):
    """Batches refused whole (a conflict in the middle) must leave no hash behind."""

    def create_recorder(self) -> AggregateRecorder:
        return AsAggregateRecorder(self.keep(ChainedPOPORecorder()))

    # A timing benchmark, not a behaviour: it prints inserts per second and checks
    # nothing (benchmarks/ measures speed).
    test_performance = None  # unittest collects only callables


class TestChainedPOPORecorderFromPositionZero(TestChainedPOPORecorderAsAggregateRecorder):
    """Streams that start at position 0: the next batch's first event chains to it."""

    INITIAL_VERSION = 0


class TestChainedPOPOProcessRecorder(ChainChecked, ProcessRecorderTestCase):
    def create_recorder(self) -> ProcessRecorder:
        return self.keep(ChainedPOPOProcessRecorder())

    # A timing benchmark, not a behaviour: it prints inserts per second and checks
    # nothing (benchmarks/ measures speed).
    test_performance = None  # unittest collects only callables


class TestPOPOSnapshotRecorder(AggregateRecorderTestCase):
    """The aggregate recorder our factory gives for snapshots (eventsourcing's own: a
    snapshot is a cache, rebuilt from the events, so it carries no chain)."""

    def create_recorder(self) -> AggregateRecorder:
        return ChainedPOPOFactory(Environment()).aggregate_recorder("snapshots")

    # A timing benchmark, not a behaviour: it prints inserts per second and checks
    # nothing (benchmarks/ measures speed).
    test_performance = None  # unittest collects only callables


class TestChainedPOPONonInterleaving(ChainChecked, NonInterleavingNotificationIDsBaseCase):
    def create_recorder(self) -> ApplicationRecorder:
        return self.keep(ChainedPOPORecorder())


class TestChainedPOPOFactory(ChainChecked, InfrastructureFactoryTestCase[ChainedPOPOFactory]):
    def setUp(self) -> None:
        self.env = Environment("TestCase")
        self.env[InfrastructureFactory.PERSISTENCE_MODULE] = MEMORY_FACTORY
        super().setUp()
        made = self.factory.application_recorder, self.factory.process_recorder
        self.factory.application_recorder = lambda: self.keep(made[0]())  # type: ignore[method-assign]
        self.factory.process_recorder = lambda: self.keep(made[1]())  # type: ignore[method-assign]

    def expected_factory_class(self) -> type[ChainedPOPOFactory]:
        return ChainedPOPOFactory

    def expected_aggregate_recorder_class(self) -> type[AggregateRecorder]:
        return POPOAggregateRecorder

    def expected_application_recorder_class(self) -> type[ApplicationRecorder]:
        return ChainedPOPORecorder

    def expected_tracking_recorder_class(self) -> type[TrackingRecorder]:
        return POPOTrackingRecorder

    def tracking_recorder_subclass(self) -> type[TrackingRecorder]:
        return OwnPOPOTrackingRecorder

    def expected_process_recorder_class(self) -> type[ProcessRecorder]:
        return ChainedPOPOProcessRecorder


# The abstract cases are not tests of their own: keep pytest from collecting them here.
del AggregateRecorderTestCase, ApplicationRecorderTestCase, InfrastructureFactoryTestCase
del NonInterleavingNotificationIDsBaseCase, ProcessRecorderTestCase
