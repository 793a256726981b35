"""Step-up: sensitive actions need a password (and code) entered in the last few minutes."""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponseBase
from django.shortcuts import redirect
from django.urls import reverse

SESSION_AUTH_AT = "lantern_auth_at"


def mark_recent_auth(request: HttpRequest) -> None:
    request.session[SESSION_AUTH_AT] = int(time.time())


def has_recent_auth(request: HttpRequest) -> bool:
    auth_at = request.session.get(SESSION_AUTH_AT)
    return auth_at is not None and time.time() - int(auth_at) < settings.LANTERN_REAUTH_MINUTES * 60


def require_recent_auth(
    view: Callable[..., HttpResponseBase],
) -> Callable[..., HttpResponseBase]:
    """Ask for the password again unless it was entered within REAUTH_MINUTES.

    A POST that arrives too late is not carried out: the user confirms again after signing in,
    from the same URL fetched with GET (so decorated views show a confirmation page on GET).
    """

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if has_recent_auth(request):
            return view(request, *args, **kwargs)
        query = urlencode({"next": request.get_full_path()})
        return redirect(f"{reverse('accounts:reauth')}?{query}")

    return wrapper
