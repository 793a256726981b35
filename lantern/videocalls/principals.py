"""Who uploads for a video call, layered over the evidence upload's hooks.

- The officer's browser uploads the call recording with the header `X-Lantern-Video-Call:
  <reference>` on every tus request: the principal is then "video-recording:<call pk>",
  only for the officer running that call (anyone else: no principal, so 403 or 404); it
  may finish after the call has ended, but can only start once recording has started.
- The person on the call uploads as "video-link:<link pk>", put in their session when they
  opened the call link (checked again on every upload: an expired link or ended call stops).
- Everything else is the evidence app's rule, unchanged.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from lantern.evidence import principals as evidence

from .models import VideoCall
from .services import LINK_PREFIX, RECORDING_PREFIX, upload_allowed

HEADER = "X-Lantern-Video-Call"


def principal(request: HttpRequest) -> str | None:
    reference = request.headers.get(HEADER, "")
    if reference:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        call = (
            VideoCall.objects.for_user(user).filter(reference=reference[:20], officer=user).first()
        )
        return f"{RECORDING_PREFIX}{call.pk}" if call is not None else None
    return evidence.principal(request)


def create_policy(
    request: HttpRequest, principal: str, length: int, metadata: dict[str, Any]
) -> str | None:
    if principal.startswith((RECORDING_PREFIX, LINK_PREFIX)):
        return upload_allowed(principal)
    return evidence.create_policy(request, principal, length, metadata)
