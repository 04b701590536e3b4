"""No text from the ledger becomes markup in ``report --html`` or ``audit --html``.

Hypothesis builds histories whose every free-text and key field holds HTML-breaking text
(:data:`tests.html_hostile.PAYLOADS`, arbitrary characters, texts up to the 10,000
characters a field takes), renders the report and the audit pages (whole customer and one
case), and reads them back with ``html.parser``:

- every element and attribute is one the page shell writes (:data:`ALLOWED`), with a value
  of the form the shell writes (:data:`VALUES`): none came from a text, no ``on*``
  handler, no ``<script>`` (the pages have none of their own), no comment, no CDATA;
- apart from the ``<bdi>`` isolates, the pages' elements are exactly those of the same
  history with plain texts in place of the hostile ones;
- every text comes back whole, as text, in its own isolate.

The names of the trust policy and SLA preset an audit was made under, and the preset's
description, come from files the user chose: they get every payload too.

A NUL cannot be shown in HTML: it comes back as U+FFFD; a text's bidi isolates come back
balanced (a stray PDI left out, an open isolate closed), so that it cannot end the isolate
it sits in. Lone surrogates cannot be stored
at all: the engine refuses them at the door, so they never reach a page.

Several hundred examples locally, 1,000 with ``CI`` set. The browser side (that nothing
runs in Chromium) is tests/report/test_html_injection_browser.py.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from functools import cache
from html.parser import HTMLParser
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import in_ci
from tests.html_hostile import (
    ACTOR_FIELDS,
    DISTINCT,
    FIELDS,
    ID_FIELDS,
    KEY_FIELDS,
    PAYLOADS,
    hostile_history,
)
from trustengine import TrustEngine
from trustengine.audit import build_audit, to_html
from trustengine.exceptions import TrustEngineError
from trustengine.html.page import CSP, FSI, PDI, contained, page, table
from trustengine.readmodel import ReadModel
from trustengine.report import build_report, report_html

settings.register_profile(
    "html-injection-ci",
    max_examples=1000,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile(
    "html-injection-local",
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
PROFILE = settings.get_profile("html-injection-ci" if in_ci() else "html-injection-local")
"""1,000 histories in CI, 300 locally."""

_NUMBER = r"-?[0-9]+(\.[0-9]+)?"
_COLOUR = r"#[0-9a-f]{6}"
VALUES: dict[str, str] = {
    "lang": "en",
    "charset": "utf-8",
    "name": "viewport",
    "http-equiv": "Content-Security-Policy",
    "content": "|".join(map(re.escape, (CSP, "width=device-width, initial-scale=1"))),
    "class": "num|meta|ok|bad|chart|mark|n",
    "style": "overflow-x: auto",
    "role": "img",
    "aria-label": "Trust score after each event",
    "viewbox": f"0 0 {_NUMBER} {_NUMBER}",
    "points": f"{_NUMBER},{_NUMBER}( {_NUMBER},{_NUMBER})*",
    "fill": f"{_COLOUR}|none",
    "stroke": _COLOUR,
    "text-anchor": "start|middle|end",
    **dict.fromkeys(("x", "y", "x1", "y1", "x2", "y2", "cx", "cy", "r"), _NUMBER),
    **dict.fromkeys(("width", "height", "stroke-width"), _NUMBER),
}
"""The form of each attribute's value, as the page shell writes it (a full match)."""

_NONE: frozenset[str] = frozenset()
ALLOWED: dict[str, frozenset[str]] = {
    **dict.fromkeys(
        (
            "head", "title", "style", "body", "h1", "h2", "h3", "thead", "tbody", "tr",
            "th", "bdi", "figure", "figcaption", "strong", "li",
        ),
        _NONE,
    ),
    "html": frozenset({"lang"}),
    "meta": frozenset({"charset", "name", "content", "http-equiv"}),
    "p": frozenset({"class"}),
    "span": frozenset({"class"}),
    "table": frozenset({"class"}),
    "td": frozenset({"class"}),
    "ul": frozenset({"class"}),
    "div": frozenset({"style"}),
    "svg": frozenset({"class", "width", "height", "viewbox", "role", "aria-label"}),
    "text": frozenset({"x", "y", "text-anchor"}),
    "rect": frozenset({"class", "x", "y", "width", "height", "fill"}),
    "circle": frozenset({"class", "cx", "cy", "r", "fill"}),
    "line": frozenset({"x1", "y1", "x2", "y2", "stroke"}),
    "polyline": frozenset({"class", "points", "fill", "stroke", "stroke-width"}),
}  # fmt: skip
"""Every element the pages use, with the attributes it may carry."""


