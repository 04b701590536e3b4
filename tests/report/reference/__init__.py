"""The report as it was computed before its figures moved into SQL: every stored row
read into Python records, every figure added up in Python. Kept verbatim (imports
aside) as the reference the SQL-aggregated report must agree with, value for value."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlite_utils

from tests.report.reference.figures import build_figures
from tests.report.reference.rows import read_sources
from trustengine.report.window import Window
from trustengine.scoring.policy import TrustPolicy


def reference_report(
    db: sqlite_utils.Database,
    policy: TrustPolicy,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    by: str = "month",
) -> dict[str, Any]:
    """The report's figures over ``db`` the way they were computed before."""
    window = Window(since, until, by)
    return build_figures(read_sources(db, window), window, policy)


__all__ = ["reference_report"]
