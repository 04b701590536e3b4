"""Every renderer shows user text literally: never read as markup, never obeyed as a control.

The property tests push arbitrary text through each renderer on in-memory rows taken from
the demo (fast per example); the CLI tests run the commands on a store that holds such
text. In CI (``CI=true``) the property tests run 2,000 examples each.
"""

from __future__ import annotations

import contextlib
import copy
import io
import json
import tempfile
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.conftest import in_ci
from tests.examples import event
from tests.readmodel.conftest import demo_lines

from trustengine import TrustEngine
from trustengine.cli import main
from trustengine.cli.audit import render_text
from trustengine.cli.customers import CUSTOMER_COLUMNS, render_case
from trustengine.cli.render import print_timeline, render_rows, render_state
from trustengine.cli.work import DUE_TABLE_COLUMNS, _due_footer, _mark_overdue
from trustengine.interchange.jsonl import import_lines
from trustengine.report import report_text
from trustengine.terminal.escape import ESCAPED, escape_controls

settings.register_profile(
    "renderers-ci",
    max_examples=2000,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("renderers-local", max_examples=150, deadline=None)
RENDERERS = settings.get_profile("renderers-ci" if in_ci() else "renderers-local")
"""2,000 examples per renderer in CI, fewer locally."""

NASTY = [
    "[", "]", "[/]", "[bold]", "[/bold]", "[erased]", "\\", "\\[", "[link=x]", ":smile:",
    "\x1b", "\x1b[31m", "\x1b[2J", "\x07", "\x08", "\r", "\n", "\t", "\x00", "\x7f", "\x9b",
    "\u202e", "\u202d", "\u2066", "\u2067", "\u2068", "\u2069", "\u200f", "\u200e", "\u200c",
    "\u2028", "می‌خواهم", "پول", "مرحبا", "\u0301", "\u0651", "e\u0301", "👩\u200d👩\u200d👧",
    "🇬🇧", "😀", "中文", "退款", "\uff46\uff55\uff4c\uff4c", "  ", "│", "┃",
]  # fmt: skip
"""Pieces the text is made from besides arbitrary characters."""

PIECE = st.one_of(
    st.sampled_from(NASTY),
    st.text(st.characters(exclude_categories=("Cs",)), min_size=1, max_size=3),
)
TEXT = st.lists(PIECE, min_size=1, max_size=25).map("".join)
"""Free text: a summary, a reason, a description."""
KEY = st.lists(PIECE, min_size=1, max_size=6).map(lambda parts: "".join(parts)[:30])
"""A short key or name: a customer, an owner, a case."""

FRAME = set("│┃━─┏┓┗┛┡┩┳┻╇┴└┘┬")


def _visible(text: str) -> str:
    """What must be seen of ``text``: its escaped form less whitespace and frame lines
    (wrapping moves the first, a table draws the second)."""
    return "".join(c for c in escape_controls(text) if not c.isspace() and c not in FRAME)


def _squashed(output: str) -> str:
    return "".join(c for c in output if not c.isspace() and c not in FRAME)


def _printed(render: Callable[[], object]) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        result = render()
    return out.getvalue() + (result if isinstance(result, str) else "")


def _assert_shown(output: str, *texts: str) -> None:
    assert not [c for c in output if ord(c) in ESCAPED and c != "\n"], "a raw control char"
    squashed = _squashed(output)
    for text in texts:
        assert _visible(text) in squashed


@cache
def _demo_json() -> dict[str, Any]:
    """The demo's answers as --json gives them, computed once for every example."""
    runner = CliRunner()
    with tempfile.TemporaryDirectory() as folder:
        db = str(Path(folder) / "trust.db")
        engine = TrustEngine(db)
        try:
            import_lines(engine, demo_lines(), name="demo.jsonl")
        finally:
            engine.close()
        found = {}
        for name, args in {
            "timeline": ["timeline", "cust-boris"],
            "customers": ["customers"],
            "due": ["due", "--at", "2026-04-01"],
            "case": ["case", "cust-boris", "C-1002"],
            "state": ["state", "cust-boris"],
            "audit": ["audit", "cust-boris"],
            "report": ["report"],
        }.items():
            result = runner.invoke(main, [*args, "--json", "--db", db])
            assert result.exit_code == 0, result.output
            found[name] = json.loads(result.output)
    return found


def _demo(name: str) -> Any:
    return copy.deepcopy(_demo_json()[name])


@RENDERERS
@given(text=TEXT, key=KEY)
def test_timeline_shows_any_summary_and_case_literally(text: str, key: str) -> None:
    rows = _demo("timeline")
    rows[0]["summary"] = text
    rows[1]["case"] = key

    _assert_shown(_printed(lambda: print_timeline(rows)), text, key)


@RENDERERS
@given(key=KEY, other=KEY)
def test_customers_shows_any_key_and_phase_literally(key: str, other: str) -> None:
    rows = _demo("customers")
    rows[0]["customer"] = key
    rows[1]["phase"] = other

    _assert_shown(_printed(lambda: render_rows(rows, "table", CUSTOMER_COLUMNS)), key, other)


@RENDERERS
@given(text=TEXT, key=KEY)
def test_due_shows_any_description_and_customer_literally(text: str, key: str) -> None:
    rows = _demo("due")
    rows[0]["description"] = text
    rows[1]["customer"] = key

    def render() -> None:
        render_rows([_mark_overdue(dict(r)) for r in rows], "table", DUE_TABLE_COLUMNS)
        print(_due_footer(rows))

    _assert_shown(_printed(render), text, key)


@RENDERERS
@given(text=TEXT, key=KEY, reason=TEXT)
def test_case_shows_any_complaint_owner_and_reason_literally(
    text: str, key: str, reason: str
) -> None:
    found = _demo("case")
    found["case"]["summary"] = text
    found["case"]["owner"] = key
    found["timeline"][-1]["summary"] = text
    found["compensation"][0]["reason"] = reason
    found["promises"][0]["description"] = reason

    _assert_shown(_printed(lambda: render_case(found)), text, key, reason)


@RENDERERS
@given(text=TEXT, key=KEY)
def test_state_shows_any_reason_and_customer_literally(text: str, key: str) -> None:
    found = _demo("state")
    found["customer"] = key
    found["explanation"][0]["reason"] = text

    _assert_shown(_printed(lambda: render_state(found)), text, key)


@RENDERERS
@given(text=TEXT, key=KEY, reason=TEXT)
def test_audit_text_shows_any_summary_reason_and_customer_literally(
    text: str, key: str, reason: str
) -> None:
    report = _demo("audit")
    report["customer"] = key
    report["events"][0]["summary"] = text
    report["trust"]["explanation"][-1]["reason"] = reason

    _assert_shown(_printed(lambda: render_text(report)), text, key, reason)


@RENDERERS
@given(key=KEY, other=KEY)
def test_report_text_shows_any_category_and_cause_literally(key: str, other: str) -> None:
    found = _demo("report")
    found["issues"]["categories"][0]["name"] = key
    found["issues"]["per_period"][0]["top_cause"] = other

    _assert_shown(report_text(found), key, other)


# --- the commands, on a store holding such text -----------------------------------------

SUMMARY = "[URGENT] charged twice [ticket 4411]"
REASON = "[/] then [bold]x[/bold] and \x1b[31mred\x1b[0m \u202eoops"
SHOWN_REASON = "[/] then [bold]x[/bold] and \\x1b[31mred\\x1b[0m \\u202eoops"


@pytest.fixture(scope="module")
def nasty_db(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A store whose texts look like rich markup and hold escapes, and an erased customer."""
    db = str(tmp_path_factory.mktemp("literal") / "trust.db")
    engine = TrustEngine(db)
    try:
        for item in [
            event("CustomerRegistered", "[cust]", at=0, name="[b]Ann[/b]", tier="standard"),
            event(
                "ComplaintFiled", "[cust]", "C-[1]", at=1, actor="agent-12", channel="email",
                category="billing", severity=3, cause="billing_error", summary=SUMMARY,
            ),
            event(
                "PromiseMade", "[cust]", "C-[1]", at=2, actor="agent-12", promise="P-[1]",
                description=REASON, due="2026-03-01T12:00:00+00:00",
            ),
            event(
                "CompensationOffered", "[cust]", "C-[1]", at=3, offer="O-1", kind="refund",
                amount=55.1, currency="EUR", addresses_failure=True,
            ),
            event("CompensationDeclined", "[cust]", "C-[1]", at=4, offer="O-1", reason=REASON),
        ]:  # fmt: skip
            engine.record(item)
    finally:
        engine.close()
    return db


def _ok(*args: str) -> str:
    result = CliRunner().invoke(main, list(args))
    assert result.exit_code == 0, result.output
    return result.output


@pytest.mark.parametrize(
    "args",
    [
        ("timeline", "[cust]"),
        ("case", "[cust]", "C-[1]"),
        ("audit", "[cust]"),
        ("state", "[cust]"),
        ("state", "[cust]", "--as-of", "2026-03-02"),
        ("timeline", "[cust]", "--as-of", "2026-03-02"),
    ],
    ids=lambda a: " ".join(a),
)
def test_markup_and_escapes_in_stored_text_are_shown_literally(
    nasty_db: str, args: tuple[str, ...]
) -> None:
    output = _ok(*args, "--db", nasty_db)

    assert "\x1b" not in output and "\u202e" not in output
    if args[0] != "timeline":
        assert "[cust]" in output
    if args[0] != "state":
        squashed = _squashed(output)
        assert _visible(SUMMARY) in squashed
        assert _visible(REASON) in squashed


def test_a_promise_with_markup_shows_whole_in_due(nasty_db: str) -> None:
    output = _ok("due", "--at", "2026-03-01", "--db", nasty_db)

    assert (
        f"│ 2026-03-01 12:00 │ ⚠ promise          │ [cust]   │ C-[1] │ P-[1] │       │ 12.0   "
        f"       │ {SHOWN_REASON} │\n"
    ) in output


def test_the_customer_row_of_a_bracketed_key_is_shown_whole(nasty_db: str) -> None:
    assert "│ [cust]   │" in _ok("customers", "--db", nasty_db)


@pytest.fixture(scope="module")
def erased_db(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A customer erased after a read model held their complaint."""
    db = str(tmp_path_factory.mktemp("erased") / "trust.db")
    engine = TrustEngine(db)
    try:
        engine.record(event("CustomerRegistered", "cust-e", at=0, name="Eve", tier="standard"))
        engine.record(
            event(
                "ComplaintFiled", "cust-e", "C-9", at=1, category="billing", severity=2,
                cause="billing_error", summary="Secret",
            )
        )  # fmt: skip
    finally:
        engine.close()
    _ok("timeline", "cust-e", "--db", db)
    with TrustEngine(db) as engine:
        engine.erase("cust-e", legal_basis="GDPR art. 17")
    return db


@pytest.mark.parametrize("args", [("timeline", "cust-e"), ("case", "cust-e", "C-9")])
def test_the_erased_marker_shows_where_the_text_was(erased_db: str, args: tuple[str, ...]) -> None:
    output = _ok(*args, "--db", erased_db)

    assert "[erased]" in output
    assert "Secret" not in output


STORED_EXAMPLES = 10 if in_ci() else 4


@settings(max_examples=STORED_EXAMPLES, deadline=None)
@given(text=TEXT)
def test_any_summary_recorded_in_a_store_comes_back_literally_from_the_commands(
    text: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    db = str(tmp_path_factory.mktemp("example") / "trust.db")
    engine = TrustEngine(db)
    try:
        engine.record(
            event(
                "ComplaintFiled", "cust-x", "C-1", at=0, category="billing", severity=2,
                cause="billing_error", summary=text,
            )
        )  # fmt: skip
    finally:
        engine.close()
    for args in (("timeline", "cust-x"), ("case", "cust-x", "C-1"), ("audit", "cust-x")):
        _assert_shown(_ok(*args, "--db", db), text)


def test_record_names_a_customer_key_with_an_escape_literally(tmp_path: Path) -> None:
    db = str(tmp_path / "trust.db")
    args = ["record", "CustomerRegistered", "--customer", "[k]\x1b[2J", "--tier", "standard"]

    assert _ok(*args, "--db", db) == "Recorded CustomerRegistered for [k]\\x1b[2J (event 1).\n"
