"""``--map MAPPING.toml``: rules for macros, tags and fields, checked when the file is read."""

from __future__ import annotations

import pytest

from trustengine.exceptions import PolicyError
from trustengine.interchange.adapters.mapping import parse_mapping

APOLOGY = """
[[rule]]
macro = "Apology (owned)"
emit = [{ type = "ApologyIssued", data = { accepts_responsibility = true } }]
"""


def test_a_rule_matches_its_macro_and_a_field_rule_its_value() -> None:
    mapping = parse_mapping(
        APOLOGY
        + '[[rule]]\nfield = "cf_x"\nvalue = "yes"\nemit = [{ type = "ResolutionConfirmed" }]\n'
    )

    assert [r.index for r in mapping.rules_for("macro", "Apology (owned)")] == [1]
    assert mapping.rules_for("macro", "Apology") == []
    assert [r.index for r in mapping.rules_for("field", "cf_x", "yes")] == [2]
    assert mapping.rules_for("field", "cf_x", "no") == []


def test_adapter_settings_are_read_from_their_table() -> None:
    mapping = parse_mapping("[zendesk]\nseverity = 3\n[zendesk.csat]\ngood = 4\n")

    assert mapping.setting("zendesk", "severity", 2) == 3
    assert mapping.setting("cfpb", "severity", 2) == 2
    assert mapping.table("zendesk", "csat") == {"good": 4}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[[rule", "not valid TOML"),
        ('[[rule]]\nmacro = "m"\ntag = "t"\nemit = []', "name exactly one of macro, tag or field"),
        ('[[rule]]\nmacro = "m"\nemit = []', "emit must list at least one event"),
        ('[[rule]]\nmacro = "m"\nemit = [{ type = "Apology" }]', "unknown event type 'Apology'"),
        (
            '[[rule]]\ntag = "t"\nemit = [{ type = "ApologyIssued", data = { owned = true } }]',
            "ApologyIssued has no field 'owned' (allowed: accepts_responsibility, explanation)",
        ),
        (
            '[[rule]]\ntag = "t"\nemit = [{ type = "ApologyIssued", due_days = 2 }]',
            "ApologyIssued has no due for due_days to set",
        ),
        ('[[rule]]\ntag = "t"\nwhen = 1\nemit = [{ type = "CaseResumed" }]', "unknown key 'when'"),
    ],
)
def test_a_mistake_in_a_rule_is_named_with_the_file_and_the_rule(text: str, message: str) -> None:
    with pytest.raises(
        PolicyError, match=message.replace("(", r"\(").replace(")", r"\)")
    ) as raised:
        parse_mapping(text, "team.toml")

    assert str(raised.value).startswith("team.toml: ")


def test_the_pending_types_of_issue_14_can_be_emitted_with_their_fields() -> None:
    mapping = parse_mapping(
        '[[rule]]\ntag = "waiting_on_bank"\n'
        'emit = [{ type = "CaseAwaitingCustomer", data = { reason = "bank", on = "third_party" } }]'
    )

    assert mapping.rules[0].emit[0].type == "CaseAwaitingCustomer"
