"""A table's partial indexes: created with the table, holding only the rows their
condition admits, and declared only over the table's own columns."""

from __future__ import annotations

import pytest

from trustengine import TrustEngine
from trustengine.readmodel import ReadModel
from trustengine.readmodel.schema import TABLES
from trustengine.readmodel.table import Column, PartialIndex, Table


def test_the_read_model_creates_every_declared_partial_index(model: ReadModel) -> None:
    model.catch_up()
    created = dict(
        model.db.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql LIKE '% WHERE %'"
        ).fetchall()
    )

    declared = {index.name: index.sql(spec.name) for spec in TABLES for index in spec.partial}
    assert set(declared) == {
        "idx_score_history_recovered",
        "idx_score_history_complaints",
        "idx_timeline_late_or_amended",
    }
    assert {name: sql.replace(" IF NOT EXISTS", "") for name, sql in declared.items()} == (created)


def test_a_partial_index_holds_only_the_rows_its_condition_admits(
    demo_engine: TrustEngine,
) -> None:
    with ReadModel(demo_engine) as model:
        model.catch_up()
        db = model.db
        indexed = db.execute(
            "SELECT count(*) FROM score_history INDEXED BY idx_score_history_recovered "
            "WHERE phase IN ('restored', 'advocate')"
        ).fetchone()[0]
        counted = db.execute(
            "SELECT count(*) FROM score_history NOT INDEXED "
            "WHERE phase = 'restored' OR phase = 'advocate'"
        ).fetchone()[0]

    assert indexed == counted > 0


def test_a_partial_index_over_a_column_its_table_lacks_is_refused() -> None:
    index = PartialIndex("idx_notes_nothing", ("customer", "nothing"), where="customer > ''")

    with pytest.raises(ValueError, match="index idx_notes_nothing names no column"):
        Table("notes", Column("customer", str, key=True), partial=(index,))
