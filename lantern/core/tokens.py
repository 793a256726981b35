"""Single-purpose link tokens and one-time codes: random, and stored only as hashes."""

from __future__ import annotations

import hashlib
import secrets


def hash_secret(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def new_token() -> tuple[str, str]:
    """(token for the link, its hash to store): 256 random bits."""
    token = secrets.token_urlsafe(32)
    return token, hash_secret(token)


def new_code() -> str:
    return f"{secrets.randbelow(10**6):06d}"


def same_secret(stored_hash: str, candidate: str) -> bool:
    return secrets.compare_digest(stored_hash, hash_secret(candidate))
