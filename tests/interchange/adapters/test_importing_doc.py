"""docs/importing.md stays true: its example runs, its event is what the adapter gives,
and every event type its tables name is one the adapters may emit."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.interchange.adapters.roundtrip import FIXTURES
from trustengine.domain.events import EVENT_TYPES
from trustengine.interchange.adapters import zendesk
from trustengine.interchange.adapters.mapping import load_mapping
from trustengine.interchange.adapters.sequence import PENDING_TYPES

ROOT = Path(__file__).resolve().parents[3]
DOC = (ROOT / "docs" / "importing.md").read_text(encoding="utf-8")


def fenced(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", DOC, flags=re.DOTALL)


def test_the_python_example_runs_from_the_repository(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(ROOT)
    (code,) = fenced("python")

    exec(compile(code, "importing.md", "exec"), {"__name__": "doc"})  # noqa: S102

    assert capsys.readouterr().out == "2 complaints\n"


def test_the_event_shown_is_the_one_the_zendesk_fixture_gives() -> None:
    (shown,) = fenced("json")
    here = FIXTURES / "zendesk"
    events = list(zendesk.convert(here, mapping=load_mapping(here / "mapping.toml")))

    assert json.loads(shown) in events


def test_every_event_type_the_doc_names_exists() -> None:
    named = set(re.findall(r"`([A-Z][a-z]+(?:[A-Z][a-z]+)+)`", DOC))

    assert named
    assert named <= set(EVENT_TYPES) | PENDING_TYPES | {
        "PolicyError",
        "ImportRejectedError",
        "ConversionReport",
    }
