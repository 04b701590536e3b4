"""How many terminal cells a text takes: what aligns columns of Persian, Arabic, CJK and
emoji text in plain-text output.

Wide and full-width characters (East Asian Width ``W``/``F``) take two cells; combining
marks, format characters (ZWJ, ZWNJ, LRM, RLM, ALM) and other zero-width characters take
none; everything else one. An emoji sequence joined by ZWJ, or followed by a skin-tone
modifier, takes the cells of its first emoji, as terminals draw it. The text is assumed
escaped already (:func:`trustengine.terminal.escape.escape_controls`), so it holds no
control characters.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache


@lru_cache(maxsize=4096)
def char_width(char: str) -> int:
    """The cells one character takes: 0, 1 or 2."""
    if char.isascii():
        return 1
    if unicodedata.combining(char) or unicodedata.category(char) in ("Mn", "Me", "Cf"):
        return 0
    if unicodedata.east_asian_width(char) in ("W", "F"):
        return 2
    return 1


def cell_width(text: str) -> int:
    """The cells ``text`` takes on a terminal."""
    if text.isascii():
        return len(text)
    cells = 0
    joined = False
    for char in text:
        if joined or "\U0001f3fb" <= char <= "\U0001f3ff":
            joined = False  # drawn inside the emoji before it
            continue
        joined = char == "\u200d"
        cells += char_width(char)
    return cells


__all__ = ["cell_width", "char_width"]
