"""Protecting anonymous forms without a third-party service.

- Rate limits per client address, counted in the cache (fixed windows).
- A proof of work: the server issues a random challenge (kept in the session, used once); the
  browser (static/js/pow.mjs, WebCrypto) finds a nonce so that SHA-256("challenge:nonce")
  starts with `PUBLIC_REPORT_POW_BITS` zero bits. Cheap for one report, costly for thousands.
- Without JavaScript the same challenge is accepted once it is `PUBLIC_REPORT_NOJS_WAIT_SECONDS`
  old: a person filling in the questions takes longer than that anyway, a script has to wait.
  See lantern/collisions/DECISIONS.md.
"""

from __future__ import annotations

import hashlib
import secrets
import time

from django.contrib.sessions.backends.base import SessionBase
from django.http import HttpRequest

from lantern.core import ratelimit

# client_address moved to lantern.core; re-exported for the callers that import it from here.
from lantern.core.addresses import client_address as client_address

from . import conf

CHALLENGE_KEY = "public-report-challenge"


def allow(request: HttpRequest, scope: str) -> bool:
    """Count one action of `scope` ("submit" or "answer") for this address; False once the
    address has used its allowance for the current window."""
    limit, seconds = conf.submit_rate() if scope == "submit" else conf.answer_rate()
    allowed, _retry_after = ratelimit.hit(
        f"public-report-{scope}", client_address(request), limit, seconds
    )
    return allowed


def challenge(session: SessionBase) -> dict[str, object]:
    """This session's current challenge, issued if there is none."""
    current = session.get(CHALLENGE_KEY)
    if not isinstance(current, dict) or current.get("bits") != conf.pow_bits():
        current = {"value": secrets.token_hex(16), "bits": conf.pow_bits(), "at": time.time()}
        session[CHALLENGE_KEY] = current
    return current


def leading_zero_bits(digest: bytes) -> int:
    bits = 0
    for byte in digest:
        if byte == 0:
            bits += 8
            continue
        bits += 8 - byte.bit_length()
        break
    return bits


def solves(value: str, nonce: str, bits: int) -> bool:
    if not nonce or len(nonce) > 32:
        return False
    digest = hashlib.sha256(f"{value}:{nonce}".encode()).digest()
    return leading_zero_bits(digest) >= bits


def check(session: SessionBase, nonce: str) -> int:
    """0 when the report may be sent (the challenge is then used up); otherwise the seconds
    a browser without JavaScript must still wait."""
    current = challenge(session)
    value, bits, issued = (
        str(current["value"]),
        int(str(current["bits"])),
        float(str(current["at"])),
    )
    if not solves(value, nonce, bits):
        waited = time.time() - issued
        if waited < conf.fallback_seconds():
            return max(1, int(conf.fallback_seconds() - waited + 0.999))
    session.pop(CHALLENGE_KEY, None)
    return 0
