"""Every error trustengine raises, under one root: :class:`TrustEngineError`.

Domain rule errors carry the name of the rule they enforce (``rule``), so that an
importer can say which rule a line broke without parsing messages.
"""

from __future__ import annotations


class TrustEngineError(Exception):
    """Raised when anything in trustengine fails; the root of every error here."""


# --- Input -------------------------------------------------------------------------------


class InvalidEventError(TrustEngineError, ValueError):
    """Raised when an event's fields do not satisfy the interchange contract."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class UnknownEventTypeError(InvalidEventError):
    """Raised when an event names a type that is not in the contract's vocabulary."""


class BatchRejectedError(TrustEngineError):
    """Raised when some events of a batch are bad; none of the batch was stored.

    ``problems`` holds ``(position, message)`` pairs: the 1-based position of each bad
    item in the batch (a line number for a file) and what is wrong with it.
    """

    def __init__(
        self, problems: list[tuple[int, str]], causes: list[Exception] | None = None
    ) -> None:
        self.problems = sorted(problems)
        self.causes = causes or []
        count = len(problems)
        noun = "event" if count == 1 else "events"
        lines = [f"item {position}: {message}" for position, message in self.problems]
        super().__init__(f"{count} bad {noun}; nothing was stored\n" + "\n".join(lines))


class ImportRejectedError(TrustEngineError):
    """Raised when an import file has bad lines; nothing of it was stored.

    ``lines`` holds every bad line as ``NAME:LINE: reason``; the message shows the first
    ``max_shown`` of them (all when None), how many more there are, and the total.
    """

    def __init__(
        self,
        name: str,
        problems: list[tuple[int, str]],
        *,
        total: int | None = None,
        max_shown: int | None = None,
    ) -> None:
        self.lines = [f"{name}:{line}: {message}" for line, message in problems]
        count = len(problems)
        shown = self.lines if max_shown is None else self.lines[:max_shown]
        hidden = count - len(shown)
        more = [f"… and {hidden} more bad {'line' if hidden == 1 else 'lines'}"] if hidden else []
        noun = "line" if count == 1 else "lines"
        of = f" of {total}" if total is not None else ""
        super().__init__(
            "\n".join([*shown, *more, f"{count} bad {noun}{of} in {name}; nothing was stored"])
        )


class PolicyError(TrustEngineError, ValueError):
    """Raised when a policy file is missing, malformed, or lacks a setting."""


class InvalidTimeError(TrustEngineError, ValueError):
    """Raised when a time given to a query is not ISO 8601 with an offset."""


class ReportWindowError(TrustEngineError, ValueError):
    """Raised when a report's window cannot be used: since after until, a time without
    an offset, or a grouping other than week or month."""


class SweepTimeError(TrustEngineError, ValueError):
    """Raised when a sweep is asked to record misses as of a time that has not come yet."""


# --- Domain rules --------------------------------------------------------------------------


class DomainRuleError(TrustEngineError):
    """Raised when an event would break one of the contract's rules for a customer."""

    rule = "domain-rule"
    conflicts: tuple[int, ...] = ()
    """The versions of the customer's events this one conflicts with, where known."""


class CaseNotFoundError(DomainRuleError):
    """Raised when a case event names a case the customer has never opened."""

    rule = "case-must-exist"


class CaseAlreadyExistsError(DomainRuleError):
    """Raised when a complaint would open a case key the customer already has."""

    rule = "case-key-unique"


class CaseClosedError(DomainRuleError):
    """Raised when a closed case is given an event that needs it reopened first."""

    rule = "closed-case-takes-only-settlements"


class CaseNotClosedError(DomainRuleError):
    """Raised when a case that is still open is reopened."""

    rule = "reopen-needs-closed-case"


class CaseAlreadyAwaitingError(DomainRuleError):
    """Raised when a case that already awaits the customer is paused again."""

    rule = "pause-once"


class CaseNotAwaitingError(DomainRuleError):
    """Raised when a case that is not awaiting the customer is resumed."""

    rule = "resume-needs-pause"


class DuplicateCommitmentError(DomainRuleError):
    """Raised when a promise, action, offer or follow-up id is reused for the customer."""

    rule = "commitment-id-unique"


class UnknownCommitmentError(DomainRuleError):
    """Raised when an event settles a promise, action, offer or follow-up never made."""

    rule = "commitment-must-exist"


