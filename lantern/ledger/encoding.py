"""Canonical bytes for a ledger entry: the exact input to its Merkle leaf hash.

Why canonical: the tree commits to bytes, not to Python objects. An entry must map to one
and only one byte string, or two honest implementations would disagree on the leaf hash
and a third-party verifier could not reproduce the root from an exported entry.

The encoding (documented for outside implementers in docs/ledger-format.md) is::

    b"lantern-ledger-entry-v1\\n" + UTF-8( JSON(entry) )

where JSON uses sorted keys, the separators "," and ":", no insignificant whitespace,
non-ASCII characters written as themselves (ensure_ascii=False), no floats, no NaN.
Floats are refused because their decimal text is not unique across languages and
platforms (1.0, 1e0, 1.00000000000000001 ...); store such values as strings or integers.

Standard library only: the standalone verifier imports this module.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

__all__ = [
    "ENTRY_KEYS",
    "ENTRY_TAG",
    "MAX_DEPTH",
    "MAX_SAFE_INTEGER",
    "EntryFormatError",
    "decode_entry",
    "encode_entry",
    "format_time",
    "validate_entry",
]

#: Version tag prefixed to every encoded entry, so a future v2 encoding can never collide.
ENTRY_TAG = b"lantern-ledger-entry-v1\n"

#: Exactly these keys, no more and no fewer.
ENTRY_KEYS: frozenset[str] = frozenset(
    {
        "seq",
        "time",
        "actor",
        "actor_org",
        "action",
        "object_type",
        "object_id",
        "object_sha256",
        "reason",
        "detail",
    }
)
_STRING_KEYS = ("time", "actor", "actor_org", "action", "object_type", "object_id", "reason")

#: Integers are limited to what an IEEE-754 double holds exactly, so that verifiers written
#: in JavaScript (or anything that parses JSON numbers as doubles) see the same value.
MAX_SAFE_INTEGER = 2**53 - 1
#: Nesting limit for ``detail``; keeps decoding well clear of recursion limits.
MAX_DEPTH = 32

_TIME_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}Z")
_SHA256_RE = re.compile(r"[0-9a-f]{64}")


class EntryFormatError(ValueError):
    """The entry (or its bytes) is not a valid, canonical v1 ledger entry."""


def format_time(moment: datetime) -> str:
    """The one accepted spelling of a time: UTC, microseconds, 'Z' (e.g. from created_at)."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise EntryFormatError("time must be timezone-aware, so its UTC instant is unambiguous")
    utc = moment.astimezone(UTC)
    # Not strftime: "%Y" is not zero-padded for years before 1000 on every platform.
    return (
        f"{utc.year:04d}-{utc.month:02d}-{utc.day:02d}T"
        f"{utc.hour:02d}:{utc.minute:02d}:{utc.second:02d}.{utc.microsecond:06d}Z"
    )


def _check_str(value: object, where: str) -> str:
    if not isinstance(value, str):
        raise EntryFormatError(f"{where} must be a string, not {type(value).__name__}")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:  # lone surrogates have no UTF-8 encoding
        raise EntryFormatError(f"{where} is not valid Unicode text: {exc.reason}") from None
    return value


def _check_int(value: object, where: str) -> int:
    assert isinstance(value, int)
    if not -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER:
        raise EntryFormatError(f"{where} is outside the exactly-representable range ±(2**53-1)")
    return value


def _normalise_json(value: object, where: str, depth: int) -> Any:
    """A plain dict/list/str/int/bool/None copy of ``value``, or EntryFormatError."""
    if depth > MAX_DEPTH:
        raise EntryFormatError(f"{where} is nested deeper than {MAX_DEPTH} levels")
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int):
        return _check_int(value, where)
    if isinstance(value, float):
        raise EntryFormatError(
            f"{where} is a float; floats are not canonical (use a string or an integer)"
        )
    if isinstance(value, str):
        return _check_str(value, where)
    if isinstance(value, Mapping):
        out: dict[str, Any] = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise EntryFormatError(f"{where} has a non-string key {key!r}")
            _check_str(key, f"a key in {where}")
            out[key] = _normalise_json(item, f"{where}.{key}", depth + 1)
        return out
    if isinstance(value, (list, tuple)):
        return [_normalise_json(item, f"{where}[{i}]", depth + 1) for i, item in enumerate(value)]
    raise EntryFormatError(f"{where} has unsupported type {type(value).__name__}")


