"""What every page needs: the force's name, the service navigation for the role."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse

from lantern.accounts.choices import Role


def _nav_for(request: HttpRequest) -> list[dict[str, Any]]:
    membership = getattr(request, "membership", None)
    user = getattr(request, "user", None)
    if membership is None or user is None or not user.is_authenticated:
        return []
    if not user.is_verified():
        # Someone who must (or chose to) use two-factor sees no menu until they have; staff
        # who need not and have not turned it on (store staff, CCTV operators) get theirs.
        from lantern.accounts.mfa import user_has_mfa

        if user.mfa_required or user_has_mfa(user):
            return []
    items: list[tuple[str, str]] = [("Home", "core:home")]
    if membership.is_police or membership.organisation.kind in {"retail", "council"}:
        items.append(("Footage requests", "evidence:request-list"))
    if membership.is_police or membership.role in {Role.STORE_STAFF, Role.LP_MANAGER}:
        items.append(("Crime reports", "reports:list"))
    if membership.role in {Role.STORE_STAFF, Role.LP_MANAGER, Role.PARTNERSHIP_MANAGER}:
        items.append(("Offender gallery", "intelligence:gallery"))
    if not membership.is_police:
        items.append(("Shared with you", "redaction:shared"))
    if membership.is_police:
        items.append(("Intelligence", "intelligence:profile-list"))
    if membership.is_police:
        items.append(("Cases", "evidence:case-list"))
        items.append(("Statements", "statements:list"))
        items.append(("Incidents", "casework:incident-list"))
        items.append(("Video calls", "videocalls:list"))
        items.append(("Tasks", "casework:task-list"))
        items.append(("Devices", "devices:list"))
        items.append(("Public reports", "collisions:queue"))
        items.append(("Victims' Code", "insights:victims-code"))
        items.append(("Benefits", "insights:benefits"))
    if membership.is_manager:
        items.append(("People", "accounts:people"))
        items.append(("API access", "api:token-list"))
    if membership.role == Role.FORCE_ADMIN:
        items.append(("Partner organisations", "accounts:partners"))
        items.append(("Redaction settings", "redaction:settings"))
    if membership.role in {Role.SUPERVISOR, Role.FORCE_ADMIN}:
        items.append(("Audit log", "ledger:history"))
    path = request.path
    result = []
    for label, name in items:
        url = reverse(name)
        active = path == url if url == "/" else path.startswith(url)
        result.append({"label": label, "url": url, "active": active})
    return result


def lantern(request: HttpRequest) -> dict[str, Any]:
    return {
        "force_name": settings.LANTERN_FORCE_NAME,
        "service_name": "Lantern",
        "membership": getattr(request, "membership", None),
        "nav_items": _nav_for(request),
        "show_outbox_link": settings.DEMO_MODE or settings.DEBUG,
        "demo_mode": settings.DEMO_MODE,
    }
