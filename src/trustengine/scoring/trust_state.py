"""What the trust model folds into: a customer's trust state, its cases, and each
event's contribution with the reason for it (see ``docs/trust-model.md``).

:class:`~trustengine.scoring.trust.TrustModel` builds these; the read model stores them
(:mod:`trustengine.readmodel.state`) and the answers show them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from trustengine.scoring.policy import COMPONENTS

PHASES = ("steady", "damaged", "recovering", "restored", "advocate", "at_risk", "lost")
RECOVERED_PHASES = ("restored", "advocate")
"""The phases in which a complainant counts as recovered (the report's recovery rate and
recovery paradox)."""


@dataclass
class CaseTrack:
    """What the model needs to know about one case."""

    opened_at: datetime
    severity: int
    first_response_due: datetime | None
    acknowledged: bool = False
    owned: bool = False
    hand_offs: int = 0
    breaches: int = 0
    broken_promises: int = 0
    confirmed: bool = False
    closed: bool = False
    closed_unconfirmed: bool = False
    followed_up: bool = False
    """Whether a follow-up since the case was last opened found the customer content, as
    ``restored`` requires: docs/trust-model.md, "Following up"."""
    issue_persists: bool = False
    botched: bool = False


@dataclass(frozen=True)
class Contribution:
    """One event's effect on trust: the explanation of a step."""

    position: int
    at: datetime
    type: str
    case: str | None
    delta: float
    reason: str
    score: float
    phase: str
    components: dict[str, float]

    def as_dict(self) -> dict[str, Any]:
        return {
            "at": self.at.isoformat(),
            "type": self.type,
            "case": self.case,
            "delta": self.delta,
            "reason": self.reason,
            "score": self.score,
            "phase": self.phase,
            "position": self.position,
        }


@dataclass
class TrustState:
    """Where one customer's trust stands after the events folded into it."""

    customer: str
    policy: str
    components: dict[str, float]
    sla_policy: str = ""
    tier: str = "standard"
    ceiling: float = 100.0
    failures: int = 0
    cases: dict[str, CaseTrack] = field(default_factory=dict)
    due: dict[tuple[str, str], datetime] = field(default_factory=dict)
    fitting_offers: dict[str, bool] = field(default_factory=dict)
    broken_promises: int = 0
    unanswered: bool = False
    last_satisfaction: tuple[str, int] | None = None
    last_nps: int | None = None
    events: int = 0
    last_at: datetime | None = None
    score: float = 0.0
    phase: str = "steady"
    explanation: list[Contribution] = field(default_factory=list)

    @property
    def open_cases(self) -> int:
        return sum(1 for case in self.cases.values() if not case.closed)

    def as_dict(self, *, explanation: bool = True) -> dict[str, Any]:
        """The contract's ``state --json`` keys, and more."""
        out: dict[str, Any] = {
            "customer": self.customer,
            "score": self.score,
            "phase": self.phase,
            "components": {c: round(self.components[c], 1) for c in COMPONENTS},
            "open_cases": self.open_cases,
            "broken_promises": self.broken_promises,
            "cases": len(self.cases),
            "events": self.events,
            "last_event_at": self.last_at.isoformat() if self.last_at else None,
            "ceiling": self.ceiling,
            "policy": self.policy,
            "sla_policy": self.sla_policy,
        }
        if explanation:
            out["explanation"] = [c.as_dict() for c in self.explanation]
        return out


__all__ = ["PHASES", "RECOVERED_PHASES", "CaseTrack", "Contribution", "TrustState"]
