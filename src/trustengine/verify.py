"""Verification of the stored ledger: every event decodes, validates and sits in order.

This is the first cut: it proves the store can be read back into valid events whose
positions form one gapless sequence per customer, each under the id its customer key
derives. Tamper evidence (hash chains) builds on it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from eventsourcing.persistence import MapperDeserialisationError

from trustengine.application import Progress, TrustEngine
from trustengine.domain.base import CustomerEvent
from trustengine.domain.customer import customer_id


@dataclass
class VerifyReport:
    """The outcome of :func:`verify`: ``ok`` when ``problems`` is empty."""

    events: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def as_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "events": self.events, "problems": list(self.problems)}


def verify(engine: TrustEngine, *, progress: Progress | None = None) -> VerifyReport:
    """Read every stored event and report each one that does not check out."""
    report = VerifyReport()
    last_version: dict[UUID, int] = {}
    for notification in engine.notifications():
        report.events += 1
        if progress is not None:
            progress(1)
        stream, version = UUID(str(notification.originator_id)), notification.originator_version
        where = f"event #{notification.id} ({stream} v{version})"
        expected = last_version.get(stream, 0) + 1
        last_version[stream] = version
        if version != expected:
            report.problems.append(
                f"{where}: position {version} follows "
                f"{expected - 1}: events are missing or out of order"
            )
        try:
            event = engine.mapper.to_domain_event(notification)
        except MapperDeserialisationError as error:
            report.problems.append(f"{where}: {error}")
            continue
        if not isinstance(event, CustomerEvent):
            report.problems.append(f"{where}: not a customer event ({notification.topic})")
            continue
        if customer_id(event.customer) != stream:
            report.problems.append(
                f"{where}: names customer {event.customer!r}, whose id is not this stream's"
            )
    return report
