"""A generated history with waits, received times and customers' calendars added, and an
SLA policy that pauses clocks and counts on calendars: what the agreement tests run on
(tests/readmodel/test_agreement.py, tests/workflows/test_due_agreement.py).

:func:`with_pauses` rewrites a contract-shaped history (``trustengine.testing.synth``)
keeping it valid: after some acknowledgements the case awaits the customer (or a third
party), and the wait ends by a ``CaseResumed`` before the case's next event, by the
customer's reply or by the closing; some complaints carry a ``received`` time; some
registrations a ``calendar`` key.
"""

from __future__ import annotations

import copy
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

POLICY = """
version = "sla-paused"
description = "Agreement tests: pauses, calendars, next reply and periodic updates."
calendar = "uk-england-wales"
pauses = ["resolution", "final_response", "next_reply"]

[first_response]
standard = "2bd"
priority = "8bh"
vip = "8bh eod"

[resolution]
standard = "10bd"
priority = "14d"
vip = "5bd eod"

[follow_up]
all = "24h"

[final_response]
all = "15bd"

[next_reply]
all = "8bh"

[periodic_update]
all = "3d"

[calendars]
tehran = "ir-tehran"

[tier_calendars]
vip = "ir-tehran"
"""

_ENDS_A_WAIT = {"CaseClosed", "CaseReopened"}


def paused_policy(folder: Path) -> str:
    """Write :data:`POLICY` in ``folder``; its path, for ``--sla`` or ``load_sla_policy``."""
    path = folder / "sla-paused.toml"
    path.write_text(POLICY, encoding="utf-8")
    return str(path)


def with_pauses(history: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``history`` with waits, received times and calendar keys added (see the module)."""
    out: list[dict[str, Any]] = []
    awaiting: dict[tuple[str, str], int] = {}
    complaints = registrations = 0
    for original in history:
        event = copy.deepcopy(original)
        kind, customer, case = event["type"], event["customer"], event.get("case")
        key = (customer, case or "")
        if kind == "CustomerRegistered":
            registrations += 1
            if registrations % 2:
                event["data"]["calendar"] = "tehran" if registrations % 4 == 1 else "nowhere"
        if kind == "ComplaintFiled":
            complaints += 1
            if complaints % 3 == 0:
                received = datetime.fromisoformat(event["at"]) + timedelta(hours=30)
                event["data"]["received"] = received.isoformat()
        inbound = kind == "CustomerContacted" and event["data"].get("direction") == "inbound"
        if case is not None and key in awaiting:
            count = awaiting[key]
            if kind in _ENDS_A_WAIT or inbound:
                del awaiting[key]  # the event ends the wait itself
            elif count % 2 == 0 and kind != "CaseAwaitingCustomer":
                out.append(_case_event("CaseResumed", event, {}))
                del awaiting[key]
        out.append(event)
        if kind == "ComplaintAcknowledged" and key not in awaiting:
            count = len(out)
            on = "customer" if count % 3 else "third_party"
            out.append(
                _case_event("CaseAwaitingCustomer", event, {"reason": "Documents", "on": on})
            )
            awaiting[key] = count
    return out


def _case_event(kind: str, beside: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
    """A ``kind`` event of ``beside``'s customer and case, at its time."""
    return {
        "type": kind,
        "customer": beside["customer"],
        "case": beside["case"],
        "at": beside["at"],
        "actor": "agent-1",
        "data": data,
    }


__all__ = ["POLICY", "paused_policy", "with_pauses"]
