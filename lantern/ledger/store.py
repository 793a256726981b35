"""The ledger in the database: sequencing, subtree cache, proofs, checkpoints, verification.

Appending (`services.ledger_record`) only inserts a row. The sequencer here gives pending rows
their tree position under one short row lock, so web and worker processes never wait on each
other for longer than one batch, and the sequence has no gaps or duplicates.
"""

from __future__ import annotations

import base64
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from django.db import connection, transaction
from django.utils import timezone

from . import keys
from .encoding import EntryFormatError, encode_entry, format_time
from .merkle import (
    EMPTY_ROOT,
    CompactRange,
    TreeReader,
    consistency_proof_from_reader,
    inclusion_proof_from_reader,
    leaf_hash,
    node_hash,
    root_from_reader,
)
from .models import Checkpoint, Entry, LedgerState, Node
from .verify import checkpoint_signed_bytes

logger = logging.getLogger(__name__)
BUNDLE_FORMAT = "lantern-ledger-bundle-v1"


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


class DatabaseReader(TreeReader):
    """Leaf hashes from `Entry`, complete subtree roots from `Node`: O(log n) reads a proof."""

    def __init__(self, size: int) -> None:
        self._size = size

    def size(self) -> int:
        return self._size

    def leaf_hash(self, index: int) -> bytes:
        value = Entry.objects.filter(seq=index).values_list("leaf_hash", flat=True).first()
        if value is None:
            raise LookupError(f"ledger entry {index} is missing")
        return bytes(value)

    def leaf_hashes(self, start: int, end: int) -> Sequence[bytes]:
        rows = (
            Entry.objects.filter(seq__gte=start, seq__lt=end)
            .order_by("seq")
            .values_list("leaf_hash", flat=True)
        )
        return [bytes(h) for h in rows if h is not None]

    def complete_subtree_root(self, level: int, index: int) -> bytes:
        if level == 0:
            return self.leaf_hash(index)
        value = Node.objects.filter(level=level, index=index).values_list("hash", flat=True).first()
        if value is not None:
            return bytes(value)
        return node_hash(
            self.complete_subtree_root(level - 1, 2 * index),
            self.complete_subtree_root(level - 1, 2 * index + 1),
        )


def _locked_state(wait: bool) -> LedgerState | None:
    queryset = LedgerState.objects.all()
    if connection.features.has_select_for_update:
        queryset = queryset.select_for_update(skip_locked=not wait)
    state = queryset.filter(pk=1).first()
    if state is None and not LedgerState.objects.filter(pk=1).exists():
        state = LedgerState.objects.create(pk=1, size=0)
    return state


def _integrate_batch(batch: int, wait: bool) -> int:
    with transaction.atomic():
        state = _locked_state(wait)
        if state is None:  # another process is sequencing right now; it will take these
            return 0
        pending = list(Entry.objects.filter(seq__isnull=True).order_by("id")[:batch])
        if not pending:
            return 0
        size = state.size
        reader = DatabaseReader(size)
        known: dict[tuple[int, int], bytes] = {}

        def lookup(level: int, index: int) -> bytes:
            return known.get((level, index)) or reader.complete_subtree_root(level, index)

        new_nodes: list[Node] = []
        for offset, entry in enumerate(pending):
            seq = size + offset
            entry.seq = seq
            entry.leaf_hash = leaf_hash(encode_entry(entry.as_ledger_dict(seq)))
            known[(0, seq)] = entry.leaf_hash
            level, index, value = 0, seq, entry.leaf_hash
            while index % 2 == 1:  # this leaf completes a subtree: store its root
                value = node_hash(lookup(level, index - 1), value)
                level, index = level + 1, index // 2
                known[(level, index)] = value
                new_nodes.append(Node(level=level, index=index, hash=value))
        Entry.objects.bulk_update(pending, ["seq", "leaf_hash"], batch_size=500)
        Node.objects.bulk_create(new_nodes, batch_size=500)
        state.size = size + len(pending)
        state.save(update_fields=["size"])
        return len(pending)


def ledger_integrate(*, batch: int = 2000, wait: bool = True) -> int:
    """Sequence every pending entry; returns how many. `wait=False` returns at once when
    another process holds the sequencer (PostgreSQL), leaving the work to it."""
    total = 0
    while True:
        done = _integrate_batch(batch, wait)
        total += done
        if done < batch:
            return total


def tree_size() -> int:
    state = LedgerState.objects.filter(pk=1).first()
    return state.size if state else 0


def root_at(size: int) -> bytes:
    return EMPTY_ROOT if size == 0 else root_from_reader(DatabaseReader(size), size)


def inclusion_proof(seq: int, size: int) -> list[bytes]:
    return inclusion_proof_from_reader(DatabaseReader(size), seq, size)


def consistency_proof(old: int, new: int) -> list[bytes]:
    return consistency_proof_from_reader(DatabaseReader(new), old, new)


def checkpoint_publish(*, force: bool = False) -> Checkpoint:
    """Sequence what is pending and sign the tree head (reuses the latest if nothing changed)."""
    ledger_integrate()
    with transaction.atomic():
        state = _locked_state(wait=True)
        size = state.size if state else 0
        latest = Checkpoint.objects.order_by("-tree_size", "-id").first()
        if latest is not None and latest.tree_size == size and not force:
            return latest
        root = root_at(size)
        timestamp = format_time(timezone.now())
        signature = keys.signing_key().sign(checkpoint_signed_bytes(size, root, timestamp))
        return Checkpoint.objects.create(
            tree_size=size,
            root_hash=root,
            timestamp=timestamp,
            signature=signature,
            public_key=keys.public_key_b64(),
        )


