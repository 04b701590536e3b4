"""The explainable trust model: fold a customer's events into a trust state.

Each event moves the three justice components (distributive, procedural, interactional)
by amounts a :class:`~trustengine.scoring.policy.TrustPolicy` sets, and the model records
why. The score is the components' weighted mean under a ceiling set by the failure
history; the phase follows the story of the cases (see ``docs/trust-model.md``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from trustengine.domain.base import CustomerEvent
from trustengine.scoring.history import counted_events, is_amendment
from trustengine.scoring.policy import (
    COMPONENTS,
    DEFAULT_TRUST_POLICY,
    TrustPolicy,
    load_trust_policy,
)
from trustengine.scoring.sla import DEFAULT_SLA_POLICY, SlaPolicy, load_sla_policy
from trustengine.scoring.trust_state import PHASES, CaseTrack, Contribution, TrustState

_CSAT_EFFECTS = {"satisfied": "csat_high", "neutral": "csat_neutral", "dissatisfied": "csat_low"}
"""The policy's effect for each CSAT band (the NPS bands are their effects' names)."""


class TrustModel:
    """Folds events into :class:`TrustState` under one trust policy and one SLA policy."""

    def __init__(self, policy: TrustPolicy | None = None, sla: SlaPolicy | None = None) -> None:
        self.policy = policy or load_trust_policy()
        self.sla = sla or load_sla_policy()
        self._moves: dict[tuple[str, float], tuple[str, tuple[tuple[str, float], ...]]] = {}
        """(effect, scale) -> its reason text and its changes: the same every time."""
        self._handlers: dict[str, Any] = {}
        """Event type name -> its ``_on_...`` method (None: no effect on trust)."""
        self._weights: tuple[tuple[tuple[str, float], ...], float] | None = None
        """The policy's weights in component order, and their sum."""

    @classmethod
    def named(cls, policy: str | None = None, sla: str | None = None) -> TrustModel:
        """The model under the trust and SLA policies called ``policy`` and ``sla``
        (file stems in ``projections/`` or paths; the defaults when None)."""
        return cls(
            load_trust_policy(policy or DEFAULT_TRUST_POLICY),
            load_sla_policy(sla or DEFAULT_SLA_POLICY),
        )

    def new_state(self, customer: str) -> TrustState:
        baseline = self.policy.baseline
        components = dict.fromkeys(COMPONENTS, baseline)
        state = TrustState(customer, self.policy.version, components, self.sla.version)
        state.score = self._score(state)
        return state

    def replay(self, events: Iterable[CustomerEvent], *, explain: bool = True) -> TrustState:
        """The state after ``events`` (one customer's stored events, or a prefix of their
        history): the events that count, in business-time order
        (:func:`~trustengine.scoring.history.business_order`)."""
        stored = list(events)
        counted = counted_events(stored)
        state: TrustState | None = None
        if stored and not counted:
            return self.new_state(stored[0].customer)  # every event retracted
        for event in counted:
            if state is None:
                state = self.new_state(event.customer)
            contribution = self.apply(state, event)
            if explain:
                state.explanation.append(contribution)
        if state is None:
            raise ValueError("no events to replay")
        return state

    def apply(self, state: TrustState, event: CustomerEvent) -> Contribution:
        """Fold one event into ``state``; return its explained contribution."""
        before = state.score
        reasons = self._effects(state, event)
        state.events += 1
        at = state.last_at = event.timestamp
        score = state.score = self._score(state)
        phase = state.phase = self._phase(state)
        return Contribution(
            event.originator_version,
            at,
            event.type_name,
            event.case,
            round(score - before, 2),
            "; ".join(reasons) if reasons else "no effect on trust",
            score,
            phase,
            {c: round(v, 2) for c, v in state.components.items()},
        )

    # --- effects --------------------------------------------------------------------

    def _move(self, state: TrustState, name: str, scale: float = 1.0) -> str:
        found = self._moves.get((name, scale))
        if found is None:
            effect = self.policy.effect(name)
            changes = tuple((c, delta * scale) for c, delta in effect.deltas.items())
            parts = [f"{change:+g} {c}" for c, change in changes if change]
            reason = effect.reason + (f" ({', '.join(parts)})" if parts else "")
            found = self._moves[(name, scale)] = (reason, changes)
        reason, changes = found
        components = state.components
        for component, change in changes:
            components[component] = min(100.0, max(0.0, components[component] + change))
        return reason

    def _effects(self, state: TrustState, event: CustomerEvent) -> list[str]:
        if is_amendment(event):
            return []  # amendments count for nothing themselves: see scoring/history.py
        name = event.type_name
        try:
            handler = self._handlers[name]
        except KeyError:
            handler = self._handlers[name] = getattr(self, f"_on_{name}", None)
        if handler is None:
            return []
        case = state.cases.get(event.case or "")
        return list(handler(state, event, case))

    def _on_CustomerRegistered(self, state: TrustState, e: Any, _c: Any) -> list[str]:
        state.tier = e.tier
        return [f"registered as a {e.tier} customer"]

    def _on_CustomerContacted(self, state: TrustState, e: Any, case: Any) -> list[str]:
        if e.direction == "inbound":
            state.unanswered = False
        if e.sentiment is None:
            return []
        positive = e.sentiment >= self.policy.phases["positive_sentiment"]
        if case is not None and case.closed and positive:
            case.followed_up = True
        return [self._move(state, "sentiment", float(e.sentiment))]

    def _on_ContactUnanswered(self, state: TrustState, e: Any, _c: Any) -> list[str]:
        state.unanswered = True
        counted = min(e.attempts, self.policy.unanswered_attempts_max)
        return [self._move(state, "contact_unanswered", float(counted))]

    def _on_SatisfactionRecorded(self, state: TrustState, e: Any, case: Any) -> list[str]:
        state.unanswered = False
        state.last_satisfaction = (e.metric, e.score)
        bands = self.policy.satisfaction
        if e.metric == "nps":
            state.last_nps = e.score
            name = bands.nps_band(e.score)
        else:
            name = _CSAT_EFFECTS[bands.csat_band(e.score)]
        if case is not None and case.closed and not bands.is_low(e.metric, e.score):
            case.followed_up = True
        return [self._move(state, name)]

    def _on_ComplaintFiled(self, state: TrustState, e: Any, _c: Any) -> list[str]:
        policy = self.policy
        state.failures += 1
        repeat = policy.repeat_multiplier ** (state.failures - 1)
        damage = policy.damage_by_severity.get(e.severity, 0.0) * repeat
        state.ceiling = self._ceiling(state.failures, e.severity)
        due = self.sla.due("first_response", e.timestamp, state.tier)
        state.cases[e.case] = CaseTrack(e.timestamp, e.severity, due)
        for component, share in policy.damage_split.items():
            state.components[component] = max(0.0, state.components[component] - damage * share)
        nth = "first" if state.failures == 1 else f"failure #{state.failures}"
        reasons = [
            f"{nth} complaint, severity {e.severity} (-{damage:g} damage); "
            f"trust ceiling now {state.ceiling:g}"
        ]
        extra = policy.cause_extra.get(e.cause)
        if extra:
            for component, delta in extra.items():
                state.components[component] = max(0.0, state.components[component] + delta)
            parts = ", ".join(f"{d:+g} {c}" for c, d in extra.items())
            reasons.append(f"cause {e.cause.replace('_', ' ')} ({parts})")
        return reasons

    def _ceiling(self, failures: int, severity: int) -> float:
        c = self.policy.ceiling
        if failures == 1:
            return c["first_mild"] if severity <= self.policy.mild_severity else c["first_severe"]
        return max(c["floor"], c["repeat"] - c["repeat_step"] * (failures - 2))

    def _on_ComplaintAcknowledged(self, state: TrustState, e: Any, case: CaseTrack) -> list[str]:
        if case.acknowledged:
            return []
        case.acknowledged = True
        due = case.first_response_due
        on_time = due is None or e.timestamp <= due
        return [self._move(state, "acknowledged_on_time" if on_time else "acknowledged_late")]

    def _on_ApologyIssued(self, state: TrustState, e: Any, case: CaseTrack) -> list[str]:
        if not e.accepts_responsibility:
            return [self._move(state, "apology_unowned")]
        case.owned = True
        reasons = [self._move(state, "apology_owned")]
        if e.explanation:
            reasons.append(self._move(state, "explanation_given"))
        return reasons

    def _on_JustificationGiven(self, state: TrustState, e: Any, _c: Any) -> list[str]:
        return [self._move(state, "justification")]

    def _on_PromiseMade(self, state: TrustState, e: Any, case: CaseTrack) -> list[str]:
        case.owned = True
        state.due[("promise", e.promise)] = e.due
        return [self._move(state, "promise_made")]

    def _on_PromiseKept(self, state: TrustState, e: Any, _c: Any) -> list[str]:
        due = state.due.get(("promise", e.promise))
        late = due is not None and e.timestamp > due
        return [self._move(state, "promise_kept_late" if late else "promise_kept_on_time")]

    def _on_PromiseBroken(self, state: TrustState, e: Any, case: CaseTrack) -> list[str]:
        state.broken_promises += 1
        case.broken_promises += 1
        case.botched = True
        return [self._move(state, "promise_broken")]

    def _on_CorrectiveActionCommitted(
        self, state: TrustState, e: Any, case: CaseTrack
    ) -> list[str]:
        case.owned = True
        state.due[("action", e.action)] = e.due
        reasons = [self._move(state, "action_committed")]
        if e.prevents_recurrence:
            reasons.append(self._move(state, "action_prevents_recurrence"))
        return reasons

    def _on_CorrectiveActionCompleted(self, state: TrustState, e: Any, _c: Any) -> list[str]:
        due = state.due.get(("action", e.action))
        late = due is not None and e.timestamp > due
        return [self._move(state, "action_completed_late" if late else "action_completed_on_time")]

    def _on_CompensationOffered(self, state: TrustState, e: Any, case: CaseTrack) -> list[str]:
        case.owned = True
        state.fitting_offers[e.offer] = e.addresses_failure
        return [self._move(state, "offer_fitting" if e.addresses_failure else "offer_generic")]

    def _on_CompensationAccepted(self, state: TrustState, e: Any, _c: Any) -> list[str]:
        fitting = state.fitting_offers.get(e.offer, False)
        name = "compensation_accepted_fitting" if fitting else "compensation_accepted_generic"
        return [self._move(state, name)]

    def _on_CompensationDeclined(self, state: TrustState, e: Any, _c: Any) -> list[str]:
        return [self._move(state, "compensation_declined")]

    def _on_CaseEscalated(self, state: TrustState, e: Any, _c: Any) -> list[str]:
        return [self._move(state, "escalated")]

    def _on_CaseReassigned(self, state: TrustState, e: Any, case: CaseTrack) -> list[str]:
        case.hand_offs += 1
        if case.hand_offs >= self.policy.phases["hand_offs_at_risk"]:
            case.botched = True
        return [self._move(state, "hand_off" if case.hand_offs == 1 else "repeated_hand_off")]

    def _on_ResolutionProposed(self, state: TrustState, e: Any, _c: Any) -> list[str]:
        return [self._move(state, "resolution_proposed")]

    def _on_ResolutionConfirmed(self, state: TrustState, e: Any, case: CaseTrack) -> list[str]:
        case.confirmed = True
        case.issue_persists = False
        return [self._move(state, "resolution_confirmed")]

    def _on_CaseClosed(self, state: TrustState, e: Any, case: CaseTrack) -> list[str]:
        case.closed = True
        if e.confirmed_by_customer or case.confirmed:
            case.confirmed = True
            return [self._move(state, "closed_confirmed")]
        case.closed_unconfirmed = True
        case.botched = True
        return [self._move(state, "closed_unconfirmed")]

    def _on_CaseReopened(self, state: TrustState, e: Any, case: CaseTrack) -> list[str]:
        case.closed = case.confirmed = case.closed_unconfirmed = case.followed_up = False
        return [self._move(state, "reopened")]

    def _on_FollowUpScheduled(self, state: TrustState, e: Any, _c: Any) -> list[str]:
        return [self._move(state, "follow_up_scheduled")]

    def _on_FollowUpCompleted(self, state: TrustState, e: Any, case: CaseTrack) -> list[str]:
        if e.outcome == "satisfied":
            case.followed_up = True
        elif e.outcome == "issue_persists":
            case.issue_persists = True
        else:
            state.unanswered = True
        return [self._move(state, f"follow_up_{e.outcome}")]

    def _on_SlaBreached(self, state: TrustState, e: Any, case: CaseTrack) -> list[str]:
        case.breaches += 1
        case.botched = True
        return [f"{e.clock.replace('_', ' ')} SLA breached: " + self._move(state, "sla_breached")]

    # --- score and phase ------------------------------------------------------------

    def _score(self, state: TrustState) -> float:
        weights = self._weights
        if weights is None:
            policy = self.policy.weights
            weights = self._weights = (
                tuple((c, policy[c]) for c in COMPONENTS),
                sum(policy.values()) or 1.0,
            )
        pairs, total = weights
        components = state.components
        mean = sum(components[c] * weight for c, weight in pairs) / total
        return round(min(mean, state.ceiling), 1)

    def _phase(self, state: TrustState) -> str:
        """The phase after the last event (docs/trust-model.md, "Phases"): one pass over
        the cases gathers what the rules below ask of them."""
        thresholds = self.policy.phases
        bands = self.policy.satisfaction
        last = state.last_satisfaction
        detractor = last is not None and bands.is_low(*last)
        score = state.score
        if score < thresholds.get("lost_below", 0.0):
            return "lost"
        botched = troubled = opened = False
        open_in_hand = closed_followed_up = True
        for case in state.cases.values():
            if case.botched:
                botched = True
            if case.closed:
                if not case.followed_up:
                    closed_followed_up = False
            else:
                opened = True
                if case.botched:
                    troubled = True
                if not (case.acknowledged and case.owned):
                    open_in_hand = False
            if case.closed_unconfirmed or case.issue_persists:
                troubled = True
        if detractor and botched:
            return "lost"
        if (
            state.unanswered
            or detractor
            or score < thresholds.get("at_risk_below", 0.0)
            or troubled
        ):
            return "at_risk"
        if not state.cases:
            return "steady"
        if opened:
            return "recovering" if open_in_hand else "damaged"
        if not closed_followed_up:
            return "recovering"
        promoter = state.last_nps is not None and bands.nps_band(state.last_nps) == "promoter"
        first = next(iter(state.cases.values()))
        mild_first = state.failures == 1 and first.severity <= self.policy.mild_severity
        if promoter and mild_first and score >= thresholds.get("advocate_min_score", 0.0):
            return "advocate"
        return "restored"


__all__ = [
    "PHASES",
    "CaseTrack",
    "Contribution",
    "TrustModel",
    "TrustState",
]
