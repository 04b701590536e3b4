"""What a read model's tables depend on besides the events: the views version, the
policies, the shape of the fold and of the tables, as short hashes that ``view_meta``
keeps.

A change to any of them makes the next catch-up rebuild the tables (see
:class:`~trustengine.readmodel.read_model.ReadModel`), rather than mix two models in one
table. Nothing here imports an event model: whether a read model is current can be told
without loading the projections (:mod:`.current`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import fields

from trustengine.readmodel.schema import view_files
from trustengine.readmodel.table import Table
from trustengine.scoring.policy import DEFAULT_TRUST_POLICY, policy_path
from trustengine.scoring.sla import load_sla_policy
from trustengine.scoring.trust_state import CaseTrack, TrustState

VIEWS_VERSION = "10"
"""Bump when the tables' meaning changes: read models built before are rebuilt.

2: the ``satisfaction`` table (a views file of version 1 has no scores in it).
3: the ``follow_up`` clock stops at what the trust model counts as the follow-up, and at
a reopening.
4: the ``follow_up`` clock stops at the first follow-up act, whatever it found, and at a
reopening.
5: ``compensation.amount_exact``, each amount as exact decimal text, and the
``problems`` table (events the projector set aside).
6: personal text sealed under the customer's key (:mod:`.sealing`): a read model built
before holds it in the clear, and the rebuild drops it (the connection runs with
``secure_delete``).
7: pauses, received times, the customer's calendar, ``next_reply`` and
``periodic_update`` (``sla_clocks.run``, ``paused_at``, ``paused_seconds``,
``due_explained``; ``cases.awaiting_since``, ``paused_seconds``, ``pauses``).
8: ``timeline.source``, where an imported event came from.
9: business-time order: ``seq`` in ``timeline`` and ``score_history``, retracted and
corrected events (``timeline.counted``, ``amendment``...), event ids.
10: partial indexes for the report: ``score_history``'s recovered steps and complaints,
``timeline``'s late or amended events.
"""


def tables_fingerprint(version: str, tables: Iterable[Table], policy: str, sla: str) -> str:
    """What the tables of views ``version``, declared as ``tables``, hold besides the
    events when built under the trust policy ``policy`` and the SLA policy ``sla``, as a
    short hash: the policies' files (and the calendar files the SLA policy counts on), the
    fields of the fold's state and the tables' columns."""
    digest = hashlib.sha256(version.encode())
    digest.update(policy_path(policy).read_bytes())
    # A trust policy takes the settings it leaves out from trust-v1 (scoring/policy.py).
    digest.update(policy_path(DEFAULT_TRUST_POLICY).read_bytes())
    # The SLA policy's file and each calendar file it counts on: editing a calendar (a
    # holiday added by hand) moves due times, so it rebuilds the tables too.
    for source in load_sla_policy(sla).sources:
        digest.update(source.read_bytes())
    for cls in (TrustState, CaseTrack):
        digest.update(",".join(f.name for f in fields(cls)).encode())
    for spec in tables:
        digest.update(f"{spec.name}:{','.join(spec.columns)};".encode())
    return digest.hexdigest()[:16]


def sql_views_hash() -> str:
    """The SQL views of ``projections/*.sql`` as a short hash (their names and text)."""
    digest = hashlib.sha256()
    for path in view_files():
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


__all__ = ["VIEWS_VERSION", "sql_views_hash", "tables_fingerprint"]
