"""One question, one answer: a replay scores under the policies the read model was built
with (``rebuild --policy/--sla``), so asking with or without ``--as-of`` agrees."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from trustengine.cli import main

FAR_FUTURE = "2030-01-01"


def run(*args: str) -> str:
    result = CliRunner().invoke(main, list(args))
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture
def cfpb_db(tmp_path: Path) -> str:
    """The demo store, its read model rebuilt under the US CFPB service levels."""
    db = str(tmp_path / "trust.db")
    run("demo", "--db", db)
    run("rebuild", "--db", db, "--sla", "sla-us-cfpb")
    return db


def last_trust(output: str) -> float:
    return float(json.loads(output)[-1]["trust"])


def test_timeline_replayed_as_of_later_ends_at_the_read_models_trust(cfpb_db: str) -> None:
    read = run("timeline", "cust-boris", "--db", cfpb_db, "--json")
    replayed = run("timeline", "cust-boris", "--db", cfpb_db, "--json", "--as-of", FAR_FUTURE)

    assert last_trust(read) == last_trust(replayed) == 9.3
    assert read == replayed


def test_state_replayed_as_of_later_equals_the_read_models_state(cfpb_db: str) -> None:
    read = json.loads(run("state", "cust-boris", "--db", cfpb_db, "--json"))
    replayed = json.loads(
        run("state", "cust-boris", "--db", cfpb_db, "--json", "--as-of", FAR_FUTURE)
    )

    assert replayed == read
    assert (read["score"], read["sla_policy"]) == (9.3, "sla-us-cfpb")


def test_a_policy_the_caller_names_still_wins_over_the_read_models(cfpb_db: str) -> None:
    named = json.loads(
        run("state", "cust-boris", "--db", cfpb_db, "--json", "--sla", "sla-default")
    )

    assert (named["score"], named["sla_policy"]) == (7.8, "sla-default")


def test_the_audit_scores_under_the_read_models_policies_unless_told(cfpb_db: str) -> None:
    audit = json.loads(run("audit", "cust-boris", "--db", cfpb_db, "--json"))
    told = json.loads(run("audit", "cust-boris", "--db", cfpb_db, "--json", "--sla", "sla-default"))

    assert (audit["trust"]["score"], audit["sla_policy"]) == (9.3, "sla-us-cfpb")
    assert (told["trust"]["score"], told["sla_policy"]) == (7.8, "sla-default")


def test_a_replay_of_a_store_without_a_read_model_creates_none(tmp_path: Path) -> None:
    db = str(tmp_path / "trust.db")
    views = tmp_path / "views.db"
    run("demo", "--db", db)

    asked = ("state", "cust-boris", "--db", db, "--views", str(views), "--as-of", FAR_FUTURE)
    state = json.loads(run(*asked, "--json"))

    assert state["sla_policy"] == "sla-default"
    assert not views.exists()
