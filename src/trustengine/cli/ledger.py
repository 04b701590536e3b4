"""Commands that move the ledger in and out and check it: demo, import, export, verify."""

from __future__ import annotations

import json
import sys
from importlib import resources
from typing import IO, Any

import click

from trustengine.cli import importing
from trustengine.cli.checkpoints import (
    checkpoint_consistency,
    consistency_lines,
    countersign,
    restore,
    write_archive,
    write_checkpoint,
)
from trustengine.cli.errors import InputError, handle_errors
from trustengine.cli.files import whole_output
from trustengine.cli.options import (
    AgainstParam,
    current_tolerance,
    db_option,
    future_tolerance_option,
    public_key_option,
)
from trustengine.cli.render import print_timeline, progress_bar
from trustengine.cli.session import caught_up, is_new_store, open_engine
from trustengine.exceptions import ReadModelError
from trustengine.integrity.checkpoint import Checkpoint
from trustengine.integrity.verify import verify as verify_store
from trustengine.interchange.jsonl import (
    MAX_ERRORS,
    ImportResult,
    check_spool,
    decoded_lines,
    export_lines,
    import_lines,
    import_spool,
    spooled_file,
)
from trustengine.interchange.quarantine import import_spool_quarantined, spooled_each
from trustengine.persistence.chain import Seal
from trustengine.readmodel.check import ViewsReport, check_views
from trustengine.scoring.policy import DEFAULT_TRUST_POLICY
from trustengine.scoring.sla import DEFAULT_SLA_POLICY
from trustengine.terminal.escape import escape_controls

DEMO_CUSTOMER = "cust-amelia"


def _demo_lines() -> list[str]:
    text = resources.files("trustengine").joinpath("data/demo.jsonl").read_text("utf-8")
    return text.splitlines()


@click.command(epilog="Example: trustengine demo --customer cust-boris")
@click.option(
    "--customer",
    default=DEMO_CUSTOMER,
    show_default=True,
    help="Whose timeline to print afterwards.",
)
@db_option
@handle_errors
def demo(customer: str, db: str) -> None:
    """Load the bundled example history and print one customer's timeline.

    The history holds a model recovery (cust-amelia), a botched one (cust-boris), one
    still in progress (cust-chen) and more. Running it again stores nothing new.
    """
    lines = _demo_lines()
    with open_engine(db, create=True) as engine:
        with progress_bar("Loading demo", len(lines)) as advance:
            result = import_lines(engine, lines, name="demo.jsonl", progress=advance)
        click.echo(
            f"Loaded {result.stored} new events ({_skipped(result)}) into {engine.target.display}."
        )
        # Replayed as the store knows it now under the default policies, so the demo
        # neither leaves a read model behind nor reads one (on PostgreSQL that would be a
        # views file in the working folder, perhaps another store's).
        known = engine.timeline(
            customer,
            as_known_at=engine.clock(),
            policy=DEFAULT_TRUST_POLICY,
            sla=DEFAULT_SLA_POLICY,
        )
        rows = known.model_dump(mode="json")
    click.echo(escape_controls(f"Timeline of {customer}:"))
    print_timeline(rows)
    click.echo("Next: trustengine timeline cust-boris   (a botched recovery)")


def _skipped(result: ImportResult) -> str:
    """``N already stored``, and the lines for erased customers when there were any."""
    text = f"{result.skipped} already stored"
    if result.erased == 1:
        return f"{text}, 1 line for an erased customer skipped"
    if result.erased:
        return f"{text}, {result.erased} lines for erased customers skipped"
    return text


