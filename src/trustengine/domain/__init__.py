"""The domain: the contract's events and the customer aggregate that enforces its rules.

Nothing here does I/O or serialisation; that is the persistence layer's job.

The names below are imported on first use (as :mod:`trustengine` does it), so that a
module that needs only a light part of the domain (times, the Jalali calendar) does not
load the pydantic event models with it.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from trustengine.domain.base import CustomerEvent
    from trustengine.domain.customer import Customer, customer_id
    from trustengine.domain.events import EVENT_TYPES

_WHERE = {
    "CustomerEvent": "trustengine.domain.base",
    "Customer": "trustengine.domain.customer",
    "customer_id": "trustengine.domain.customer",
    "EVENT_TYPES": "trustengine.domain.events",
}
"""Where each name of :data:`__all__` lives."""


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'trustengine.domain' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # the next lookup is a plain one
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_WHERE])


__all__ = ["EVENT_TYPES", "Customer", "CustomerEvent", "customer_id"]
