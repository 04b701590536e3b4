"""What tells whether a read model is current needs no projection: the tables'
declarations, the fingerprint and the read of a customer's state load no event model,
and they agree with the projections and the read model that do."""

from __future__ import annotations

import subprocess
import sys

from trustengine.readmodel import read_model, tables
from trustengine.readmodel.fingerprint import VIEWS_VERSION, tables_fingerprint
from trustengine.readmodel.projections import PROJECTED_TABLES, PROJECTIONS
from trustengine.readmodel.schema import TABLES
from trustengine.scoring.policy import DEFAULT_TRUST_POLICY
from trustengine.scoring.sla import DEFAULT_SLA_POLICY

PROBE = """
import sys
import trustengine.readmodel.current, trustengine.readmodel.fingerprint
import trustengine.readmodel.schema, trustengine.readmodel.state_query
import trustengine.persistence.settled
heavy = ("eventsourcing", "pydantic", "sqlite_utils", "cryptography", "trustengine.domain.events")
print(sorted(m for m in sys.modules if m.startswith(heavy)))
"""


def test_the_tables_and_the_current_read_load_no_event_model_and_no_engine() -> None:
    done = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, check=True, timeout=60
    )

    assert done.stdout.strip() == "[]"


def test_each_projection_owns_the_table_declared_for_it_in_registry_order() -> None:
    assert tables.PROJECTED_TABLES == PROJECTED_TABLES
    assert tuple(p.table for p in PROJECTIONS if p.table is not None) == tables.PROJECTED_TABLES


def test_the_fingerprint_without_the_projections_is_the_read_models() -> None:
    for policy, sla in (
        (DEFAULT_TRUST_POLICY, DEFAULT_SLA_POLICY),
        ("trust-v1", "sla-uk-fca-disp"),
    ):
        found = tables_fingerprint(VIEWS_VERSION, TABLES, policy, sla)

        assert found == read_model.fingerprint(policy, sla)
