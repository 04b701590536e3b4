"""Trust policies: the versioned weights, ceilings and thresholds the trust model uses.

Policies are TOML files in the top-level ``projections/`` folder (shipped in the wheel as
``trustengine/policies``), so auditors can read them without reading Python. A policy is
named by its file stem (``trust-v1``) or given as a path.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from datetime import timedelta
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from trustengine.exceptions import PolicyError

COMPONENTS = ("distributive", "procedural", "interactional")
DEFAULT_TRUST_POLICY = "trust-v1"
INHERITED_SECTIONS = ("satisfaction", "signals", "report")
"""Sections added to ``trust-v1`` after the first policies were written: a policy file
that leaves one out takes ``trust-v1``'s, which are the numbers the engine used before
they were settings."""
INHERITED_PHASES = ("positive_sentiment", "hand_offs_at_risk")
"""``[phases]`` settings a policy file may leave out, taking ``trust-v1``'s likewise."""


def policy_dir() -> Path:
    """The folder that holds the shipped policy files."""
    shipped = resources.files("trustengine").joinpath("policies")
    if shipped.is_dir():
        return Path(str(shipped))
    # An editable install runs from the source tree, where they live at the top level.
    return Path(__file__).resolve().parents[3] / "projections"


def policy_path(name: str) -> Path:
    """The file of policy ``name`` (a stem in the policy folder, or a path to a file).

    A parameter after a colon names the same file: ``sla-eu-psd2:DE`` is
    ``sla-eu-psd2.toml`` (the policy reads the parameter; docs/service-levels.md).
    """
    candidate = Path(name)
    if candidate.suffix == ".toml" and candidate.is_file():
        return candidate
    shipped = policy_dir() / f"{name.partition(':')[0]}.toml"
    if shipped.is_file():
        return shipped
    known = sorted(p.stem for p in policy_dir().glob("*.toml"))
    raise PolicyError(f"no policy {name!r}; known: {', '.join(known)}")


def load_toml(name: str) -> dict[str, Any]:
    """Read policy ``name`` as a dict; raise :class:`PolicyError` naming the file if bad."""
    path = policy_path(name)
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as error:
        raise PolicyError(f"{path}: {error}") from None


@dataclass(frozen=True)
class Effect:
    """Component deltas for one kind of step, and the reason an explanation shows."""

    deltas: dict[str, float]
    reason: str


@dataclass(frozen=True)
class SatisfactionBands:
    """Where a CSAT or NPS score falls: docs/trust-model.md, "Satisfaction bands"."""

    nps_promoter_min: int
    nps_detractor_max: int
    csat_satisfied_min: int
    csat_dissatisfied_max: int

    def nps_band(self, score: int) -> str:
        """``promoter``, ``passive`` or ``detractor``."""
        if score >= self.nps_promoter_min:
            return "promoter"
        return "detractor" if score <= self.nps_detractor_max else "passive"

    def csat_band(self, score: int) -> str:
        """``satisfied``, ``neutral`` or ``dissatisfied``."""
        if score >= self.csat_satisfied_min:
            return "satisfied"
        return "dissatisfied" if score <= self.csat_dissatisfied_max else "neutral"

    def is_low(self, metric: str, score: int) -> bool:
        """Whether the score is a detractor NPS or a dissatisfied CSAT."""
        if metric == "nps":
            return self.nps_band(score) == "detractor"
        return self.csat_band(score) == "dissatisfied"

    def as_dict(self) -> dict[str, dict[str, list[int]]]:
        """Each band's lowest and highest score, per metric (as the report states them)."""
        # Here, not above: the values module loads pydantic, and a policy is read without it.
        from trustengine.domain.values import SCORE_RANGES

        nps_low, nps_high = SCORE_RANGES["nps"]
        csat_low, csat_high = SCORE_RANGES["csat"]
        return {
            "nps": {
                "promoters": [self.nps_promoter_min, nps_high],
                "passives": [self.nps_detractor_max + 1, self.nps_promoter_min - 1],
                "detractors": [nps_low, self.nps_detractor_max],
            },
            "csat": {
                "satisfied": [self.csat_satisfied_min, csat_high],
                "neutral": [self.csat_dissatisfied_max + 1, self.csat_satisfied_min - 1],
                "dissatisfied": [csat_low, self.csat_dissatisfied_max],
            },
        }


