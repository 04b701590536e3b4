"""Compensation added up: the money offered and accepted, per currency and per kind.

Amounts are :class:`~decimal.Decimal` from end to end: read from the exact text the
read model keeps (``compensation.amount_exact``), added in a decimal context that
refuses to round, and written out as decimal strings (``"0.30"``), never floats, so
``0.1 + 0.2`` is ``0.3`` and an 18-digit amount keeps its last cent. Amounts in
different currencies are never added together; an offer without an amount (an apology
gift, say) is counted apart, as is one without a currency.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal, Inexact, localcontext
from typing import Any

from trustengine.report.sources import Offer

PRECISION = 60
"""Significant digits a total may have: far beyond any sum of contract amounts (at most
18 digits each), so a total that would need more is one that cannot be exact."""
MAX_DIGITS = 40
"""A total with digits beyond 10^40, or below 10^-40, is not written out: only an amount
stored before the contract bounded them could make one."""


def exact_sum(amounts: Iterable[Decimal]) -> Decimal | None:
    """The sum of ``amounts``, or None when it cannot be written exactly."""
    with localcontext() as context:
        context.prec = PRECISION
        context.traps[Inexact] = True
        try:
            total = sum(amounts, Decimal(0))
        except Inexact:
            return None
    exponent = total.as_tuple().exponent
    if not isinstance(exponent, int) or exponent < -MAX_DIGITS or total.adjusted() > MAX_DIGITS:
        return None
    return total


def money(amount: Decimal | None) -> str | None:
    """``amount`` as plain decimal text (no exponent), as the report writes money."""
    return None if amount is None else format(amount, "f")


def _added(offers: Sequence[Offer]) -> dict[str, Any]:
    accepted = [o for o in offers if o.status == "accepted"]
    return {
        "offers": len(offers),
        "offered": money(exact_sum(o.amount for o in offers)),
        "accepted_offers": len(accepted),
        "accepted": money(exact_sum(o.amount for o in accepted)),
    }


def totals(priced: Sequence[Offer], without_amount: int) -> dict[str, Any]:
    """The amounts of the ``priced`` offers added up per currency (in code order, no
    currency last), each also per kind, and how many offers carried no amount."""
    currencies = sorted({o.currency for o in priced}, key=lambda c: (c is None, c or ""))
    rows = []
    for currency in currencies:
        mine = [o for o in priced if o.currency == currency]
        kinds = sorted({o.kind for o in mine})
        rows.append(
            {
                "currency": currency,
                **_added(mine),
                "by_kind": [
                    {"kind": kind, **_added([o for o in mine if o.kind == kind])} for kind in kinds
                ],
            }
        )
    return {"per_currency": rows, "offers_without_amount": without_amount}


__all__ = ["exact_sum", "money", "totals"]
