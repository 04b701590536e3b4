"""Trust policies: the versioned weights, ceilings and thresholds the trust model uses.

Policies are TOML files in the top-level ``projections/`` folder (shipped in the wheel as
``trustengine/policies``), so auditors can read them without reading Python. A policy is
named by its file stem (``trust-v1``) or given as a path.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from trustengine.exceptions import PolicyError

COMPONENTS = ("distributive", "procedural", "interactional")
DEFAULT_TRUST_POLICY = "trust-v1"


def policy_dir() -> Path:
    """The folder that holds the shipped policy files."""
    shipped = resources.files("trustengine").joinpath("policies")
    if shipped.is_dir():
        return Path(str(shipped))
    # An editable install runs from the source tree, where they live at the top level.
    return Path(__file__).resolve().parents[3] / "projections"


def policy_path(name: str) -> Path:
    """The file of policy ``name`` (a stem in the policy folder, or a path to a file)."""
    candidate = Path(name)
    if candidate.suffix == ".toml" and candidate.is_file():
        return candidate
    shipped = policy_dir() / f"{name}.toml"
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
    phases: dict[str, float] = field(default_factory=dict)

    def effect(self, name: str) -> Effect:
        """The effect called ``name``; a policy without it has no effect for that step."""
        return self.effects.get(name, Effect({}, name.replace("_", " ")))


@cache
def load_trust_policy(name: str = DEFAULT_TRUST_POLICY) -> TrustPolicy:
    """Load and check trust policy ``name``."""
    raw = load_toml(name)
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
            phases={k: float(v) for k, v in raw.get("phases", {}).items()},
        )
    except (KeyError, TypeError, ValueError) as error:
        raise PolicyError(f"{policy_path(name)}: missing or bad setting {error}") from None
