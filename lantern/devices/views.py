"""Your signed-in devices (and, for a force administrator, your force's), with revoke."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from lantern.accounts.models import User
from lantern.core.permissions import current_membership, get_for_user_or_404

from . import services
from .models import Device


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def device_list(request: HttpRequest) -> HttpResponse:
    membership = current_membership(request)
    user = _user(request)
    visible = Device.objects.for_user(user).select_related("user")
    current_id = request.session.get(services.SESSION_DEVICE)
    active = [d for d in visible.active() if services.session_alive(d)]
    mine = [d for d in active if d.user_id == user.pk]
    others = [d for d in active if d.user_id != user.pk]
    revoked = list(visible.filter(revoked_at__isnull=False).order_by("-revoked_at")[:20])
    return render(
        request,
        "devices/list.html",
        {
            "mine": mine,
            "others": others,
            "revoked": revoked,
            "current_id": current_id,
            "is_admin": membership.role == "force_admin",
        },
    )


@require_POST
def device_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    membership = current_membership(request)
    device = get_for_user_or_404(Device, _user(request), pk=pk)
    services.device_revoke(actor=_user(request), membership=membership, device=device)
    if device.pk == request.session.get(services.SESSION_DEVICE):
        return redirect("accounts:login")
    messages.success(
        request,
        f"{device.label} for {device.user} has been signed out. Lantern's data on it will be "
        "cleared the next time it connects.",
    )
    return redirect("devices:list")
