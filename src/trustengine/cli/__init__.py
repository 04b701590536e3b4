"""The ``trustengine`` command line: parse, call the library, render."""

from __future__ import annotations

import click

from trustengine import __version__
from trustengine.cli.amend import correct, retract
from trustengine.cli.audit import audit
from trustengine.cli.contract import types_
from trustengine.cli.customers import case_, customers
from trustengine.cli.failures import debug_option
from trustengine.cli.follow import follow
from trustengine.cli.ledger import demo, export, import_, seal, verify
from trustengine.cli.output import CommandGroup
from trustengine.cli.privacy import erase, keygen
from trustengine.cli.proofs import proof, verify_proof_command
from trustengine.cli.read import state, timeline
from trustengine.cli.record import record
from trustengine.cli.report import report
from trustengine.cli.views import rebuild
from trustengine.cli.work import due, sweep


@click.group(
    cls=CommandGroup,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
    epilog="Example: trustengine demo && trustengine timeline cust-boris",
)
@click.version_option(__version__, prog_name="trustengine")
@debug_option
def main() -> None:
    """Record how a business repairs a customer's trust, and see where it stands.

    Every command takes --db TARGET: an SQLite file (default ./trustengine.db, or
    $TRUSTENGINE_DB), ':memory:', or a postgresql:// URL.
    """


for command in (
    demo,
    import_,
    export,
    verify,
    seal,
    erase,
    keygen,
    state,
    timeline,
    rebuild,
    audit,
    follow,
    record,
    retract,
    correct,
    customers,
    case_,
    due,
    sweep,
    report,
    types_,
    proof,
    verify_proof_command,
):
    main.add_command(command)

__all__ = ["main"]
