"""How an error message quotes a value it was given: whole when short, else its start.

A bad value can be anything a file holds (a 50 MB field, a whole misplaced document), and
an error that repeats it whole buries the one line that says what is wrong.
"""

from __future__ import annotations

MAX_QUOTED = 200
"""The most characters of a value an error message repeats."""


def excerpt(text: str, limit: int = MAX_QUOTED) -> str:
    """``text`` itself when it has at most ``limit`` characters, else its first ``limit``
    followed by ``…`` and its length."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… ({len(text):,} characters)"


def quoted(value: object, limit: int = MAX_QUOTED) -> str:
    """``repr(value)`` cut as :func:`excerpt` cuts."""
    return excerpt(repr(value), limit)


__all__ = ["MAX_QUOTED", "excerpt", "quoted"]
