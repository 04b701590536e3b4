"""The read side: SQLite tables kept current by a projector that tracks its position.

- :mod:`.projector`: the generic processor: folds stored events in batches, exactly once
  (tracking, transaction, state cache); it builds no rows;
- :mod:`.projections`: one module per table family (``customers``, ``cases``,
  ``timeline``, ``promises``, ``compensation``, ``sla_clocks``, ``score_history``,
  ``satisfaction``), each owning its table (:mod:`.table`, declared in :mod:`.tables`)
  and its handler per event class (:mod:`.projection`); the registry is
  :data:`.projections.PROJECTIONS`;
- :mod:`.fold`: :func:`fold_customer`, one customer's rows folded from scratch in memory
  (the public fold the audit uses);
- :mod:`.schema`: every table (the projections', ``problems``, and the processor's own
  ``view_state``, ``view_tracking``, ``view_meta``) and the SQL views from the
  ``projections/*.sql`` files;
- :mod:`.location`: where a store's tables live (its own SQLite file, memory, or a
  ``--views`` file for PostgreSQL);
- :mod:`.problems` and :mod:`.setaside`: stored events the projector cannot project,
  set aside in the ``problems`` table with their customer's later events;
- :mod:`.check`: ``verify --views``, the read model against a fresh rebuild;
- :mod:`.state`: the per-customer fold kept in ``view_state``;
- :mod:`.queries`, :mod:`.due` and :mod:`.misses`: answers from the tables (``state``,
  ``timeline``, ``customers``, ``case``, the due list, and what the sweep records);
- :mod:`.fingerprint`: ``VIEWS_VERSION`` and what else the tables depend on (a change
  rebuilds them); :mod:`.current`: a customer's state read from a read model that is
  current, without the engine (``state CUST``), through :mod:`.state_query`;
- :mod:`.read_model`: :class:`ReadModel`, the tables of one store (what
  :class:`~trustengine.TrustEngine`'s read methods, :mod:`trustengine.application.reading`, ask).

The tables' copies of personal text (timeline and case summaries, descriptions, notes,
reasons) are sealed under a key derived from the customer's key (:mod:`.sealing`), and
opened by the read API; they are rewritten to ``[erased]`` when a customer is erased
(:mod:`.erasure`). The other columns (scores, times, categories) are plain SQLite values.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from trustengine.readmodel.fold import CustomerFold, fold_customer
    from trustengine.readmodel.location import DEFAULT_VIEWS, VIEWS_ENV_VAR, views_location
    from trustengine.readmodel.read_model import ReadModel
    from trustengine.readmodel.schema import READ_TABLES, TABLE_NAMES
    from trustengine.readmodel.table import Row

_WHERE = {
    "CustomerFold": "trustengine.readmodel.fold",
    "fold_customer": "trustengine.readmodel.fold",
    "DEFAULT_VIEWS": "trustengine.readmodel.location",
    "VIEWS_ENV_VAR": "trustengine.readmodel.location",
    "views_location": "trustengine.readmodel.location",
    "ReadModel": "trustengine.readmodel.read_model",
    "READ_TABLES": "trustengine.readmodel.schema",
    "TABLE_NAMES": "trustengine.readmodel.schema",
    "Row": "trustengine.readmodel.table",
}
"""Where each name of :data:`__all__` lives: imported on first use, so that a module of
the read side that needs no projection (where the tables live, their declarations) does
not load the projections and the event models with it."""


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'trustengine.readmodel' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # the next lookup is a plain one
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_WHERE])


__all__ = [
    "DEFAULT_VIEWS",
    "READ_TABLES",
    "TABLE_NAMES",
    "VIEWS_ENV_VAR",
    "CustomerFold",
    "ReadModel",
    "Row",
    "fold_customer",
    "views_location",
]
