"""Parsing and formatting of tus 1.0.0 headers: pure functions, no I/O."""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from dataclasses import dataclass

from . import conf

_UINT = re.compile(r"\d{1,19}")
MAX_METADATA_KEYS = 50


class ProtocolError(ValueError):
    """A malformed header: the request is answered with 400 and this message."""


def parse_uint(value: str | None, header: str) -> int:
    """A non-negative integer in plain digits (no sign, spaces or exponent)."""
    if value is None or not _UINT.fullmatch(value.strip()):
        raise ProtocolError(f"{header} must be a non-negative integer")
    return int(value.strip())


def parse_metadata(value: str | None) -> dict[str, str | None]:
    """Upload-Metadata: comma-separated `key base64value` pairs; a key may stand alone.

    An empty header means no metadata (tuspy sends one). Values must decode as strict
    base64 to UTF-8 text, so that they can be stored as JSON and shown safely.
    """
    result: dict[str, str | None] = {}
    if value is None or not value.strip():
        return result
    for pair in value.split(","):
        parts = pair.strip().split(" ")
        if not parts[0]:
            raise ProtocolError("Upload-Metadata has an empty key")
        key = parts[0]
        if len(parts) > 2 or not key.isascii() or not key.isprintable():
            raise ProtocolError(f"Upload-Metadata pair for {key!r} is malformed")
        if key in result:
            raise ProtocolError(f"Upload-Metadata repeats the key {key!r}")
        if len(parts) == 1:
            result[key] = None
        else:
            try:
                text = base64.b64decode(parts[1], validate=True).decode("utf-8")
            except (binascii.Error, ValueError) as exc:
                raise ProtocolError(
                    f"Upload-Metadata value for {key!r} is not base64-encoded UTF-8 text"
                ) from exc
            if "\x00" in text:
                raise ProtocolError(f"Upload-Metadata value for {key!r} contains NUL")
            result[key] = text
        if len(result) > MAX_METADATA_KEYS:
            raise ProtocolError("Upload-Metadata has too many keys")
    return result


def format_metadata(metadata: dict[str, str | None]) -> str:
    return ",".join(
        key if value is None else f"{key} {base64.b64encode(value.encode()).decode('ascii')}"
        for key, value in metadata.items()
    )


@dataclass(frozen=True)
class Checksum:
    """Upload-Checksum: the digest of one request's body."""

    algorithm: str
    digest: bytes

    def new(self) -> hashlib._Hash:
        return hashlib.new(self.algorithm, usedforsecurity=False)


def parse_checksum(value: str | None) -> Checksum | None:
    if value is None:
        return None
    parts = value.strip().split(" ")
    if len(parts) != 2:
        raise ProtocolError("Upload-Checksum must be '<algorithm> <base64 digest>'")
    algorithm = parts[0].lower()
    if algorithm not in conf.CHECKSUM_ALGORITHMS:
        raise ProtocolError(
            f"Upload-Checksum algorithm {parts[0]!r} is not supported "
            f"(use one of {', '.join(conf.CHECKSUM_ALGORITHMS)})"
        )
    try:
        digest = base64.b64decode(parts[1], validate=True)
    except binascii.Error as exc:
        raise ProtocolError("Upload-Checksum digest is not base64") from exc
    if len(digest) != hashlib.new(algorithm, usedforsecurity=False).digest_size:
        raise ProtocolError(f"Upload-Checksum digest has the wrong length for {algorithm}")
    return Checksum(algorithm, digest)