_VOID = frozenset({"meta", "img", "br", "hr", "input", "link", "base", "area", "col", "embed"})
"""Elements that have no end tag (the pages use ``<meta>`` only)."""


class Reading(HTMLParser):
    """What a page is made of: its elements in order, the text of each ``<bdi>``, the
    text of each element that holds an FSI ... PDI isolate, and anything that is markup
    but no element (comments, declarations, processing instructions)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.open: list[str] = []
        self.isolated: list[str] = []
        self.texts: dict[str, list[str]] = {}
        self.other: list[str] = []
        self.declarations: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, attrs))
        if tag not in _VOID:
            self.open.append(tag)
        if tag == "bdi":
            self.isolated.append("")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, attrs))

    def handle_endtag(self, tag: str) -> None:
        if not self.open or self.open[-1] != tag:
            self.other.append(f"</{tag}> closes {self.open[-1:]}")
        while self.open and self.open.pop() != tag:
            pass

    def handle_data(self, data: str) -> None:
        if self.open and self.open[-1] == "bdi":
            self.isolated[-1] += data
        elif self.open:
            self.texts.setdefault(self.open[-1], []).append(data)

    def handle_decl(self, decl: str) -> None:
        self.declarations.append(decl)

    def handle_comment(self, data: str) -> None:
        self.other.append(f"<!--{data}-->")

    def handle_pi(self, data: str) -> None:
        self.other.append(f"<?{data}>")

    def unknown_decl(self, data: str) -> None:
        self.other.append(f"<![{data}]>")


def read(html: str) -> Reading:
    """``html`` parsed; an element left open counts as foreign markup."""
    reading = Reading()
    reading.feed(html)
    reading.close()
    reading.other += [f"<{tag}> left open" for tag in reading.open]
    return reading


def foreign_markup(reading: Reading) -> list[str]:
    """The elements, attributes and other markup of a page that the shell does not write."""
    found = list(reading.other)
    if reading.declarations != ["DOCTYPE html"]:
        found.append(f"declarations {reading.declarations}")
    for tag, attrs in reading.elements:
        if tag not in ALLOWED:
            found.append(f"<{tag}>" if not attrs else f"<{tag}> with {dict(attrs)}")
            continue
        for name, value in attrs:
            if name.startswith("on") or name not in ALLOWED[tag]:
                found.append(f"<{tag} {name}={value!r}>")
            elif value is None or re.fullmatch(VALUES[name], value) is None:
                found.append(f"<{tag} {name}={value!r}>: not a value the shell writes")
    return found


def shape(reading: Reading) -> list[str]:
    """The page's elements in order, less the ``<bdi>`` isolates (one summary sentence
    has as many as it quotes texts)."""
    return [tag for tag, _ in reading.elements if tag != "bdi"]


def shown(text: str) -> str:
    """``text`` as a page shows it: a NUL, which HTML cannot hold, as U+FFFD; its bidi
    isolates balanced (:func:`~trustengine.html.page.contained`)."""
    return contained(text).replace("\0", "\ufffd")


# --- The texts --------------------------------------------------------------------------

_PIECE = st.one_of(
    st.sampled_from(PAYLOADS),
    st.text(st.characters(exclude_categories=("Cs",)), max_size=12),
)
_COMPOSED = st.lists(_PIECE, min_size=1, max_size=6).map("".join)
_LONG = st.tuples(st.sampled_from(PAYLOADS), st.integers(200, 10_000)).map(
    lambda found: (found[0] * (found[1] // len(found[0]) + 1))[: found[1]]
)
HOSTILE = st.one_of(*[_COMPOSED] * 7, _LONG)
"""HTML-breaking texts: payloads among arbitrary characters, or one repeated up to 10,000
characters long (no lone surrogates: see the test of the door below)."""


def as_key(text: str) -> str:
    """``text`` made a valid key: 1-200 characters, no whitespace at either end."""
    text = text[:198]
    return text if text and text.strip() == text else f"k{text}k"


def as_text(text: str, limit: int = 10_000) -> str:
    """``text`` made a valid text field: 1 to ``limit`` characters."""
    return text[:limit] or "x"


def fitted(drawn: Mapping[str, str]) -> dict[str, str]:
    """Each drawn text fitted to its field's bounds, the pairs of :data:`DISTINCT` made
    different."""
    texts = {}
    for name, text in drawn.items():
        if name in KEY_FIELDS or name in ID_FIELDS:
            texts[name] = as_key(text)
        elif name in ACTOR_FIELDS:
            texts[name] = as_text(text, 200)
        else:
            texts[name] = as_text(text)
    for first, second in DISTINCT:
        if texts[first] == texts[second]:
            texts[second] = texts[second][:199] + ("2" if texts[second][-1] != "2" else "3")
    return texts


TEXTS = st.fixed_dictionaries(dict.fromkeys(FIELDS, HOSTILE)).map(fitted)
CURRENCIES = st.sampled_from(["EUR", "GBP", "USD", "JPY", "IRR"])
CHANNELS = st.sampled_from(["web", "email", "whatsapp", "in_person"])


# --- The pages --------------------------------------------------------------------------


def pages(texts: Mapping[str, str], currency: str, channel: str) -> dict[str, str]:
    """The report page and the audit pages (the customer, one case) of
    :func:`hostile_history` with ``texts``, rendered as ``report --html`` and ``audit
    --html`` write them."""
    engine = TrustEngine(":memory:")
    try:
        engine.record_many(hostile_history(texts, currency=currency, channel=channel))
        customer, case = texts["customer"], texts["case"]
        found = {
            "audit": to_html(build_audit(engine, customer)),
            "case audit": to_html(build_audit(engine, customer, case=case)),
        }
        with ReadModel(engine) as model:
            model.catch_up()
            found["report"] = report_html(build_report(model.db))
    finally:
        engine.close()
    return found


@cache
def plain_shapes(currency: str, channel: str) -> dict[str, list[str]]:
    """The elements of each page for the same history with plain, distinct texts."""
    plain = {name: f"t{number}" for number, name in enumerate(FIELDS)}
    return {name: shape(read(html)) for name, html in pages(plain, currency, channel).items()}


_NOT_IN_THE_CASE = (
    "other_case",
    "other_category",
    "other_summary",
    "name",
    "actor",
    "contact_summary",
)
"""The texts a case's audit leaves out: the other case's, and the customer-level events'."""


