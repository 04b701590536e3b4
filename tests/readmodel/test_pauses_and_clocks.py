"""Pauses, next-reply and periodic-update clocks, received times and a customer's
calendar, against answers worked out by hand (docs/service-levels.md, "The clocks",
"Pauses").

The policy under test counts on a London desk calendar, 09:00-17:00 Monday to Friday, no
holidays; January 2026 is GMT, so local time is UTC. Monday 5 January 2026 is a Monday.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.examples import event
from trustengine import TrustEngine, due_items, find_misses
from trustengine.exceptions import CaseAlreadyAwaitingError, CaseClosedError, CaseNotAwaitingError
from trustengine.readmodel import ReadModel, fold_customer
from trustengine.scoring.calendar_files import load_calendar
from trustengine.scoring.policy import load_trust_policy
from trustengine.scoring.sla import SlaPolicy, load_sla_policy
from trustengine.scoring.trust import TrustModel

COMPLAINT = {"category": "billing", "severity": 2, "cause": "billing_error", "summary": "Twice"}
DESK = """
name = "Desk (London)"
zone = "Europe/London"
weekend = ["Sat", "Sun"]
[hours]
default = ["09:00-17:00"]
"""


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """``day`` January 2026, ``hour``:``minute`` UTC (GMT: London time)."""
    return datetime(2026, 1, day, hour, minute, tzinfo=UTC)


@pytest.fixture
def policy(tmp_path: Path) -> SlaPolicy:
    desk = tmp_path / "desk.toml"
    desk.write_text(DESK, encoding="utf-8")
    path = tmp_path / "sla-test.toml"
    path.write_text(
        f"""
version = "sla-test"
description = "Hand-worked clocks"
calendar = "{desk}"
pauses = ["resolution", "final_response", "next_reply"]
[first_response]
all = "8bh"
[resolution]
all = "3d"
[final_response]
all = "2bd eod"
[follow_up]
all = "24h"
[next_reply]
all = "4bh"
[periodic_update]
all = "2d"
[calendars]
tehran = "ir-tehran"
""",
        encoding="utf-8",
    )
    return load_sla_policy(str(path))


@pytest.fixture
def engine() -> Iterator[TrustEngine]:
    engine = TrustEngine(":memory:")
    yield engine
    engine.close()


def clocks(engine: TrustEngine, sla: SlaPolicy) -> dict[tuple[str, int], dict[str, Any]]:
    """The customer's clocks, by (clock, run), folded under ``sla``."""
    folded = fold_customer(engine.history("cust-1"), TrustModel(load_trust_policy(), sla))
    return {(row["clock"], row["run"]): row for row in folded.rows["sla_clocks"]}


def case_row(engine: TrustEngine, sla: SlaPolicy) -> dict[str, Any]:
    folded = fold_customer(engine.history("cust-1"), TrustModel(load_trust_policy(), sla))
    (row,) = folded.rows["cases"]
    return row


def filed(when: datetime, **extra: Any) -> dict[str, Any]:
    return event("ComplaintFiled", case="C-1", at=when, **COMPLAINT, **extra)


def test_a_wait_over_a_weekend_moves_working_time_dues_by_the_working_hours_paused(
    engine: TrustEngine, policy: SlaPolicy
) -> None:
    engine.record_many(
        [
            filed(at(9, 10)),  # Friday 10:00
            event("CaseAwaitingCustomer", case="C-1", at=at(9, 16), reason="Bank statement"),
            event("CaseResumed", case="C-1", at=at(12, 10)),  # Monday 10:00
        ]
    )
    found = clocks(engine, policy)

    # 2bd eod from Friday: Monday is day 1, Tuesday day 2, to 17:00. The wait covered
    # Friday 16:00-17:00 and Monday 09:00-10:00 of working time: 2 hours, so the due
    # moves from Tuesday 17:00 to Wednesday 11:00.
    final = found[("final_response", 1)]
    assert final["due"] == at(14, 11).isoformat()
    assert final["paused_seconds"] == 66 * 3600  # Friday 16:00 to Monday 10:00
    assert final["paused_at"] is None
    assert final["due_explained"].endswith(
        "; paused 2h from 2026-01-09T16:00:00+00:00 to 2026-01-12T10:00:00+00:00: "
        "due 2026-01-14T11:00:00+00:00"
    )
    # 3d is calendar time: due Monday 10:00, moved by the 66 hours paused: Thursday 04:00.
    assert found[("resolution", 1)]["due"] == at(15, 4).isoformat()
    # first_response does not pause: 8bh from Friday 10:00 is 7 hours on Friday and one
    # on Monday.
    assert found[("first_response", 1)]["due"] == at(12, 10).isoformat()
    assert found[("first_response", 1)]["paused_seconds"] == 0


