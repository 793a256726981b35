"""Standalone verifier for exported Lantern ledger bundles.

    python -m lantern.ledger.verify BUNDLE.json [--public-key BASE64] [--require-complete]

Exit status: 0 every check passed, 1 something failed verification, 2 the file is not a
well-formed bundle (or cannot be read).

Why standalone: a court, auditor or data subject must be able to check an export without
trusting (or even running) Lantern. So this module and everything it imports -- merkle,
encoding, the standard library and ``cryptography`` for Ed25519 -- stay free of Django,
settings and databases. The format is specified in docs/ledger-format.md.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import json
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from lantern.ledger.encoding import EntryFormatError, encode_entry
from lantern.ledger.merkle import (
    EMPTY_ROOT,
    HASH_SIZE,
    CachingReader,
    ListReader,
    consistency_path_ranges,
    inclusion_path_ranges,
    leaf_hash,
    subtree_root,
    verify_consistency,
    verify_inclusion,
)

__all__ = [
    "BUNDLE_FORMAT",
    "CHECKPOINT_TAG",
    "BundleFormatError",
    "VerificationReport",
    "checkpoint_signed_bytes",
    "load_bundle",
    "main",
    "sign_checkpoint",
    "verify_bundle",
]

BUNDLE_FORMAT = "lantern-ledger-bundle-v1"
#: Domain-separation tag: a checkpoint signature can never be replayed as another message.
CHECKPOINT_TAG = b"lantern-checkpoint-v1\n"
_SIGNATURE_SIZE = 64
_RENDER_LIMIT = 100  # problems listed in the text report; the full list stays in the report
_KEY_SIZE = 32


_TOP_LEVEL_KEYS = frozenset(
    {"format", "public_key", "entries", "checkpoints", "inclusion_proofs", "consistency_proofs"}
)


class BundleFormatError(ValueError):
    """The bundle is not well-formed JSON of the documented shape (exit status 2)."""


# --------------------------------------------------------------------------------------------
# Checkpoints
# --------------------------------------------------------------------------------------------


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def checkpoint_signed_bytes(tree_size: int, root_hash: bytes, timestamp: str) -> bytes:
    """The exact message an Ed25519 checkpoint signature covers.

    ``lantern-checkpoint-v1\\n<tree_size>\\n<base64 root>\\n<timestamp>\\n``. Newline-separated
    fields in a fixed order, none of which may contain a newline, so one message cannot be
    read as another.
    """
    if not isinstance(tree_size, int) or isinstance(tree_size, bool) or tree_size < 0:
        raise ValueError("tree_size must be a non-negative integer")
    if not isinstance(root_hash, bytes) or len(root_hash) != HASH_SIZE:
        raise ValueError(f"root_hash must be {HASH_SIZE} bytes")
    if not isinstance(timestamp, str) or any(ord(c) < 0x20 or ord(c) == 0x7F for c in timestamp):
        raise ValueError("timestamp must be a string without control characters")
    return CHECKPOINT_TAG + f"{tree_size}\n{_b64(root_hash)}\n{timestamp}\n".encode()


def sign_checkpoint(
    private_key: Ed25519PrivateKey, tree_size: int, root_hash: bytes, timestamp: str
) -> dict[str, Any]:
    """A bundle ``checkpoints`` item for (tree_size, root_hash, timestamp), signed."""
    message = checkpoint_signed_bytes(tree_size, root_hash, timestamp)
    return {
        "tree_size": tree_size,
        "root_hash": _b64(root_hash),
        "timestamp": timestamp,
        "signature": _b64(private_key.sign(message)),
    }


# --------------------------------------------------------------------------------------------
# Parsing: shape errors are BundleFormatError; content the log vouches for is checked later
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Checkpoint:
    position: int
    tree_size: int
    root: bytes
    timestamp: str
    signature: bytes


@dataclass(frozen=True)
class _InclusionProof:
    position: int
    index: int
    tree_size: int
    proof: tuple[bytes, ...]


@dataclass(frozen=True)
class _ConsistencyProof:
    position: int
    old_size: int
    new_size: int
    proof: tuple[bytes, ...]


@dataclass
class _Bundle:
    public_key: bytes
    entries: list[tuple[int, Any]]
    checkpoints: list[_Checkpoint]
    inclusion: list[_InclusionProof]
    consistency: list[_ConsistencyProof]
    unknown_keys: list[str]


def _field(obj: Mapping[str, Any], key: str, where: str) -> Any:
    if key not in obj:
        raise BundleFormatError(f"{where}: missing {key!r}")
    return obj[key]


def _object(value: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise BundleFormatError(f"{where}: expected a JSON object")
    return value


def _list(value: Any, where: str) -> list[Any]:
    if not isinstance(value, list):
        raise BundleFormatError(f"{where}: expected a JSON array")
    return value


def _count(value: Any, where: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise BundleFormatError(f"{where}: expected a non-negative integer")
    return value


def _base64(value: Any, where: str, size: int | None = None) -> bytes:
    """Strict standard base64 (RFC 4648 section 4, padded): one spelling per value."""
    if not isinstance(value, str):
        raise BundleFormatError(f"{where}: expected a base64 string")
    try:
        data = base64.b64decode(value.encode("ascii"), validate=True)
    except (UnicodeEncodeError, binascii.Error):
        raise BundleFormatError(f"{where}: not valid base64") from None
    if _b64(data) != value:
        raise BundleFormatError(f"{where}: not canonical padded base64")
    if size is not None and len(data) != size:
        raise BundleFormatError(f"{where}: expected {size} bytes, got {len(data)}")
    return data


def _hashes(value: Any, where: str) -> tuple[bytes, ...]:
    items = _list(value, where)
    return tuple(_base64(item, f"{where}[{i}]", HASH_SIZE) for i, item in enumerate(items))


def _parse_bundle(bundle: Any) -> _Bundle:
    top = _object(bundle, "bundle")
    if top.get("format") != BUNDLE_FORMAT:
        raise BundleFormatError(f"bundle: 'format' must be {BUNDLE_FORMAT!r}")
    public_key = _base64(_field(top, "public_key", "bundle"), "public_key", _KEY_SIZE)

    entries: list[tuple[int, Any]] = []
    for i, item in enumerate(_list(top.get("entries", []), "entries")):
        where = f"entries[{i}]"
        obj = _object(item, where)
        index = _count(_field(obj, "index", where), f"{where}.index")
        # The entry's content is checked later, as evidence: a bad one is a finding (exit 1).
        entries.append((index, _field(obj, "entry", where)))

    checkpoints = []
    for i, item in enumerate(_list(_field(top, "checkpoints", "bundle"), "checkpoints")):
        where = f"checkpoints[{i}]"
        obj = _object(item, where)
        timestamp = _field(obj, "timestamp", where)
        if not isinstance(timestamp, str) or any(
            ord(c) < 0x20 or ord(c) == 0x7F for c in timestamp
        ):
            raise BundleFormatError(f"{where}.timestamp: expected a string without control chars")
        checkpoints.append(
            _Checkpoint(
                position=i,
                tree_size=_count(_field(obj, "tree_size", where), f"{where}.tree_size"),
                root=_base64(_field(obj, "root_hash", where), f"{where}.root_hash", HASH_SIZE),
                timestamp=timestamp,
                signature=_base64(
                    _field(obj, "signature", where), f"{where}.signature", _SIGNATURE_SIZE
                ),
            )
        )

    inclusion = []
    for i, item in enumerate(_list(top.get("inclusion_proofs", []), "inclusion_proofs")):
        where = f"inclusion_proofs[{i}]"
        obj = _object(item, where)
        inclusion.append(
            _InclusionProof(
                position=i,
                index=_count(_field(obj, "index", where), f"{where}.index"),
                tree_size=_count(_field(obj, "tree_size", where), f"{where}.tree_size"),
                proof=_hashes(_field(obj, "proof", where), f"{where}.proof"),
            )
        )

    consistency = []
    for i, item in enumerate(_list(top.get("consistency_proofs", []), "consistency_proofs")):
        where = f"consistency_proofs[{i}]"
        obj = _object(item, where)
        consistency.append(
            _ConsistencyProof(
                position=i,
                old_size=_count(_field(obj, "old_size", where), f"{where}.old_size"),
                new_size=_count(_field(obj, "new_size", where), f"{where}.new_size"),
                proof=_hashes(_field(obj, "proof", where), f"{where}.proof"),
            )
        )

    unknown = sorted(str(k) for k in top if k not in _TOP_LEVEL_KEYS)
    return _Bundle(public_key, entries, checkpoints, inclusion, consistency, unknown)


def load_bundle(path: str | Path) -> Any:
    """Read and parse a bundle file; BundleFormatError if unreadable or not strict JSON."""

    def unique(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in pairs:
            if key in out:
                raise BundleFormatError(f"duplicate JSON key {key!r}")
            out[key] = value
        return out

    def no_constants(name: str) -> Any:
        raise BundleFormatError(f"{name} is not valid JSON")

    try:
        text = Path(path).read_bytes().decode("utf-8")
    except OSError as exc:
        raise BundleFormatError(f"cannot read {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise BundleFormatError(f"{path} is not UTF-8") from None
    try:
        return json.loads(text, object_pairs_hook=unique, parse_constant=no_constants)
    except BundleFormatError:
        raise
    except (ValueError, RecursionError) as exc:
        raise BundleFormatError(f"{path} is not valid JSON: {exc}") from None


# --------------------------------------------------------------------------------------------
# The report
# --------------------------------------------------------------------------------------------


def _spans(indices: Iterable[int]) -> str:
    """'0-4, 6, 8-9' for [0, 1, 2, 3, 4, 6, 8, 9]: compact enough for 100k entries."""
    parts: list[str] = []
    run: list[int] = []
    for i in sorted(set(indices)):
        if run and i == run[-1] + 1:
            run.append(i)
            continue
        if run:
            parts.append(f"{run[0]}-{run[-1]}" if len(run) > 1 else str(run[0]))
        run = [i]
    if run:
        parts.append(f"{run[0]}-{run[-1]}" if len(run) > 1 else str(run[0]))
    return ", ".join(parts) if len(parts) <= 20 else ", ".join(parts[:20]) + ", ..."


@dataclass
class VerificationReport:
    """Outcome of ``verify_bundle``; ``ok`` is True only when ``problems`` is empty.

    ``first_bad_index`` is the lowest entry index shown to be wrong (altered, missing,
    out of place or undecodable). When the evidence only narrows it down,
    ``first_bad_range`` is the half-open [start, end) range that must contain it.
    """

    ok: bool = True
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    first_bad_index: int | None = None
    first_bad_range: tuple[int, int] | None = None
    entries_checked: int = 0
    entries_authenticated: int = 0
    checkpoints_checked: int = 0
    signatures_valid: int = 0
    roots_recomputed: int = 0
    inclusion_proofs_checked: int = 0
    consistency_proofs_checked: int = 0

    def render(self) -> str:
        """A plain-text report for people: counts first, then every warning and problem."""
        lines = [
            "Lantern ledger bundle verification",
            f"  entries checked:            {self.entries_checked}"
            f" ({self.entries_authenticated} proven part of a signed tree)",
            f"  checkpoints checked:        {self.checkpoints_checked}"
            f" ({self.signatures_valid} with a valid signature)",
            f"  roots recomputed:           {self.roots_recomputed}",
            f"  inclusion proofs checked:   {self.inclusion_proofs_checked}",
            f"  consistency proofs checked: {self.consistency_proofs_checked}",
        ]
        if self.warnings:
            lines.append("Warnings:")
            lines.extend(f"  - {w}" for w in self.warnings)
        if self.problems:
            lines.append("Problems:")
            lines.extend(f"  - {p}" for p in self.problems[:_RENDER_LIMIT])
            if len(self.problems) > _RENDER_LIMIT:
                lines.append(f"  ... and {len(self.problems) - _RENDER_LIMIT} more")
        if self.first_bad_index is not None:
            lines.append(f"First bad entry: index {self.first_bad_index}")
        elif self.first_bad_range is not None:
            start, end = self.first_bad_range
            lines.append(f"First bad entry: somewhere in indices {start}-{end - 1}")
        if self.ok:
            lines.append("RESULT: OK - every check passed")
        else:
            lines.append(f"RESULT: FAILED - {len(self.problems)} problem(s)")
        return "\n".join(lines)


# --------------------------------------------------------------------------------------------
# Verification
# --------------------------------------------------------------------------------------------

_GOOD, _BAD, _UNKNOWN = "good", "bad", "unknown"


def _split(n: int) -> int:
    return 1 << ((n - 1).bit_length() - 1)


class _Run:
    """State for one verification, so each step can stay small and read top to bottom."""

    def __init__(self, bundle: _Bundle, report: VerificationReport) -> None:
        self.b = bundle
        self.report = report
        self.trusted: dict[int, bytes] = {}  # tree size -> root, validly signed checkpoints
        self.forked: set[int] = set()
        self.entries: dict[int, Any] = {}
        self.leaves: dict[int, bytes] = {}
        self.flagged: set[int] = set()  # entries with a problem of their own
        self.bad: set[int] = set()  # candidates for first_bad_index
        self.authenticated: set[int] = set()
        # Leaf range -> its MTH as proven by a signed root (via a verified proof); a range's
        # MTH depends only on its leaves, so one map serves every tree size.
        self.authentic: dict[tuple[int, int], bytes] = {}
        self.links: dict[int, int] = {}  # union-find over tree sizes proven consistent
        self.prefix = 0  # entries 0..prefix-1 are all present and valid
        self.verified_prefix = 0  # entries 0..verified_prefix-1 match a signed root
        self.mismatched: list[int] = []  # checkpoint sizes whose recomputed root differs
        self.reader = CachingReader(ListReader([]))

    def problem(self, text: str) -> None:
        self.report.problems.append(text)

    def flag(self, index: int, text: str) -> None:
        self.problem(f"entry {index}: {text}")
        self.flagged.add(index)
        self.bad.add(index)

    # -- checkpoints -------------------------------------------------------------------------

    def check_checkpoints(self, key: Ed25519PublicKey) -> None:
        if not self.b.checkpoints:
            self.problem("the bundle has no checkpoints, so nothing in it can be verified")
        for cp in self.b.checkpoints:
            self.report.checkpoints_checked += 1
            label = f"checkpoint #{cp.position} (tree size {cp.tree_size})"
            message = checkpoint_signed_bytes(cp.tree_size, cp.root, cp.timestamp)
            try:
                key.verify(cp.signature, message)
            except InvalidSignature:
                self.problem(f"{label}: the signature does not verify with the public key")
                continue
            self.report.signatures_valid += 1
            if cp.tree_size == 0 and cp.root != EMPTY_ROOT:
                self.problem(f"{label}: an empty tree must have the root SHA-256('')")
                continue
            if cp.tree_size in self.forked:
                continue
            known = self.trusted.get(cp.tree_size)
            if known is not None and known != cp.root:
                self.problem(
                    f"{label}: another validly signed checkpoint gives this tree size a different "
                    "root - the log has shown two different histories (a fork)"
                )
                del self.trusted[cp.tree_size]
                self.forked.add(cp.tree_size)
                continue
            self.trusted[cp.tree_size] = cp.root
            self.authentic[(0, cp.tree_size)] = cp.root

    def _untrusted_reason(self, size: int) -> str:
        if size in self.forked:
            return f"the checkpoints for tree size {size} contradict each other"
        return f"there is no validly signed checkpoint for tree size {size}"

    # -- entries -----------------------------------------------------------------------------

    def check_entries(self) -> None:
        for index, entry in self.b.entries:
            if index in self.entries:
                self.flag(index, "appears more than once in the bundle")
                continue
            self.entries[index] = entry
        for index in sorted(self.entries):
            self.report.entries_checked += 1
            entry = self.entries[index]
            try:
                data = encode_entry(entry)
            except EntryFormatError as exc:
                self.flag(index, f"is not a valid v1 ledger entry ({exc})")
                continue
            self.leaves[index] = leaf_hash(data)
            if entry["seq"] != index:
                self.flag(index, f"its seq is {entry['seq']}, but it sits at index {index}")

    # -- proofs ------------------------------------------------------------------------------

    def check_inclusion_proofs(self) -> None:
        failed: dict[int, list[int]] = {}
        passed: dict[int, int] = {}
        for ip in self.b.inclusion:
            self.report.inclusion_proofs_checked += 1
            label = f"inclusion proof #{ip.position} (entry {ip.index}, tree size {ip.tree_size})"
            root = self.trusted.get(ip.tree_size)
            if root is None:
                self.problem(f"{label}: cannot be checked: {self._untrusted_reason(ip.tree_size)}")
                continue
            if ip.index >= ip.tree_size:
                self.problem(f"{label}: the index is outside the tree")
                continue
            leaf = self.leaves.get(ip.index)
            if leaf is None:
                if ip.index not in self.entries:
                    self.flag(ip.index, f"{label} exists, but the entry is missing from the bundle")
                continue  # an undecodable entry has already been reported
            if verify_inclusion(leaf, ip.index, ip.tree_size, ip.proof, root):
                passed[ip.tree_size] = passed.get(ip.tree_size, 0) + 1
                self.authenticated.add(ip.index)
                self.authentic[(ip.index, ip.index + 1)] = leaf
                ranges = inclusion_path_ranges(ip.index, ip.tree_size)
                self.authentic.update(zip(ranges, ip.proof, strict=True))
            else:
                self.problem(f"{label}: does not verify against the signed root")
                failed.setdefault(ip.tree_size, []).append(ip.index)
        for size, indices in failed.items():
            if len(indices) > 1 and not passed.get(size):
                # Every proof against this root fails: blame the root, not every entry.
                self.problem(
                    f"every inclusion proof against the checkpoint of tree size {size} fails: "
                    "that signed root does not describe these entries"
                )
            else:
                for index in indices:
                    self.flagged.add(index)
                    self.bad.add(index)

    def _find(self, size: int) -> int:
        while self.links.get(size, size) != size:
            size = self.links[size]
        return size

    def _link(self, a: int, b: int) -> None:
        self.links[self._find(a)] = self._find(b)

    def check_consistency_proofs(self) -> None:
        for cp in self.b.consistency:
            self.report.consistency_proofs_checked += 1
            label = f"consistency proof #{cp.position} (tree size {cp.old_size} -> {cp.new_size})"
            old_root = self.trusted.get(cp.old_size)
            new_root = self.trusted.get(cp.new_size)
            if old_root is None or new_root is None:
                size = cp.old_size if old_root is None else cp.new_size
                self.problem(f"{label}: cannot be checked: {self._untrusted_reason(size)}")
                continue
            if not verify_consistency(cp.old_size, cp.new_size, old_root, new_root, cp.proof):
                self.problem(
                    f"{label}: does not verify - the newer tree is not an append-only "
                    "extension of the older one, or the proof is corrupt"
                )
                continue
            self._link(cp.old_size, cp.new_size)
            ranges = consistency_path_ranges(cp.old_size, cp.new_size)
            self.authentic.update(zip(ranges, cp.proof, strict=True))

    # -- roots from the entries themselves ---------------------------------------------------

    def recompute_roots(self) -> None:
        prefix = 0
        while prefix in self.leaves:
            prefix += 1
        self.prefix = prefix
        self.reader = CachingReader(ListReader([self.leaves[i] for i in range(prefix)]))
        for size in sorted(self.trusted):
            if size > prefix:
                break
            self.report.roots_recomputed += 1
            if subtree_root(self.reader, 0, size) == self.trusted[size]:
                self.verified_prefix = size
                if size:
                    self._link(0, size)
            else:
                self.mismatched.append(size)
        self.authenticated.update(range(self.verified_prefix))
        ranges = []
        for size in self.mismatched:
            label = f"checkpoint of tree size {size}"
            if size < self.verified_prefix:
                self.problem(
                    f"{label}: its root does not match entries 0-{size - 1}, yet the larger "
                    f"checkpoint of tree size {self.verified_prefix} does - the log has signed "
                    "two inconsistent histories"
                )
                continue
            lo, hi = self._locate(size)
            ranges.append((lo, hi))
            where = f"entry {lo}" if hi - lo == 1 else f"entries {lo}-{hi - 1}"
            self.problem(
                f"{label}: the root recomputed from entries 0-{size - 1} differs from the "
                f"signed root; the first difference is in {where}"
            )
        # Every mismatching tree contains the same first altered entry: intersect the ranges.
        start = max((r[0] for r in ranges), default=0)
        end = min((r[1] for r in ranges), default=0)
        if end - start == 1:
            self.bad.add(start)
        elif start < end:
            self.report.first_bad_range = (start, end)

    def _status(self, start: int, end: int, memo: dict[tuple[int, int], str]) -> str:
        """Is leaf range [start, end) as the log signed it? Uses only proven hashes."""
        if end <= self.verified_prefix:
            return _GOOD
        key = (start, end)
        if key in memo:
            return memo[key]
        proven = self.authentic.get(key)
        if proven is not None:
            result = _GOOD if proven == subtree_root(self.reader, start, end) else _BAD
        elif end - start == 1:
            result = _UNKNOWN
        else:
            mid = start + _split(end - start)
            parts = (self._status(start, mid, memo), self._status(mid, end, memo))
            # A changed child always changes its parent's hash; two unchanged ones never do.
            if _BAD in parts:
                result = _BAD
            elif parts == (_GOOD, _GOOD):
                result = _GOOD
            else:
                result = _UNKNOWN
        memo[key] = result
        return result

    def _locate(self, size: int) -> tuple[int, int]:
        """Narrow the first altered leaf of a mismatching tree by descending through it."""
        memo: dict[tuple[int, int], str] = {}
        start, end = self.verified_prefix, size
        lo, hi = 0, size
        while hi - lo > 1:
            mid = lo + _split(hi - lo)
            left = self._status(lo, mid, memo)
            if left == _BAD:
                hi = mid
            elif left == _GOOD:
                lo = mid  # the parent differs and the left half does not: it is on the right
            elif self._status(mid, hi, memo) == _GOOD:
                hi = mid
            else:
                break
        return max(lo, start), min(hi, end)

    # -- what the bundle leaves unproven -----------------------------------------------------

    def check_coverage(self, require_complete: bool) -> None:
        latest = max(self.trusted, default=0)
        # Entries inside a mismatching tree are already reported with that mismatch.
        suspect_end = max(self.mismatched, default=0)
        unproven = []
        newer = []
        for index in sorted(self.entries):
            if index in self.authenticated or index in self.flagged:
                continue
            if index >= latest:
                newer.append(index)
            elif index >= suspect_end:
                unproven.append(index)
        if unproven:
            text = (
                f"entries {_spans(unproven)} fall inside a signed checkpoint but could not be "
                "checked against it: the bundle has neither every entry before them nor "
                "inclusion proofs for them"
            )
            if self.prefix < max(unproven):
                missing = self.prefix not in self.entries
                text += f" (entry {self.prefix} is {'missing' if missing else 'unusable'})"
                if missing:
                    self.bad.add(self.prefix)
            self.problem(text)
        if newer:
            self.report.warnings.append(
                f"entries {_spans(newer)} are newer than the latest checkpoint "
                f"(tree size {latest}) and are not covered by any signed tree head yet"
            )
        if require_complete and self.prefix < latest:
            missing = self.prefix not in self.entries
            self.problem(
                f"the bundle is not a complete export: entry {self.prefix} is "
                f"{'missing' if missing else 'unusable'}, but the latest checkpoint covers "
                f"entries 0-{latest - 1}"
            )
            self.bad.add(self.prefix)
        groups: dict[int, list[int]] = {}
        for size in sorted(self.trusted):
            if size:
                groups.setdefault(self._find(size), []).append(size)
        if len(groups) > 1:
            listed = "; ".join(", ".join(map(str, g)) for g in groups.values())
            self.report.warnings.append(
                "not every pair of checkpoints is proven consistent (groups of tree sizes "
                f"proven to be one history: {listed}); add consistency proofs between them"
            )


def verify_bundle(
    bundle: Any,
    *,
    expected_public_key: bytes | None = None,
    require_complete: bool = False,
) -> VerificationReport:
    """Check a parsed bundle (see docs/ledger-format.md) and report every problem found.

    Raises BundleFormatError if the bundle is not well-formed. ``expected_public_key`` pins
    the log's key: without it, the checks only show the bundle is internally consistent
    with whatever key it carries. ``require_complete`` demands every entry up to the latest
    checkpoint, because a trimmed export is otherwise indistinguishable from a subset one.
    """
    parsed = _parse_bundle(bundle)
    report = VerificationReport()
    try:
        key = Ed25519PublicKey.from_public_bytes(parsed.public_key)
    except ValueError:
        raise BundleFormatError("public_key: not an Ed25519 public key") from None
    run = _Run(parsed, report)
    if expected_public_key is not None and expected_public_key != parsed.public_key:
        run.problem(
            "the bundle's public key is not the expected log key: its signatures prove nothing "
            "about the log you trust"
        )
    if parsed.unknown_keys:
        report.warnings.append(f"ignored unknown top-level keys: {', '.join(parsed.unknown_keys)}")
    run.check_checkpoints(key)
    run.check_entries()
    run.check_inclusion_proofs()
    run.check_consistency_proofs()
    run.recompute_roots()
    run.check_coverage(require_complete)
    report.entries_authenticated = len(run.authenticated & set(run.leaves))
    if run.bad:
        report.first_bad_index = min(run.bad)
        report.first_bad_range = None
    report.ok = not report.problems
    return report


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point; returns the exit status (0 ok, 1 failed, 2 malformed)."""
    parser = argparse.ArgumentParser(
        prog="python -m lantern.ledger.verify",
        description="Verify a Lantern ledger bundle without trusting Lantern.",
    )
    parser.add_argument("bundle", help="path to the bundle JSON file")
    parser.add_argument(
        "--public-key",
        metavar="BASE64",
        help="the log's published Ed25519 public key; fail if the bundle carries another",
    )
    parser.add_argument(
        "--require-complete",
        action="store_true",
        help="fail unless the bundle holds every entry up to its latest checkpoint",
    )
    args = parser.parse_args(argv)
    try:
        expected = None
        if args.public_key is not None:
            expected = _base64(args.public_key, "--public-key", _KEY_SIZE)
        report = verify_bundle(
            load_bundle(args.bundle),
            expected_public_key=expected,
            require_complete=args.require_complete,
        )
    except BundleFormatError as exc:
        sys.stderr.write(f"MALFORMED BUNDLE: {exc}\n")
        return 2
    sys.stdout.write(report.render() + "\n")
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