def _check(name: str, html: str, texts: Mapping[str, str], currency: str, channel: str) -> None:
    reading = read(html)
    assert foreign_markup(reading) == [], name
    assert shape(reading) == plain_shapes(currency, channel)[name], name
    assert "script" not in [tag for tag, _ in reading.elements]
    isolates = set(reading.isolated)
    if name == "report":
        assert reading.texts["title"][0] == "trustengine report"
        shown_in_svg = "".join(reading.texts.get("text", []) + reading.texts["title"])
        for field in ("category", "other_category"):  # the report's only ledger texts
            if not shown(texts[field]):  # a lone stray PDI is nothing to show
                continue
            assert shown(texts[field]) in isolates, field
            assert f"{FSI}{shown(texts[field])}{PDI}" in shown_in_svg, field
        return
    customer, case = shown(texts["customer"]), shown(texts["case"])
    title = f"Audit of {FSI}{customer}{PDI}"
    if name == "case audit":
        title += f", case {FSI}{case}{PDI}"
        fields = [n for n in FIELDS if n not in _NOT_IN_THE_CASE]
    else:
        fields = list(FIELDS)
    assert reading.texts["title"][0] == title
    for field in fields:
        if shown(texts[field]):  # a lone stray PDI is nothing to show
            assert shown(texts[field]) in isolates, field


