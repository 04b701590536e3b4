"""What the parts of the ledger share: the state :class:`~trustengine.application.engine.Ledger`
sets up, declared once for the type checker.

Each part of the ledger (:mod:`.writing`, :mod:`.streaming`, :mod:`.loading`,
:mod:`.stored`) is a mixin on :class:`LedgerParts`; for the type checker that is an
eventsourcing ``Application``, at run time a plain class with no behaviour.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Container
from datetime import datetime, timedelta
from typing import TYPE_CHECKING
from uuid import UUID

if TYPE_CHECKING:
    from eventsourcing.application import Application

    from trustengine.persistence.atrest import AtRest
    from trustengine.persistence.keystore import KeyStore
    from trustengine.persistence.personal import PersonalData
    from trustengine.persistence.target import StoreTarget

    _Base = Application[UUID]
else:
    _Base = object


class LedgerParts(_Base):
    """The ledger's state, as ``Ledger.__init__`` sets it."""

    target: StoreTarget
    clock: Callable[[], datetime]
    future_tolerance: timedelta
    lock_timeout: int
    conflicts: int
    stamped: datetime | None
    at_rest: AtRest
    key_store: KeyStore
    personal: PersonalData
    _write_lock: threading.RLock
    _has_events: bool
    _known_empty: bool
    _absent: Container[UUID]
    _wrote_last: dict[UUID, int]


__all__ = ["LedgerParts"]
