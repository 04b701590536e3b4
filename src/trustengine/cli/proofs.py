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
from typing import Any

import click

from trustengine.application.engine import TrustEngine
from trustengine.cli.output import (
    Finding,
    InputError,
    db_option,
    handle_errors,
    open_engine,
    write_whole,
)
from trustengine.exceptions import ArchiveError, CheckpointError
from trustengine.integrity.archive import export_archive, read_archive, restore_archive
from trustengine.integrity.bundle import build_proof
from trustengine.integrity.checkpoint import Checkpoint, sign
from trustengine.integrity.consistency import Consistency, check_consistency
from trustengine.integrity.ledger import ledger_root
from trustengine.integrity.proofcheck import verify_proof
from trustengine.integrity.signing import fingerprint, load_private, load_public, write_key_pair
from trustengine.integrity.witness import cosign, cosignature_problem
from trustengine.persistence.chain import Seal

# --- keygen --signing ---------------------------------------------------------------------


def make_signing_key(output: str | None) -> None:
    """``keygen --signing --output NAME``: the key pair, and one line saying where."""
    if not output:
        raise InputError("keygen --signing needs --output NAME (the private key's file)")
    try:
        public, print_ = write_key_pair(Path(output))
    except CheckpointError as error:
        raise InputError(f"--output {error}") from None
    click.echo(
        f"Wrote the signing key to {output} (keep it private) and its public key to "
        f"{public} (give it to auditors); fingerprint {print_}."
    )


# --- seal --sign --------------------------------------------------------------------------


def write_checkpoint(engine: TrustEngine, key_file: str, output: str | None) -> None:
    """``seal --sign KEY [--output FILE]``: sign the ledger's root now."""
    try:
        key = load_private(Path(key_file))
    except CheckpointError as error:
        raise InputError(f"--sign {error}") from None
    checkpoint = sign(ledger_root(engine), key)
    if output is None or output == "-":
        click.echo(checkpoint.to_json(), nl=False)
        return
    write_whole("--output", output, checkpoint.to_json(), private=False)
    click.echo(
        f"Signed checkpoint of {checkpoint.events} events, root {checkpoint.root.hex()}, "
        f"written to {output}."
    )


def countersign(
    engine: TrustEngine, key_file: str, checkpoint_file: str | None, output: str | None
) -> None:
    """``seal --cosign KEY --checkpoint FILE [--output FILE]``: a witness's countersignature,
    given only once the store's ledger extends the checkpoint."""
    if checkpoint_file is None:
        raise InputError("--cosign needs --checkpoint FILE: the checkpoint to countersign")
    checkpoint = _checkpoint(checkpoint_file)
    try:
        key = load_private(Path(key_file))
    except CheckpointError as error:
        raise InputError(f"--cosign {error}") from None
    found = check_consistency(engine, checkpoint)
    if not found.ok:
        raise Finding(f"not countersigned: {found.problems[0]}")
    cosigned = cosign(checkpoint, key)
    if output is None or output == "-":
        click.echo(cosigned.to_json(), nl=False)
        return
    write_whole("--output", output, cosigned.to_json(), private=False)
    click.echo(
        f"Countersigned the checkpoint of {checkpoint.events} events (root "
        f"{checkpoint.root.hex()}) as witness {fingerprint(key.public_key())[:16]}...; "
        f"written to {output}."
    )


# --- verify --against CHECKPOINT.json -----------------------------------------------------


class AgainstParam(click.ParamType):  # type: ignore[type-arg]
    """``--against``: a seal as ``seal`` prints it (COUNT:HEAD), or a checkpoint file."""

    name = "SEAL|CHECKPOINT"

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> Seal | Checkpoint:
        if isinstance(value, Seal | Checkpoint):
            return value
        text = str(value)
        try:
            return Seal.parse(text)
        except ValueError as error:
            if not Path(text).exists():
                self.fail(f"{error}, or a checkpoint file (no file {text!r})", param, ctx)
        try:
            return Checkpoint.load(Path(text))
        except CheckpointError as error:
            self.fail(str(error), param, ctx)


def public_key_option(func: Any) -> Any:
    return click.option(
        "--public-key",
        type=click.Path(dir_okay=False),
        help="The signer's public key (NAME.pub): check the checkpoint's signature too.",
    )(func)


def checkpoint_consistency(
    engine: TrustEngine, checkpoint: Checkpoint, public_key: str | None
) -> Consistency:
    """``verify --against CHECKPOINT.json [--public-key FILE]``."""
    key = None
    if public_key is not None:
        try:
            key = load_public(Path(public_key))
        except CheckpointError as error:
            raise InputError(f"--public-key {error}") from None
    return check_consistency(engine, checkpoint, key=key)


def consistency_lines(found: Consistency) -> list[str]:
    """What ``verify`` prints about a checkpoint."""
    if not found.ok:
        return list(found.problems)
    signed = "its signature holds; " if found.signed else "(signature not checked: --public-key); "
    return [
        f"checkpoint: {signed}the ledger of {found.events} events extends its "
        f"{found.checkpoint.events} (RFC 9162 consistency proof of {len(found.proof)} hashes "
        "to the current root): nothing it covers was rewritten"
    ]


# --- export --archive / import --archive --------------------------------------------------


def write_archive(engine: TrustEngine, output: str, checkpoint_file: str | None) -> None:
    checkpoint = _checkpoint(checkpoint_file) if checkpoint_file else None
    try:
        summary = export_archive(engine, Path(output), checkpoint=checkpoint)
    except ArchiveError as error:
        raise InputError(f"--archive {error}") from None
    click.echo(f"Archived {summary.events} events (root {summary.root}) to {output}.", err=True)


def restore(db: str, lines: list[str], name: str, public_key: str | None) -> None:
    """``import --archive FILE``: check the whole archive, then write it, or nothing."""
    key = load_public(Path(public_key)) if public_key else None
    summary, stored = read_archive(lines, name, key=key)
    with open_engine(db, create=True) as engine:
        count = restore_archive(engine, summary, stored, name)
    click.echo(f"Restored {count} events from {name}: root {summary.root}, as archived.")


def _checkpoint(path: str) -> Checkpoint:
    try:
        return Checkpoint.load(Path(path))
    except CheckpointError as error:
        raise InputError(f"--checkpoint {error}") from None


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
    checkpoint = _checkpoint(checkpoint_file)
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
    "AgainstParam",
    "checkpoint_consistency",
    "consistency_lines",
    "countersign",
    "make_signing_key",
    "proof",
    "public_key_option",
    "restore",
    "verify_proof_command",
    "write_archive",
    "write_checkpoint",
]
