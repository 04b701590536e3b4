"""The trust model tells the stories right: phases, orderings, explanations, policies."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.unit.scoring.stories import Story
from trustengine.scoring.policy import load_trust_policy, policy_path
from trustengine.scoring.sla import load_sla_policy
from trustengine.scoring.trust import PHASES, TrustModel, TrustState


def replay(story: Story, model: TrustModel | None = None) -> TrustState:
    return (model or TrustModel()).replay(story.recorded)


# --- each phase, reached by a realistic history -------------------------------------


def test_a_customer_who_never_complained_is_steady_at_the_baseline() -> None:
    story = Story().add("CustomerRegistered", name="Ada", tier="standard")

    state = replay(story)

    assert (state.phase, state.score) == ("steady", 75.0)


def test_an_untouched_complaint_is_damaged() -> None:
    state = replay(Story().complaint())

    assert state.phase == "damaged"
    assert state.score < 75.0


def test_an_acknowledgement_alone_without_owned_steps_stays_damaged() -> None:
    state = replay(Story().complaint().add("ComplaintAcknowledged", "C-1"))

    assert state.phase == "damaged"


def test_acknowledged_with_owned_steps_under_way_is_recovering() -> None:
    story = Story().complaint().add("ComplaintAcknowledged", "C-1")
    story.add("ApologyIssued", "C-1", accepts_responsibility=True)

    assert replay(story).phase == "recovering"


def test_closed_and_confirmed_but_not_yet_followed_up_is_still_recovering() -> None:
    story = Story().complaint().good_handling().confirmed_close()

    assert replay(story).phase == "recovering"


def test_a_confirmed_followed_up_recovery_is_restored() -> None:
    state = replay(Story().model_recovery(severity=3))

    assert state.phase == "restored"


def test_a_first_mild_failure_ending_with_a_promoter_score_makes_an_advocate() -> None:
    state = replay(Story().model_recovery(severity=2).nps(10, "C-1"))

    assert state.phase == "advocate"
    assert state.score > 75.0  # the recovery paradox: above where trust started


def test_a_severe_first_failure_never_makes_an_advocate_however_well_handled() -> None:
    state = replay(Story().model_recovery(severity=4).nps(10, "C-1"))

    assert state.phase == "restored"


@pytest.mark.parametrize(
    ("signal", "steps"),
    [
        (
            "broken promise",
            [
                (
                    "PromiseMade",
                    {
                        "promise": "P-9",
                        "description": "Call back",
                        "due": "2026-03-03T09:00:00+00:00",
                    },
                ),
                ("PromiseBroken", {"promise": "P-9"}),
            ],
        ),
        (
            "sla breach",
            [("SlaBreached", {"clock": "first_response", "due": "2026-03-02T10:00:00+00:00"})],
        ),
        (
            "repeated hand-offs",
            [("CaseReassigned", {"owner": "billing"}), ("CaseReassigned", {"owner": "agent-4"})],
        ),
        ("closing without confirmation", [("CaseClosed", {"confirmed_by_customer": False})]),
    ],
)
def test_case_failures_push_the_customer_to_at_risk(
    signal: str, steps: list[tuple[str, dict[str, object]]]
) -> None:
    story = Story().complaint().add("ComplaintAcknowledged", "C-1")
    story.add("ApologyIssued", "C-1", accepts_responsibility=True)
    for type_name, data in steps:
        story.add(type_name, "C-1", **data)

    assert replay(story).phase == "at_risk", signal


def test_unanswered_outreach_pushes_to_at_risk_until_the_customer_answers() -> None:
    story = Story().model_recovery().add("ContactUnanswered", attempts=2)
    assert replay(story).phase == "at_risk"

    story.add("CustomerContacted", direction="inbound", sentiment=0.2)
    assert replay(story).phase == "restored"


def test_a_detractor_after_a_botched_case_is_lost() -> None:
    story = Story().complaint(severity=3).add("ComplaintAcknowledged", "C-1")
    story.add("JustificationGiven", "C-1", summary="Our courier's fault, not ours")
    story.add("CaseClosed", "C-1", confirmed_by_customer=False)

    story.nps(2)

    assert replay(story).phase == "lost"


def test_every_phase_named_by_the_contract_is_one_the_model_can_return() -> None:
    assert set(PHASES) == {
        "steady",
        "damaged",
        "recovering",
        "restored",
        "advocate",
        "at_risk",
        "lost",
    }


# --- orderings the research implies -------------------------------------------------


def handled_with(step: tuple[str, dict[str, object]]) -> float:
    story = Story().complaint().add("ComplaintAcknowledged", "C-1")
    story.add(step[0], "C-1", **step[1])
    return replay(story).score


def test_an_owned_apology_beats_a_defensive_one() -> None:
    owned = handled_with(("ApologyIssued", {"accepts_responsibility": True}))
    unowned = handled_with(("ApologyIssued", {"accepts_responsibility": False}))
    defensive = handled_with(("JustificationGiven", {"summary": "Not our fault"}))

    assert owned > unowned > defensive


def compensated(addresses_failure: bool, kind: str) -> float:
    story = Story().complaint().add("ComplaintAcknowledged", "C-1")
    story.add(
        "CompensationOffered", "C-1", offer="O-1", kind=kind, addresses_failure=addresses_failure
    )
    story.add("CompensationAccepted", "C-1", offer="O-1")
    return replay(story).score


def test_fitting_compensation_beats_a_generic_gift() -> None:
    assert compensated(True, "refund") > compensated(False, "gift")


def test_a_kept_promise_beats_a_broken_one() -> None:
    def promise(outcome: str) -> float:
        story = Story().complaint().add("ComplaintAcknowledged", "C-1")
        story.add(
            "PromiseMade", "C-1", promise="P-1", description="Call back", due=story.at(days=1)
        )
        story.after(hours=2).add(outcome, "C-1", promise="P-1")
        return replay(story).score

    assert promise("PromiseKept") > promise("PromiseBroken")


def test_a_promise_kept_late_earns_less_than_one_kept_on_time() -> None:
    def kept_after(hours: float) -> float:
        story = Story().complaint().add("ComplaintAcknowledged", "C-1")
        story.add(
            "PromiseMade", "C-1", promise="P-1", description="Call back", due=story.at(hours=4)
        )
        story.after(hours=hours).add("PromiseKept", "C-1", promise="P-1")
        return replay(story).score

    assert kept_after(1) > kept_after(10)


def test_a_fast_acknowledgement_beats_a_slow_one() -> None:
    def acknowledged_after(hours: float) -> float:
        return replay(
            Story().complaint().after(hours=hours).add("ComplaintAcknowledged", "C-1")
        ).score

    assert acknowledged_after(1) > acknowledged_after(30)


def test_a_second_failure_lowers_the_ceiling_even_after_a_perfect_recovery() -> None:
    once = replay(Story().model_recovery("C-1").nps(10, "C-1"))
    twice = replay(
        Story()
        .model_recovery("C-1")
        .nps(10, "C-1")
        .after(days=30)
        .model_recovery("C-2")
        .nps(10, "C-2")
    )

    assert twice.ceiling < once.ceiling
    assert twice.score <= twice.ceiling < once.score
    assert twice.phase == "restored"


def test_each_further_failure_hurts_more_than_the_one_before() -> None:
    story = Story().model_recovery("C-1")
    first_damage = next(c.delta for c in replay(story).explanation if c.type == "ComplaintFiled")
    story.after(days=30).complaint("C-2")
    second = [c.delta for c in replay(story).explanation if c.type == "ComplaintFiled"][-1]

    assert second < first_damage < 0


# --- explanation and replay ---------------------------------------------------------


def test_every_event_has_an_explained_contribution_that_sums_to_the_score() -> None:
    story = Story().model_recovery().nps(9, "C-1")

    state = replay(story)

    assert [c.type for c in state.explanation] == [e.type_name for e in story.recorded]
    assert all(c.reason for c in state.explanation)
    assert round(75.0 + sum(c.delta for c in state.explanation), 1) == state.score


def test_the_explanation_names_the_rule_and_the_components_it_moved() -> None:
    story = Story().complaint().add("ComplaintAcknowledged", "C-1")
    story.add("ApologyIssued", "C-1", accepts_responsibility=True)

    apology = replay(story).explanation[-1]

    assert apology.reason == (
        "apology that owns the failure (repairs a competence failure) "
        "(+2 distributive, +10 interactional)"
    )
    assert apology.delta > 0


def test_state_at_every_event_boundary_equals_the_state_from_that_prefix() -> None:
    story = Story().complaint(severity=3).add("ComplaintAcknowledged", "C-1")
    story.add("CaseReassigned", "C-1", owner="billing").good_handling("C-1").confirmed_close()
    story.follow_up().nps(8, "C-1")
    model = TrustModel()
    full = model.replay(story.recorded)

    for n, contribution in enumerate(full.explanation, start=1):
        prefix = model.replay(story.recorded[:n])
        assert (prefix.score, prefix.phase) == (contribution.score, contribution.phase)


# --- policies -----------------------------------------------------------------------


def test_another_policy_version_rescores_the_same_history_and_names_itself(
    tmp_path: Path,
) -> None:
    text = policy_path("trust-v1").read_text(encoding="utf-8")
    strict = tmp_path / "trust-strict.toml"
    strict.write_text(
        text.replace('version = "trust-v1"', 'version = "trust-strict"').replace(
            "baseline = 75.0", "baseline = 60.0"
        ),
        encoding="utf-8",
    )
    story = Story().model_recovery()

    default = replay(story)
    rescored = replay(story, TrustModel(load_trust_policy(str(strict))))

    assert (default.policy, rescored.policy) == ("trust-v1", "trust-strict")
    assert rescored.score < default.score


def test_a_regulatory_sla_preset_changes_what_counts_as_a_timely_first_response() -> None:
    story = Story().complaint().after(days=3).add("ComplaintAcknowledged", "C-1")

    house = replay(story, TrustModel(sla=load_sla_policy("sla-default")))
    cfpb = replay(story, TrustModel(sla=load_sla_policy("sla-us-cfpb")))

    assert house.explanation[-1].reason.startswith("complaint acknowledged, but after")
    assert cfpb.explanation[-1].reason.startswith("complaint acknowledged within")
    assert (house.sla_policy, cfpb.sla_policy) == ("sla-default", "sla-us-cfpb")
