"""Commands for customers' rights: ``erase``."""

from __future__ import annotations

import base64
import os
import sys

import click

from trustengine.cli.checkpoints import make_signing_key
from trustengine.cli.errors import InputError, handle_errors
from trustengine.cli.options import db_option, views_option
from trustengine.cli.session import erase_from_read_model, open_engine
from trustengine.exceptions import OutputFileError
from trustengine.persistence.files import write_new_private

NEEDS_YES = (
    "erase cannot be undone: give --yes to confirm it when not on a terminal (nothing was erased)"
)


def on_terminal() -> bool:
    """Whether a person can answer a question: stdin and stderr are a terminal."""
    return sys.stdin.isatty() and sys.stderr.isatty()


@click.command(
    epilog='Example: trustengine erase cust-042 --legal-basis "GDPR Art. 17 request" --yes'
)
@click.argument("customer")
@click.option("--legal-basis", required=True, help="Why: the request or law that requires it.")
@click.option("--actor", default=None, help="Who carried it out.")
@click.option(
    "--yes", "-y", is_flag=True, help="Do not ask for confirmation (needed off a terminal)."
)
@views_option
@db_option
@handle_errors
def erase(
    customer: str, legal_basis: str, actor: str | None, yes: bool, views: str | None, db: str
) -> None:
    """Erase a customer's personal data for good (crypto-shredding).

    Records CustomerErased and destroys the customer's key: names, summaries,
    explanations, descriptions, comments, evidence and remedy text become unreadable,
    while the history keeps its shape and still verifies. An existing read model is
    caught up at once, which rewrites the customer's text there too.

    On a terminal it asks first; elsewhere (a script, cron) --yes is required.
    """
    if not yes and not on_terminal():
        raise InputError(NEEDS_YES)
    with open_engine(db) as engine:
        if not yes:
            engine.history(customer)  # an unknown customer is an error before the question
            question = f"Erase {customer}'s personal data for good? This cannot be undone."
            if not click.confirm(question, default=False, err=True):
                raise InputError("not confirmed: nothing was erased")
        erased = engine.erase(customer, legal_basis=legal_basis, actor=actor)
        erase_from_read_model(engine, views)
    if erased:
        click.echo(f"Erased {customer}: their personal data can no longer be read.")
    else:
        click.echo(f"{customer} was already erased; their key is destroyed.")


@click.command(epilog="Example: trustengine keygen --output store.key")
@click.option(
    "--signing",
    is_flag=True,
    help="Make an Ed25519 key pair for signing checkpoints instead (needs --output NAME).",
)
@click.option(
    "--output",
    "output",
    metavar="FILE",
    help=(
        "Write the cipher key to FILE, created 0600 and never overwritten (default: print "
        "it). With --signing: the private key's file (0600); the public key goes to FILE.pub."
    ),
)
def keygen(signing: bool, output: str | None) -> None:
    """Make a new random cipher key for encryption at rest (base64 of 32 bytes).

    With --output FILE it is written to FILE, created mode 0600 (never overwritten);
    otherwise printed. Keep it apart from the store and the key store: give it to every
    command as --cipher-key-file FILE (which must not be readable by group or others) or
    $TRUSTENGINE_CIPHER_KEY. A store written with a key cannot be read without it.
    With --signing --output NAME, write a checkpoint signing key pair instead (see
    `seal --sign`); neither file is ever overwritten.
    """
    if signing:
        make_signing_key(output)
        return
    key = base64.b64encode(os.urandom(32)).decode()
    if output is None:
        click.echo(key)
        return
    try:
        write_new_private(output, key + "\n")
    except OutputFileError as error:
        raise InputError(f"--output {error}") from None
    click.echo(f"Wrote a new cipher key to {output} (mode 0600); keep it apart from the store.")


__all__ = [
    "NEEDS_YES",
    "erase",
    "keygen",
    "on_terminal",
]
