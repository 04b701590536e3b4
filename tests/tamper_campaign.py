"""The tamper campaign: every kind of edit behind the engine's back, against every detector.

A demo store (the bundled ``demo.jsonl``) is made once, with its read model built, a seal
(``seal``, COUNT:HEAD) and a signed checkpoint (``seal --sign``) taken, all before any
tampering. Then, for each kind of tampering, ``--tries`` times (10 by default), a fresh
copy of that store is tampered with at a random place (seeded: ``--seed``) and each
detector is run on it through the CLI, in this process:

- ``verify``;
- ``verify --against SEAL`` (the seal taken before);
- ``verify --against CHECKPOINT.json --public-key KEY.pub`` (the checkpoint taken before);
- ``audit CUSTOMER`` of the customer the edit touched;
- ``verify --views``, which runs ``verify``'s checks too; the last column counts the tries
  its read-model part found something in (a table unlike a fresh rebuild, or a read
  model out of step with the store), whatever the chain said.

A detector *detects* a try when it exits 1 (a finding). Another non-zero exit (2, the
store or read model refused as input) is counted apart and shown as ``+N refused``: it
stops the command, but names no tampering. The table goes to stdout as Markdown::

    python -m tests.tamper_campaign            # 10 tries of each kind, seed 11
    python -m tests.tamper_campaign --tries 3 --json campaign.json
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sqlite3
import sys
import tempfile
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from click.testing import CliRunner

from tests.tamper_kinds import KINDS
from trustengine import TrustEngine
from trustengine.cli import main
from trustengine.interchange.jsonl import import_lines

DETECTORS = (
    "verify",
    "verify --against SEAL",
    "verify --against CHECKPOINT.json",
    "audit CUSTOMER",
    "verify --views",
    "(its read-model part)",
)


@dataclass
class Base:
    """The untouched store and what was taken from it before any tampering."""

    folder: Path
    seal: str
    checkpoint: Path
    public_key: Path

    @property
    def db(self) -> Path:
        return self.folder / "demo.db"


@dataclass
class Tally:
    detected: dict[str, int] = field(default_factory=lambda: dict.fromkeys(DETECTORS, 0))
    refused: dict[str, int] = field(default_factory=lambda: dict.fromkeys(DETECTORS, 0))
    tries: int = 0
    skipped: str | None = None
    """Why the kind could not be tried at all (nothing of it is reachable)."""


def _cli(*args: str) -> int:
    return CliRunner().invoke(main, list(args)).exit_code


def make_base(folder: Path) -> Base:
    """The demo store, its read model, a seal and a signed checkpoint, in ``folder``."""
    store = folder / "store"
    store.mkdir()
    db = store / "demo.db"
    engine = TrustEngine(str(db))
    try:
        text = resources.files("trustengine").joinpath("data/demo.jsonl").read_text("utf-8")
        import_lines(engine, text.splitlines(), name="demo.jsonl")
    finally:
        engine.close()
    key = folder / "signing"
    checkpoint = folder / "checkpoint.json"
    runner = CliRunner()
    for args in (
        ["rebuild", "--db", str(db)],
        ["keygen", "--signing", "--output", str(key)],
        ["seal", "--sign", str(key), "--output", str(checkpoint), "--db", str(db)],
    ):
        done = runner.invoke(main, args)
        if done.exit_code != 0:
            raise RuntimeError(f"{' '.join(args[:2])} failed: {done.output}")
    seal = runner.invoke(main, ["seal", "--db", str(db)]).output.strip()
    return Base(store, seal, checkpoint, key.with_name(key.name + ".pub"))


# --- running it -----------------------------------------------------------------------------


def _detect(base: Base, db: Path, customer: str) -> dict[str, int]:
    d = str(db)
    return {
        "verify": _cli("verify", "--db", d),
        "verify --against SEAL": _cli("verify", "--against", base.seal, "--db", d),
        "verify --against CHECKPOINT.json": _cli(
            "verify",
            "--against",
            str(base.checkpoint),
            "--public-key",
            str(base.public_key),
            "--db",
            d,
        ),
        "audit CUSTOMER": _cli("audit", customer, "--json", "--db", d),
        **_views(d),
    }


def _views(db: str) -> dict[str, int]:
    done = CliRunner().invoke(main, ["verify", "--views", "--json", "--db", db])
    if done.exit_code not in (0, 1):
        return {"verify --views": done.exit_code, "(its read-model part)": done.exit_code}
    out = json.loads(done.stdout)
    own = out.get("views", {}).get("problems", [])
    own += [p for p in out["problems"] if p.startswith("the read model is at event ")]
    return {"verify --views": done.exit_code, "(its read-model part)": 1 if own else 0}


def run_campaign(tries: int, seed: int, scratch: Path) -> dict[str, Tally]:
    """Each kind, ``tries`` times, against every detector."""
    base = make_base(scratch)
    untouched = _detect(base, base.db, "cust-amelia")
    if any(untouched.values()):
        raise RuntimeError(f"the untouched store does not verify: {untouched}")
    rng = random.Random(seed)  # noqa: S311 - seeded positions, not secrets
    results: dict[str, Tally] = {}
    for number, (kind, tamper) in enumerate(KINDS.items()):
        tally = results[kind] = Tally()
        for attempt in range(tries):
            copy = scratch / f"try-{number}-{attempt}"
            shutil.copytree(base.folder, copy)
            db = copy / base.db.name
            with sqlite3.connect(db) as conn:
                customer = tamper(conn, rng)
            conn.close()
            if customer is None:
                tally.skipped = "nothing of this kind is reachable in the store's file"
                shutil.rmtree(copy)
                break
            tally.tries += 1
            for detector, code in _detect(base, db, customer).items():
                if code == 1:
                    tally.detected[detector] += 1
                elif code != 0:
                    tally.refused[detector] += 1
            shutil.rmtree(copy)
    return results


def table(results: dict[str, Tally]) -> str:
    """The detection table, as Markdown: detected/tries per kind and detector."""
    lines = [
        "| Tampering | " + " | ".join(f"`{d}`" for d in DETECTORS) + " |",
        "| --- |" + " --- |" * len(DETECTORS),
    ]
    for kind, tally in results.items():
        if tally.skipped:
            cells = [f"n/a ({tally.skipped})"] + [""] * (len(DETECTORS) - 1)
        else:
            cells = []
            for detector in DETECTORS:
                cell = f"{tally.detected[detector]}/{tally.tries}"
                if tally.refused[detector]:
                    cell += f" (+{tally.refused[detector]} refused)"
                cells.append(cell)
        lines.append(f"| {kind} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def main_(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tries", type=int, default=10, help="tries of each kind (10)")
    parser.add_argument("--seed", type=int, default=11, help="seed of the positions (11)")
    parser.add_argument("--json", metavar="FILE", help="also write the counts as JSON")
    options = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="tamper-campaign-") as scratch:
        results = run_campaign(options.tries, options.seed, Path(scratch))
    sys.stdout.write(table(results))
    if options.json:
        out = {
            kind: {
                "tries": t.tries,
                "detected": t.detected,
                "refused": t.refused,
                "skipped": t.skipped,
            }
            for kind, t in results.items()
        }
        Path(options.json).write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main_())