def test_the_customers_reply_resumes_the_case_and_starts_a_next_reply_clock(
    engine: TrustEngine, policy: SlaPolicy
) -> None:
    engine.record_many(
        [
            filed(at(5, 9)),  # Monday 09:00
            event(
                "CaseAwaitingCustomer",
                case="C-1",
                at=at(5, 12),
                reason="Asked for the invoice number",
                on="customer",
            ),
            event("CustomerContacted", case="C-1", at=at(5, 15), direction="inbound"),
            event("CustomerContacted", case="C-1", at=at(5, 16), direction="inbound"),
            event("CustomerContacted", case="C-1", at=at(6, 10), direction="outbound"),
        ]
    )
    found = clocks(engine, policy)
    case = case_row(engine, policy)

    # Resolution, 3d from Monday 09:00 (Thursday 09:00), moved by the 3 hours paused.
    assert found[("resolution", 1)]["due"] == at(8, 12).isoformat()
    assert case["awaiting_since"] is None
    assert case["paused_seconds"] == 3 * 3600
    assert json.loads(case["pauses"]) == [
        {
            "from": at(5, 12).isoformat(),
            "until": at(5, 15).isoformat(),
            "reason": "Asked for the invoice number",
            "on": "customer",
        }
    ]
    # One next_reply run, from the first message left waiting (15:00; the 16:00 one
    # starts none): 4bh is 2 hours on Monday and 2 on Tuesday, due Tuesday 11:00; the
    # outbound reply at 10:00 meets it.
    assert [key for key in found if key[0] == "next_reply"] == [("next_reply", 1)]
    reply = found[("next_reply", 1)]
    assert (reply["started_at"], reply["due"]) == (at(5, 15).isoformat(), at(6, 11).isoformat())
    assert (reply["stopped_at"], reply["breached"]) == (at(6, 10).isoformat(), 0)
    # periodic_update: 2d from the filing (due Wednesday 09:00), met by the outbound
    # contact on Tuesday 10:00, which starts the next run, due Thursday 10:00.
    first, second = found[("periodic_update", 1)], found[("periodic_update", 2)]
    assert (first["due"], first["stopped_at"]) == (at(7, 9).isoformat(), at(6, 10).isoformat())
    assert (second["started_at"], second["due"]) == (at(6, 10).isoformat(), at(8, 10).isoformat())
    assert second["stopped_at"] is None


def test_a_late_outbound_contact_breaches_next_reply_and_closing_stops_every_clock(
    engine: TrustEngine, policy: SlaPolicy
) -> None:
    engine.record_many(
        [
            filed(at(5, 9)),
            event("CustomerContacted", case="C-1", at=at(5, 15), direction="inbound"),
            # Due Tuesday 11:00 (above); answered Tuesday 14:00.
            event("CustomerContacted", case="C-1", at=at(6, 14), direction="outbound"),
            event("CustomerContacted", case="C-1", at=at(7, 9), direction="inbound"),
            event("CaseClosed", case="C-1", at=at(7, 10), confirmed_by_customer=True),
        ]
    )
    found = clocks(engine, policy)

    assert found[("next_reply", 1)]["breached"] == 1
    assert found[("next_reply", 2)]["stopped_at"] == at(7, 10).isoformat()
    assert found[("periodic_update", 2)]["stopped_at"] == at(7, 10).isoformat()
    running = [key for key, row in found.items() if row["stopped_at"] is None]
    # Never acknowledged, so first_response still runs (closing does not stop it); the
    # resolution's follow-up has begun.
    assert sorted(running) == [("first_response", 1), ("follow_up", 1)]


def test_a_wait_that_began_after_the_due_time_moves_nothing(
    engine: TrustEngine, policy: SlaPolicy
) -> None:
    engine.record_many(
        [
            filed(at(5, 9)),
            # 2bd eod from Monday 09:00 is Wednesday 17:00; the wait begins on Thursday.
            event("CaseAwaitingCustomer", case="C-1", at=at(8, 9), reason="Late"),
            event("CaseResumed", case="C-1", at=at(9, 9)),
        ]
    )
    final = clocks(engine, policy)[("final_response", 1)]

    assert final["due"] == at(7, 17).isoformat()
    assert final["paused_seconds"] == 24 * 3600


def test_the_fca_clock_does_not_pause(engine: TrustEngine) -> None:
    fca = load_sla_policy("sla-uk-fca-disp")
    engine.record_many(
        [
            filed(at(5, 9)),
            event("CaseAwaitingCustomer", case="C-1", at=at(5, 12), reason="Documents"),
            event("CaseResumed", case="C-1", at=at(20, 12)),
        ]
    )
    final = clocks(engine, fca)[("final_response", 1)]

    assert fca.pauses == ()
    # 8 weeks from Monday 5 January, to the end of the day in London.
    assert final["due"] == "2026-03-02T23:59:59+00:00"
    assert final["paused_seconds"] == 0


