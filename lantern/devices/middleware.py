"""Remote wipe: a revoked device's next request is told to clear Lantern's data."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from . import services

CLEAR_SITE_DATA = '"cache", "storage"'


class DeviceMiddleware:
    """Keeps the list of signed-in devices current. A revoked device's next request gets a
    "signed out" answer with Clear-Site-Data (the browser empties this site's caches,
    IndexedDB, local storage and service workers) and X-Lantern-Wipe (read by Lantern's
    service worker and page scripts, which also delete their queue)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        cookie = request.COOKIES.get(settings.SESSION_COOKIE_NAME, "")
        user = getattr(request, "user", None)
        if cookie and (user is None or not user.is_authenticated):
            revoked = services.device_for_revoked_session(cookie)
            if revoked is not None:
                return self._wipe(request, revoked)
        before = None
        if user is not None and user.is_authenticated:
            before = services.device_seen(request)
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and hasattr(request, "session"):
            # Signed in by this request, or the session key rotated: follow it.
            if before is None or before.session_key != request.session.session_key:
                services.device_seen(request)
        elif cookie and _view_name(request) == "accounts:logout":
            services.device_ended(cookie)
        return response

    @staticmethod
    def _wipe(request: HttpRequest, device: services.Device) -> HttpResponse:
        services.device_wiped(device)
        response: HttpResponse
        if "application/json" in request.headers.get("Accept", ""):
            response = JsonResponse({"error": "This device has been signed out"}, status=401)
        else:
            response = render(request, "devices/wiped.html", status=401)
        response["Clear-Site-Data"] = CLEAR_SITE_DATA
        response["X-Lantern-Wipe"] = "1"
        response.delete_cookie(settings.SESSION_COOKIE_NAME)
        return response


def _view_name(request: HttpRequest) -> str:
    match = getattr(request, "resolver_match", None)
    return match.view_name if match is not None else ""
