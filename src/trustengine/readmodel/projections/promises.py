"""``promises``: the commitments made to a customer, one row each, and how each ended.

``kind`` is ``promise`` (PromiseMade: kept or broken), ``action`` (a corrective action:
completed) or ``follow_up`` (a scheduled follow-up: completed, whatever it found; its
``note`` is the outcome, which is not personal text). ``on_time`` says whether it was
settled by its due time (a broken promise never is). Overdue is computed at query time
(view ``overdue_commitments``). A settlement of a commitment the table lacks is relied on
not to happen (the engine refuses it), and is ignored.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from trustengine.domain import events as ev
from trustengine.readmodel.projection import Change, Projection, handles
from trustengine.readmodel.tables import PROMISES

TABLE = PROMISES
"""This projection's table (declared in :mod:`trustengine.readmodel.tables`)."""


def _make(e: Any, change: Change, kind: str, ident: str, description: str | None) -> None:
    change.rows.put(
        TABLE.name,
        {
            "customer": e.customer,
            "kind": kind,
            "id": ident,
            "case": e.case,
            "description": description,
            "made_at": change.at,
            "due": e.due.isoformat(),
            "settled_at": None,
            "status": "open",
            "on_time": None,
            "prevents_recurrence": None,
            "note": None,
        },
    )


def _settle(e: Any, change: Change, kind: str, ident: str, status: str, note: str | None) -> None:
    row = change.rows.edit(TABLE.name, e.customer, kind, ident)
    if row is None:
        return
    row["settled_at"] = change.at
    row["status"] = status
    row["note"] = note
    if status == "broken":
        row["on_time"] = 0
    else:
        row["on_time"] = int(e.timestamp <= datetime.fromisoformat(row["due"]))


class Promises(Projection):
    table = TABLE

    @handles(ev.PromiseMade)
    def made(self, e: ev.PromiseMade, change: Change) -> None:
        _make(e, change, "promise", e.promise, e.description)

    @handles(ev.PromiseKept)
    def kept(self, e: ev.PromiseKept, change: Change) -> None:
        _settle(e, change, "promise", e.promise, "kept", None)

    @handles(ev.PromiseBroken)
    def broken(self, e: ev.PromiseBroken, change: Change) -> None:
        _settle(e, change, "promise", e.promise, "broken", e.reason)

    @handles(ev.CorrectiveActionCommitted)
    def action_committed(self, e: ev.CorrectiveActionCommitted, change: Change) -> None:
        _make(e, change, "action", e.action, e.description)
        row = change.rows.edit(TABLE.name, e.customer, "action", e.action)
        assert row is not None
        row["prevents_recurrence"] = int(e.prevents_recurrence)

    @handles(ev.CorrectiveActionCompleted)
    def action_completed(self, e: ev.CorrectiveActionCompleted, change: Change) -> None:
        _settle(e, change, "action", e.action, "completed", e.evidence)

    @handles(ev.FollowUpScheduled)
    def follow_up_scheduled(self, e: ev.FollowUpScheduled, change: Change) -> None:
        _make(e, change, "follow_up", e.follow_up, None)

    @handles(ev.FollowUpCompleted)
    def follow_up_completed(self, e: ev.FollowUpCompleted, change: Change) -> None:
        # Whatever it found, it is a follow-up act: see clocks.py for what that stops.
        _settle(e, change, "follow_up", e.follow_up, "completed", e.outcome)


__all__ = ["TABLE", "Promises"]
