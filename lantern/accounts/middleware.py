"""Who is acting, for which organisation, and whether their sign-in is complete."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from .models import Membership

SESSION_MEMBERSHIP = "lantern_membership_id"
SESSION_LAST_SEEN = "lantern_last_seen"

# Views a signed-in user may reach before finishing two-factor sign-in.
MFA_EXEMPT = frozenset(
    {
        "accounts:verify",
        "accounts:mfa-setup",
        "accounts:logout",
        "core:health",
        "core:accessibility",
        "core:privacy",
        "notifications:outbox",
        "notifications:outbox-message",
    }
)


class MembershipMiddleware:
    """Sets request.membership from the database on every request, so a disabled membership
    or a suspended organisation takes effect at once; ends idle sessions."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.membership = None  # type: ignore[attr-defined]
        user = request.user
        if user.is_authenticated:
            memberships = list(user.active_memberships())  # type: ignore[union-attr]
            if not memberships:
                logout(request)
                messages.error(
                    request,
                    "Your account has no active organisation. Ask your "
                    "organisation's administrator for access.",
                )
                return redirect(settings.LOGIN_URL)
            chosen = request.session.get(SESSION_MEMBERSHIP)
            membership = next((m for m in memberships if m.pk == chosen), memberships[0])
            request.membership = membership  # type: ignore[attr-defined]
            if self._idle_expired(request, membership):
                logout(request)
                messages.info(request, "You were signed out because you were inactive.")
                return redirect(f"{reverse(settings.LOGIN_URL)}?next={request.path}")
        return self.get_response(request)

    @staticmethod
    def _idle_expired(request: HttpRequest, membership: Membership) -> bool:
        now = int(time.time())
        minutes = (
            settings.LANTERN_IDLE_TIMEOUT_POLICE
            if membership.is_police
            else settings.LANTERN_IDLE_TIMEOUT_PARTNER
        )
        last_seen = request.session.get(SESSION_LAST_SEEN)
        if last_seen is not None and now - int(last_seen) > minutes * 60:
            return True
        # Write at most once a minute: avoids a session save on every request.
        if last_seen is None or now - int(last_seen) >= 60:
            request.session[SESSION_LAST_SEEN] = now
        return False


class TwoFactorMiddleware:
    """Sends a signed-in user to enter their code, or to set up two-factor authentication
    where their role requires it, before any other page."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view_func: Any, view_args: Any, view_kwargs: Any
    ) -> HttpResponse | None:
        user = request.user
        if not user.is_authenticated or user.is_verified():  # type: ignore[union-attr,attr-defined]
            return None
        match = request.resolver_match
        if match is not None and match.view_name in MFA_EXEMPT:
            return None
        if request.path.startswith(settings.STATIC_URL):
            return None
        from .mfa import user_has_mfa

        nxt = request.get_full_path()
        if user_has_mfa(user):  # type: ignore[arg-type]
            return redirect(f"{reverse('accounts:verify')}?next={nxt}")
        membership: Membership | None = getattr(request, "membership", None)
        if membership is not None and user.mfa_required:  # type: ignore[union-attr]
            return redirect(f"{reverse('accounts:mfa-setup')}?next={nxt}")
        return None
