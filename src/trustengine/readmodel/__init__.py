"""The read side: SQLite tables kept current by a projector that tracks its position.

- :mod:`.schema`: the tables (``customers``, ``cases``, ``timeline``, ``promises``,
  ``compensation``, ``sla_clocks``, ``score_history``, ``satisfaction``, ``problems``, and the
  projector's own ``view_state``, ``view_tracking``, ``view_meta``) and the SQL views from
  the ``projections/*.sql`` files;
- :mod:`.location`: where a store's tables live (its own SQLite file, memory, or a
  ``--views`` file for PostgreSQL);
- :mod:`.projector`: folding events into rows in batches, exactly once;
- :mod:`.problems` and :mod:`.setaside`: stored events the projector cannot project,
  set aside in the ``problems`` table with their customer's later events;
- :mod:`.check`: ``verify --views``, the read model against a fresh rebuild;
- :mod:`.steps` and :mod:`.clocks`: what each event changes in cases, commitments,
  compensation and SLA clocks;
- :mod:`.state`: the per-customer fold kept in ``view_state``;
- :mod:`.queries`: ``state`` and ``timeline`` answered from the tables;
- :mod:`.read_model`: :class:`ReadModel`, the tables of one store (what
  :class:`~trustengine.TrustEngine`'s read methods, :mod:`trustengine.application.reading`, ask).

The tables' copies of personal text (timeline and case summaries, descriptions, notes,
reasons) are sealed under a key derived from the customer's key (:mod:`.sealing`), and
opened by the read API; they are rewritten to ``[erased]`` when a customer is erased
(:mod:`.erasure`). The other columns (scores, times, categories) are plain SQLite values.
"""

from __future__ import annotations

from trustengine.readmodel.location import DEFAULT_VIEWS, VIEWS_ENV_VAR, views_location
from trustengine.readmodel.read_model import ReadModel
from trustengine.readmodel.schema import READ_TABLES, TABLE_NAMES

__all__ = [
    "DEFAULT_VIEWS",
    "READ_TABLES",
    "TABLE_NAMES",
    "VIEWS_ENV_VAR",
    "ReadModel",
    "views_location",
]
