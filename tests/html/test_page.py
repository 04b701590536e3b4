"""The shared HTML page shell escapes what the ledger says and loads nothing."""

from __future__ import annotations

import html
from html.parser import HTMLParser

from hypothesis import given, settings
from hypothesis import strategies as st

from trustengine.html.page import CSP, Html, contained, esc, isolated, isolated_text, page, table


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

    assert "://" not in html
    assert "http:" not in html and "https:" not in html
    assert "<script" not in html
    assert "src=" not in html
    assert esc(None) == ""


def test_the_page_states_a_policy_that_runs_no_script_and_loads_nothing() -> None:
    html = page("Report", "<p>hi</p>")

    assert CSP == (
        "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
        "base-uri 'none'; form-action 'none'"
    )
    # Before the title and the style, so that it already holds when they are parsed.
    assert html.startswith(
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
    )


def test_a_carriage_return_and_a_nul_come_back_from_a_parser_as_the_browser_shows_them() -> None:
    # A browser's parser turns CR LF into LF and drops a NUL from body text; html.escape
    # leaves both as they are, so "a\r\nb" read "a\nb" on the page.
    assert esc("a\r\nb\rc") == "a&#13;\nb&#13;c"
    assert esc("a\0b") == "a\ufffdb"
    assert isolated("x\r") == "<bdi>x&#13;</bdi>"


class _Cells(HTMLParser):
    """The text of each ``<bdi>`` of a page, and any text outside one in a cell."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.open: list[str] = []
        self.isolated: list[str] = []
        self.loose: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.open.append(tag)
        if tag == "bdi":
            self.isolated.append("")

    def handle_endtag(self, tag: str) -> None:
        self.open.pop()

    def handle_data(self, data: str) -> None:
        if self.open and self.open[-1] == "bdi":
            self.isolated[-1] += data
        elif self.open and self.open[-1] == "td":
            self.loose.append(data)


@settings(max_examples=500, deadline=None)
@given(st.text(min_size=1))
def test_any_text_in_a_table_cell_comes_back_whole_from_its_own_isolate(text: str) -> None:
    parser = _Cells()
    parser.feed(table([{"a": text, "b": "x"}], ["a", "b"]))
    parser.close()

    # A NUL cannot be shown in HTML: it comes back as U+FFFD, never silently dropped.
    assert parser.isolated == [contained(text).replace("\0", "\ufffd"), "x"]
    assert parser.loose == []


@given(st.text(min_size=1))
def test_svg_and_title_text_is_escaped_between_the_isolate_characters(text: str) -> None:
    balanced = contained(text)
    escaped = html.escape(balanced, quote=True).replace("\r", "&#13;").replace("\0", "\ufffd")
    assert isolated_text(text) == f"\u2068{escaped}\u2069"
    assert isolated(text) == f"<bdi>{escaped}</bdi>"


def test_html_fragments_go_into_cells_and_headings_as_they_are() -> None:
    cell = table([{"a": Html("<b>kept</b>")}], ["a"])
    whole = page("t", "", heading=Html("Audit of <bdi>x</bdi>"), subtitle=Html("<bdi>s</bdi>"))

    assert "<td><b>kept</b></td>" in cell
    assert "<h1>Audit of <bdi>x</bdi></h1>" in whole
    assert '<p class="meta"><bdi>s</bdi></p>' in whole


def test_a_stray_pdi_is_left_out_so_a_text_cannot_close_its_own_isolate() -> None:
    # "x PDI RLO y" closed the <bdi> (or FSI) around it, then reversed what followed.
    assert contained("x\u2069\u202ey") == "x\u202ey"
    assert isolated("x\u2069\u202ey") == "<bdi>x\u202ey</bdi>"
    assert isolated_text("a\u2069") == "\u2068a\u2069"
    assert isolated("\u2069") == ""  # nothing left to show


def test_an_isolate_a_text_opens_is_closed_at_its_end_and_balanced_ones_are_kept() -> None:
    assert contained("\u2067\u0645\u0631") == "\u2067\u0645\u0631\u2069"
    assert contained("a\u2066b\u2069c\u2069d\u2068") == "a\u2066b\u2069cd\u2068\u2069"
    assert contained("plain \u202e text") == "plain \u202e text"  # ends with the isolate


@given(st.text(st.sampled_from("ab\u2066\u2067\u2068\u2069\u202a\u202c\u202e")))
def test_a_contained_text_opens_no_isolate_it_does_not_close(text: str) -> None:
    depth = 0
    for char in contained(text):
        depth += char in "\u2066\u2067\u2068"
        depth -= char == "\u2069"
        assert depth >= 0
    assert depth == 0
    # Only PDIs are left out or added: every other character is kept, in order.
    assert contained(text).replace("\u2069", "") == text.replace("\u2069", "")
