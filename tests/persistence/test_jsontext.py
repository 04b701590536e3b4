"""exact_loads (persistence/jsontext.py) decodes or fails exactly as the decoder's own
``decode`` does, whatever the text."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from trustengine.persistence.jsontext import exact_loads

PLAIN = json.JSONDecoder()
DECIMAL = json.JSONDecoder(parse_float=Decimal)

values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12,
)
around = st.sampled_from(["", " ", "\n", "\r\n", "\t", "\u2028", "\x1c", "x", "}", " 1", "\ufeff"])


def outcome(decode: Any, text: str) -> tuple[str, Any]:
    try:
        return "value", decode(text)
    except Exception as error:
        return type(error).__name__, str(error)


@given(values, around, around)
def test_json_text_with_anything_around_it_decodes_as_decode_does(
    value: Any, before: str, after: str
) -> None:
    text = before + json.dumps(value) + after
    for decoder in (PLAIN, DECIMAL):
        assert outcome(exact_loads(decoder), text) == outcome(decoder.decode, text)
    assert outcome(exact_loads(fallback=json.loads), text) == outcome(json.loads, text)


@given(st.text())
def test_any_text_decodes_or_fails_as_decode_does(text: str) -> None:
    assert outcome(exact_loads(DECIMAL), text) == outcome(DECIMAL.decode, text)
    assert outcome(exact_loads(fallback=json.loads), text) == outcome(json.loads, text)


def test_deep_nesting_and_huge_integers_fail_as_decode_fails() -> None:
    for text in ("[" * 100_000 + "]" * 100_000, "1" * 5000):
        assert outcome(exact_loads(DECIMAL), text) == outcome(DECIMAL.decode, text)