def checkpoint_dict(checkpoint: Checkpoint) -> dict[str, Any]:
    return {
        "tree_size": checkpoint.tree_size,
        "root_hash": _b64(bytes(checkpoint.root_hash)),
        "timestamp": checkpoint.timestamp,
        "signature": _b64(bytes(checkpoint.signature)),
    }


def bundle_for(entries: Iterable[Entry], checkpoint: Checkpoint) -> dict[str, Any]:
    """A verifiable bundle (docs/ledger-format.md): the entries, the signed checkpoint and an
    inclusion proof of each entry in it. `python -m lantern.ledger.verify` checks it."""
    listed = [e for e in entries if e.seq is not None and e.seq < checkpoint.tree_size]
    return {
        "format": BUNDLE_FORMAT,
        "public_key": checkpoint.public_key,
        "entries": [{"index": e.seq, "entry": e.as_ledger_dict()} for e in listed],
        "checkpoints": [checkpoint_dict(checkpoint)],
        "inclusion_proofs": [
            {
                "index": e.seq,
                "tree_size": checkpoint.tree_size,
                "proof": [_b64(h) for h in inclusion_proof(e.seq, checkpoint.tree_size)],  # type: ignore[arg-type]
            }
            for e in listed
        ],
        "consistency_proofs": [],
    }


@dataclass
class LiveReport:
    ok: bool = True
    problems: list[str] = field(default_factory=list)
    first_bad_seq: int | None = None
    entries_checked: int = 0
    checkpoints_checked: int = 0
    pending: int = 0

    def fail(self, message: str, seq: int | None = None) -> None:
        self.ok = False
        self.problems.append(message)
        if seq is not None and (self.first_bad_seq is None or seq < self.first_bad_seq):
            self.first_bad_seq = seq


def _check_signature(checkpoint: Checkpoint, report: LiveReport) -> None:
    try:
        key = Ed25519PublicKey.from_public_bytes(base64.b64decode(checkpoint.public_key))
        key.verify(
            bytes(checkpoint.signature),
            checkpoint_signed_bytes(
                checkpoint.tree_size, bytes(checkpoint.root_hash), checkpoint.timestamp
            ),
        )
    except (InvalidSignature, ValueError):
        report.fail(f"checkpoint of size {checkpoint.tree_size} has an invalid signature")
        return
    if checkpoint.public_key != keys.public_key_b64():
        report.fail(f"checkpoint of size {checkpoint.tree_size} was signed by an unknown key")


def ledger_verify_live(*, chunk: int = 5000) -> LiveReport:
    """Recompute every leaf from the stored rows and every checkpoint's root from the leaves,
    in one pass with O(log n) memory; report the first entry that does not match."""
    report = LiveReport()
    checkpoints = list(Checkpoint.objects.order_by("tree_size", "id"))
    for checkpoint in checkpoints:
        _check_signature(checkpoint, report)
    report.checkpoints_checked = len(checkpoints)
    position = 0
    while position < len(checkpoints) and checkpoints[position].tree_size == 0:
        if bytes(checkpoints[position].root_hash) != EMPTY_ROOT:
            report.fail("the checkpoint of the empty ledger has the wrong root")
        position += 1
    accumulator = CompactRange()
    expected = 0
    last_good = 0
    broken = False
    rows = Entry.objects.filter(seq__isnull=False).order_by("seq").iterator(chunk_size=chunk)
    for entry in rows:
        if entry.seq != expected:
            what = "is missing" if (entry.seq or 0) > expected else "appears twice"
            report.fail(f"entry {expected} {what} (found {entry.seq} in its place)", expected)
            broken = True
            break
        try:
            recomputed = leaf_hash(encode_entry(entry.as_ledger_dict()))
        except EntryFormatError as exc:
            report.fail(f"entry {expected} cannot be encoded: {exc}", expected)
            broken = True
            break
        if entry.leaf_hash is None or bytes(entry.leaf_hash) != recomputed:
            report.fail(f"entry {expected} has been changed since it was recorded", expected)
        accumulator.append(recomputed)
        expected += 1
        report.entries_checked += 1
        while position < len(checkpoints) and checkpoints[position].tree_size == expected:
            checkpoint = checkpoints[position]
            if accumulator.root() != bytes(checkpoint.root_hash):
                report.fail(
                    f"entries {last_good} to {expected - 1} do not match the checkpoint of size "
                    f"{expected} signed at {checkpoint.timestamp}",
                    last_good if report.first_bad_seq is None else None,
                )
            else:
                last_good = expected
            position += 1
    if not broken:
        for checkpoint in checkpoints[position:]:
            report.fail(
                f"the checkpoint of size {checkpoint.tree_size} covers entries that no longer "
                f"exist (the ledger has {expected})",
                expected,
            )
    size = tree_size()
    if not broken and size != expected:
        report.fail(f"the ledger records {size} entries but {expected} are stored", expected)
    report.pending = Entry.objects.filter(seq__isnull=True).count()
    return report
