"""Text on its way to a terminal: every character the customer typed is shown, none obeyed.

Summaries, reasons, names and keys are stored exactly as given, so they may hold an ANSI
escape (``ESC [ 31 m`` recolours the rest of the screen, ``ESC [ 2 J`` clears it), a
carriage return that overwrites the line, a backspace, or a bidi override that makes a
line read backwards. :func:`escape_controls` is the one place that turns such characters
into visible escapes (``\\x1b``, ``\\r``, ``\\u202e``) before any renderer, table or plain
line, writes them. JSON and CSV output carry the text unchanged: they are for programs.

Escaped (each shown as a Python-style escape):

- C0 controls U+0000-U+001F, including tab, newline and carriage return (a cell is one
  line; a newline inside a summary would break the table), and DEL U+007F;
- C1 controls U+0080-U+009F (U+009B is a one-character CSI on some terminals);
- the bidi embeddings, overrides and isolates U+202A-U+202E and U+2066-U+2069: each opens
  a state that runs on past the end of the text and reorders what follows it;
- the line and paragraph separators U+2028 and U+2029;
- lone surrogates U+D800-U+DFFF, which cannot be encoded at all.

Kept as they are: the marks U+200E (LRM), U+200F (RLM) and U+061C (ALM), which change
the direction of nothing but the neutral characters next to them and are ordinary in
Arabic and Persian writing; the zero-width joiners U+200C/U+200D (Persian words and emoji
sequences need them); combining marks; and every printable character, brackets and
backslashes included. A backslash is not doubled, so text that already reads ``\\x1b``
looks the same as an escaped ESC: the terminal shows it, and ``--json`` tells them apart.
"""

from __future__ import annotations

_SHORT = {0x09: "\\t", 0x0A: "\\n", 0x0D: "\\r"}


def _escape(code: int) -> str:
    if code in _SHORT:
        return _SHORT[code]
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


ESCAPED: frozenset[int] = frozenset(
    [
        *range(0x00, 0x20),
        0x7F,
        *range(0x80, 0xA0),
        *range(0x202A, 0x202F),
        *range(0x2066, 0x206A),
        0x2028,
        0x2029,
        *range(0xD800, 0xE000),
    ]
)
"""The code points :func:`escape_controls` shows as escapes."""

_TABLE = {code: _escape(code) for code in ESCAPED}


def escape_controls(text: str) -> str:
    """``text`` with every character of :data:`ESCAPED` written as a visible escape.

    >>> escape_controls("late\\x1b[2J [again]")
    'late\\\\x1b[2J [again]'

    Idempotent: the result holds no such character, so escaping it again changes nothing.
    """
    if text.isascii() and text.isprintable():
        return text  # the common case, checked in C
    return text.translate(_TABLE)


def escape_lines(text: str) -> str:
    """Each line of ``text`` escaped, its line breaks kept (for text already laid out)."""
    return "\n".join(escape_controls(line) for line in text.split("\n"))


__all__ = ["ESCAPED", "escape_controls", "escape_lines"]