@click.command("import", epilog="Example: trustengine import history.jsonl --db ./trust.db")
@click.argument("file")
@importing.from_options
@click.option(
    "--max-errors",
    type=click.IntRange(min=0),
    default=MAX_ERRORS,
    show_default=True,
    metavar="N",
    help="List at most N bad lines (the total is always given).",
)
@click.option(
    "--archive",
    "archive",
    is_flag=True,
    help="FILE is an archive from `export --archive`: restore it into an empty store.",
)
@click.option(
    "--quarantine",
    metavar="REJECTS",
    help="Store every good line and write each bad one, with its reason, to REJECTS "
    "(exit 1 when any was rejected).",
)
@future_tolerance_option
@public_key_option
@db_option
@handle_errors
def import_(
    file: str,
    system: str | None,
    map_file: str | None,
    dry_run: bool,
    as_json: bool,
    max_errors: int,
    archive: bool,
    quarantine: str | None,
    public_key: str | None,
    db: str,
) -> None:
    """Import events from a JSON Lines FILE (or - for stdin), all or nothing.

    Every line is checked first; each bad one is reported as FILE:LINE: reason (the
    first --max-errors of them, then how many more) and then nothing is stored. Events
    the store already has are skipped, so importing the same file twice stores nothing
    the second time; so are lines for erased customers, which are counted. The file is
    UTF-8 (a byte order mark and CRLF line ends are fine). With --archive, FILE's stored
    records are checked against their hashes and root and written as they were, into an
    empty store. With --from SYSTEM, FILE or DIR is that system's export (zendesk,
    freshdesk, cfpb, or csv with --map), converted first; an event whose source id the
    customer already has is skipped, so an updated export stores only what is new.
    """
    if system is not None:
        importing.run(system, file, map_file, dry_run, as_json, archive, quarantine, db, max_errors)
        return
    binary = importing.jsonl_file(file, map_file=map_file, dry_run=dry_run, as_json=as_json)
    given_name = str(getattr(binary, "name", "-"))  # stdin as bytes may have no name
    name = "-" if given_name in ("<stdin>", "-") else given_name
    if quarantine is not None:
        if archive:
            raise InputError("--quarantine sets lines aside: an --archive is restored whole")
        _import_quarantined(binary, name, quarantine, db)
        return
    if archive:
        restore(db, decoded_lines(binary, name=name), name, public_key)
        return
    with spooled_file(binary, name=name) as spool:
        if is_new_store(db):
            # Checked first, so that a refused import leaves no new store behind.
            check_spool(
                spool, name=name, max_errors=max_errors, future_tolerance=current_tolerance()
            )
        with (
            open_engine(db, create=True) as engine,
            progress_bar(f"Importing {name}", spool.lines) as advance,
        ):
            result = import_spool(engine, spool, name=name, progress=advance, max_errors=max_errors)
    click.echo(f"Imported {result.stored} events ({_skipped(result)}) from {name}.")


def _import_quarantined(file: IO[bytes], name: str, rejects: str, db: str) -> None:
    spool, bad = spooled_each(file)
    with (
        spool,
        whole_output("--quarantine", rejects, private=True) as out,
        open_engine(db, create=True) as engine,
        progress_bar(f"Importing {name}", spool.lines) as advance,
    ):
        result = import_spool_quarantined(engine, spool, out, name=name, bad=bad, progress=advance)
    count = len(result.rejected)
    dependants = f" ({result.dependants} of them dependants)" if result.dependants else ""
    click.echo(
        f"Imported {result.stored} events ({result.skipped} already stored) from {name}; "
        f"{count} {'line' if count == 1 else 'lines'} rejected to {rejects}{dependants}."
    )
    if count:
        sys.exit(1)


@click.command(epilog="Example: trustengine export --customer cust-042 > cust-042.jsonl")
@click.option("--customer", metavar="KEY", help="Only this customer's events.")
@click.option(
    "-o",
    "--output",
    metavar="FILE",
    default="-",
    help="Write to FILE (mode 0600, whole or not at all) instead of stdout.",
)
@click.option(
    "--archive",
    metavar="FILE",
    help="Write an archive instead: the stored records with recorded time and hashes.",
)
@click.option(
    "--checkpoint",
    metavar="FILE",
    help="With --archive: a signed checkpoint of this ledger to keep in the archive.",
)
@db_option
@handle_errors
def export(
    customer: str | None,
    output: str,
    archive: str | None,
    checkpoint: str | None,
    db: str,
) -> None:
    """Write stored events as JSON Lines, in the order they were stored.

    With --output the lines go to a temporary file beside FILE that replaces it only once
    every line is written: a failure part-way leaves the old FILE, or none. With --archive
    FILE, write the whole ledger as stored instead (recorded times, hashes, sealed fields
    as they are) so that `import --archive` restores the same ledger: the same hashes,
    Merkle root and proofs.
    """
    if archive is not None:
        if customer is not None:
            raise InputError("--archive keeps the whole ledger: leave out --customer")
        with open_engine(db) as engine:
            write_archive(engine, archive, checkpoint)
        return
    with open_engine(db) as engine:
        if output == "-":
            export_lines(engine, sys.stdout, customer=customer)
            return
        with whole_output("--output", output, private=True) as out:
            count = export_lines(engine, out, customer=customer)
    click.echo(f"Exported {count} events.", err=True)


class SealParam(click.ParamType):  # type: ignore[type-arg]
    """A seal as ``trustengine seal`` prints it: COUNT:HEAD."""

    name = "SEAL"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Seal:
        if isinstance(value, Seal):
            return value
        try:
            return Seal.parse(str(value))
        except ValueError as error:
            self.fail(str(error), param, ctx)


