"""How far past the store's clock an event's ``at`` may be: the setting and its default.

Apart from :mod:`.engine`, which takes it, so that a command can check the setting (a
malformed ``$TRUSTENGINE_FUTURE_TOLERANCE`` refuses every command that opens a store)
without loading the engine.
"""

from __future__ import annotations

import os
from datetime import timedelta

from trustengine.domain.times import parse_duration
from trustengine.exceptions import StoreError

FUTURE_TOLERANCE = timedelta(days=1)
"""How far past the store's clock an event's ``at`` may be (clocks differ, zones are
mistyped); an ``at`` later than that is refused, so a mistyped year cannot lock a
customer. A setting: ``TrustEngine(future_tolerance=...)``, ``--future-tolerance``, or the
environment variable :data:`FUTURE_TOLERANCE_ENV` (e.g. ``12h``)."""
FUTURE_TOLERANCE_ENV = "TRUSTENGINE_FUTURE_TOLERANCE"


def default_future_tolerance() -> timedelta:
    """The future tolerance when none is given: ``$TRUSTENGINE_FUTURE_TOLERANCE`` (``1d``,
    ``12h``, ``90m``, ``0``), else :data:`FUTURE_TOLERANCE`."""
    text = os.environ.get(FUTURE_TOLERANCE_ENV)
    if not text:
        return FUTURE_TOLERANCE
    try:
        return parse_duration(text)
    except ValueError as error:
        raise StoreError(f"${FUTURE_TOLERANCE_ENV}: {error}") from None


__all__ = ["FUTURE_TOLERANCE", "FUTURE_TOLERANCE_ENV", "default_future_tolerance"]
