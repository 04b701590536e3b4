"""The money of a report: compensation offered and accepted, added up per currency with
``Decimal``; every figure below is worked out by hand."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.examples import event
from tests.report.conftest import Report
from trustengine.cli import main
from trustengine.report import report_html, report_text
from trustengine.report.money import exact_sum, money

# (offer, kind, amount, currency, answer)
OFFERS: list[tuple[str, str, str | None, str | None, str | None]] = [
    ("O-1", "refund", "0.1", "EUR", "CompensationAccepted"),
    ("O-2", "credit", "0.2", "EUR", "CompensationAccepted"),
    ("O-3", "gift", "19.99", "EUR", "CompensationDeclined"),
    ("O-4", "refund", "12.50", "GBP", "CompensationAccepted"),
    ("O-5", "refund", "7.5", "GBP", None),
    ("O-6", "refund", "99999999999999.9999", "USD", "CompensationAccepted"),
    ("O-7", "refund", "0.0001", "USD", "CompensationAccepted"),
    ("O-8", "gift", None, None, "CompensationAccepted"),
    ("O-9", "credit", "3", None, None),
]


def history() -> list[dict[str, Any]]:
    events = [
        event(
            "ComplaintFiled",
            "a",
            "C-1",
            category="billing",
            severity=2,
            cause="other",
            summary="Charged twice",
        )
    ]
    for minute, (offer, kind, amount, currency, answer) in enumerate(OFFERS, start=1):
        data: dict[str, Any] = {"offer": offer, "kind": kind, "addresses_failure": True}
        if amount is not None:
            data["amount"] = Decimal(amount)
        if currency is not None:
            data["currency"] = currency
        events.append(event("CompensationOffered", "a", "C-1", at=minute, **data))
        if answer:
            events.append(event(answer, "a", "C-1", at=minute, offer=offer))
    return events


def added(offers: int, offered: str, accepted_offers: int, accepted: str) -> dict[str, Any]:
    return {
        "offers": offers,
        "offered": offered,
        "accepted_offers": accepted_offers,
        "accepted": accepted,
    }


EXPECTED = {
    "per_currency": [
        {
            "currency": "EUR",
            # 0.1 + 0.2 + 19.99 = 20.29; accepted 0.1 + 0.2 = 0.3 (a float sum: 0.30000000000000004)
            **added(3, "20.29", 2, "0.3"),
            "by_kind": [
                {"kind": "credit", **added(1, "0.2", 1, "0.2")},
                {"kind": "gift", **added(1, "19.99", 0, "0")},
                {"kind": "refund", **added(1, "0.1", 1, "0.1")},
            ],
        },
        {
            "currency": "GBP",
            # 12.50 + 7.5 = 20.00 (the finer of the two scales); 7.5 is still pending
            **added(2, "20.00", 1, "12.50"),
            "by_kind": [{"kind": "refund", **added(2, "20.00", 1, "12.50")}],
        },
        {
            "currency": "USD",
            # 18 digits + 0.0001: exact, where a float gives 100000000000000.0 for the first alone
            **added(2, "100000000000000.0000", 2, "100000000000000.0000"),
            "by_kind": [
                {"kind": "refund", **added(2, "100000000000000.0000", 2, "100000000000000.0000")}
            ],
        },
        {
            "currency": None,
            **added(1, "3", 0, "0"),
            "by_kind": [{"kind": "credit", **added(1, "3", 0, "0")}],
        },
    ],
    "offers_without_amount": 1,
}


def test_money_is_added_up_exactly_per_currency_and_kind(report_of: Report) -> None:
    assert report_of(history())["compensation"]["totals"] == EXPECTED


def test_the_json_report_carries_money_as_decimal_strings(tmp_path: Path) -> None:
    source = tmp_path / "offers.jsonl"
    # Amounts as JSON numbers written digit for digit, as an export writes them.
    lines = [json.dumps(line, default=str) for line in history()]
    source.write_text(
        "".join(re.sub(r'"amount": "([0-9.]+)"', r'"amount": \1', line) + "\n" for line in lines),
        encoding="utf-8",
    )
    db = str(tmp_path / "trust.db")
    runner = CliRunner()
    assert runner.invoke(main, ["import", str(source), "--db", db]).exit_code == 0

    result = runner.invoke(main, ["report", "--db", db, "--json"])

    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["compensation"]["totals"] == EXPECTED


def test_the_text_report_shows_the_totals_per_currency_and_kind(report_of: Report) -> None:
    text = report_text(report_of(history()))

    section = text[text.index("  Money offered") :].split("\n\n")[0].splitlines()
    assert section[0] == "  Money offered and accepted (1 offer without an amount)"
    assert [re.split(r"\s{2,}", line.strip()) for line in section[1:]] == [
        ["currency", "kind", "offers", "amount offered", "accepted", "amount accepted"],
        ["EUR", "all kinds", "3", "20.29", "2", "0.3"],
        ["EUR", "credit", "1", "0.2", "1", "0.2"],
        ["EUR", "gift", "1", "19.99", "0", "0"],
        ["EUR", "refund", "1", "0.1", "1", "0.1"],
        ["GBP", "refund", "2", "20.00", "1", "12.50"],
        ["USD", "refund", "2", "100000000000000.0000", "2", "100000000000000.0000"],
        ["(no currency)", "credit", "1", "3", "0", "0"],
    ]
    assert len({len(line) for line in section[1:]}) == 1  # the amounts are right-aligned


def test_the_html_report_has_a_money_table_grouped_by_currency(report_of: Report) -> None:
    page = report_html(report_of(history()))

    section = page[page.index("<h3>Money offered and accepted</h3>") :]
    money_table = section[: section.index("</table>")]
    cells = [
        re.findall(r"<td[^>]*>(?:<bdi>)?([^<]*)", row)
        for row in re.findall(r"<tr>(.*?)</tr>", money_table)
    ]
    assert cells[1:] == [  # the header row has no cells
        ["EUR", "all kinds", "3", "20.29", "2", "0.3"],
        ["EUR", "credit", "1", "0.2", "1", "0.2"],
        ["EUR", "gift", "1", "19.99", "0", "0"],
        ["EUR", "refund", "1", "0.1", "1", "0.1"],
        ["GBP", "refund", "2", "20.00", "1", "12.50"],
        ["USD", "refund", "2", "100000000000000.0000", "2", "100000000000000.0000"],
        ["(no currency)", "credit", "1", "3", "0", "0"],
    ]
    assert '<td class="num">100000000000000.0000</td>' in money_table
    assert "1 offer carried no amount" in section


def test_a_sum_that_cannot_be_written_exactly_is_none_never_rounded() -> None:
    assert exact_sum([Decimal("1E+999999999"), Decimal("0.1")]) is None
    assert exact_sum([Decimal("1E+60")]) is None
    assert exact_sum([]) == Decimal(0)
    assert money(None) is None
    assert money(Decimal("1E+2")) == "100"


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.decimals(min_value=0, max_value=Decimal("99999999999999.9999"), places=4),
        max_size=30,
    )
)
def test_an_exact_sum_equals_the_sum_of_the_integer_ten_thousandths(amounts: list[Decimal]) -> None:
    total = exact_sum(amounts)

    assert total is not None
    assert int(total * 10_000) == sum(int(a * 10_000) for a in amounts)


@pytest.mark.parametrize("amount", ["0.1", "12.345"])
def test_an_offer_without_a_currency_is_added_apart(report_of: Report, amount: str) -> None:
    events = [
        *history()[:1],
        event(
            "CompensationOffered",
            "a",
            "C-1",
            at=1,
            offer="O-1",
            kind="refund",
            amount=Decimal(amount),
            addresses_failure=True,
        ),
    ]

    totals = report_of(events)["compensation"]["totals"]["per_currency"]

    assert [(t["currency"], t["offered"]) for t in totals] == [(None, amount)]
