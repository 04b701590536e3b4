"""Typed commands, one per event type, for code that embeds trustengine.

Each takes the contract's values as the domain types them (:mod:`trustengine.domain.values`:
``Cause``, ``Tier``, ``Clock`` ...), builds the event model itself and hands it to
:meth:`TrustEngine.record`, so the typed API and the JSON face share one path of validation
(the same door, :mod:`trustengine.domain.door`, and the same words for a refusal) and of
rules. The keys come first and may be positional: ``customer``, then ``case`` (for a
case's event), then the id of the commitment the event makes or settles; everything else
is keyword-only. ``at`` defaults to now (read as the event is written); every command
returns True when it stored a new event and False when the same fact was already stored.
"""

from __future__ import annotations

from trustengine.application.command_base import CommandBase, records
from trustengine.application.commands_case import CaseCommands
from trustengine.application.commands_commitments import CommitmentCommands
from trustengine.application.commands_customer import CustomerCommands


class CommandsMixin(CustomerCommands, CaseCommands, CommitmentCommands):
    """The typed command methods of :class:`~trustengine.application.engine.Ledger`, one
    per event type, in three families."""


__all__ = ["CommandBase", "CommandsMixin", "records"]
