"""Who is uploading, and whether they may start an upload.

Both hooks are pluggable from settings (dotted paths):

- `LANTERN_UPLOAD_PRINCIPAL`: `principal(request) -> str | None`. The string names the
  party an upload belongs to; only requests with the same principal can see, resume or
  terminate it. None means the request may not create uploads (403) and sees none (404).
- `LANTERN_UPLOAD_CREATE_POLICY`: `policy(request, principal, length, metadata) -> str | None`.
  A string refuses the creation with 403 and is shown to the client (e.g. "This link allows
  at most 2 GB"). A policy may also raise `lantern.uploads.services.UploadError` to choose
  the status itself.
"""

from __future__ import annotations

from django.http import HttpRequest

SESSION_KEY = "upload_principal"
USER_PREFIX = "user:"


def default_principal(request: HttpRequest) -> str | None:
    """A signed-in user is "user:<pk>"; anyone else is the scope a single-purpose link view
    put in their session (e.g. "request-link:42"), or nobody."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"{USER_PREFIX}{user.pk}"
    session = getattr(request, "session", None)
    if session is None:
        return None
    value = session.get(SESSION_KEY)
    if isinstance(value, str) and value and not value.startswith(USER_PREFIX):
        return value
    return None


def grant_session_principal(request: HttpRequest, principal: str) -> None:
    """Let this browser session upload as `principal` (called by a link view once it has
    checked the link). "user:..." is reserved for signed-in users."""
    if not principal or principal.startswith(USER_PREFIX) or len(principal) > 200:
        raise ValueError("A session principal must be non-empty, short, and not 'user:...'")
    request.session[SESSION_KEY] = principal


def revoke_session_principal(request: HttpRequest) -> None:
    request.session.pop(SESSION_KEY, None)


def allow_any(
    request: HttpRequest, principal: str, length: int, metadata: dict[str, str | None]
) -> str | None:
    """The default creation policy: any principal may upload up to LANTERN_UPLOAD_MAX_BYTES."""
    return None
