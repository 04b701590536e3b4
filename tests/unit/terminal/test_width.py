"""Cell widths of the text the plain-text report lays out."""

# ruff: noqa: RUF001 - Persian text on purpose: its letters are what is measured

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from trustengine.terminal.width import cell_width


@pytest.mark.parametrize(
    ("text", "cells"),
    [
        ("Parcel late", 11),
        ("سلام دنیا", 9),  # Persian letters take one cell each
        ("می\u200cخواهم", 7),  # ZWNJ takes none
        ("\u200fشکایت", 5),  # RLM takes none
        ("e\u0301", 1),  # a combining accent sits on its letter
        ("日本語", 6),  # wide characters take two
        ("👍🏽", 2),  # a skin-tone modifier is drawn inside its emoji
        ("👨\u200d👩\u200d👧", 2),  # a ZWJ sequence is drawn as one emoji
    ],
)
def test_a_text_takes_the_cells_a_terminal_draws(text: str, cells: int) -> None:
    assert cell_width(text) == cells


@given(st.text(alphabet=st.characters(codec="utf-8", categories=("L", "N", "P", "Zs"))))
def test_letters_digits_and_punctuation_take_one_or_two_cells_each(text: str) -> None:
    assert len(text) <= cell_width(text) <= 2 * len(text)
