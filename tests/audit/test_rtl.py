"""Persian and Arabic text in the HTML pages: every text from the ledger sits in its own
bidirectional isolate, so its punctuation stays at its own end and it cannot reorder the
words around it. Checked by parsing the pages with ``html.parser``; the browser test
(tests/report/test_browser.py) checks where Chromium actually draws the "?"."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from tests.examples import event, iso
from trustengine import TrustEngine
from trustengine.audit import build_audit, to_html
from trustengine.cli import main
from trustengine.html.page import FSI, PDI

CUSTOMER = "مشتری-7"
CASE = "پرونده-1"
TEXTS = {
    "category": "تحویل",
    "summary": "بسته نرسید?",
    "remedy": "پول را پس بدهید.",
    "explanation": "متأسفیم!",
    "owner": "کارمند-12",
    "reassigned": "مرخصی.",
    "promise": "ق-1",
    "description": "فردا تماس می‌گیریم.",
    "offer": "پ-1",
    "declined": "کافی نیست?",
    "actor": "علی.",
}


def persian_history() -> list[dict[str, Any]]:
    t = TEXTS
    return [
        event(
            "ComplaintFiled",
            CUSTOMER,
            CASE,
            at=0,
            actor=t["actor"],
            category=t["category"],
            severity=2,
            cause="other",
            summary=t["summary"],
            remedy_sought=t["remedy"],
        ),
        event(
            "ApologyIssued",
            CUSTOMER,
            CASE,
            at=10,
            accepts_responsibility=True,
            explanation=t["explanation"],
        ),
        event("CaseReassigned", CUSTOMER, CASE, at=20, owner=t["owner"], reason=t["reassigned"]),
        event(
            "PromiseMade",
            CUSTOMER,
            CASE,
            at=30,
            promise=t["promise"],
            description=t["description"],
            due=iso(600),
        ),
        event(
            "CompensationOffered",
            CUSTOMER,
            CASE,
            at=40,
            offer=t["offer"],
            kind="refund",
            amount=10,
            currency="EUR",
            addresses_failure=True,
        ),
        event(
            "CompensationDeclined", CUSTOMER, CASE, at=50, offer=t["offer"], reason=t["declined"]
        ),
    ]


def persian_store(path: Path) -> str:
    engine = TrustEngine(str(path))
    try:
        engine.record_many(persian_history())
    finally:
        engine.close()
    return str(path)


class Isolation(HTMLParser):
    """Every text node that holds one of ``texts``, with the elements around it."""

    def __init__(self, texts: list[str]) -> None:
        super().__init__(convert_charrefs=True)
        self.texts = texts
        self.stack: list[tuple[str, dict[str, str | None]]] = []
        self.found: list[tuple[str, list[tuple[str, dict[str, str | None]]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ("meta", "br", "rect", "circle", "line", "polyline"):
            self.stack.append((tag, dict(attrs)))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        pass

    def handle_endtag(self, tag: str) -> None:
        while self.stack:
            if self.stack.pop()[0] == tag:
                break

    def handle_data(self, data: str) -> None:
        if any(text in data for text in self.texts):
            self.found.append((data, list(self.stack)))


def unisolated(page: str, texts: list[str]) -> list[str]:
    """The user texts in ``page`` that do not sit in an isolate of their own: a ``<bdi>``
    or a ``dir="auto"`` element holding exactly that text, or FSI ... PDI in a title or
    an SVG text."""
    parser = Isolation(texts)
    parser.feed(page)
    assert parser.found, "none of the texts is on the page"
    wrong = []
    for data, stack in parser.found:
        tag, attrs = stack[-1]
        if tag in ("title", "text"):  # no markup can go there: FSI ... PDI do the job
            if not all(f"{FSI}{t}{PDI}" in data for t in texts if t in data):
                wrong.append(f"<{tag}>{data}")
        elif tag != "bdi" and attrs.get("dir") != "auto":
            wrong.append(f"<{tag}>{data}")
        elif data not in texts:
            wrong.append(f"<{tag}> holds more than one text: {data}")
    return wrong


def test_every_user_text_of_the_audit_page_sits_in_its_own_isolate(tmp_path: Path) -> None:
    engine = TrustEngine(persian_store(tmp_path / "trust.db"))
    try:
        page = to_html(build_audit(engine, CUSTOMER))
    finally:
        engine.close()

    texts = [CUSTOMER, CASE, *TEXTS.values()]
    assert unisolated(page, texts) == []
    for text in texts:
        assert text in page, text


def test_every_category_of_the_report_page_sits_in_its_own_isolate(tmp_path: Path) -> None:
    db = persian_store(tmp_path / "trust.db")
    out = tmp_path / "report.html"

    result = CliRunner().invoke(main, ["report", "--db", db, "--html", str(out)])

    assert result.exit_code == 0, result.output
    page = out.read_text(encoding="utf-8")
    assert unisolated(page, [TEXTS["category"]]) == []
    # The chart labels are SVG text: there the isolate is FSI ... PDI.
    assert f'text-anchor="end">{FSI}{TEXTS["category"]}{PDI}</text>' in page
