"""Rules checked at the door: when an event comes in, not when a stored one is read back.

The contract grows by adding and by refusing values the engine cannot keep. A rule added
later (a range's upper end, an amount's precision, a key's whitespace) must not make a
store written before it unreadable, so such a rule is a validator that stands aside when
the persistence layer reads a stored event back, which it says with the validation
context :data:`STORED_CONTEXT`. Everything else (import, record, the library's methods,
``model_validate`` without that context) goes through the door.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any, TypeVar

from pydantic import ValidationInfo
from pydantic_core import PydanticCustomError

T = TypeVar("T")

STORED = "trustengine.stored"
STORED_CONTEXT: dict[str, Any] = {STORED: True}
"""The validation context of a stored event read back (see the module's docstring)."""


def at_the_door(check: Callable[[T], T]) -> Callable[[T, ValidationInfo], T]:
    """``check`` as a validator for incoming events only (not stored ones read back)."""

    def validate(value: T, info: ValidationInfo) -> T:
        if info.context is not None and info.context.get(STORED):
            return value
        return check(value)

    validate.__name__ = check.__name__
    return validate


def at_most(high: int) -> Callable[[int], int]:
    """A check that an integer is at most ``high``, in pydantic's own words."""

    def check(value: int) -> int:
        if value > high:
            raise PydanticCustomError(
                "less_than_equal", "Input should be less than or equal to {le}", {"le": high}
            )
        return value

    check.__name__ = f"at_most_{high}"
    return check


def decimal_digits(value: Decimal) -> tuple[int, int]:
    """Digits before and after the point, trailing zeros not counted (as pydantic counts
    them), without rounding to the decimal context's precision."""
    _, digits, exponent = value.as_tuple()
    assert isinstance(exponent, int)  # only finite values get here
    kept = list(digits)
    while len(kept) > 1 and kept[-1] == 0:
        kept.pop()
        exponent += 1
    if kept == [0]:
        return 1, 0
    if exponent >= 0:
        return len(kept) + exponent, 0
    places = -exponent
    return max(len(kept) - places, 0), places


def fits_digits(max_digits: int, places: int) -> Callable[[Decimal], Decimal]:
    """A check that a decimal has at most ``max_digits`` digits of which at most ``places``
    after the point, in pydantic's own words."""
    whole_digits = max_digits - places

    def check(value: Decimal) -> Decimal:
        whole, after = decimal_digits(value)
        if whole + after > max_digits:
            raise PydanticCustomError(
                "decimal_max_digits",
                "Decimal input should have no more than {max_digits} digits in total",
                {"max_digits": max_digits},
            )
        if after > places:
            raise PydanticCustomError(
                "decimal_max_places",
                "Decimal input should have no more than {decimal_places} decimal places",
                {"decimal_places": places},
            )
        if whole > whole_digits:
            raise PydanticCustomError(
                "decimal_whole_digits",
                "Decimal input should have no more than {whole_digits} digits before the "
                "decimal point",
                {"whole_digits": whole_digits},
            )
        return value

    return check


__all__ = ["STORED", "STORED_CONTEXT", "at_most", "at_the_door", "decimal_digits", "fits_digits"]
