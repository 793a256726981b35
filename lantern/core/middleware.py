"""Cross-cutting response headers."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponseBase

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
