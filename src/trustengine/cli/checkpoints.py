"""Signing keys, checkpoints, countersignatures and archives: the pieces that the
``seal``, ``verify``, ``keygen``, ``proof`` and ``erase`` commands share. See docs/integrity.md."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from trustengine.application.facade import TrustEngine
from trustengine.cli.errors import Finding, InputError
from trustengine.cli.files import write_whole
from trustengine.cli.session import open_engine
from trustengine.exceptions import ArchiveError, CheckpointError
from trustengine.integrity.archive import export_archive, read_archive, restore_archive
from trustengine.integrity.checkpoint import Checkpoint, sign
from trustengine.integrity.consistency import Consistency, check_consistency
from trustengine.integrity.ledger import ledger_root
from trustengine.integrity.signing import fingerprint, load_private, load_public, write_key_pair
from trustengine.integrity.witness import cosign

F = TypeVar("F", bound=Callable[..., Any])


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
    checkpoint = load_checkpoint(checkpoint_file)
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


def write_archive(engine: TrustEngine, output: str, checkpoint_file: str | None) -> None:
    checkpoint = load_checkpoint(checkpoint_file) if checkpoint_file else None
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


def load_checkpoint(path: str) -> Checkpoint:
    try:
        return Checkpoint.load(Path(path))
    except CheckpointError as error:
        raise InputError(f"--checkpoint {error}") from None


__all__ = [
    "checkpoint_consistency",
    "consistency_lines",
    "countersign",
    "load_checkpoint",
    "make_signing_key",
    "restore",
    "write_archive",
    "write_checkpoint",
]
