"""Service-level policies: when each clock of a case is due, and how that was computed.

Durations in the policy files are calendar time, ``4h`` (hours), ``3d`` (days), ``8w``
(weeks), or working time on the target's calendar, ``8bh`` (business hours) and ``15bd``
(business days), optionally followed by ``eod`` to run to the end of the day. A policy
names a default ``calendar`` (``projections/calendars/``); one that names none counts
Monday to Friday without holidays in the offset the clock started in. The clock rules,
the calendars and each preset's reading of its regulation: docs/service-levels.md.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

from trustengine.exceptions import PolicyError
from trustengine.scoring.calendar_files import calendar_path, load_calendar
from trustengine.scoring.calendars import OFFSET_CALENDAR, Calendar, Computation
from trustengine.scoring.policy import load_toml, policy_path

__all__ = ["CLOCKS", "DEFAULT_SLA_POLICY", "Duration", "SlaPolicy", "load_sla_policy"]

DEFAULT_SLA_POLICY = "sla-default"
CLOCKS = (
    "first_response",
    "resolution",
    "follow_up",
    "final_response",
    "next_reply",
    "periodic_update",
)
"""The clocks the engine runs (``next_reply`` and ``periodic_update`` only where the policy
sets a target for them): docs/service-levels.md, "The clocks"."""
_DURATION = re.compile(r"^\s*(?P<amount>\d+)\s*(?P<unit>bh|bd|h|d|w)(?P<eod>\s+eod)?\s*$")
_SETTINGS = ("calendars", "tier_calendars")
"""Tables of a policy file that are settings, not clocks."""


@dataclass(frozen=True)
class Duration:
    """A policy duration such as ``15bd`` or ``8w eod``, on ``calendar`` if it names one."""

    amount: int
    unit: str
    end_of_day: bool = False
    calendar: str | None = None

    @classmethod
    def parse(cls, text: str, calendar: str | None = None) -> Duration:
        match = _DURATION.match(text)
        if not match:
            raise PolicyError(
                f"bad duration {text!r}: use e.g. 4h, 3d, 8w, 8bh, 15bd, '8w eod', '3bd eod'"
            )
        return cls(int(match["amount"]), match["unit"], bool(match["eod"]), calendar)

    def compute(self, start: datetime, calendar: Calendar | None = None) -> Computation:
        """This duration after ``start`` on ``calendar`` (else its own, else Monday to
        Friday in the start's offset), with the days it skipped."""
        if calendar is None:
            calendar = load_calendar(self.calendar) if self.calendar else OFFSET_CALENDAR
        return calendar.add(start, self.amount, self.unit, end_of_day=self.end_of_day)

    def after(self, start: datetime, calendar: Calendar | None = None) -> datetime:
        """The moment this duration after ``start`` ends."""
        return self.compute(start, calendar).due

    def __str__(self) -> str:
        return f"{self.amount}{self.unit}{' eod' if self.end_of_day else ''}"


@dataclass(frozen=True)
class SlaPolicy:
    """Targets per clock and customer tier, and the calendars they are counted on; see
    ``projections/sla-default.toml`` and docs/service-levels.md."""

    version: str
    description: str
    targets: dict[str, dict[str, Duration]]
    calendar: str | None = None
    """The calendar of a target that names none (None: Monday to Friday, start offset)."""
    calendars: dict[str, str] = field(default_factory=dict)
    """Calendar keys a customer or team may name, each to a calendar (item 3 of issue 14)."""
    tier_calendars: dict[str, str] = field(default_factory=dict)
    """A tier's calendar, where it differs from the policy's."""
    sources: tuple[Path, ...] = ()
    """The files the policy was read from: its own, then each calendar's."""
    pauses: tuple[str, ...] = ()
    """The clocks that stop while a case awaits the customer (``pauses = [...]``)."""

    def target(self, clock: str, tier: str = "standard") -> Duration | None:
        """The target for ``clock`` and ``tier``, or None when the policy sets none."""
        per_tier = self.targets.get(clock, {})
        return per_tier.get(tier) or per_tier.get("all")

    def calendar_for(
        self, clock: str, tier: str = "standard", calendar: str | None = None
    ) -> Calendar:
        """The calendar ``clock`` is counted on: the target's own if it names one, else the
        ``calendar`` asked for (a key of ``[calendars]`` or a calendar name), else the
        tier's, else the policy's."""
        target = self.target(clock, tier)
        name = (
            (target.calendar if target is not None else None)
            or (self.calendars.get(calendar, calendar) if calendar else None)
            or self.tier_calendars.get(tier)
            or self.calendar
        )
        return load_calendar(name) if name else OFFSET_CALENDAR

    def compute(
        self, clock: str, start: datetime, tier: str = "standard", calendar: str | None = None
    ) -> Computation | None:
        """The due time of ``clock`` started at ``start`` and how it was reached."""
        target = self.target(clock, tier)
        if target is None:
            return None
        return target.compute(start, self.calendar_for(clock, tier, calendar))

    def due(
        self, clock: str, start: datetime, tier: str = "standard", calendar: str | None = None
    ) -> datetime | None:
        """When ``clock``, started at ``start``, runs out (None: no target)."""
        computed = self.compute(clock, start, tier, calendar)
        return None if computed is None else computed.due

    def explain(
        self, clock: str, start: datetime, tier: str = "standard", calendar: str | None = None
    ) -> str | None:
        """How the due time of ``clock`` was computed, in a sentence (None: no target),
        e.g. ``15 business days on UK (England and Wales) calendar: skips Fri 25 Dec 2026
        (Christmas Day), ...; due ...``."""
        computed = self.compute(clock, start, tier, calendar)
        return None if computed is None else computed.text()

    def resume(
        self,
        clock: str,
        due: datetime,
        paused_at: datetime,
        resumed_at: datetime,
        tier: str = "standard",
        calendar: str | None = None,
    ) -> tuple[datetime, timedelta]:
        """The due time of ``clock`` after a pause from ``paused_at`` to ``resumed_at``, and
        the time the pause moved it by: the working time paused for a working-time target,
        the elapsed time for a calendar-time one; nothing for a pause that began at or
        after the due time (docs/service-levels.md, "Pauses")."""
        target = self.target(clock, tier)
        if target is None or paused_at >= due or resumed_at <= paused_at:
            return due, timedelta()
        if target.unit in ("h", "d", "w"):
            moved = resumed_at.astimezone(UTC) - paused_at.astimezone(UTC)
            return (due.astimezone(UTC) + moved).astimezone(due.tzinfo), moved
        on = self.calendar_for(clock, tier, calendar)
        moved = on.working_time(paused_at, resumed_at)
        return on.add_working(due, moved).astimezone(due.tzinfo), moved


@cache
def load_sla_policy(name: str = DEFAULT_SLA_POLICY) -> SlaPolicy:
    """Load and check SLA policy ``name``: a file stem or a path, with the parameter a
    preset takes after a colon (``sla-eu-psd2:DE``)."""
    path = policy_path(name)
    _, _, given = name.partition(":")
    parameter = "" if Path(name).suffix == ".toml" else given.strip()
    raw = load_toml(str(path))
    try:
        return _policy(raw, path, parameter)
    except KeyError as error:
        raise PolicyError(f"{path}: missing setting {error}") from None
    except PolicyError as error:
        message = str(error)
        raise PolicyError(message if ".toml: " in message else f"{path}: {message}") from None


def _policy(raw: dict[str, Any], path: Path, parameter: str) -> SlaPolicy:
    takes = raw.get("parameter")
    if parameter and not takes:
        raise PolicyError(f"{raw['version']} takes no parameter ({parameter!r})")

    def named(text: object) -> str:
        return str(text).replace(f"{{{takes}}}", parameter) if takes else str(text)

    targets = {
        clock: {tier: _target(value, named) for tier, value in table.items()}
        for clock, table in raw.items()
        if isinstance(table, dict) and clock not in _SETTINGS
    }
    default = named(raw["calendar"]) if "calendar" in raw else None
    calendars = {str(k): named(v) for k, v in raw.get("calendars", {}).items()}
    tiers = {str(k): named(v) for k, v in raw.get("tier_calendars", {}).items()}
    used = {default, *calendars.values(), *tiers.values()}
    used |= {t.calendar for per_tier in targets.values() for t in per_tier.values()}
    names = sorted(n for n in used if n)
    for calendar in names:
        load_calendar(calendar)  # a bad calendar fails when the policy loads, not later
    pauses = raw.get("pauses", [])
    if not isinstance(pauses, list) or any(p not in CLOCKS for p in pauses):
        raise PolicyError(f"pauses: {pauses!r}: give a list of clocks from {', '.join(CLOCKS)}")
    version = str(raw["version"]) + (f":{parameter.upper()}" if parameter else "")
    return SlaPolicy(
        version,
        str(raw.get("description", "")),
        targets,
        default,
        calendars,
        tiers,
        (path, *dict.fromkeys(calendar_path(n) for n in names)),
        tuple(str(p) for p in pauses),
    )


def _target(value: object, named: Any) -> Duration:
    """``"15bd"``, or ``{ target = "8bh eod", calendar = "..." }`` for a target on a
    calendar of its own."""
    if isinstance(value, dict):
        calendar = value.get("calendar")
        return Duration.parse(str(value["target"]), named(calendar) if calendar else None)
    return Duration.parse(str(value))
