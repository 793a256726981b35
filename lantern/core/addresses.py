"""The client's address, as the nearest trusted proxy saw it."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def client_address(request: HttpRequest) -> str:
    """REMOTE_ADDR, or the address the nearest trusted proxy saw (PROXY_COUNT).

    Behind `PROXY_COUNT` proxies that each append to X-Forwarded-For, the client is the
    PROXY_COUNT-th entry from the right; entries further left are the client's own claims.
    The same setting drives sign-in lockouts (django-axes, `AXES_IPWARE_PROXY_COUNT`).
    """
    proxies = int(getattr(settings, "AXES_IPWARE_PROXY_COUNT", 0))
    if proxies:
        forwarded = [
            part.strip()
            for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if part.strip()
        ]
        if len(forwarded) >= proxies:
            return str(forwarded[-proxies])
    return str(request.META.get("REMOTE_ADDR", ""))
