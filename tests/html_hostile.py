"""Texts made to break an HTML page, and a history that carries one in every text field.

Shared by the parser test (tests/html/test_html_injection.py) and the browser test
(tests/report/test_html_injection_browser.py). :data:`PAYLOADS` are the classic ways out
of a text node, an attribute, a ``<title>``, a ``<style>`` or an SVG; :func:`hostile_history`
puts a given text into every free-text and key field a customer's history has (names,
summaries, reasons, descriptions, comments, category, owner, actor, customer and case keys,
promise, action, offer and follow-up ids), within each field's bounds.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tests.examples import event, iso

PAYLOADS = (
    "<script>document.title='PWNED'</script>",
    "</title><script>document.title='PWNED'</script>",
    "</style><script>document.title='PWNED'</script>",
    '"><img src=x onerror="document.title=\'PWNED\'">',
    "'><img src=x onerror='document.title=`PWNED`'>",
    "<img src=x onerror=document.title='PWNED'>",
    '" onmouseover="document.title=1" x="',
    "' autofocus onfocus='document.title=1' x='",
    "javascript:document.title='PWNED'",
    '<a href="javascript:document.title=1">x</a>',
    "]]><script>document.title='PWNED'</script>",
    "<![CDATA[<script>document.title='PWNED'</script>]]>",
    "<!--",
    "-->",
    "<!-- <script>document.title='PWNED'</script> -->",
    "<svg onload=\"document.title='PWNED'\">",
    "<svg><script>document.title='PWNED'</script></svg>",
    "</text></svg><script>document.title='PWNED'</script>",
    "</bdi><script>document.title='PWNED'</script><bdi>",
    "</td></tr></table><img src=x onerror=document.title=1>",
    "</style><style>body{background:url(javascript:document.title=1)}</style>",
    "<style>*{width:expression(document.title=1)}</style>",
    "expression(document.title=1)",
    "<iframe srcdoc=\"<script>parent.document.title='PWNED'</script>\">",
    "<base href=//example.invalid/>",
    "<meta http-equiv=refresh content='0;url=javascript:document.title=1'>",
    "<math><mtext></mtext><mglyph><style></style><img src=x onerror=document.title=1>",
    '<noscript><p title="</noscript><img src=x onerror=document.title=1>">',
    "<plaintext>",
    "<textarea>",
    "<xmp>",
    "&",
    "&amp;",
    "&lt;script&gt;",
    "&#60;script&#62;",
    "&#x3C;",
    "&notin",
    "&ampx",
    '"',
    "'",
    "`",
    "<",
    ">",
    "\u2028",
    "\u2029",
    "\u202e",
    "\u2066",
    "\u2069",
    "\ufeff",
    "\x00",
    "\r\n",
    "\r",
    "\x0b\x0c\x1b[2J",
    "\x85",
    "\U0001f600",
)
"""Texts that would end the element or attribute they are in, open one, or run a script,
if a page wrote them as they are; and characters an HTML parser changes or drops."""

KEY_FIELDS = ("customer", "case", "other_case", "category", "other_category", "owner")
ID_FIELDS = ("promise", "other_promise", "action", "offer", "other_offer", "follow_up")
TEXT_FIELDS = (
    "name",
    "contact_summary",
    "summary",
    "remedy_sought",
    "message",
    "explanation",
    "justification",
    "escalation_reason",
    "reassigned_reason",
    "promise_description",
    "broken_reason",
    "other_description",
    "action_description",
    "evidence",
    "declined_reason",
    "resolution",
    "closed_reason",
    "comment",
    "reopened_reason",
    "other_summary",
)
ACTOR_FIELDS = ("actor", "other_actor")
FIELDS = KEY_FIELDS + ID_FIELDS + TEXT_FIELDS + ACTOR_FIELDS
"""Every text of :func:`hostile_history`, by the name :func:`hostile_history` takes it."""
DISTINCT = (
    ("case", "other_case"),
    ("category", "other_category"),
    ("promise", "other_promise"),
    ("offer", "other_offer"),
)
"""Pairs of keys that must differ for the history to be valid and its pages to have one
shape (two cases, two categories, two promises, two offers)."""


def hostile_history(
    texts: Mapping[str, str], *, currency: str = "EUR", channel: str = "web"
) -> list[dict[str, Any]]:
    """A valid history of ``texts["customer"]`` that uses each of :data:`FIELDS` once: two
    cases, every kind of commitment made and settled, offers accepted and declined, scores
    with comments. The caller keeps each text within its field's bounds."""
    t = texts
    c, k1, k2 = t["customer"], t["case"], t["other_case"]
    return [
        event("CustomerRegistered", c, at=0, actor=t["actor"], channel=channel, name=t["name"]),
        event("CustomerContacted", c, at=1, direction="inbound", summary=t["contact_summary"]),
        event(
            "ComplaintFiled",
            c,
            k1,
            at=2,
            actor=t["other_actor"],
            channel=channel,
            category=t["category"],
            severity=3,
            cause="broken_promise",
            summary=t["summary"],
            remedy_sought=t["remedy_sought"],
        ),
        event("ComplaintAcknowledged", c, k1, at=3, message=t["message"]),
        event(
            "ApologyIssued", c, k1, at=4, accepts_responsibility=True, explanation=t["explanation"]
        ),
        event("JustificationGiven", c, k1, at=5, summary=t["justification"]),
        event("CaseEscalated", c, k1, at=6, level=2, reason=t["escalation_reason"]),
        event("CaseReassigned", c, k1, at=7, owner=t["owner"], reason=t["reassigned_reason"]),
        event(
            "PromiseMade",
            c,
            k1,
            at=8,
            promise=t["promise"],
            description=t["promise_description"],
            due=iso(600),
        ),
        event("PromiseBroken", c, k1, at=9, promise=t["promise"], reason=t["broken_reason"]),
        event(
            "PromiseMade",
            c,
            k1,
            at=10,
            promise=t["other_promise"],
            description=t["other_description"],
            due=iso(700),
        ),
        event("PromiseKept", c, k1, at=11, promise=t["other_promise"]),
        event(
            "CorrectiveActionCommitted",
            c,
            k1,
            at=12,
            action=t["action"],
            description=t["action_description"],
            due=iso(800),
            prevents_recurrence=True,
        ),
        event(
            "CorrectiveActionCompleted", c, k1, at=13, action=t["action"], evidence=t["evidence"]
        ),
        event(
            "CompensationOffered",
            c,
            k1,
            at=14,
            offer=t["offer"],
            kind="refund",
            amount=10,
            currency=currency,
            addresses_failure=True,
        ),
        event("CompensationDeclined", c, k1, at=15, offer=t["offer"], reason=t["declined_reason"]),
        event(
            "CompensationOffered",
            c,
            k1,
            at=16,
            offer=t["other_offer"],
            kind="credit",
            amount="5.50",
            currency=currency,
            addresses_failure=False,
        ),
        event("CompensationAccepted", c, k1, at=17, offer=t["other_offer"]),
        event("ResolutionProposed", c, k1, at=18, summary=t["resolution"]),
        event("ResolutionConfirmed", c, k1, at=19),
        event("CaseClosed", c, k1, at=20, confirmed_by_customer=True, reason=t["closed_reason"]),
        event("FollowUpScheduled", c, k1, at=21, follow_up=t["follow_up"], due=iso(2000)),
        event("FollowUpCompleted", c, k1, at=22, follow_up=t["follow_up"], outcome="satisfied"),
        event("SatisfactionRecorded", c, k1, at=23, metric="nps", score=9, comment=t["comment"]),
        event("CaseReopened", c, k1, at=24, reason=t["reopened_reason"]),
        event(
            "ComplaintFiled",
            c,
            k2,
            at=30,
            category=t["other_category"],
            severity=1,
            cause="other",
            summary=t["other_summary"],
        ),
    ]


__all__ = [
    "ACTOR_FIELDS",
    "DISTINCT",
    "FIELDS",
    "ID_FIELDS",
    "KEY_FIELDS",
    "PAYLOADS",
    "TEXT_FIELDS",
    "hostile_history",
]
