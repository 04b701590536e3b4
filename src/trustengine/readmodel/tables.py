"""The projected tables as declared: columns, keys, indexes, personal columns.

Each projection (:mod:`trustengine.readmodel.projections`) owns one of these tables and
names it as its ``TABLE``; the declarations live here, apart from the handlers, so that
what needs only the tables' shape (creating them, the staleness fingerprint, a read of a
current read model) imports no event model. A table is declared here and nowhere else;
:data:`PROJECTED_TABLES` lists them in the registry's order (a test keeps the two in
step).
"""

from __future__ import annotations

from trustengine.readmodel.table import Column, PartialIndex, Table
from trustengine.scoring.policy import COMPONENTS
from trustengine.scoring.trust_state import RECOVERED_PHASES

_RECOVERED = ", ".join(f"'{phase}'" for phase in RECOVERED_PHASES)

RECOVERED_STEPS = PartialIndex(
    "idx_score_history_recovered",
    ("customer", "seq", "at", "phase"),
    where=f"phase IN ({_RECOVERED})",
)
"""The steps into or within a recovered phase, per customer in business-time order."""
COMPLAINTS = PartialIndex(
    "idx_score_history_complaints",
    ("customer", "case", "seq", "type"),
    where="type = 'ComplaintFiled'",
)
"""The complaints filed, per customer and case, in business-time order."""
LATE_OR_AMENDED = PartialIndex(
    "idx_timeline_late_or_amended",
    ("at", "recorded_at", "late_entry", "amendment", "type"),
    where="late_entry IS NOT 0 OR amendment IS NOT NULL",
)
"""The events entered late or amended (few): what the report's late-entries figure reads."""

CUSTOMERS = Table(
    "customers",
    Column("customer", str, key=True),
    Column("score", float, not_null=True),
    Column("phase", str, not_null=True),
    *(Column(component, float) for component in COMPONENTS),
    Column("open_cases", int),
    Column("broken_promises", int),
    Column("cases", int),
    Column("events", int, not_null=True),
    Column("last_event_at", str),
    Column("last_contact_at", str),
    Column("changed_at", str),
    Column("phase_since", str),
    Column("ceiling", float),
    Column("tier", str),
    Column("policy", str, not_null=True),
    Column("sla_policy", str, not_null=True),
    indexes=(("phase", "score"),),
    doc="One row per customer: where trust stands now (changed_at: recorded time of "
    "the last event folded in; phase_since: business time the phase began).",
)

CASES = Table(
    "cases",
    Column("customer", str, key=True),
    Column("case", str, key=True),
    Column("status", str, not_null=True),
    Column("opened_at", str, not_null=True),
    Column("severity", int),
    Column("category", str),
    Column("cause", str),
    Column("summary", str, personal=True),
    Column("owner", str),
    Column("hand_offs", int),
    Column("escalation_level", int),
    Column("acknowledged_at", str),
    Column("proposed_at", str),
    Column("resolved_at", str),
    Column("closed_at", str),
    Column("confirmed_by_customer", bool),
    Column("reopened", int),
    Column("reopened_at", str),
    Column("broken_promises", int),
    Column("sla_breaches", int),
    Column("last_event_at", str),
    Column("awaiting_since", str),
    Column("paused_seconds", float, not_null=True),
    Column("pauses", str, personal=True),
    indexes=(("status", "opened_at"), ("owner",)),
    doc="One row per case (status open/closed; reopened counts reopenings).",
)

TIMELINE = Table(
    "timeline",
    Column("customer", str, key=True),
    Column("position", int, key=True),
    Column("at", str, not_null=True),
    Column("recorded_at", str, not_null=True),
    Column("type", str, not_null=True),
    Column("case", str),
    Column("actor", str),
    Column("channel", str),
    Column("summary", str, not_null=True, personal=True),
    Column("seq", int, not_null=True),
    Column("event_id", str, not_null=True),
    Column("counted", bool, not_null=True),
    Column("amendment", str),
    Column("amended_by", str),
    Column("amended_at", str),
    Column("amended_actor", str),
    Column("amend_reason", str, personal=True),
    Column("met_at", str),
    Column("late_entry", bool, not_null=True),
    Column("source", str),
    indexes=(("type",),),
    partial=(LATE_OR_AMENDED,),
    doc="One row per event: the remediation steps, as `trustengine timeline` shows them.",
    append_only=True,
    redacted=True,
)