@click.command(epilog="Example: trustengine verify --against 83:3d5467... --json")
@click.option("--json", "as_json", is_flag=True, help="Output JSON.")
@click.option(
    "--against",
    type=AgainstParam(),
    help="A seal printed earlier by `trustengine seal` (COUNT:HEAD), or a checkpoint file "
    "from `seal --sign`: prove nothing before it changed.",
)
@click.option(
    "--views",
    "views",
    is_flag=False,
    flag_value="",
    default=None,
    metavar="[PATH]",
    help="Also check the read model (in PATH; without one, where the other commands keep "
    "it): events it could not project, and its tables against a fresh rebuild.",
)
@public_key_option
@db_option
@handle_errors
def verify(
    as_json: bool,
    against: Seal | Checkpoint | None,
    views: str | None,
    public_key: str | None,
    db: str,
) -> None:
    """Check every stored event: it decodes and validates, sits in order, and matches
    the tamper-evidence chain and the store's head (and a seal, with --against).

    Against a checkpoint, an RFC 9162 consistency proof shows the ledger extends it.
    With --views, also catch up the read model and check it: each stored event it could
    not project (and set aside, with the customer's later events) is a problem, and so
    is a table that differs from a fresh rebuild of the same events. Exits 1 when a
    problem is found.
    """
    seal_ = against if isinstance(against, Seal) else None
    found = None
    checked: ViewsReport | None = None
    with open_engine(db, views=views or None) as engine:
        with progress_bar("Verifying", None) as advance:
            report = verify_store(engine, against=seal_, progress=advance)
        if isinstance(against, Checkpoint):
            found = checkpoint_consistency(engine, against, public_key)
            report.problems.extend(found.problems)
        if views is not None:
            try:
                with caught_up(engine).read_model() as model:
                    checked = check_views(model)
            except ReadModelError as error:
                # Out of step with the store: events it projected are gone, or another
                # store's read model. A finding of this check, not an input error.
                report.problems.append(str(error))
            else:
                report.problems += checked.problems
    if as_json:
        out = report.as_dict()
        if found is not None:
            out["checkpoint"] = found.as_dict()
        if checked is not None:
            out["views"] = checked.as_dict()
        click.echo(json.dumps(out, indent=2, allow_nan=False))
    else:
        for problem in report.problems:
            click.echo(escape_controls(problem))
        if found is not None and found.ok:
            for line in consistency_lines(found):
                click.echo(line)
        verdict = "ok" if report.ok else f"{len(report.problems)} problem(s)"
        click.echo(f"{report.events} events checked: {verdict}")
    if not report.ok:
        sys.exit(1)


@click.command(epilog="Example: trustengine seal >> seals.txt")
@click.option(
    "--sign",
    "sign_key",
    metavar="KEY",
    help="Write a checkpoint signed with this key (from `keygen --signing`) instead.",
)
@click.option(
    "--cosign",
    "cosign_key",
    metavar="KEY",
    help="As a witness: countersign --checkpoint FILE with this key, once the ledger extends it.",
)
@click.option("--checkpoint", metavar="FILE", help="With --cosign: the checkpoint to countersign.")
@click.option("--output", metavar="FILE", help="With --sign or --cosign: write it here.")
@db_option
@handle_errors
def seal(
    sign_key: str | None,
    cosign_key: str | None,
    checkpoint: str | None,
    output: str | None,
    db: str,
) -> None:
    """Print the store's head as COUNT:HEAD, to keep somewhere else.

    Later, `trustengine verify --against COUNT:HEAD` proves that none of the first
    COUNT events has changed since, even if someone rewrote the stored hashes. With
    --sign KEY, write a signed checkpoint of the ledger's Merkle root (JSON) instead,
    which `verify --against FILE` and `proof` use and anyone can check. A witness
    countersigns one with --cosign KEY --checkpoint FILE.
    """
    if sign_key is None and cosign_key is None and output is not None:
        raise InputError("--output needs --sign KEY: plain `seal` prints COUNT:HEAD")
    if cosign_key is not None:
        with open_engine(db) as engine:
            countersign(engine, cosign_key, checkpoint, output)
        return
    with open_engine(db) as engine:
        if sign_key is not None:
            write_checkpoint(engine, sign_key, output)
            return
        click.echo(str(engine.chain.chain_head()))


__all__ = ["InputError", "demo", "export", "import_", "seal", "verify"]
