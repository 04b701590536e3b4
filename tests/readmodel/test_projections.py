"""Each projection owns one declared table and is dispatched to by event class; the public
fold from scratch gives the rows the processor writes."""

from __future__ import annotations

from typing import Any

import pytest

from tests.readmodel.conftest import DEMO_CUSTOMERS
from trustengine import TrustEngine
from trustengine.domain import events as ev
from trustengine.domain.base import CustomerEvent
from trustengine.readmodel import ReadModel, fold_customer
from trustengine.readmodel.projection import Dispatch, Projection, handles
from trustengine.readmodel.projections import DISPATCH, PROJECTED_TABLES, PROJECTIONS
from trustengine.readmodel.schema import READ_TABLES, TABLES
from trustengine.readmodel.sealing import open_row
from trustengine.readmodel.table import Column, Table
from trustengine.scoring.trust import TrustModel


def test_every_table_people_query_is_declared_by_one_projection_or_the_processor() -> None:
    owned = [p.table.name for p in PROJECTIONS if p.table is not None]

    assert len(owned) == len(set(owned))
    assert set(READ_TABLES) == {*owned, "problems"}
    assert [t.name for t in TABLES[: len(PROJECTED_TABLES)]] == owned


def test_handlers_are_found_by_event_class_most_specific_first() -> None:
    calls: list[str] = []

    class Probe(Projection):
        @handles(ev.PromiseMade)
        def made(self, event: Any, change: Any) -> None:
            calls.append("made")

        @handles(CustomerEvent)
        def any_event(self, event: Any, change: Any) -> None:
            calls.append("any")

    dispatch = Dispatch([Probe()])
    for handler in dispatch(ev.PromiseMade):
        handler(None, None)
    for handler in dispatch(ev.PromiseKept):
        handler(None, None)

    assert calls == ["made", "any", "any"]


def test_a_projection_handling_one_event_class_twice_is_refused() -> None:
    with pytest.raises(TypeError, match="handles PromiseMade twice"):

        class Twice(Projection):
            @handles(ev.PromiseMade)
            def one(self, event: Any, change: Any) -> None: ...

            @handles(ev.PromiseMade)
            def other(self, event: Any, change: Any) -> None: ...


def test_every_projection_handler_takes_a_customer_event_class() -> None:
    for projection in PROJECTIONS:
        for event_class in type(projection).handled:
            assert issubclass(event_class, CustomerEvent), (projection, event_class)
    assert DISPATCH(ev.ComplaintFiled)  # several projections care about a complaint


def test_a_query_naming_a_column_its_table_does_not_declare_is_refused() -> None:
    table = Table("notes", Column("customer", str, key=True), Column("text", str))

    assert table.select("text") == 'SELECT "text" FROM "notes"'
    with pytest.raises(KeyError, match="no column 'txet'"):
        table.select("txet")


def test_a_table_without_a_key_or_with_a_column_twice_is_refused() -> None:
    with pytest.raises(ValueError, match="no key"):
        Table("notes", Column("text", str))
    with pytest.raises(ValueError, match="twice"):
        Table("notes", Column("customer", str, key=True), Column("customer", str))


@pytest.mark.parametrize("customer", DEMO_CUSTOMERS)
def test_a_customer_folded_from_scratch_has_every_row_the_processor_wrote(
    demo_engine: TrustEngine, customer: str
) -> None:
    folded = fold_customer(demo_engine.history(customer), TrustModel.named()).as_stored()

    with ReadModel(demo_engine) as model:
        model.catch_up()
        for table in PROJECTED_TABLES:
            stored = [
                open_row(demo_engine.personal, table.name, dict(row))
                for row in model.db.table(table.name).rows_where("customer = ?", [customer])
            ]
            assert _sorted(folded.rows[table.name]) == _sorted(stored), table.name


def _sorted(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(rows, key=lambda row: sorted((k, str(v)) for k, v in row.items()))
