"""``verify --views``: is the read model what its store says it should be?

Three checks, each problem one line:

- the events the projector set aside (:mod:`.problems`): each that could not be
  projected, and per customer how many later events are held back behind it;
- the tables against a fresh rebuild of the same events under the same policies, built in
  a temporary file and compared table by table in SQLite (``EXCEPT`` both ways), so
  memory stays flat however large the store. The projector's own fold (``view_state``),
  from which later events' rows are made, is compared too, and so are the SQL views'
  definitions (what an auditor's SQL reads). (A read model whose last projected event
  the store does not hold is refused before: ``verify --views`` reports that.) The read
  model is read in one transaction from its tracked position, and the rebuild stops at
  that position, so a writer or a follower working meanwhile makes no difference. A
  table that differs was changed by hand, built by another version, or built from
  events that were changed since;
- the fold snapshots that ``state --as-of`` starts from (:mod:`.snapshots`), each made
  again from the customer's stored events up to the version it was made from.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from trustengine.readmodel.location import open_views
from trustengine.readmodel.problems import problem_rows
from trustengine.readmodel.projector import PROJECTION, REBUILD_BATCH_SIZE, Projector
from trustengine.readmodel.read_model import ReadModel
from trustengine.readmodel.schema import READ_TABLES, SPECS, create_tables
from trustengine.readmodel.snapshots import FoldSnapshots
from trustengine.scoring.trust import TrustModel

COMPARED = (*READ_TABLES, "view_state")
"""The tables compared with the rebuild: those people query, and the projector's fold."""

_NOT_COMPARED = {"problems": ("seen_at",)}
"""Columns that differ between two honest builds: when an event was set aside."""


@dataclass
class ViewsReport:
    """The outcome of :func:`check_views`."""

    position: int = 0
    """The notification id the read model and the rebuild were compared at."""
    failed: int = 0
    held: int = 0
    problems: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {
            "position": self.position,
            "not_projected": self.failed,
            "held_back": self.held,
            "problems": list(self.problems),
        }


def check_views(model: ReadModel) -> ViewsReport:
    """Check ``model`` (caught up by the caller) as :mod:`this module <.check>` says."""
    report = ViewsReport()
    with tempfile.TemporaryDirectory(prefix="trustengine-verify-") as folder:
        fresh = str(Path(folder) / "fresh.db")
        db = model.db
        db.execute("ATTACH DATABASE ? AS fresh", (fresh,))
        try:
            db.conn.execute("BEGIN")
            try:
                report.position = model.position()
                _set_aside(model, report)
                _rebuild(model, fresh, report.position)
                _compare(model, report)
                snapshots = FoldSnapshots(db, model.engine, model.store)
                report.problems.extend(snapshots.differences())
            finally:
                db.conn.execute("ROLLBACK")
        finally:
            db.execute("DETACH DATABASE fresh")
    return report


def _set_aside(model: ReadModel, report: ViewsReport) -> None:
    held: dict[int, list[int]] = {}
    for row in problem_rows(model.db):
        if row["held_by"] is not None:
            held.setdefault(int(row["held_by"]), []).append(int(row["position"]))
    for row in problem_rows(model.db):
        if row["held_by"] is not None:
            continue
        report.failed += 1
        who = repr(row["customer"]) if row["customer"] is not None else row["originator_id"]
        line = (
            f"read model: customer {who} position {row['position']} (event "
            f"#{row['notification_id']}, {row['type']}) could not be projected: {row['error']}"
        )
        behind = held.get(int(row["notification_id"]), [])
        if behind:
            report.held += len(behind)
            noun = "event" if len(behind) == 1 else "events"
            line += f"; {len(behind)} later {noun} held back (positions {_ranges(behind)})"
        report.problems.append(line)


def _ranges(positions: list[int]) -> str:
    """``[4, 5, 6, 9]`` as ``4-6, 9``."""
    parts: list[str] = []
    start = previous = positions[0]
    for position in [*positions[1:], None]:
        if position is not None and position == previous + 1:
            previous = position
            continue
        parts.append(str(start) if start == previous else f"{start}-{previous}")
        if position is not None:
            start = previous = position
    return ", ".join(parts)


def _rebuild(model: ReadModel, path: str, position: int) -> None:
    """Project the store's events up to ``position`` into a new views file at ``path``."""
    meta = model.meta()
    fresh = open_views(path)
    try:
        with fresh.conn:
            create_tables(fresh)
            fresh.execute(
                "INSERT INTO view_tracking (name, notification_id) VALUES (?, 0)", (PROJECTION,)
            )
        projector = Projector(
            fresh,
            model.engine.recorder,
            model.engine.mapper,
            TrustModel.named(meta["policy"], meta["sla_policy"]),
            batch_size=REBUILD_BATCH_SIZE,
        )
        projector.stop = position
        if position:
            projector.catch_up()
    finally:
        fresh.close()


def _compare(model: ReadModel, report: ViewsReport) -> None:
    for name in COMPARED:
        skip = _NOT_COMPARED.get(name, ())
        columns = ", ".join(f'"{c}"' for c in SPECS[name].columns if c not in skip)
        # Table and column names are the schema's constants, never input.
        ours = f'SELECT {columns} FROM main."{name}"'  # noqa: S608
        theirs = f'SELECT {columns} FROM fresh."{name}"'  # noqa: S608
        extra = _count(model, f"{ours} EXCEPT {theirs}")
        missing = _count(model, f"{theirs} EXCEPT {ours}")
        if extra or missing:
            report.problems.append(
                f"read model: table {name} differs from a fresh rebuild of the first "
                f"{report.position} events: {extra} row(s) the rebuild does not have, "
                f"{missing} it has that the table lacks: run trustengine rebuild"
            )
    views = "SELECT name, sql FROM {}.sqlite_master WHERE type = 'view'"
    ours, theirs = views.format("main"), views.format("fresh")
    changed = model.db.execute(
        f"SELECT name FROM ({ours} EXCEPT {theirs}) UNION SELECT name FROM ({theirs} EXCEPT {ours})"  # noqa: S608 - built from constants
    ).fetchall()
    for (name,) in sorted(set(changed)):
        report.problems.append(
            f"read model: SQL view {name} is not the one projections/ defines (changed, "
            "added or dropped): run trustengine rebuild"
        )


def _count(model: ReadModel, query: str) -> int:
    (count,) = model.db.execute(f"SELECT COUNT(*) FROM ({query})").fetchone()  # noqa: S608 - built from constants
    return int(count)