def test_clocks_start_when_the_complaint_was_received(
    engine: TrustEngine, policy: SlaPolicy
) -> None:
    # Raised on Monday 09:00, forwarded by the regulator, received Wednesday 14:00.
    engine.record(filed(at(5, 9), received=at(7, 14).isoformat()))
    found = clocks(engine, policy)

    first = found[("first_response", 1)]
    assert first["started_at"] == at(7, 14).isoformat()
    # 8bh: Wednesday 14:00-17:00 is 3 hours, Thursday 09:00-14:00 the other 5.
    assert first["due"] == at(8, 14).isoformat()
    # 2bd eod from Wednesday: Thursday, Friday, to 17:00.
    assert found[("final_response", 1)]["due"] == at(9, 17).isoformat()


def test_a_customers_calendar_key_chooses_the_calendar_their_clocks_count_on(
    engine: TrustEngine, policy: SlaPolicy
) -> None:
    engine.record_many(
        [
            event("CustomerRegistered", at=at(3, 8), calendar="tehran"),
            # Saturday 3 January 2026, 09:00 UTC (12:30 in Tehran): a working day there.
            filed(at(3, 9)),
        ]
    )
    first = clocks(engine, policy)[("first_response", 1)]

    assert first["due_explained"].startswith("8 business hours on Iran (Tehran) calendar")
    tehran = load_calendar("ir-tehran")
    assert first["due"] == tehran.add(at(3, 9), 8, "bh").due.isoformat()


def test_a_calendar_key_the_policy_does_not_map_counts_on_the_policys_calendar(
    engine: TrustEngine, policy: SlaPolicy
) -> None:
    engine.record_many([event("CustomerRegistered", at=at(5, 8), calendar="mars"), filed(at(5, 9))])
    first = clocks(engine, policy)[("first_response", 1)]

    assert first["due"] == at(5, 17).isoformat()
    assert first["due_explained"].startswith("8 business hours on Desk (London) calendar")


def test_a_case_awaits_the_customer_once_at_a_time_and_resumes_only_when_paused(
    engine: TrustEngine,
) -> None:
    engine.record(filed(at(5, 9)))
    wait = event("CaseAwaitingCustomer", case="C-1", at=at(5, 10), reason="Photo")

    with pytest.raises(CaseNotAwaitingError, match="not awaiting"):
        engine.record(event("CaseResumed", case="C-1", at=at(5, 10)))
    engine.record(wait)
    with pytest.raises(CaseAlreadyAwaitingError, match="already awaits"):
        engine.record(event("CaseAwaitingCustomer", case="C-1", at=at(5, 11), reason="Again"))
    # The customer's reply ends the wait: resuming again is refused.
    engine.record(event("CustomerContacted", case="C-1", at=at(5, 12), direction="inbound"))
    with pytest.raises(CaseNotAwaitingError):
        engine.record(event("CaseResumed", case="C-1", at=at(5, 13)))
    engine.record(event("CaseClosed", case="C-1", at=at(5, 14), confirmed_by_customer=False))
    with pytest.raises(CaseClosedError):
        engine.record(event("CaseAwaitingCustomer", case="C-1", at=at(5, 15), reason="Late"))


def test_a_paused_clock_is_neither_due_nor_missed(tmp_path: Path, policy: SlaPolicy) -> None:
    engine = TrustEngine(str(tmp_path / "trust.db"))
    try:
        engine.record_many(
            [
                filed(at(5, 9)),
                event("ComplaintAcknowledged", case="C-1", at=at(5, 9, 30)),
                event("CaseAwaitingCustomer", case="C-1", at=at(5, 10), reason="Photo"),
            ]
        )
        with ReadModel(engine) as model:
            model.rebuild("trust-v1", str(policy.sources[0]))
            later = at(30, 9)  # every clock's first due time has passed
            kinds = {item.kind for item in due_items(model, later)}
            misses = find_misses(model, later)
    finally:
        engine.close()

    # periodic_update does not pause under this policy; resolution and final_response do.
    assert kinds == {"sla:periodic_update"}
    assert [(m.type, m.clock) for m in misses] == [("SlaBreached", "periodic_update")]


def test_working_time_between_two_moments_and_after_one(policy: SlaPolicy) -> None:
    desk = policy.calendar_for("first_response")

    assert desk.working_time(at(9, 16), at(12, 10)) == timedelta(hours=2)
    assert desk.working_time(at(10, 9), at(11, 18)) == timedelta()  # a weekend
    assert desk.add_working(at(13, 17), timedelta(hours=2)) == at(14, 11)
    assert desk.add_working(at(9, 16, 30), timedelta(hours=1)) == at(12, 9, 30)
