"""Checking a proof bundle with no store: only the bundle and the signer's public key.

For each event the checker recomputes its chain hash from the stored bytes the bundle
carries, follows its audit path from its leaf to a root and compares that with the
checkpoint's, checks the events' order, and decodes the stored bytes itself to compare
them with the line the bundle shows (personal fields opened with the bundle's customer
key, or shown as ``[erased]`` without one). The checkpoint's signature is checked with the
public key given. What a bundle that passes proves, and what it does not, is
:attr:`ProofReport.proves` and :attr:`ProofReport.limits`.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from eventsourcing.persistence import JSONTranscoder, MapperDeserialisationError, StoredEvent

from trustengine.domain.base import CustomerEvent
from trustengine.domain.customer import customer_id
from trustengine.exceptions import CheckpointError
from trustengine.integrity.bundle import FORMAT
from trustengine.integrity.checkpoint import Checkpoint
from trustengine.integrity.merkle import leaf_hash, root_from_path
from trustengine.interchange.codec import to_contract
from trustengine.persistence.chain import GENESIS, event_hash
from trustengine.persistence.mapper import PydanticMapper
from trustengine.persistence.personal import PersonalData


@dataclass
class ProofReport:
    """What checking a bundle found: ``ok`` when ``problems`` is empty."""

    customer: str
    case: str | None
    checkpoint: Checkpoint
    lines: list[str] = field(default_factory=list)
    """One line per event: its place and its interchange line as checked."""
    problems: list[str] = field(default_factory=list)
    unchecked_text: int = 0
    """Events whose stored bytes are encrypted at rest, so their text was not checked."""
    gapless: bool = False
    witnesses: list[str] = field(default_factory=list)
    """Fingerprints of the witnesses whose countersignatures were checked and hold."""

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def proves(self) -> str:
        cp = self.checkpoint
        what = f"customer {self.customer!r}" + (f" case {self.case!r}" if self.case else "")
        return (
            f"Proven: these {len(self.lines)} events of {what} were in the ledger of store "
            f"{cp.store[:16]}..., in this order, when checkpoint {cp.root.hex()[:16]}... "
            f"of {cp.events} events was signed at {cp.time} by key {cp.key[:16]}...; "
            "no byte of them has changed since."
            + "".join(f" Witness {w[:16]}... countersigned it." for w in self.witnesses)
        )

    @property
    def limits(self) -> list[str]:
        notes = [
            "Not proven: that the ledger holds no other events of this customer after the "
            "last one shown, nor anything recorded after the checkpoint."
        ]
        if self.gapless:
            notes.append("Positions run from 1 without a gap: no event is missing between them.")
        if self.unchecked_text:
            notes.append(
                f"{self.unchecked_text} event(s) are encrypted at rest: their stored bytes are "
                "proven, but their text could not be compared with the lines shown."
            )
        return notes


def verify_proof(bundle: Any, key: Ed25519PublicKey) -> ProofReport:
    """Check ``bundle`` (its parsed JSON) against ``key``; raises
    :class:`CheckpointError` when it is not a bundle at all."""
    if not isinstance(bundle, dict) or bundle.get("format") != FORMAT:
        raise CheckpointError(f"not a proof bundle: its 'format' is not {FORMAT!r}")
    checkpoint = Checkpoint.from_dict(bundle.get("checkpoint"), "the bundle's checkpoint")
    customer, case = bundle.get("customer"), bundle.get("case")
    events = bundle.get("events")
    if not isinstance(customer, str) or not isinstance(events, list) or not events:
        raise CheckpointError("the bundle names no customer, or carries no events")
    if case is not None and not isinstance(case, str):
        raise CheckpointError("the bundle's 'case' is neither a case key nor null")
    report = ProofReport(customer, case, checkpoint)
    problem = checkpoint.signature_problem(key)
    if problem:
        report.problems.append(problem)
    mapper = _mapper(customer, bundle.get("personal_key"), report)
    stream = customer_id(customer).hex
    last: dict[str, Any] | None = None
    positions = []
    for number, entry in enumerate(events, start=1):
        where = f"event {number}"
        try:
            stored = _stored(entry)
        except (KeyError, TypeError, ValueError, binascii.Error) as error:
            report.problems.append(f"{where}: malformed ({error})")
            continue
        where = f"event {number} (position {stored.originator_version})"
        _check_event(report, where, entry, stored, stream, checkpoint, mapper)
        _check_order(report, where, entry, last)
        positions.append(stored.originator_version)
        last = entry
    report.gapless = positions == list(range(1, len(positions) + 1))
    return report


def _mapper(customer: str, key_text: Any, report: ProofReport) -> PydanticMapper:
    mapper = PydanticMapper(JSONTranscoder())
    key: bytes | None = None
    if key_text is not None:
        try:
            key = base64.b64decode(str(key_text), validate=True)
        except (binascii.Error, ValueError):
            key = b""
        if len(key) != 32:
            report.problems.append("personal_key: not base64 of a 32-byte key")
            key = None
    mapper.personal = PersonalData(_BundleKey(customer_id(customer), key))
    return mapper


class _BundleKey:
    """The one customer key a bundle carries, as a key store that can only read it."""

    def __init__(self, id_: UUID, key: bytes | None) -> None:
        self._id, self._key = id_, key

    def keys(self, ids: Iterable[UUID], *, create: bool) -> dict[UUID, bytes]:
        return {i: self._key for i in ids if i == self._id and self._key is not None}

    def destroy(self, id_: UUID) -> bool:
        return False


def _stored(entry: Any) -> StoredEvent:
    record = entry["stored"]
    position = entry["position"]
    if not isinstance(position, int) or position < 1:
        raise ValueError("position is not a positive integer")
    return StoredEvent(
        originator_id=str(record["stream"]),
        originator_version=position,
        topic=str(record["topic"]),
        state=base64.b64decode(str(record["state"]), validate=True),
    )


def _check_event(
    report: ProofReport,
    where: str,
    entry: dict[str, Any],
    stored: StoredEvent,
    stream: str,
    checkpoint: Checkpoint,
    mapper: PydanticMapper,
) -> None:
    problems = report.problems
    if stored.originator_id != stream:
        problems.append(f"{where}: is stored under another customer's stream")
    hashed = event_hash(str(entry.get("previous")), stored)
    if hashed != entry.get("hash"):
        problems.append(
            f"{where}: its stored bytes do not give its hash: the event or its hash was edited"
        )
    index = entry.get("index")
    path = entry.get("path")
    try:
        nodes = [bytes.fromhex(node) for node in path] if isinstance(path, list) else None
    except (TypeError, ValueError):
        nodes = None
    root = (
        root_from_path(index, checkpoint.events, leaf_hash(bytes.fromhex(hashed)), nodes)
        if isinstance(index, int) and nodes is not None
        else None
    )
    if root != checkpoint.root:
        problems.append(
            f"{where}: its audit path does not lead to the checkpoint's root: the path, "
            "its place or the event is not the one signed"
        )
    line = entry.get("line")
    shown = json.dumps(line, ensure_ascii=False, separators=(",", ":"))
    report.lines.append(
        f"leaf {index} position {stored.originator_version} recorded "
        f"{entry.get('recorded_at')}: {shown}"
    )
    _check_text(report, where, entry, stored, mapper)


def _check_text(
    report: ProofReport,
    where: str,
    entry: dict[str, Any],
    stored: StoredEvent,
    mapper: PydanticMapper,
) -> None:
    try:
        json.loads(stored.state)
    except ValueError:
        report.unchecked_text += 1  # encrypted at rest: only the store's key would open it
        return
    try:
        event = mapper.to_domain_event(stored)
    except MapperDeserialisationError as error:
        reason = str(error).rpartition("does not decode: ")[2]
        report.problems.append(f"{where}: its stored bytes do not decode: {reason}")
        return
    except (TypeError, ValueError, KeyError, AttributeError) as error:
        # JSON that is no event payload at all (a list, a number): the mapper expects one.
        report.problems.append(f"{where}: its stored bytes are not an event ({error})")
        return
    assert isinstance(event, CustomerEvent)
    if event.customer != report.customer:
        report.problems.append(f"{where}: is an event of customer {event.customer!r}")
    if report.case is not None and event.case != report.case:
        report.problems.append(f"{where}: is not an event of case {report.case!r}")
    line = entry.get("line")
    expected = to_contract(event)
    if line != expected:
        fields = _differences(line, expected)
        report.problems.append(
            f"{where}: its line does not say what its stored bytes say ({', '.join(fields)})"
        )
    if entry.get("recorded_at") != event.recorded_at.isoformat():
        report.problems.append(f"{where}: its recorded_at is not the stored recorded time")


def _differences(line: Any, expected: dict[str, Any]) -> list[str]:
    if not isinstance(line, dict):
        return ["line"]
    names = [k for k in expected if k != "data" and line.get(k) != expected[k]]
    names += [k for k in line if k not in expected]
    data, wanted = line.get("data"), expected.get("data", {})
    if isinstance(data, dict):
        keys = sorted(set(data) | set(wanted))
        names += [f"data.{k}" for k in keys if data.get(k) != wanted.get(k)]
    elif data != wanted:
        names.append("data")
    return names or ["line"]


def _check_order(
    report: ProofReport, where: str, entry: dict[str, Any], last: dict[str, Any] | None
) -> None:
    if last is None:
        if entry.get("position") == 1 and entry.get("previous") != GENESIS:
            report.problems.append(f"{where}: a first event must follow no hash")
        return
    index, position, before = entry.get("index"), entry.get("position"), last.get("index")
    if not (isinstance(index, int) and isinstance(before, int) and index > before):
        report.problems.append(f"{where}: comes before the event listed ahead of it: reordered")
    elif not (isinstance(position, int) and position > last["position"]):
        report.problems.append(f"{where}: its position does not follow the one before: reordered")
    elif position == last["position"] + 1 and entry.get("previous") != last.get("hash"):
        report.problems.append(f"{where}: does not follow the event before it in the chain")


__all__ = ["ProofReport", "verify_proof"]
