"""The force's Ed25519 key that signs checkpoints.

Configured with LEDGER_SIGNING_KEY (base64 of the 32-byte private seed) or LEDGER_SIGNING_KEY_FILE.
Without either, a key is generated at first start into LEDGER_KEY_PATH (under var/), so a
single machine works out of the box; several hosts must share one configured key.
"""

from __future__ import annotations

import base64
import hashlib
import os
from functools import cache
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from django.conf import settings


def _load_seed() -> bytes:
    configured: str = getattr(settings, "LEDGER_SIGNING_KEY", "") or ""
    if configured:
        seed = base64.b64decode(configured.strip(), validate=True)
    else:
        path = Path(settings.LEDGER_KEY_PATH)
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as handle:
                handle.write(base64.b64encode(os.urandom(32)) + b"\n")
        seed = base64.b64decode(path.read_bytes().strip(), validate=True)
    if len(seed) != 32:
        raise ValueError("The ledger signing key must be 32 bytes (base64-encoded)")
    return seed


@cache
def signing_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(_load_seed())


def public_key_bytes() -> bytes:
    return signing_key().public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


def public_key_b64() -> str:
    return base64.b64encode(public_key_bytes()).decode()


def fingerprint() -> str:
    """SHA-256 of the raw public key, grouped for reading aloud over the phone."""
    digest = hashlib.sha256(public_key_bytes()).hexdigest()
    return " ".join(digest[i : i + 4] for i in range(0, 64, 4))
