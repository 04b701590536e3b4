"""The domain: the contract's events and the customer aggregate that enforces its rules.

Nothing here does I/O or serialisation; that is the persistence layer's job.
"""

from __future__ import annotations

from trustengine.domain.base import CustomerEvent
from trustengine.domain.customer import Customer, customer_id
from trustengine.domain.events import EVENT_TYPES

__all__ = ["EVENT_TYPES", "Customer", "CustomerEvent", "customer_id"]
