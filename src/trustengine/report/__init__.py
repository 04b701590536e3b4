"""Reports over the whole ledger: recurring issues, satisfaction, recovery, speed,
SLA compliance, promises, compensation, hand-offs and the recovery paradox.

Figures come from the read-model tables (:mod:`trustengine.readmodel`), which the caller
catches up first; :func:`build_report` returns them as one JSON-ready dict, which
:func:`report_text` and :func:`report_html` turn into a text report or a self-contained
HTML page with inline SVG charts.

>>> from trustengine import TrustEngine
>>> from trustengine.readmodel import ReadModel
>>> engine = TrustEngine(":memory:")
>>> engine.record_satisfaction("cust-1", metric="nps", score=10)
1
>>> with ReadModel(engine) as views:
...     _ = views.catch_up()
...     build_report(views.db)["satisfaction"]["nps"]["nps"]
100.0
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlite_utils

from trustengine.report.figures import build_figures
from trustengine.report.html import report_html
from trustengine.report.sources import read_sources
from trustengine.report.text import report_text
from trustengine.report.window import Window
from trustengine.scoring.policy import DEFAULT_TRUST_POLICY, TrustPolicy, load_trust_policy


def build_report(
    db: sqlite_utils.Database,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    by: str = "month",
    policy: TrustPolicy | None = None,
) -> dict[str, Any]:
    """Every figure of a report over business times ``since``..``until`` (inclusive),
    grouped by ``week`` or ``month``, from the read-model tables in ``db``.

    The satisfaction bands and the report's settings are ``policy``'s (default: the
    trust policy the read model was built with, which ``view_meta`` records).
    Raises :class:`~trustengine.exceptions.ReportWindowError` for a backwards window.
    """
    window = Window(since, until, by)
    if policy is None:
        policy = load_trust_policy(_built_with(db))
    return build_figures(read_sources(db, window, policy.report.late_after), window, policy)


def _built_with(db: sqlite_utils.Database) -> str:
    """The trust policy the read-model tables in ``db`` were built with."""
    if not db.table("view_meta").exists():
        return DEFAULT_TRUST_POLICY
    row = db.execute("SELECT value FROM view_meta WHERE key = 'policy'").fetchone()
    return DEFAULT_TRUST_POLICY if row is None else str(row[0])


__all__ = ["Window", "build_report", "report_html", "report_text"]
