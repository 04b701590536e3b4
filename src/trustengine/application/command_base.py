"""The base of the typed commands (see :mod:`trustengine.application.commands`): the marker
that ties a method to its event type, and the one path from arguments to an event."""

from __future__ import annotations

import functools
import warnings
from abc import ABC, abstractmethod
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeVar, cast

from trustengine.domain.base import CustomerEvent
from trustengine.interchange.codec import build_event

F = TypeVar("F", bound=Callable[..., bool])


def records(event_type: type[CustomerEvent]) -> Callable[[F], F]:
    """Mark a command method as the one that records ``event_type`` (a test holds every
    event type to exactly one, its parameters to the model's fields)."""

    def mark(method: F) -> F:
        method.records = event_type  # type: ignore[attr-defined]  # a marker for introspection
        return method

    return mark


def keyword_only_since(*names: str) -> Callable[[F], F]:
    """Accept ``names``, once positional, by position still, with a DeprecationWarning."""

    def decorate(method: F) -> F:
        @functools.wraps(method)
        def wrapper(self: Any, customer: str, case: str, *args: Any, **kwargs: Any) -> bool:
            if args:
                if len(args) > len(names):
                    raise TypeError(
                        f"{method.__name__}() takes customer, case and at most "
                        f"{len(names)} more by position"
                    )
                given = names[: len(args)]
                warnings.warn(
                    f"{method.__name__}(): give {', '.join(given)} by keyword "
                    "(positional use is deprecated)",
                    DeprecationWarning,
                    stacklevel=2,
                )
                for name, value in zip(given, args, strict=True):
                    if name in kwargs:
                        raise TypeError(f"{method.__name__}() got {name!r} twice")
                    kwargs[name] = value
            return method(self, customer, case, **kwargs)

        return cast(F, wrapper)

    return decorate


class CommandBase(ABC):
    """What every family of typed commands stands on: :meth:`record` and one way to
    build an event from a command's arguments."""

    clock: Callable[[], datetime]

    @abstractmethod
    def record(self, event: Any, *, at_now: bool = False) -> bool:
        """Record one contract-shaped event (implemented by the application); with
        ``at_now`` its time is read from the clock as it is written."""

    def _command(
        self,
        event_type: type[CustomerEvent],
        customer: str,
        case: str | None,
        at: datetime | None,
        actor: str | None,
        channel: str | None,
        **data: Any,
    ) -> bool:
        # None means "not given", as a missing key does on the JSON face: the model's
        # default applies.
        given = {name: value for name, value in data.items() if value is not None}
        envelope = {"customer": customer, "case": case, "actor": actor, "channel": channel}
        given.update((name, value) for name, value in envelope.items() if value is not None)
        # Without ``at`` the wall clock stands in, so that the event validates; the write
        # replaces it with the engine's clock as it stores the event (reading that clock
        # here would spend a reading the write is owed).
        given["timestamp"] = datetime.now(tz=UTC) if at is None else at
        return self.record(build_event(event_type, given), at_now=at is None)


__all__ = ["CommandBase", "keyword_only_since", "records"]
