"""Rate limits counted in the cache: fixed windows, one atomic increment per action.

The cache is shared by every web process when CACHE_URL points at Redis (docs/deploy.md),
so a limit holds across processes and hosts; with the default local-memory cache it holds
per process.
"""

from __future__ import annotations

import hashlib
import time

from django.core.cache import cache

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_rate(value: str) -> tuple[int, int]:
    """ "5/h" -> (5, 3600): how many actions in how many seconds."""
    count, _, unit = value.partition("/")
    return int(count), _UNITS[unit.strip() or "h"]


def hit(scope: str, ident: str, limit: int, seconds: int) -> tuple[bool, int]:
    """Count one action of `scope` by `ident` (an address, a token); (allowed, seconds until
    the current window ends, for Retry-After)."""
    now = time.time()
    window = int(now // seconds)
    digest = hashlib.sha256(ident.encode()).hexdigest()[:32]
    key = f"rate:{scope}:{digest}:{window}"
    cache.add(key, 0, timeout=seconds + 5)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=seconds + 5)
        count = 1
    return count <= limit, max(1, int((window + 1) * seconds - now) + 1)
