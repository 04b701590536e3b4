"""Nothing a user or a cron job can type may break the store.

A hypothesis campaign takes the valid history of every event type (``tests.examples``),
keeps a random part of it, and puts extreme values into its fields: huge and negative
integers, amounts past any range, times at the ends of the calendar, numeric strings,
control characters, markup, RTL text, lone surrogates, wrong JSON types. Every line goes
through ``trustengine import`` one at a time into one store; a line is either stored or
refused with a one-line message (exit 2). After each history one read command runs on its
customer; at the end every read command, ``export``, ``verify`` and ``rebuild`` run on the
whole store, and ``export | import`` into a fresh store gives the same events.

Every run must end without a traceback. In CI the campaign runs 5,000 histories.
"""

from __future__ import annotations

import itertools
import json
import random
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import in_ci
from tests.examples import history
from trustengine.cli import main

EXAMPLES = 5_000 if in_ci() else 300
"""Histories per run: the issue asks for at least 5,000 in CI."""

_RAW = "\u0000raw:"
"""Marks a string that stands for a literal JSON token, written as it is into the line."""

INTEGERS: list[Any] = [0, -1, 1, 2, 4, 5, 10, 11, 1000, 1001, 2**31, 2**53 + 1, 2**63, 2**64]
INTEGERS += [-(2**63), 10**100]
NUMBERS: list[Any] = [-0.0, 0.5, 1.0000001, 1e308, -1e308, 5e-324, 123456789012345678.5]
NUMBERS += [
    _RAW + token
    for token in (
        "1E+999999999",
        "-1E+999999999",
        "1e-999999999",
        "NaN",
        "Infinity",
        "-Infinity",
        "123456789012345678901234567890.123456789",
        "0.00001",
        "99999999999999.9999",
        "1E+14",
    )
]
TEXTS: list[Any] = [
    "",
    " ",
    "\t\n",
    " padded ",
    "x" * 5_000,
    "[/]",
    "[bold]x[/bold]",
    "[URGENT] charged twice [ticket 4411]",
    "\x1b[31mred\x1b[0m\x1b[2J",
    "\u202eevil\u202c",
    "مشتری عزیز، عذر می‌خواهیم؟",  # Persian, with a zero-width non-joiner
    "\U0001f469\u200d\U0001f469\u200d\U0001f467 \u6f22\u5b57 a\u0301",
    "\x00nul",
    "\ud800 lone surrogate",
    "null",
    "0",
    "1700000000",
    "2026-03-01T09:00:00+00:00",
    "\\",
    "<script>alert(1)</script>",
]
TIMES: list[Any] = [
    "0001-01-01T00:00:00+00:00",
    "0001-01-01T00:30:00+14:00",
    "9999-12-31T23:59:59-12:00",
    "9999-12-31T23:59:59.999999+00:00",
    "2026-03-01",
    "2026-03-01T09:00:00",
    "2026-02-30T09:00:00+00:00",
    "2026-03-01T09:00:00+23:59",
    "2026-03-01T09:00:00Z",
    "2026-03-01T09:00:00.123456789+00:00",
    "1700000000",
    1700000000,
    "2025-01-01T00:00:00+00:00",
    "2100-01-01T00:00:00+00:00",
]
SHAPES: list[Any] = [None, True, False, [], {}, {"a": 1}, [[[[[[[[[[1]]]]]]]]]], "yes"]

EXTREMES: list[Any] = INTEGERS + NUMBERS + TEXTS + TIMES + SHAPES
TOP_LEVEL = ("customer", "case", "at", "actor", "channel", "type")


def _line(event: dict[str, Any]) -> str:
    """The event as one JSON line, with raw tokens (``1E+999999999``, ``NaN``) unquoted."""
    text = json.dumps(event, ensure_ascii=True, allow_nan=True)
    for token in NUMBERS:
        if isinstance(token, str):
            raw = token.removeprefix(_RAW)
            text = text.replace(json.dumps(token), raw)
    return text


@st.composite
def histories(draw: st.DrawFn) -> list[dict[str, Any]]:
    """A random part of the every-type history (in order), with extreme values put in."""
    base = history()
    keep = draw(st.lists(st.booleans(), min_size=len(base), max_size=len(base)))
    events = [dict(base[0])] + [dict(e) for e, k in zip(base[1:], keep[1:], strict=True) if k]
    events = events[: draw(st.integers(min_value=1, max_value=10))]
    for event in events:
        event["data"] = dict(event["data"])
    for _ in range(draw(st.integers(min_value=0, max_value=4))):
        event = draw(st.sampled_from(events))
        fields = [*TOP_LEVEL, *event["data"], "unknown_field"]
        field = draw(st.sampled_from(fields))
        value = draw(st.sampled_from(EXTREMES) | st.text(max_size=30) | st.integers())
        if field in TOP_LEVEL:
            event[field] = value
        else:
            event["data"][field] = value
    return events


