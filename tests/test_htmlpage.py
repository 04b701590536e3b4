"""The shared HTML page shell escapes what the ledger says and loads nothing."""

from __future__ import annotations

from trustengine.htmlpage import esc, page, table


def test_ledger_text_is_escaped_in_tables_and_titles() -> None:
    html = page("<b>x</b>", table([{"a": "<script>alert(1)</script>", "n": 3}], ["a", "n"]))

    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<title>&lt;b&gt;x&lt;/b&gt;</title>" in html


def test_numeric_columns_are_right_aligned_and_none_is_empty() -> None:
    html = table([{"a": None, "n": 3}], ["a", "n"], numeric=["n"])

    assert html == (
        "<table><thead><tr><th>a</th><th>n</th></tr></thead>"
        '<tbody><tr><td></td><td class="num">3</td></tr></tbody></table>'
    )


def test_the_page_references_nothing_outside_itself() -> None:
    html = page("Report", "<p>hi</p>", subtitle="as of now")

    assert "http" not in html.replace('content="width=device-width', "")
    assert "<script" not in html
    assert "src=" not in html
    assert esc(None) == ""
