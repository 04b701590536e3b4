"""What a write the store refused raises: the store's errors as the library's own.

The ledger's writers (:mod:`trustengine.application.writing`, the streamed import of
:mod:`trustengine.application.streaming`) name the store and what to do about a lock wait
that ran out in the same words.
"""

from __future__ import annotations

from eventsourcing.persistence import OperationalError

from trustengine.exceptions import LockTimeoutError, StoreError


def write_failure(
    display: str, lock_timeout: int, error: OperationalError | LockTimeoutError
) -> LockTimeoutError | StoreError:
    """What a write to ``display`` that failed on the store raises: a lock wait that ran
    out (SQLite's busy timeout, or the engine's own lock) as :class:`LockTimeoutError`,
    anything else the store refused as :class:`StoreError`."""
    if isinstance(error, LockTimeoutError):
        return LockTimeoutError(f"cannot write to {display}: {error}")
    if "database is locked" in str(error):  # SQLite's busy timeout ran out
        return LockTimeoutError(
            f"cannot write to {display}: waited {lock_timeout} s for the lock another "
            "writer holds on it (SQLite does not say which process); try again when it is "
            "done, or give a longer --lock-timeout"
        )
    return StoreError(f"cannot write to {display}: {error}")


__all__ = ["write_failure"]
