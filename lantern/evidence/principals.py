"""Who may upload through tus: a request link's holder, checked again on every upload."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from lantern.uploads.principals import SESSION_KEY, default_principal

from .models import RequestLink

LINK_PREFIX = "evidence-link:"


def link_from_session(request: HttpRequest) -> RequestLink | None:
    """The request link this browser opened (and proved, for public recipients), if it is
    still usable and, for an organisation recipient, still opened by a member."""
    from .services import link_may_be_used_by

    value = request.session.get(SESSION_KEY, "") if hasattr(request, "session") else ""
    if not isinstance(value, str) or not value.startswith(LINK_PREFIX):
        return None
    try:
        pk = int(value.removeprefix(LINK_PREFIX))
    except ValueError:
        return None
    link = RequestLink.objects.select_related("request").filter(pk=pk).first()
    if link is None or not link.is_usable or not link_may_be_used_by(link, request.user):
        return None
    return link


def principal(request: HttpRequest) -> str | None:
    """An opened request link takes precedence, so a council operator's upload belongs to
    the request, not to them personally; otherwise the default (signed-in user)."""
    link = link_from_session(request)
    if link is not None:
        return link.principal
    return default_principal(request)


def create_policy(
    request: HttpRequest, principal: str, length: int, metadata: dict[str, Any]
) -> str | None:
    if principal.startswith(LINK_PREFIX):
        return None if link_from_session(request) else "This upload link has expired or closed"
    return "Uploads need a request link"
