"""``escape_controls``: the one function that decides what a terminal is shown."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from trustengine.terminal.escape import ESCAPED, escape_controls, escape_lines


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("\x1b[31mred\x1b[0m", "\\x1b[31mred\\x1b[0m"),
        ("line\nbreak\ttab\rback", "line\\nbreak\\ttab\\rback"),
        ("bell\x07 del\x7f nul\x00", "bell\\x07 del\\x7f nul\\x00"),
        ("csi\x9b2J", "csi\\x9b2J"),
        ("abc\u202edcba", "abc\\u202edcba"),
        ("\u2066isolated\u2069", "\\u2066isolated\\u2069"),
        ("one\u2028two", "one\\u2028two"),
    ],
)
def test_controls_and_bidi_overrides_are_shown_as_escapes(raw: str, shown: str) -> None:
    assert escape_controls(raw) == shown


@pytest.mark.parametrize(
    "text",
    [
        "[URGENT] charged twice [ticket 4411]",
        "[bold]x[/bold] [/] [erased] C:\\path\\x1b",
        "می‌خواهم پولم را پس بگیرم",  # Persian, with a zero-width non-joiner
        "\u200fمرحبا\u200e ok \u061c",  # noqa: RUF001 - Arabic on purpose; RLM, LRM, ALM kept
        "e\u0301 👩\u200d👩\u200d👧 🇬🇧 中文字符",
    ],
)
def test_printable_text_marks_and_joiners_pass_unchanged(text: str) -> None:
    assert escape_controls(text) == text


def test_lone_surrogates_are_escaped_so_the_text_can_be_encoded() -> None:
    assert escape_controls("a\ud800b") == "a\\ud800b"
    escape_controls("a\ud800b").encode("utf-8")


def test_escape_lines_keeps_the_line_breaks_and_escapes_the_rest() -> None:
    assert escape_lines("one\x1b\ntwo\r") == "one\\x1b\ntwo\\r"


def _subsequence(part: str, whole: str) -> bool:
    rest = iter(whole)
    return all(char in rest for char in part)


@given(st.text(st.characters(exclude_categories=())))
def test_escaped_text_holds_no_control_keeps_the_rest_in_order_and_is_idempotent(
    text: str,
) -> None:
    shown = escape_controls(text)

    assert not any(ord(char) in ESCAPED for char in shown)
    assert _subsequence("".join(c for c in text if ord(c) not in ESCAPED), shown)
    assert escape_controls(shown) == shown
