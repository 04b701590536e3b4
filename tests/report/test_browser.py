"""The report page in a real browser: headless Chromium lays out every chart.

The page itself runs no script (its Content-Security-Policy forbids any). The test renders
a copy without that policy and with one probe script appended, which measures each
``<svg>`` and its marks after layout and writes the measurements into the document;
``chromium --dump-dom`` prints the document, and the test reads them back. The probe
also counts the resources the page loaded: there must be none.

Chromium comes from Debian's ``chromium`` package (``.ci/run`` installs it). Locally the
test skips when it is missing; with ``CI`` set it fails instead.
"""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from tests.audit.test_rtl import CUSTOMER, TEXTS, persian_store
from tests.conftest import in_ci
from trustengine.cli import main
from trustengine.html.page import CSP

CHROMIUM = Path("/usr/bin/chromium")
POLICY = f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'

PROBE = """<script>
(() => {
  const inside = (a, b) => a.left >= b.left - 1 && a.right <= b.right + 1
    && a.top >= b.top - 1 && a.bottom <= b.bottom + 1;
  const charts = [...document.querySelectorAll("svg")].map((svg) => {
    const box = svg.getBoundingClientRect();
    const marks = [...svg.querySelectorAll(".mark")].map((mark) => {
      const shape = mark.getBBox();
      return {tag: mark.tagName, width: shape.width, height: shape.height,
              inside: inside(mark.getBoundingClientRect(), box)};
    });
    return {title: svg.querySelector("title").textContent,
            width: box.width, height: box.height, marks};
  });
  const probe = document.createElement("pre");
  probe.id = "probe";
  probe.textContent = JSON.stringify({
    charts, resources: performance.getEntriesByType("resource").length});
  document.body.appendChild(probe);
})();
</script>"""

# Marks each chart of the demo history draws: bars, segments, points and lines.
EXPECTED_MARKS = {
    "NPS and CSAT per period": 5,  # 3 NPS points and their line, 1 CSAT point
    "Complaints per period": 20,  # 5 series (all, top 3, the others) of 3 points and a line
    "Top categories": 6,  # the five most frequent, and one bar for the other one
    "Top causes": 6,
    "Hours to respond and resolve": 6,
    "SLA clocks": 9,  # no follow-up clock is left running
    "Promises": 3,
    "Offers by kind and fit": 5,
    "Cases by number of hand-offs": 3,
    "Customers by trust score": 5,
}


def chromium() -> Path:
    """Debian's Chromium; skip (locally) or fail (in CI) when it is not installed."""
    found = CHROMIUM if CHROMIUM.exists() else shutil.which("chromium")
    if found is None:
        message = f"Chromium is not installed at {CHROMIUM} (apt-get install -y chromium)"
        if in_ci():
            pytest.fail(f"{message}; CI is set, so the browser test must run, never skip")
        pytest.skip(message)
    return Path(found)


def rendered(page: Path, browser: Path, profile: Path, probe: str = PROBE) -> dict[str, Any]:
    """Open ``page`` with ``probe`` in headless Chromium; return what the probe measured."""
    probed = page.with_name("probed.html")
    # The page's own policy forbids every script, the probe's too: the copy goes without
    # it (tests/test_html_injection_browser.py checks the page as shipped).
    shipped = page.read_text(encoding="utf-8")
    assert POLICY in shipped
    probed.write_text(
        shipped.replace(POLICY, "").replace("</body>", probe + "</body>"), encoding="utf-8"
    )
    result = subprocess.run(
        [
            str(browser),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-extensions",
            "--host-resolver-rules=MAP * ~NOTFOUND",
            f"--user-data-dir={profile}",
            "--window-size=1200,900",
            "--dump-dom",
            probed.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    match = re.search(r'<pre id="probe">(.*?)</pre>', result.stdout, flags=re.DOTALL)
    assert match, f"no probe output (exit {result.returncode}): {result.stderr[-2000:]}"
    found: dict[str, Any] = json.loads(html.unescape(match[1]))
    return found


def test_every_chart_of_the_demo_report_renders_with_its_marks(
    demo_db: str, tmp_path: Path
) -> None:
    browser = chromium()
    page = tmp_path / "report.html"
    result = CliRunner().invoke(main, ["report", "--db", demo_db, "--html", str(page)])
    assert result.exit_code == 0, result.output

    found = rendered(page, browser, tmp_path / "profile")

    assert found["resources"] == 0
    charts = found["charts"]
    assert [chart["title"] for chart in charts] == list(EXPECTED_MARKS)
    for chart in charts:
        title = chart["title"]
        assert chart["width"] == 640, title
        assert chart["height"] > 40, title
        assert len(chart["marks"]) == EXPECTED_MARKS[title], title
        for mark in chart["marks"]:
            assert mark["inside"], (title, mark)
            assert mark["width"] > 0, (title, mark)
            if mark["tag"] != "polyline":  # a line may be flat; bars and points never are
                assert mark["height"] > 0, (title, mark)


# Where Chromium draws the first letter and the final "?" of a Persian summary, in every
# text node of the page that holds it, and in a control paragraph without an isolate
# that the probe adds.
RTL_PROBE = """<script>
(() => {
  const text = __SUMMARY__;
  const box = (node, at) => {
    const range = document.createRange();
    range.setStart(node, at);
    range.setEnd(node, at + 1);
    const found = range.getBoundingClientRect();
    return {left: found.left, right: found.right};
  };
  const control = document.createElement("p");
  control.textContent = "Summary: " + text;
  document.body.appendChild(control);
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const places = [];
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const at = node.data.indexOf(text);
    if (at < 0) continue;
    places.push({parent: node.parentElement.tagName.toLowerCase(),
                 control: node.parentElement === control,
                 first: box(node, at), mark: box(node, at + text.length - 1)});
  }
  const probe = document.createElement("pre");
  probe.id = "probe";
  probe.textContent = JSON.stringify({places});
  document.body.appendChild(probe);
})();
</script>"""


def test_a_persian_summary_keeps_its_question_mark_on_its_left_in_the_audit_page(
    tmp_path: Path,
) -> None:
    browser = chromium()
    summary = TEXTS["summary"]
    assert summary.endswith("?")
    db = persian_store(tmp_path / "trust.db")
    page = tmp_path / "audit.html"
    result = CliRunner().invoke(main, ["audit", CUSTOMER, "--db", db, "--html", str(page)])
    assert result.exit_code == 0, result.output

    probe = RTL_PROBE.replace("__SUMMARY__", json.dumps(summary))
    places = rendered(page, browser, tmp_path / "profile", probe)["places"]

    on_page = [p for p in places if not p["control"]]
    assert len(on_page) >= 2  # the events table's summary and its data cell
    for place in on_page:
        assert place["parent"] == "bdi", place
        # Right to left: the "?" (last in memory) is drawn left of the first letter.
        assert place["mark"]["right"] <= place["first"]["left"] + 0.5, place
    # Without an isolate, in a left-to-right paragraph, the "?" lands on the right: the
    # defect the isolates fix, measured the same way.
    (control,) = [p for p in places if p["control"]]
    assert control["mark"]["left"] >= control["first"]["right"] - 0.5, control
