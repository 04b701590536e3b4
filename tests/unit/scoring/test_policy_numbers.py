"""Every number of the trust model and the report's figures is in the policy file.

The scan reads the source of ``scoring/`` and ``report/figures.py`` and fails on any
numeric literal other than 0, 1, -1 and 100 that the allow-list below does not name with
its reason, so a new magic number has to go to ``projections/trust-v1.toml`` (or say why
it is not a policy setting).
"""

from __future__ import annotations

import ast
from collections import Counter
from pathlib import Path

import pytest

from tests.unit.scoring.stories import Story
from trustengine.report import build_report
from trustengine.report.figures import csat, nps
from trustengine.scoring.policy import (
    INHERITED_SECTIONS,
    SatisfactionBands,
    load_toml,
    load_trust_policy,
    policy_path,
)
from trustengine.scoring.trust import TrustModel

PACKAGE = Path(__file__).resolve().parents[3] / "src" / "trustengine"
SCORING = sorted((PACKAGE / "scoring").glob("*.py"))
SCANNED = [*(path.relative_to(PACKAGE).as_posix() for path in SCORING), "report/figures.py"]
PLAIN = {0, 1, -1, 100}
"""Numbers that are no setting: nothing, one, the last, and the 0-100 scale itself."""
ALLOWED: dict[tuple[str, str, float], str] = {
    ("scoring/policy.py", "policy_dir", 3): "the source tree's depth: src/trustengine/scoring",
    ("scoring/trust.py", "apply", 2): "the explanation's delta and components show 2 places",
    ("scoring/trust.py", "_ceiling", 2): "the ceiling's repeat setting is for failure #2; "
    "each failure after it lowers the ceiling by repeat_step",
    ("scoring/calendars.py", "_day", 4096): "how many day names are remembered (a cache)",
    ("scoring/calendars.py", "_offset", 1024): "how many UTC offsets' texts are remembered",
    ("report/figures.py", "_ranked", -2): "the period before the last one, for the change",
}
"""Numeric literals that are not policy settings, by file, function and value."""


def literals(relative: str, source: str | None = None) -> Counter[tuple[str, str, float]]:
    """Each numeric literal of the module (or of ``source``), by (file, enclosing
    function, value)."""
    if source is None:
        source = (PACKAGE / relative).read_text(encoding="utf-8")
    tree = ast.parse(source)
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    found: Counter[tuple[str, str, float]] = Counter()
    for node in ast.walk(tree):
        if not isinstance(node, ast.Constant) or isinstance(node.value, bool):
            continue
        if not isinstance(node.value, int | float):
            continue
        parent = parents.get(node)
        negative = isinstance(parent, ast.UnaryOp) and isinstance(parent.op, ast.USub)
        value = -node.value if negative else node.value
        scope = parent
        while scope is not None and not isinstance(scope, ast.FunctionDef | ast.ClassDef):
            scope = parents.get(scope)
        found[(relative, getattr(scope, "name", "<module>"), value)] += 1
    return found


@pytest.mark.parametrize("relative", SCANNED)
def test_no_number_in_the_scoring_code_is_missing_from_the_policy(relative: str) -> None:
    assert unexplained(literals(relative)) == [], "move these to the policy, or allow them"


def unexplained(found: Counter[tuple[str, str, float]]) -> list[str]:
    return sorted(
        f"{file} {scope}(): {value}"
        for (file, scope, value) in found
        if value not in PLAIN and (file, scope, value) not in ALLOWED
    )


def test_every_allowed_number_is_still_there() -> None:
    found = set().union(*(literals(relative) for relative in SCANNED))

    assert set(ALLOWED) <= found, "drop allow-list entries the code no longer has"


def test_the_scan_finds_a_new_magic_number() -> None:
    source = "LIMIT = 0.3\n\ndef band(score):\n    return score >= -9 or score < 100\n"

    found = literals("scoring/trust.py", source)

    assert unexplained(found) == [
        "scoring/trust.py <module>(): 0.3",
        "scoring/trust.py band(): -9",
    ]


BANDS = load_trust_policy().satisfaction


@pytest.mark.parametrize(
    ("score", "band"),
    [(0, "detractor"), (6, "detractor"), (7, "passive"), (8, "passive"), (9, "promoter")],
)
def test_trust_v1s_nps_bands_are_the_net_promoter_scores(score: int, band: str) -> None:
    assert BANDS.nps_band(score) == band


@pytest.mark.parametrize(
    ("score", "band"), [(1, "dissatisfied"), (2, "dissatisfied"), (3, "neutral"), (4, "satisfied")]
)
def test_trust_v1s_csat_bands(score: int, band: str) -> None:
    assert BANDS.csat_band(score) == band


def test_the_report_counts_nps_and_csat_by_the_policys_bands() -> None:
    strict = SatisfactionBands(
        nps_promoter_min=10, nps_detractor_max=7, csat_satisfied_min=5, csat_dissatisfied_max=3
    )

    assert nps([9, 10, 7], BANDS)["nps"] == 66.67
    assert nps([9, 10, 7], strict)["nps"] == 0.0
    assert csat([4, 5], BANDS)["satisfied"] == 2
    assert csat([4, 5], strict)["satisfied"] == 1


def test_the_trust_model_scores_nps_by_the_policys_bands(tmp_path: Path) -> None:
    text = policy_path("trust-v1").read_text(encoding="utf-8")
    strict = tmp_path / "trust-strict.toml"
    strict.write_text(
        text.replace('version = "trust-v1"', 'version = "trust-strict"').replace(
            "nps_promoter_min = 9 ", "nps_promoter_min = 10"
        ),
        encoding="utf-8",
    )
    story = Story().model_recovery().nps(9, "C-1")

    default = TrustModel(load_trust_policy()).replay(story.recorded)
    rescored = TrustModel(load_trust_policy(str(strict))).replay(story.recorded)

    assert default.explanation[-1].reason.startswith("promoter score")
    assert rescored.explanation[-1].reason.startswith("passive score")


def test_a_policy_written_before_the_new_sections_takes_trust_v1s(tmp_path: Path) -> None:
    text = policy_path("trust-v1").read_text(encoding="utf-8")
    older = tmp_path / "trust-older.toml"
    kept = text.split("\n[satisfaction]")[0].replace("positive_sentiment = 0.3", "")
    older.write_text(kept.replace('version = "trust-v1"', 'version = "older"'), encoding="utf-8")
    assert not any(f"[{section}]" in kept for section in INHERITED_SECTIONS)

    loaded = load_trust_policy(str(older))
    shipped = load_trust_policy()

    assert (loaded.satisfaction, loaded.report) == (shipped.satisfaction, shipped.report)
    assert loaded.unanswered_attempts_max == shipped.unanswered_attempts_max
    assert loaded.phases["positive_sentiment"] == shipped.phases["positive_sentiment"]


def test_the_shipped_policy_states_every_new_section() -> None:
    raw = load_toml("trust-v1")

    assert all(section in raw for section in INHERITED_SECTIONS)


def test_build_report_states_the_bands_it_counted_by() -> None:
    from trustengine import TrustEngine
    from trustengine.readmodel import ReadModel

    with TrustEngine(":memory:") as engine:
        engine.record_satisfaction("cust-1", metric="nps", score=9)
        with ReadModel(engine) as views:
            views.catch_up()
            report = build_report(views.db)

    assert report["satisfaction"]["bands"] == {
        "nps": {"promoters": [9, 10], "passives": [7, 8], "detractors": [0, 6]},
        "csat": {"satisfied": [4, 5], "neutral": [3, 3], "dissatisfied": [1, 2]},
    }