@dataclass(frozen=True)
class ReportSettings:
    """How ``trustengine report`` presents its figures (none changes a trust score)."""

    top_issues: int
    paradox_min_responses: int
    percentiles: tuple[int, ...]
    score_bins: int
    late_entry_hours: int
    """An event recorded more than this long after its ``at`` is marked a late entry."""

    @property
    def late_after(self) -> timedelta:
        """:attr:`late_entry_hours` as a duration."""
        return timedelta(hours=self.late_entry_hours)


@dataclass(frozen=True)
class TrustPolicy:
    """Every number the trust model uses; see ``projections/trust-v1.toml``."""

    version: str
    baseline: float
    weights: dict[str, float]
    ceiling: dict[str, float]
    mild_severity: int
    damage_by_severity: dict[int, float]
    damage_split: dict[str, float]
    repeat_multiplier: float
    cause_extra: dict[str, dict[str, float]]
    effects: dict[str, Effect]
    satisfaction: SatisfactionBands
    unanswered_attempts_max: int
    """How many attempts of a ``ContactUnanswered`` its effect counts, at most."""
    report: ReportSettings
    phases: dict[str, float] = field(default_factory=dict)

    def effect(self, name: str) -> Effect:
        """The effect called ``name``; a policy without it has no effect for that step."""
        return self.effects.get(name, Effect({}, name.replace("_", " ")))


@cache
def load_trust_policy(name: str = DEFAULT_TRUST_POLICY) -> TrustPolicy:
    """Load and check trust policy ``name``."""
    raw = _inheriting(load_toml(name), name)
    try:
        score, ceiling, damage = raw["score"], raw["ceiling"], raw["damage"]
        weights = {c: float(score["weights"][c]) for c in COMPONENTS}
        effects = {
            key: Effect(
                deltas={c: float(value[c]) for c in COMPONENTS if c in value},
                reason=str(value["reason"]),
            )
            for key, value in raw.get("effects", {}).items()
        }
        return TrustPolicy(
            version=str(raw["version"]),
            baseline=float(score["baseline"]),
            weights=weights,
            ceiling={k: float(v) for k, v in ceiling.items() if k != "mild_severity"},
            mild_severity=int(ceiling["mild_severity"]),
            damage_by_severity={int(k): float(v) for k, v in damage["severity"].items()},
            damage_split={c: float(damage["split"][c]) for c in COMPONENTS},
            repeat_multiplier=float(damage["repeat_multiplier"]),
            cause_extra={
                cause: {c: float(d) for c, d in deltas.items()}
                for cause, deltas in damage.get("cause_extra", {}).items()
            },
            effects=effects,
            satisfaction=SatisfactionBands(
                **{key: int(value) for key, value in raw["satisfaction"].items()}
            ),
            unanswered_attempts_max=int(raw["signals"]["unanswered_attempts_max"]),
            report=ReportSettings(
                top_issues=int(raw["report"]["top_issues"]),
                paradox_min_responses=int(raw["report"]["paradox_min_responses"]),
                percentiles=tuple(int(p) for p in raw["report"]["percentiles"]),
                score_bins=int(raw["report"]["score_bins"]),
                late_entry_hours=int(raw["report"]["late_entry_hours"]),
            ),
            phases={k: float(v) for k, v in raw.get("phases", {}).items()},
        )
    except (KeyError, TypeError, ValueError) as error:
        raise PolicyError(f"{policy_path(name)}: missing or bad setting {error}") from None


def _inheriting(raw: dict[str, Any], name: str) -> dict[str, Any]:
    """``raw`` with the settings it leaves out of :data:`INHERITED_SECTIONS` and
    :data:`INHERITED_PHASES` taken from ``trust-v1``."""
    if name == DEFAULT_TRUST_POLICY:
        return raw
    missing_phases = [key for key in INHERITED_PHASES if key not in raw.get("phases", {})]
    if all(section in raw for section in INHERITED_SECTIONS) and not missing_phases:
        return raw
    default = load_toml(DEFAULT_TRUST_POLICY)
    out = {**raw}
    for section in INHERITED_SECTIONS:
        out.setdefault(section, default[section])
    out["phases"] = {
        **{key: default["phases"][key] for key in missing_phases},
        **raw.get("phases", {}),
    }
    return out


__all__ = [
    "COMPONENTS",
    "DEFAULT_TRUST_POLICY",
    "INHERITED_PHASES",
    "INHERITED_SECTIONS",
    "Effect",
    "ReportSettings",
    "SatisfactionBands",
    "TrustPolicy",
    "load_toml",
    "load_trust_policy",
    "policy_dir",
    "policy_path",
]
