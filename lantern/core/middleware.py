"""Cross-cutting response headers."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import render

from lantern.core import ratelimit
from lantern.core.addresses import client_address

# Pages for people without accounts that still show case material.
PRIVATE_PUBLIC_PREFIXES = ("/evidence/", "/uploads/")


class NoStoreMiddleware:
    """Nothing shown to a signed-in user, or through a request link, may be kept by a
    browser or proxy cache (a shared or lost device must not keep evidence pages)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        private = (user is not None and user.is_authenticated) or request.path.startswith(
            PRIVATE_PUBLIC_PREFIXES
        )
        if private:
            response["Cache-Control"] = "no-store"
            response.headers.pop("Expires", None)
        return response


# The doors for people without an account: opening a link by its token, the reference check,
# the statement checker (a PDF signature validation costs CPU), invitations and registration.
# The pages behind a door (a link's upload, a call's signalling) are held by the session or
# the link and are not counted. Public appeal copies are not counted either: one mobile
# network can put thousands of viewers behind one address.
RATE_LIMITED_PAGES = frozenset(
    {
        "evidence:link",
        "evidence:check",
        "statements:link",
        "statements:verify",
        "videocalls:join",
        "collisions:link",
        "accounts:invitation-accept",
        "accounts:register-organisation",
    }
)


class LinkRateMiddleware:
    """`LINK_RATE` requests per client address across RATE_LIMITED_PAGES (default 60 a
    minute); over it, a 429 page with Retry-After. Link tokens are 256 bits, so this is not
    what stops guessing: it stops one address from hammering the pages that do work."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view: object, args: object, kwargs: object
    ) -> HttpResponse | None:
        match = request.resolver_match
        if match is None or match.view_name not in RATE_LIMITED_PAGES:
            return None
        limit, seconds = ratelimit.parse_rate(str(settings.LINK_RATE))
        allowed, wait = ratelimit.hit("pages", client_address(request), limit, seconds)
        if allowed:
            return None
        context = {"wait_seconds": wait, "wait_minutes": -(-wait // 60)}
        response = render(request, "429.html", context, status=429)
        response["Retry-After"] = str(wait)
        return response
