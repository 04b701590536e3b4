"""Commands and options for seals a third party can check: signing keys, signed
checkpoints, proof bundles and their check, consistency with a checkpoint, archives.

The commands ``proof`` and ``verify-proof`` live here; ``keygen --signing``, ``seal
--sign``, ``verify --against CHECKPOINT.json``, ``export --archive`` and ``import
--archive`` call the helpers here from their own modules.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from trustengine.cli.checkpoints import load_checkpoint
from trustengine.cli.errors import InputError, handle_errors
from trustengine.cli.files import write_whole
from trustengine.cli.options import db_option
from trustengine.cli.session import open_engine
from trustengine.exceptions import CheckpointError
from trustengine.integrity.bundle import build_proof
from trustengine.integrity.proofcheck import verify_proof
from trustengine.integrity.signing import fingerprint, load_public
from trustengine.integrity.witness import cosignature_problem

# --- keygen --signing ---------------------------------------------------------------------


# --- seal --sign --------------------------------------------------------------------------


# --- verify --against CHECKPOINT.json -----------------------------------------------------


# --- export --archive / import --archive --------------------------------------------------


# --- proof / verify-proof -----------------------------------------------------------------


@click.command(
    epilog="Example: trustengine proof cust-boris --checkpoint checkpoint.json "
    "--output boris.proof.json"
)
@click.argument("customer")
@click.option("--case", "case", default=None, help="Only this case's events.")
@click.option(
    "--checkpoint",
    "checkpoint_file",
    required=True,
    type=click.Path(dir_okay=False),
    help="A checkpoint written by `trustengine seal --sign`.",
)
@click.option("-o", "--output", required=True, help="Where to write the bundle (JSON).")
@db_option
@handle_errors
def proof(customer: str, case: str | None, checkpoint_file: str, output: str, db: str) -> None:
    """Write one customer's proof bundle: their events as the store holds them, each
    with its RFC 9162 audit path to the checkpoint's Merkle root, and the checkpoint.

    Anyone with the bundle and the signer's public key can then check, with no store,
    that these events were in the ledger, in this order, when the checkpoint was signed
    (`trustengine verify-proof`). The bundle holds the customer's personal text and key:
    it is personal data.
    """
    checkpoint = load_checkpoint(checkpoint_file)
    with open_engine(db) as engine:
        try:
            bundle = build_proof(engine, customer, checkpoint, case=case)
        except CheckpointError as error:
            raise InputError(f"--checkpoint {checkpoint_file}: {error}") from None
    # A bundle holds the customer's events and key: private.
    text = json.dumps(bundle.fields, indent=2, ensure_ascii=False) + "\n"
    write_whole("--output", output, text, private=True)
    click.echo(
        f"Wrote the proof of {bundle.events} events of {customer} against the checkpoint of "
        f"{checkpoint.events} events to {output}."
    )


@click.command(
    "verify-proof",
    epilog="Example: trustengine verify-proof boris.proof.json --public-key ledger-signing.pub",
)
@click.argument("bundle", type=click.Path(dir_okay=False))
@click.option(
    "--public-key",
    required=True,
    type=click.Path(dir_okay=False),
    help="The signer's public key (NAME.pub from `trustengine keygen --signing`).",
)
@click.option(
    "--witness",
    "witnesses",
    multiple=True,
    type=click.Path(dir_okay=False),
    help="A witness's public key: require their countersignature too (repeatable).",
)
@handle_errors
def verify_proof_command(bundle: str, public_key: str, witnesses: tuple[str, ...]) -> None:
    """Check a proof bundle with no store at all: each event's bytes give its hash, its
    audit path leads to the checkpoint's root, the events are in ledger order, their
    lines say what their bytes say, and the checkpoint's signature holds.

    Prints each event and exactly what is proven; exits 1, naming what failed, when any
    check fails.
    """
    try:
        fields = json.loads(Path(bundle).read_text(encoding="utf-8"))
    except OSError as error:
        raise InputError(f"{bundle}: cannot read: {error.strerror}") from None
    except (ValueError, RecursionError) as error:
        raise InputError(f"{bundle}: not a JSON proof bundle ({error})") from None
    key = load_public(Path(public_key))
    witness_keys = [load_public(Path(w)) for w in witnesses]
    try:
        report = verify_proof(fields, key)
    except CheckpointError as error:
        raise InputError(f"{bundle}: {error}") from None
    for witness in witness_keys:
        problem = cosignature_problem(report.checkpoint, witness)
        if problem:
            report.problems.append(problem)
        else:
            report.witnesses.append(fingerprint(witness))
    cp = report.checkpoint
    click.echo(
        f"Checkpoint: store {cp.store[:16]}..., {cp.events} events, root {cp.root.hex()}, "
        f"signed {cp.time} by key {cp.key[:16]}..."
    )
    for line in report.lines:
        click.echo(f"  {line}")
    if not report.ok:
        for problem in report.problems:
            click.echo(problem)
        click.echo(f"{bundle}: {len(report.problems)} problem(s): nothing is proven")
        sys.exit(1)
    click.echo(report.proves)
    for note in report.limits:
        click.echo(note)


__all__ = [
    "proof",
    "verify_proof_command",
]
