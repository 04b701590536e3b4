"""The audit's ledger, clocks and offers are the read model's rows, for the same events."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.audit.stores import DEMO_CUSTOMERS, demo_store
from trustengine import TrustEngine
from trustengine.audit.fold import fold
from trustengine.readmodel import ReadModel
from trustengine.readmodel.sealing import open_row
from trustengine.scoring.trust import TrustModel

TABLES = {
    "cases": "cases",
    "commitments": "promises",
    "clocks": "sla_clocks",
    "compensation": "compensation",
}


def by_key(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(rows, key=lambda row: sorted((k, str(v)) for k, v in row.items()))


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TrustEngine]:
    engine = TrustEngine(demo_store(tmp_path_factory.mktemp("fold") / "demo.db"))
    yield engine
    engine.close()


@pytest.mark.parametrize("customer", DEMO_CUSTOMERS)
def test_folding_a_customer_gives_the_read_model_rows(engine: TrustEngine, customer: str) -> None:
    folded = fold(TrustModel.named(), engine.history(customer))

    with ReadModel(engine) as model:
        model.catch_up()
        for field, table in TABLES.items():
            stored = [
                open_row(engine.personal, table, dict(r))  # personal text is sealed in the file
                for r in model.db.table(table).rows_where("customer = ?", [customer])
            ]
            assert by_key(getattr(folded, field)) == by_key(stored), table
        assert folded.trust.as_dict() == model.state(customer)


def test_folding_nothing_is_refused() -> None:
    with pytest.raises(ValueError, match="no events"):
        fold(TrustModel.named(), [])
