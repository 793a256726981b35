"""The demo outbox: lets a person trying Lantern open the links that others receive.

Open without signing in (a witness has no account), and only in demo or DEBUG mode: in any
other mode these pages do not exist (404).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from .models import OutboxMessage


def _require_demo() -> None:
    if not (settings.DEMO_MODE or settings.DEBUG):
        raise Http404("The outbox exists only in demo mode")


@login_not_required
def outbox(request: HttpRequest) -> HttpResponse:
    _require_demo()
    messages = OutboxMessage.objects.all()[:200]
    return render(request, "notifications/outbox.html", {"outbox_messages": messages})


@login_not_required
def outbox_message(request: HttpRequest, pk: int) -> HttpResponse:
    _require_demo()
    # Demo-only outbox (404 outside demo mode): no organisations to scope by.
    message = get_object_or_404(OutboxMessage, pk=pk)  # nosemgrep: lantern-unscoped-object-in-view
    return render(request, "notifications/outbox_message.html", {"message": message})