class CommitmentAlreadySettledError(DomainRuleError):
    """Raised when a promise, action, offer or follow-up is settled a second time."""

    rule = "commitment-settles-once"


class CommitmentCaseMismatchError(DomainRuleError):
    """Raised when a commitment is settled under a different case than it was made in."""

    rule = "commitment-settles-in-its-case"


class TimeWentBackwardsError(DomainRuleError):
    """Raised when nothing any more: kept for callers that catch it. An event before the
    customer's last ``at`` is a late entry, checked at its place in business time
    (docs/interchange.md, section 2.1)."""

    rule = "time-never-goes-back"


class FutureEventError(DomainRuleError):
    """Raised when an event's business time is later than the store's clock allows (the
    clock plus the future tolerance, one day by default)."""

    rule = "not-in-the-future"


class EventNotFoundError(DomainRuleError):
    """Raised when a retraction or correction names an event this customer does not have."""

    rule = "amended-event-must-exist"


class AmendmentIsFinalError(DomainRuleError):
    """Raised when a retraction or correction would retract or correct another one."""

    rule = "amendments-are-final"


class AlreadyRetractedError(DomainRuleError):
    """Raised when a retracted event would be retracted or corrected again."""

    rule = "retracted-event-is-gone"


class CorrectionMismatchError(DomainRuleError):
    """Raised when a correction's replacement is of another type or customer."""

    rule = "correction-keeps-type-and-customer"


class RetractionConflictError(DomainRuleError):
    """Raised when retracting an event would leave later events breaking a rule (the
    ``ComplaintFiled`` of a case that has more events); ``conflicts`` names them."""

    rule = "retraction-keeps-history-valid"


class CustomerErasedError(DomainRuleError):
    """Raised when an event is recorded for a customer whose personal data was erased."""

    rule = "erased-customer-takes-nothing"


# --- Output files ------------------------------------------------------------------------


class OutputFileError(TrustEngineError):
    """Raised when an output file cannot be written whole: its folder is missing, the path
    is a directory, FIFO, device or socket, or the write itself failed (nothing is left
    half-written)."""


# --- Store -------------------------------------------------------------------------------


class StoreError(TrustEngineError):
    """Raised when the event store cannot be opened, read or written."""


class StoreTargetError(StoreError, ValueError):
    """Raised when a ``--db`` target is not a file path, ``:memory:`` or a PostgreSQL URL."""


class ConcurrencyError(StoreError):
    """Raised when another writer kept changing a customer and retries ran out."""


class StoreEncryptedError(StoreError):
    """Raised when an encrypted store is opened without its cipher key."""


class WrongCipherKeyError(StoreError):
    """Raised when a store is opened with a cipher key that is not the store's own."""


class StoreNotEncryptedError(StoreError):
    """Raised when a cipher key is given for a store that is not encrypted."""


class LockTimeoutError(StoreError):
    """Raised when a write waited its lock timeout for a lock another connection holds."""


class KeyStoreError(StoreError):
    """Raised when the key store cannot be opened or read, or is not this store's."""


# --- Lookups -----------------------------------------------------------------------------


class NotFoundError(TrustEngineError, LookupError):
    """Raised when a read asks for something the store does not hold: the root of the
    lookup errors (a read, unlike a write, breaks no rule by asking)."""


class CustomerNotFoundError(NotFoundError):
    """Raised when a customer key has no events in the store (or none by the time asked)."""


class UnknownCaseError(NotFoundError):
    """Raised when a read names a case the customer does not have (or not by the time
    asked). A write naming an unopened case raises :class:`CaseNotFoundError` instead."""


# --- Read model --------------------------------------------------------------------------


class ReadModelError(TrustEngineError):
    """Raised when the read-model tables cannot be used with this store: built from
    another store, out of step with it, or moved on by another projector mid-batch."""


# --- Integrity: checkpoints, proofs and archives ------------------------------------------


class LedgerMismatchError(TrustEngineError):
    """Raised when a stored event no longer matches its recorded chain hash, so no
    checkpoint, proof or archive is made of it."""


class CheckpointError(TrustEngineError, ValueError):
    """Raised when a checkpoint, signing key or proof bundle cannot be read or used."""


class ArchiveError(TrustEngineError, ValueError):
    """Raised when an archive cannot be read, does not check out, or cannot be restored."""
