"""The ``TrustEngine``: the ledger (writes and the store's events) with its read API.

:class:`~trustengine.application.engine.Ledger` is the write side and knows nothing of the
read model; :class:`~trustengine.application.reading.ReadingMixin` adds the questions the
commands answer, from the read model. Code that embeds trustengine uses this class (it is
``trustengine.TrustEngine``). See docs/architecture.md.
"""

from __future__ import annotations

from trustengine.application.engine import Ledger
from trustengine.application.reading import ReadingMixin


class TrustEngine(ReadingMixin, Ledger):
    """The customer trust ledger over one store, with its read model.

    Takes the arguments of :class:`~trustengine.application.engine.Ledger`; ``views`` is
    where the read model lives (see :mod:`trustengine.readmodel.location`; for PostgreSQL
    a local SQLite file). Writing: :mod:`trustengine.application.commands` and
    :meth:`record`; reading: :mod:`trustengine.application.reading`. One engine may serve
    many threads.

    >>> engine = TrustEngine(":memory:")
    >>> engine.file_complaint("cust-1", "C-1", category="delivery", severity=2,
    ...                       cause="broken_promise", summary="Parcel late")
    1
    >>> engine.state("cust-1").score < 100
    True
    """


__all__ = ["TrustEngine"]
