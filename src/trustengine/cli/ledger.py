"""Commands that move the ledger in and out and check it: demo, import, export, verify."""

from __future__ import annotations

import json
import sys
from importlib import resources
from typing import IO, Any

import click

from trustengine.cli.output import (
    InputError,
    db_option,
    handle_errors,
    open_engine,
    progress_bar,
)
from trustengine.cli.read import print_timeline, replayed_timeline
from trustengine.ledger_io import export_lines, import_lines
from trustengine.persistence.chain import Seal
from trustengine.terminal import escape_controls
from trustengine.verify import verify as verify_store

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
        events = engine.history(customer)
        click.echo(
            f"Loaded {result.stored} new events ({result.skipped} already stored) "
            f"into {engine.target.display}."
        )
    click.echo(escape_controls(f"Timeline of {customer}:"))
    print_timeline(replayed_timeline(events))
    click.echo("Next: trustengine timeline cust-boris   (a botched recovery)")


@click.command("import", epilog="Example: trustengine import history.jsonl --db ./trust.db")
@click.argument("file", type=click.File("r", encoding="utf-8"))
@db_option
@handle_errors
def import_(file: IO[str], db: str) -> None:
    """Import events from a JSON Lines FILE (or - for stdin), all or nothing.

    Every line is checked first; each bad one is reported as FILE:LINE: reason and then
    nothing is stored. Events the store already has are skipped, so importing the same
    file twice stores nothing the second time.
    """
    name = "-" if file.name in ("<stdin>", "-") else file.name
    lines = file.readlines()
    with (
        open_engine(db, create=True) as engine,
        progress_bar(f"Importing {name}", len(lines)) as advance,
    ):
        result = import_lines(engine, lines, name=name, progress=advance)
    click.echo(f"Imported {result.stored} events ({result.skipped} already stored) from {name}.")


@click.command(epilog="Example: trustengine export --customer cust-042 > cust-042.jsonl")
@click.option("--customer", metavar="KEY", help="Only this customer's events.")
@click.option(
    "-o",
    "--output",
    type=click.File("w", encoding="utf-8"),
    default="-",
    help="Write here instead of stdout.",
)
@db_option
@handle_errors
def export(customer: str | None, output: IO[str], db: str) -> None:
    """Write stored events as JSON Lines, in the order they were stored."""
    with open_engine(db) as engine:
        count = export_lines(engine, output, customer=customer)
    if output is not sys.stdout:
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
    type=SealParam(),
    help="A seal printed earlier by `trustengine seal`: prove nothing before it changed.",
)
@db_option
@handle_errors
def verify(as_json: bool, against: Seal | None, db: str) -> None:
    """Check every stored event: it decodes and validates, sits in order, and matches
    the tamper-evidence chain and the store's head (and a seal, with --against).

    Exits 1 when a problem is found.
    """
    with open_engine(db) as engine, progress_bar("Verifying", None) as advance:
        report = verify_store(engine, against=against, progress=advance)
    if as_json:
        click.echo(json.dumps(report.as_dict(), indent=2))
    else:
        for problem in report.problems:
            click.echo(escape_controls(problem))
        verdict = "ok" if report.ok else f"{len(report.problems)} problem(s)"
        click.echo(f"{report.events} events checked: {verdict}")
    if not report.ok:
        sys.exit(1)


@click.command(epilog="Example: trustengine seal >> seals.txt")
@db_option
@handle_errors
def seal(db: str) -> None:
    """Print the store's head as COUNT:HEAD, to keep somewhere else.

    Later, `trustengine verify --against COUNT:HEAD` proves that none of the first
    COUNT events has changed since, even if someone rewrote the stored hashes.
    """
    with open_engine(db) as engine:
        click.echo(str(engine.chain.chain_head()))


__all__ = ["InputError", "demo", "export", "import_", "seal", "verify"]