PROMISES = Table(
    "promises",
    Column("customer", str, key=True),
    Column("kind", str, key=True),
    Column("id", str, key=True),
    Column("case", str),
    Column("description", str, personal=True),
    Column("made_at", str, not_null=True),
    Column("due", str),
    Column("settled_at", str),
    Column("status", str, not_null=True),
    Column("on_time", bool),
    Column("prevents_recurrence", bool),
    Column("note", str, personal=True, erased_unless="kind = 'follow_up'"),
    indexes=(("status", "due"),),
    doc="Commitments: kind promise|action|follow_up; status open|kept|broken|completed. "
    "Overdue is computed at query time (view overdue_commitments).",
)

COMPENSATION = Table(
    "compensation",
    Column("customer", str, key=True),
    Column("offer", str, key=True),
    Column("case", str),
    Column("kind", str),
    Column("amount", float),
    Column("amount_exact", str),
    Column("currency", str),
    Column("addresses_failure", bool),
    Column("status", str, not_null=True),
    Column("at", str, not_null=True),
    Column("settled_at", str),
    Column("reason", str, personal=True),
    indexes=(("status",),),
    doc="Offers of redress: status offered|accepted|declined. amount is a float for SQL "
    "arithmetic; amount_exact is the same amount as exact decimal text (add money up "
    "from it, as the report does).",
)

SLA_CLOCKS = Table(
    "sla_clocks",
    Column("customer", str, key=True),
    Column("case", str, key=True),
    Column("clock", str, key=True),
    Column("period", int, key=True),
    Column("run", int, key=True),
    Column("started_at", str),
    Column("due", str),
    Column("stopped_at", str),
    Column("breached", bool, not_null=True),
    Column("policy", str, not_null=True),
    Column("paused_at", str),
    Column("paused_seconds", float, not_null=True),
    Column("due_explained", str),
    indexes=(("clock", "breached"),),
    doc="Service-level clocks per case; period 1 is the case as filed, n+1 after its "
    "n-th reopening; run numbers the runs of next_reply and periodic_update. due comes "
    "from the SLA policy for the customer's tier and calendar (due_explained says how), "
    "moved by the time paused (docs/service-levels.md).",
)

SCORE_HISTORY = Table(
    "score_history",
    Column("customer", str, key=True),
    Column("position", int, key=True),
    Column("at", str, not_null=True),
    Column("type", str, not_null=True),
    Column("case", str),
    Column("delta", float, not_null=True),
    Column("score", float, not_null=True),
    Column("phase", str, not_null=True),
    Column("reason", str, not_null=True),
    *(Column(component, float) for component in COMPONENTS),
    Column("seq", int, not_null=True),
    partial=(RECOVERED_STEPS, COMPLAINTS),
    doc="One row per counted event per customer, in business-time order (seq): its "
    "effect on trust, and why.",
    append_only=True,
)

SATISFACTION = Table(
    "satisfaction",
    Column("customer", str, key=True),
    Column("position", int, key=True),
    Column("case", str),
    Column("metric", str, not_null=True),
    Column("score", int, not_null=True),
    Column("at", str, not_null=True),
    Column("phase_before", str),
    doc="One row per SatisfactionRecorded: metric nps (0-10) or csat (1-5), the score, "
    "and phase_before, the customer's phase just before it (a score given while "
    "restored or advocate is a recovered customer's). The comment is personal text and "
    "is not copied here.",
    append_only=True,
)

PROJECTED_TABLES: tuple[Table, ...] = (
    CUSTOMERS,
    CASES,
    TIMELINE,
    PROMISES,
    COMPENSATION,
    SLA_CLOCKS,
    SCORE_HISTORY,
    SATISFACTION,
)
"""The tables the projections own, in the order of the registry
(:data:`trustengine.readmodel.projections.PROJECTIONS`)."""

__all__ = [
    "CASES",
    "COMPENSATION",
    "COMPLAINTS",
    "CUSTOMERS",
    "LATE_OR_AMENDED",
    "PROJECTED_TABLES",
    "PROMISES",
    "RECOVERED_STEPS",
    "SATISFACTION",
    "SCORE_HISTORY",
    "SLA_CLOCKS",
    "TIMELINE",
]
