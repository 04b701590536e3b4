"""Service-level policies: when each clock of a case is due.

Durations in the policy files are ``4h`` (hours), ``3d`` (calendar days), ``8w`` (weeks)
and ``15bd`` (business days, Monday to Friday), optionally followed by ``eod`` to run to
the end of the last day, in the offset the clock started in.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from functools import cache

from trustengine.exceptions import PolicyError
from trustengine.scoring.policy import load_toml, policy_path

DEFAULT_SLA_POLICY = "sla-default"
CLOCKS = ("first_response", "resolution", "follow_up", "final_response")
_DURATION = re.compile(r"^\s*(\d+)\s*(h|d|w|bd)(\s+eod)?\s*$")


@dataclass(frozen=True)
class Duration:
    """A policy duration such as ``15bd`` or ``8w eod``."""

    amount: int
    unit: str
    end_of_day: bool = False

    @classmethod
    def parse(cls, text: str) -> Duration:
        match = _DURATION.match(text)
        if not match:
            raise PolicyError(f"bad duration {text!r}: use e.g. 4h, 3d, 8w, 15bd, '8w eod'")
        return cls(int(match[1]), match[2], bool(match[3]))

    def after(self, start: datetime) -> datetime:
        """The moment this duration after ``start`` ends."""
        if self.unit == "h":
            due = start + timedelta(hours=self.amount)
        elif self.unit == "d":
            due = start + timedelta(days=self.amount)
        elif self.unit == "w":
            due = start + timedelta(weeks=self.amount)
        else:
            due, left = start, self.amount
            while left:
                due += timedelta(days=1)
                if due.weekday() < 5:
                    left -= 1
        if self.end_of_day:
            due = datetime.combine(due.date(), time(23, 59, 59), tzinfo=due.tzinfo)
        return due

    def __str__(self) -> str:
        return f"{self.amount}{self.unit}{' eod' if self.end_of_day else ''}"


@dataclass(frozen=True)
class SlaPolicy:
    """Targets per clock and customer tier; see ``projections/sla-default.toml``."""

    version: str
    description: str
    targets: dict[str, dict[str, Duration]]

    def target(self, clock: str, tier: str = "standard") -> Duration | None:
        """The target for ``clock`` and ``tier``, or None when the policy sets none."""
        per_tier = self.targets.get(clock, {})
        return per_tier.get(tier) or per_tier.get("all")

    def due(self, clock: str, start: datetime, tier: str = "standard") -> datetime | None:
        """When ``clock``, started at ``start``, runs out (None: no target)."""
        target = self.target(clock, tier)
        return None if target is None else target.after(start)


@cache
def load_sla_policy(name: str = DEFAULT_SLA_POLICY) -> SlaPolicy:
    """Load and check SLA policy ``name`` (a file stem or a path)."""
    raw = load_toml(name)
    try:
        targets = {
            clock: {tier: Duration.parse(str(text)) for tier, text in table.items()}
            for clock, table in raw.items()
            if isinstance(table, dict)
        }
        return SlaPolicy(str(raw["version"]), str(raw.get("description", "")), targets)
    except KeyError as error:
        raise PolicyError(f"{policy_path(name)}: missing setting {error}") from None
