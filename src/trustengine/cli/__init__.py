"""The ``trustengine`` command line: parse, call the library, render.

Each command's module is imported when that command runs (or its own ``--help`` is
asked for), not before: ``trustengine --help`` lists the commands from the summaries in
:data:`COMMANDS` and loads none of them, so it costs little more than Python and click.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator, MutableMapping

import click

from trustengine import __version__
from trustengine.cli.errors import CommandGroup, debug_option

COMMANDS: dict[str, tuple[str, str, str]] = {
    # name: (module in trustengine.cli, function, the summary `trustengine --help` shows)
    "audit": ("audit", "audit", "The complete, verified record of one customer."),
    "case": ("customers", "case_", "Show one case: status, owner, hand-offs, commitments."),
    "correct": ("amend", "correct", "Correct a stored event: a replacement, with a reason."),
    "customers": ("customers", "customers", "List customers with their trust and open work."),
    "demo": ("ledger", "demo", "Load the bundled example history and show one customer."),
    "due": ("work", "due", "List owed work, soonest first, with what is overdue."),
    "erase": ("privacy", "erase", "Erase a customer's personal data for good."),
    "export": ("ledger", "export", "Write stored events as JSON Lines."),
    "follow": ("follow", "follow", "Keep the read model current from the store."),
    "import": ("ledger", "import_", "Import events from a JSON Lines file, all or nothing."),
    "keygen": ("privacy", "keygen", "Make a new cipher key or signing key."),
    "proof": ("proofs", "proof", "Write one customer's proof bundle for a checkpoint."),
    "rebuild": ("views", "rebuild", "Replay every stored event into new read-model tables."),
    "record": ("record", "record", "Record one event, checked as import checks it."),
    "report": ("report", "report", "Report issues, NPS and CSAT, recovery and SLAs."),
    "retract": ("amend", "retract", "Retract a stored event: it stops counting, kept on record."),
    "seal": ("ledger", "seal", "Print the store's head, or sign a checkpoint."),
    "state": ("read", "state", "Show where a customer's trust stands, and why."),
    "sweep": ("work", "sweep", "Record the promises and SLAs that time has missed."),
    "timeline": ("read", "timeline", "Show a customer's remediation steps, oldest first."),
    "types": ("contract", "types_", "List the contract's event types and their fields."),
    "verify": ("ledger", "verify", "Check every stored event, the chain and the seal."),
    "verify-proof": ("proofs", "verify_proof_command", "Check a proof bundle with no store."),
}


class LazyCommands(MutableMapping[str, click.Command]):
    """The group's commands by name, each imported on first use."""

    def __init__(self, table: dict[str, tuple[str, str, str]]) -> None:
        self._table = table
        self._loaded: dict[str, click.Command] = {}

    def __getitem__(self, name: str) -> click.Command:
        if name not in self._loaded:
            if name not in self._table:
                raise KeyError(name)
            module, attr, summary = self._table[name]
            command = getattr(importlib.import_module(f"trustengine.cli.{module}"), attr)
            command.short_help = summary
            self._loaded[name] = command
        return self._loaded[name]

    def __setitem__(self, name: str, command: click.Command) -> None:
        self._loaded[name] = command

    def __delitem__(self, name: str) -> None:
        self._loaded.pop(name, None)
        self._table.pop(name, None)

    def __iter__(self) -> Iterator[str]:
        return iter(dict.fromkeys([*self._table, *self._loaded]))

    def __len__(self) -> int:
        return len(set(self._table) | set(self._loaded))


class LazyGroup(CommandGroup):
    """The ``trustengine`` group, whose listing needs no command module."""

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, COMMANDS[name][2]) for name in self.list_commands(ctx) if name in COMMANDS]
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


@click.group(
    cls=LazyGroup,
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


main.commands = LazyCommands(dict(COMMANDS))

__all__ = ["COMMANDS", "LazyCommands", "LazyGroup", "main"]