class Store:
    """One store that every history of the campaign goes into, each under its own key."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.db = str(folder / "fuzz.db")
        self.runner = CliRunner()
        self.customers: list[str] = []
        self.stored = 0
        self.refused = 0
        self._keys = itertools.count(1)

    def run(self, *args: str, input: str | None = None) -> Result:
        result = self.runner.invoke(main, [*args, "--db", self.db], input=input)
        assert_clean(result, args)
        return result

    def record(self, event: dict[str, Any]) -> None:
        result = self.run("import", "-", input=_line(event) + "\n")
        if result.exit_code == 0:
            self.stored += 1
        else:
            self.refused += 1

    def fresh_key(self) -> str:
        key = f"fz-{next(self._keys)}"
        self.customers.append(key)
        return key


def assert_clean(result: Result, args: tuple[str, ...]) -> None:
    """The command ended by itself: exit 0, 1 (a finding) or 2 (one line), no traceback."""
    shown = f"trustengine {' '.join(a[:200] for a in args)}\n{result.output[-2000:]}"
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        import traceback

        trace = "".join(traceback.format_exception(result.exception))
        pytest.fail(f"{shown}\nraised:\n{trace}")
    assert "Traceback" not in result.output, shown
    assert result.exit_code in (0, 1, 2), shown
    if result.exit_code == 2 and args[0] != "import":  # import lists each bad line
        errors = [line for line in result.output.splitlines() if line.strip()]
        assert len(errors) == 1, shown


PER_CUSTOMER: list[tuple[str, ...]] = [
    ("timeline", "{k}"),
    ("timeline", "{k}", "--json"),
    ("timeline", "{k}", "--as-of", "2026-03-01T09:10:00+00:00"),
    ("state", "{k}"),
    ("state", "{k}", "--json"),
    ("state", "{k}", "--as-of", "2026-03-01T09:10:00+00:00", "--json"),
    ("case", "{k}", "C-1"),
    ("case", "{k}", "C-1", "--json"),
    ("audit", "{k}"),
    ("audit", "{k}", "--json"),
    ("export", "--customer", "{k}"),
]


def _per_customer(command: tuple[str, ...], key: str) -> tuple[str, ...]:
    return tuple(part.format(k=key) for part in command)


@pytest.mark.slow
def test_extreme_values_never_break_the_store(tmp_path: Path) -> None:
    store = Store(tmp_path)

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(events=histories(), command=st.sampled_from(PER_CUSTOMER))
    def one_history(events: list[dict[str, Any]], command: tuple[str, ...]) -> None:
        key = store.fresh_key()
        for event in events:
            if event.get("customer") == "cust-1":
                event["customer"] = key
            store.record(event)
        store.run(*_per_customer(command, key))

    one_history()

    assert store.stored > 0 and store.refused > 0, (store.stored, store.refused)
    for command in (
        ("customers",),
        ("customers", "--json"),
        ("customers", "--at-risk", "--csv"),
        ("due",),
        ("due", "--overdue", "--json"),
        ("report",),
        ("report", "--json"),
        ("report", "--by", "week", "--html", str(tmp_path / "report.html")),
        ("sweep", "--dry-run"),
        ("seal",),
    ):
        assert store.run(*command).exit_code == 0, command
    assert store.run("verify", "--json").exit_code == 0
    sample = random.Random(7).sample(  # noqa: S311 (a repeatable sample, not a secret)
        store.customers, min(40, len(store.customers))
    )
    for key in sample:
        for command in PER_CUSTOMER:
            store.run(*_per_customer(command, key))
    assert store.run("rebuild").exit_code == 0

    exported = store.run("export").output
    copy = Store(tmp_path / "copy")
    copy.folder.mkdir()
    assert copy.run("import", "-", input=exported).exit_code == 0
    assert by_customer(copy.run("export").output) == by_customer(exported)


def by_customer(export: str) -> dict[str, list[str]]:
    """Each customer's exported lines in order (an import stores a file customer by
    customer, so only the order within a customer is the same)."""
    lines: dict[str, list[str]] = {}
    for line in export.split("\n")[:-1]:  # JSON Lines: only \n ends a line
        lines.setdefault(json.loads(line)["customer"], []).append(line)
    return lines
