"""The contract's values: the choices, bounded numbers, money and codes events carry.

Each is an annotated type the event models (:mod:`trustengine.domain.events`) use, so its
bounds live in one place, reach the JSON Schema (``trustengine types --json``) and are
what docs/interchange.md states.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BeforeValidator,
    Field,
    JsonValue,
    StringConstraints,
    WithJsonSchema,
)
from pydantic_core import PydanticCustomError

from trustengine.domain.door import at_most, at_the_door, fits_digits
from trustengine.domain.times import PATTERN_END

Tier = Literal["standard", "priority", "vip"]
Cause = Literal[
    "broken_promise",
    "slow_follow_up",
    "unclear_communication",
    "poor_touchpoint",
    "expectation_mismatch",
    "product_defect",
    "billing_error",
    "data_incident",
    "other",
]
CompensationKind = Literal[
    "refund",
    "replacement",
    "discount",
    "credit",
    "fee_waiver",
    "free_service",
    "upgrade",
    "gift",
]
Clock = Literal[
    "first_response",
    "resolution",
    "follow_up",
    "final_response",
    "next_reply",
    "periodic_update",
]
Outcome = Literal["satisfied", "issue_persists", "no_answer"]
Direction = Literal["inbound", "outbound"]
AwaitingOn = Literal["customer", "third_party"]
"""Whom a paused case waits on (``CaseAwaitingCustomer.on``)."""
Metric = Literal["csat", "nps"]
Currency = Annotated[
    str,
    StringConstraints(pattern=r"^[A-Z]{3}$"),
    WithJsonSchema({"type": "string", "pattern": f"^[A-Z]{{3}}{PATTERN_END}"}),
]
Severity = Annotated[int, Field(strict=True, ge=1, le=4)]
LEVEL_MAX = 10
ATTEMPTS_MAX = 1000
# The upper ends came later than the lower ones (docs/interchange.md, section 7): they are
# checked at the door, so that a store holding a level of 99 stays readable.
Level = Annotated[
    int,
    Field(strict=True, ge=2, json_schema_extra={"maximum": LEVEL_MAX}),
    AfterValidator(at_the_door(at_most(LEVEL_MAX))),
]
Attempts = Annotated[
    int,
    Field(strict=True, ge=1, json_schema_extra={"maximum": ATTEMPTS_MAX}),
    AfterValidator(at_the_door(at_most(ATTEMPTS_MAX))),
]
Score = Annotated[int, Field(strict=True, ge=0, le=10)]
AMOUNT_MAX_DIGITS = 18
AMOUNT_DECIMAL_PLACES = 4
_WHOLE_DIGITS = AMOUNT_MAX_DIGITS - AMOUNT_DECIMAL_PLACES
_AMOUNT_TEXT = f"^[0-9]{{1,{_WHOLE_DIGITS}}}([.][0-9]{{1,{AMOUNT_DECIMAL_PLACES}}})?{PATTERN_END}"
AMOUNT_MAX = Decimal(10**_WHOLE_DIGITS) - Decimal(1).scaleb(-AMOUNT_DECIMAL_PLACES)
_PLAIN_DECIMAL = re.compile(r"[0-9]+([.][0-9]+)?")


def _plain_decimal_text(value: Any) -> Any:
    # Decimal() would take " 15\n", "1E+3" or "NaN" as text; the contract's text form of an
    # amount is the one export writes: plain digits, an optional fraction.
    if isinstance(value, str) and _PLAIN_DECIMAL.fullmatch(value) is None:
        raise PydanticCustomError(
            "amount_text", 'an amount given as text must be plain decimal digits, e.g. "12.50"'
        )
    return value


Amount = Annotated[
    Decimal,
    Field(ge=0, allow_inf_nan=False),
    # Precision and text form came later (docs/interchange.md, section 7): at the door.
    AfterValidator(at_the_door(fits_digits(AMOUNT_MAX_DIGITS, AMOUNT_DECIMAL_PLACES))),
    # JSON Schema's multipleOf works in binary floating point, so the places are a
    # pattern on the string form only; the number form gets the range.
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "number", "minimum": 0, "exclusiveMaximum": 10**_WHOLE_DIGITS},
                {"type": "string", "pattern": _AMOUNT_TEXT},
            ]
        }
    ),
    BeforeValidator(at_the_door(_plain_decimal_text)),
]
"""A money amount: finite, >= 0, at most 18 digits of which at most 4 after the point."""


def _number_only(value: object) -> object:
    # pydantic's lax float would take true/false and numeric strings.
    if isinstance(value, bool | str):
        raise ValueError("must be a number")
    return value


# The Field first: after a BeforeValidator, pydantic writes the bounds into JSON Schema
# as "ge"/"le", which JSON Schema does not know.
Sentiment = Annotated[
    float, Field(ge=-1.0, le=1.0, allow_inf_nan=False), BeforeValidator(_number_only)
]


SCORE_RANGES = {"csat": (1, 5), "nps": (0, 10)}
"""The scores each satisfaction metric takes, lowest and highest."""


def score_schema() -> list[JsonValue]:
    """SCORE_RANGES as JSON Schema: if the metric is M, the score is in M's range."""
    return [
        {
            "if": {"properties": {"metric": {"const": metric}}, "required": ["metric"]},
            "then": {"properties": {"score": {"minimum": low, "maximum": high}}},
        }
        for metric, (low, high) in SCORE_RANGES.items()
    ]


__all__ = [
    "AMOUNT_DECIMAL_PLACES",
    "AMOUNT_MAX",
    "AMOUNT_MAX_DIGITS",
    "ATTEMPTS_MAX",
    "LEVEL_MAX",
    "SCORE_RANGES",
    "Amount",
    "Attempts",
    "AwaitingOn",
    "Cause",
    "Clock",
    "CompensationKind",
    "Currency",
    "Direction",
    "Level",
    "Metric",
    "Outcome",
    "Score",
    "Sentiment",
    "Severity",
    "Tier",
    "score_schema",
]
