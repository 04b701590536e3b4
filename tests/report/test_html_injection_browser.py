"""No text from the ledger runs as script in a real browser: headless Chromium.

Every text field of a history (tests/html_hostile.py) carries a payload that, run as
markup, would set the page's title to ``PWNED`` or add an element: a ``<script>``, an
``<img onerror>``, an ``<svg onload>``, a broken-out attribute, a closed ``<title>`` or
``<style>``. ``report --html`` and ``audit --html`` write their pages, Chromium opens each
and prints its DOM after load (``--dump-dom``), and the test reads it back: the title is
the page's own, every element is one the shell writes, and each text is shown whole as
text. Each page is opened twice: as written, and without its Content-Security-Policy, so
that the escaping alone is shown to hold and the policy is a second wall, not the only one.

A text cannot leave its bidi isolate either: with a stray PDI and an override in a name,
the page's own words after it still run left to right (measured where Chromium draws
them).

Two control pages show that the test can fail: one payload written unescaped runs in
Chromium (the title becomes ``PWNED``), and the same page with the policy runs nothing.

Chromium is Debian's ``chromium`` (see tests/report/test_browser.py): skipped locally when
it is missing, a failure with ``CI`` set.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from click.testing import CliRunner

from tests.html.test_html_injection import fitted, foreign_markup, read, shown
from tests.html_hostile import FIELDS, hostile_history
from tests.report.test_browser import chromium, rendered
from trustengine import TrustEngine
from trustengine.cli import main
from trustengine.html.page import CSP, FSI, PDI, Html, isolated_text, page

POLICY = f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'

MARKERS = (
    "<script>document.title='PWNED'</script>",
    "<img src=x onerror=\"document.title='PWNED'\">",
    '"><img src=x onerror="document.title=\'PWNED\'">',
    "'><svg onload=\"document.title='PWNED'\">",
    "<svg><script>document.title='PWNED'</script></svg>",
    "</title><script>document.title='PWNED'</script>",
    "</style><img src=x onerror=document.title='PWNED'>",
    "</text></svg><img src=x onerror=document.title='PWNED'>",
    "</bdi></td></tr></table><img src=x onerror=document.title='PWNED'>",
    "<iframe srcdoc=\"<script>parent.document.title='PWNED'</script>\"></iframe>",
    "<body onload=\"document.title='PWNED'\">",
    "]]><img src=x onerror=document.title='PWNED'>",
    "--><img src=x onerror=document.title='PWNED'><!--",
    "<a id=pwned href=\"javascript:document.title='PWNED'\">x</a>",
    "<style>*{background:url(javascript:document.title='PWNED')}</style>",
    "<math><mtext><table><mglyph><style><img src=x onerror=document.title='PWNED'>",
)
"""Payloads that set the title to PWNED (or add an element) if they ever run as markup."""

CONTROL = "a\r\nb\rc\x00d\u2028e"
"""A text with characters an HTML parser changes: CR LF, a lone CR, NUL, U+2028."""


def hostile_texts() -> dict[str, str]:
    """One marker payload per field, each after its field's name (so the keys differ);
    the summary is :data:`CONTROL` with a payload."""
    texts = {name: f"{name}:{MARKERS[number % len(MARKERS)]}" for number, name in enumerate(FIELDS)}
    texts["summary"] = f"{CONTROL}{MARKERS[0]}"
    return fitted(texts)


def dump_dom(path: Path, browser: Path, profile: Path) -> str:
    """The DOM of ``path`` after Chromium has loaded it (and run what it would run),
    serialised; bytes decoded as they are, so a carriage return stays one."""
    result = subprocess.run(
        [
            str(browser),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-extensions",
            "--disable-background-networking",
            "--host-resolver-rules=MAP * ~NOTFOUND",
            f"--user-data-dir={profile}",
            "--virtual-time-budget=2000",
            "--dump-dom",
            path.as_uri(),
        ],
        capture_output=True,
        timeout=120,
        check=False,
    )
    dom = result.stdout.decode("utf-8")
    assert "<html" in dom, f"no DOM (exit {result.returncode}): {result.stderr[-2000:]!r}"
    return dom


def _without_policy(path: Path) -> Path:
    shipped = path.read_text(encoding="utf-8")
    assert shipped.count(POLICY) == 1
    bare = path.with_name(f"bare-{path.name}")
    bare.write_text(shipped.replace(POLICY, ""), encoding="utf-8")
    return bare


def _pages(tmp_path: Path, texts: dict[str, str]) -> dict[str, Path]:
    db = tmp_path / "trust.db"
    engine = TrustEngine(str(db))
    try:
        engine.record_many(hostile_history(texts))
    finally:
        engine.close()
    runner = CliRunner()
    commands = {
        "report.html": ["report", "--db", str(db)],
        "audit.html": ["audit", texts["customer"], "--db", str(db)],
        "case.html": ["audit", texts["customer"], "--case", texts["case"], "--db", str(db)],
    }
    written = {}
    for name, command in commands.items():
        path = tmp_path / name
        result = runner.invoke(main, [*command, "--html", str(path)])
        assert result.exit_code == 0, result.output
        written[name] = path
    return written


def test_no_payload_in_any_field_runs_or_adds_an_element_in_chromium(tmp_path: Path) -> None:
    browser = chromium()
    texts = hostile_texts()
    customer, case = shown(texts["customer"]), shown(texts["case"])
    titles = {
        "report.html": "trustengine report",
        "audit.html": f"Audit of {FSI}{customer}{PDI}",
        "case.html": f"Audit of {FSI}{customer}{PDI}, case {FSI}{case}{PDI}",
    }
    for name, path in _pages(tmp_path, texts).items():
        for opened in (path, _without_policy(path)):
            dom = dump_dom(opened, browser, tmp_path / f"profile-{opened.name}")
            reading = read(dom)

            # The page's <title> first (then the charts' own), never set to PWNED.
            assert reading.texts["title"][0] == titles[name], opened.name
            assert foreign_markup(reading) == [], opened.name
            if name == "report.html":
                assert shown(texts["category"]) in reading.isolated
            else:
                assert shown(texts["summary"]) in reading.isolated
                assert shown(texts["owner"]) in reading.isolated


def test_a_carriage_return_reaches_the_browser_as_recorded_and_a_nul_as_u_fffd(
    tmp_path: Path,
) -> None:
    browser = chromium()
    texts = hostile_texts()
    dom = dump_dom(_pages(tmp_path, texts)["audit.html"], browser, tmp_path / "profile")

    shown_summary = "a\r\nb\rc\ufffdd\u2028e" + MARKERS[0]
    assert shown(texts["summary"]) == shown_summary
    # The case's summary, the event's data cell and its summary sentence: each the
    # recorded text, CRs and all.
    assert read(dom).isolated.count(shown_summary) == 3


def test_the_browser_check_sees_a_payload_that_was_not_escaped(tmp_path: Path) -> None:
    browser = chromium()
    leaky = tmp_path / "leaky.html"
    leaky.write_text(page("t", Html(f"<p>{MARKERS[1]}</p>")), encoding="utf-8")

    without = read(dump_dom(_without_policy(leaky), browser, tmp_path / "without"))
    shipped = read(dump_dom(leaky, browser, tmp_path / "shipped"))

    # Unescaped and without the policy, the handler runs.
    assert without.texts["title"] == ["PWNED"]
    # The policy stops the script, but not the element: the parser check still sees it.
    assert shipped.texts["title"] == ["t"]
    assert foreign_markup(shipped) == [
        "<img> with {'src': 'x', 'onerror': \"document.title='PWNED'\"}"
    ]


# Where Chromium draws each character of the page's own words right after a text: in the
# audit's data cell after the name ("; tier: "), and in an SVG label after the label.
BIDI_PROBE = """<script>
(() => {
  const name = __NAME__;
  const lefts = (node) => {
    const range = document.createRange();
    return [...node.data].map((_, at) => {
      range.setStart(node, at);
      range.setEnd(node, at + 1);
      return range.getBoundingClientRect().left;
    });
  };
  const cell = [...document.querySelectorAll("bdi")].find(
    (b) => b.textContent === name && b.nextSibling && b.nextSibling.nodeType === Node.TEXT_NODE);
  const label = document.getElementById("label");
  const chars = label.getNumberOfChars();
  const svg = [];
  for (let at = chars - 7; at < chars; at++) svg.push(label.getStartPositionOfChar(at).x);
  const probe = document.createElement("pre");
  probe.id = "probe";
  probe.textContent = JSON.stringify({
    after: cell.nextSibling.data, html: lefts(cell.nextSibling), svg});
  document.body.appendChild(probe);
})();
</script>"""


def test_a_stray_pdi_and_an_override_in_a_text_cannot_reverse_the_words_after_it(
    tmp_path: Path,
) -> None:
    browser = chromium()
    texts = hostile_texts()
    texts["name"] = "Amelia\u2069\u202e Hart"  # closes the isolate, then reverses
    path = _pages(tmp_path, texts)["audit.html"]
    label = '<svg width="600" height="30"><text id="label" x="10" y="20">'
    label += f"{isolated_text(texts['name'])}: 12345</text></svg>"
    path.write_text(
        path.read_text(encoding="utf-8").replace("</body>", label + "</body>"), encoding="utf-8"
    )
    probe = BIDI_PROBE.replace("__NAME__", json.dumps(shown(texts["name"])))

    found = rendered(path, browser, tmp_path / "profile", probe)

    assert found["after"] == "; tier: "
    # Left to right, as written: without the fix they ran right to left ("21 :" for ": 12").
    assert found["html"] == sorted(found["html"]), found
    assert found["svg"] == sorted(found["svg"]), found
