"""The tamper campaign (``python -m tests.tamper_campaign``) runs end to end at a small
size, and each detector catches exactly what docs/integrity.md says it does."""

from __future__ import annotations

from pathlib import Path

from tests.tamper_campaign import DETECTORS, run_campaign, table
from tests.tamper_kinds import KINDS

CAUGHT = dict.fromkeys(DETECTORS, 2)
"""Every detector catches every try."""

EXPECTED = {
    kind: CAUGHT
    for kind in KINDS
    if kind not in {"recompute every hash and the head", "read-model row edit"}
}
NOT_THE_READ_MODEL = {"inserted forged event", "reordered sealed field names"}
"""Edits of the events the read model cannot tell from honest ones: an appended event is
projected like any other, and the order of sealed names changes nothing it shows."""


def test_the_campaign_prints_the_detection_table_the_docs_hold(tmp_path: Path) -> None:
    results = run_campaign(2, 11, tmp_path)

    found = {kind: tally.detected for kind, tally in results.items()}
    assert all(tally.tries == 2 and not any(tally.refused.values()) for tally in results.values())
    for kind in NOT_THE_READ_MODEL:
        assert found[kind] == {**CAUGHT, "(its read-model part)": 0}
    for kind in set(EXPECTED) - NOT_THE_READ_MODEL:
        assert found[kind] == CAUGHT, kind
    recomputed = found["recompute every hash and the head"]
    # Only a seal or a checkpoint proves it; the audit notices it only when the edited
    # event no longer keeps the rules at its place in business time (docs/integrity.md).
    assert {**recomputed, "audit CUSTOMER": 0} == {**CAUGHT, "verify": 0, "audit CUSTOMER": 0}
    assert 0 <= recomputed["audit CUSTOMER"] <= 2
    only_the_views = {"verify --views": 2, "(its read-model part)": 2}
    assert found["read-model row edit"] == {**dict.fromkeys(DETECTORS, 0), **only_the_views}
    printed = table(results)
    assert printed.splitlines()[0] == (
        "| Tampering | `verify` | `verify --against SEAL` | `verify --against CHECKPOINT.json` "
        "| `audit CUSTOMER` | `verify --views` | `(its read-model part)` |"
    )
    shown = f"{recomputed['audit CUSTOMER']}/2"
    assert (
        f"| recompute every hash and the head | 0/2 | 2/2 | 2/2 | {shown} | 2/2 | 2/2 |" in printed
    )
    assert len(printed.splitlines()) == 2 + len(KINDS)