@pytest.mark.slow  # about 30 s for the 300 histories of a local run
@PROFILE
@given(TEXTS, CURRENCIES, CHANNELS)
def test_no_text_of_any_field_becomes_markup_in_the_report_or_audit_pages(
    texts: dict[str, str], currency: str, channel: str
) -> None:
    for name, html in pages(texts, currency, channel).items():
        _check(name, html, texts, currency, channel)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_each_payload_in_every_field_at_once_stays_text(payload: str) -> None:
    texts = fitted(dict.fromkeys(FIELDS, payload))
    for name, html in pages(texts, "EUR", "web").items():
        _check(name, html, texts, "EUR", "web")


# --- The checks can fail ----------------------------------------------------------------


def test_the_check_finds_markup_that_came_from_a_text() -> None:
    payload = '"><img src=x onerror="document.title=\'PWNED\'"><!--'
    # A page that forgot to escape one text in an attribute.
    leaky = page("t", f'<p class="{payload}">x</p>')

    assert foreign_markup(read(leaky)) == [
        "<p class=''>: not a value the shell writes",
        "<img> with {'src': 'x', 'onerror': \"document.title='PWNED'\"}",
    ]


def test_an_unescaped_text_changes_the_shape_of_the_page() -> None:
    plain = read(page("t", table([{"a": "x"}], ["a"])))
    leaky = read(page("t", "<table><tr><td><b>x</b></td></tr></table>"))

    assert shape(plain) != shape(leaky)
    assert foreign_markup(leaky) == ["<b>"]


# --- The door ---------------------------------------------------------------------------


@pytest.mark.parametrize("field", ["customer", "case", "summary", "actor", "owner", "comment"])
def test_a_lone_surrogate_is_refused_at_the_door_so_it_never_reaches_a_page(field: str) -> None:
    texts = fitted({name: f"t{n}" for n, name in enumerate(FIELDS)})
    texts[field] = "x\ud800y"
    engine = TrustEngine(":memory:")
    try:
        with pytest.raises(TrustEngineError, match="valid string"):
            engine.record_many(hostile_history(texts))
        assert list(engine.all_events()) == []  # nothing was stored
    finally:
        engine.close()


def test_a_currency_that_is_no_code_is_refused_at_the_door() -> None:
    texts = fitted({name: f"t{n}" for n, name in enumerate(FIELDS)})
    engine = TrustEngine(":memory:")
    try:
        with pytest.raises(TrustEngineError, match="currency"):
            engine.record_many(hostile_history(texts, currency="<b>"))
    finally:
        engine.close()


# --- The texts of the policy files an audit names ---------------------------------------


def _toml(text: str) -> str:
    """``text`` as a TOML basic string (JSON's escapes are TOML's, for these texts)."""
    return json.dumps(text, ensure_ascii=False)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_the_policy_and_sla_preset_an_audit_names_stay_text(tmp_path: Path, payload: str) -> None:
    # The subtitle names the trust policy and the SLA preset, and quotes the preset's
    # description: texts from files the user chose.
    shipped = Path(__file__).parents[2] / "projections"
    files = {}
    for name, fields in (("trust-v1", ("version",)), ("sla-default", ("version", "description"))):
        lines = (shipped / f"{name}.toml").read_text(encoding="utf-8").splitlines()
        for field in fields:
            (at,) = [n for n, line in enumerate(lines) if line.startswith(f"{field} = ")]
            lines[at] = f"{field} = {_toml(f'{field}:{payload}')}"
        files[name] = tmp_path / f"{name}.toml"
        files[name].write_text("\n".join(lines) + "\n", encoding="utf-8")
    texts = fitted({name: f"t{n}" for n, name in enumerate(FIELDS)})
    engine = TrustEngine(":memory:")
    try:
        engine.record_many(hostile_history(texts))
        report = build_audit(
            engine, texts["customer"], policy=str(files["trust-v1"]), sla=str(files["sla-default"])
        )
    finally:
        engine.close()

    reading = read(to_html(report))

    assert foreign_markup(reading) == []
    for text in ("version:", "description:"):
        assert shown(f"{text}{payload}") in reading.isolated