def validate_entry(entry: Mapping[str, Any]) -> dict[str, Any]:
    """Check every field and return a plain-dict copy ready to encode.

    Strict on purpose: anything that could be spelled two ways (upper-case hex, a time
    without microseconds, a float) is refused, so that equal entries give equal bytes.
    """
    if not isinstance(entry, Mapping):
        raise EntryFormatError(f"an entry must be a mapping, not {type(entry).__name__}")
    keys = set(entry.keys())
    missing = ENTRY_KEYS - keys
    unknown = keys - ENTRY_KEYS
    if missing or unknown:
        parts = []
        if missing:
            parts.append(f"missing keys {sorted(missing)}")
        if unknown:
            parts.append(f"unknown keys {sorted(map(str, unknown))}")
        raise EntryFormatError("; ".join(parts))

    seq = entry["seq"]
    if not isinstance(seq, int) or isinstance(seq, bool):
        raise EntryFormatError(f"seq must be an integer, not {type(seq).__name__}")
    if not 0 <= seq <= MAX_SAFE_INTEGER:
        raise EntryFormatError("seq must be between 0 and 2**53-1")

    out: dict[str, Any] = {"seq": seq}
    for key in _STRING_KEYS:
        out[key] = _check_str(entry[key], key)

    if not _TIME_RE.fullmatch(out["time"]):
        raise EntryFormatError("time must look like 2025-01-31T12:34:56.123456Z (UTC)")
    try:
        datetime.fromisoformat(out["time"][:-1])  # the regex fixed the shape; check the date
    except ValueError:
        raise EntryFormatError(f"time {out['time']!r} is not a real date and time") from None

    sha = _check_str(entry["object_sha256"], "object_sha256")
    if sha and not _SHA256_RE.fullmatch(sha):
        raise EntryFormatError("object_sha256 must be '' or 64 lower-case hex digits")
    out["object_sha256"] = sha

    detail = entry["detail"]
    if not isinstance(detail, Mapping):
        raise EntryFormatError(f"detail must be a JSON object, not {type(detail).__name__}")
    out["detail"] = _normalise_json(detail, "detail", 1)
    return out


def _dumps(entry: dict[str, Any]) -> bytes:
    text = json.dumps(
        entry, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )
    return ENTRY_TAG + text.encode("utf-8")


def encode_entry(entry: Mapping[str, Any]) -> bytes:
    """The canonical bytes of ``entry`` (the data whose leaf_hash goes into the tree)."""
    return _dumps(validate_entry(entry))


def _reject_float(text: str) -> Any:
    raise EntryFormatError(f"the number {text} is a float; floats are not canonical")


def _reject_constant(text: str) -> Any:
    raise EntryFormatError(f"{text} is not allowed in a ledger entry")


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise EntryFormatError(f"duplicate key {key!r}")
        out[key] = value
    return out


def decode_entry(data: bytes | bytearray | memoryview) -> dict[str, Any]:
    """Parse canonical entry bytes back into a dict; the exact inverse of ``encode_entry``.

    Anything that is not byte-for-byte what ``encode_entry`` would produce is refused, so a
    decoded entry always re-encodes to the same leaf.
    """
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise TypeError(f"data must be bytes, not {type(data).__name__}")
    raw = bytes(data)
    if not raw.startswith(ENTRY_TAG):
        raise EntryFormatError("not a lantern-ledger-entry-v1 encoding (tag missing)")
    try:
        text = raw[len(ENTRY_TAG) :].decode("utf-8")
    except UnicodeDecodeError as exc:
        raise EntryFormatError(f"entry is not valid UTF-8: {exc.reason}") from None
    try:
        parsed = json.loads(
            text,
            parse_float=_reject_float,
            parse_constant=_reject_constant,
            object_pairs_hook=_unique_keys,
        )
    except EntryFormatError:
        raise
    except (ValueError, RecursionError) as exc:
        raise EntryFormatError(f"entry is not valid JSON: {exc}") from None
    if not isinstance(parsed, dict):
        raise EntryFormatError("entry JSON must be an object")
    entry = validate_entry(parsed)
    if _dumps(entry) != raw:
        raise EntryFormatError("entry bytes are not in canonical form")
    return entry
