"""Each signed-in session is a device; revoking one ends it and wipes it at next contact."""

from __future__ import annotations

from datetime import timedelta
from importlib import import_module
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from lantern.accounts.choices import Role
from lantern.accounts.models import Membership, User
from lantern.core.addresses import client_address
from lantern.ledger.models import Action
from lantern.ledger.services import ledger_record

from .models import Device

__all__ = ["Device"]

SESSION_DEVICE = "lantern_device_id"
SEEN_EVERY = timedelta(minutes=1)


def _session_store(key: str) -> Any:
    engine = import_module(settings.SESSION_ENGINE)
    return engine.SessionStore(session_key=key)


def device_seen(request: HttpRequest) -> Device | None:
    """Record the device behind this signed-in request (once a minute at most)."""
    session = request.session
    user = request.user
    assert isinstance(user, User)
    key = session.session_key
    if not key:
        return None
    now = timezone.now()
    device_id = session.get(SESSION_DEVICE)
    device = Device.objects.filter(pk=device_id, user=user).first() if device_id else None
    if device is None or device.revoked_at is not None or device.ended_at is not None:
        device = Device.objects.create(
            user=user,
            session_key=key,
            user_agent=request.headers.get("User-Agent", "")[:300],
            ip_address=client_address(request) or None,
        )
        session[SESSION_DEVICE] = device.pk
        return device
    if device.session_key != key or now - device.last_seen_at >= SEEN_EVERY:
        device.session_key = key
        device.last_seen_at = now
        device.save(update_fields=["session_key", "last_seen_at"])
    return device


def device_for_revoked_session(key: str) -> Device | None:
    """The revoked device this session cookie belonged to, if it has not yet been wiped."""
    if not key:
        return None
    return Device.objects.filter(
        session_key=key, revoked_at__isnull=False, wiped_at__isnull=True
    ).first()


def device_wiped(device: Device) -> None:
    Device.objects.filter(pk=device.pk, wiped_at__isnull=True).update(wiped_at=timezone.now())


def device_ended(key: str) -> None:
    """Signed out on the device itself."""
    Device.objects.filter(session_key=key, ended_at__isnull=True).update(ended_at=timezone.now())


def may_revoke(actor: User, membership: Membership, device: Device) -> bool:
    if device.user_id == actor.pk:
        return True
    return (
        membership.role == Role.FORCE_ADMIN
        and Membership.objects.filter(
            user=device.user_id, organisation=membership.organisation_id
        ).exists()
    )


def device_revoke(*, actor: User, membership: Membership, device: Device) -> Device:
    """End the device's session now; at its next contact it is told to clear Lantern data."""
    if not may_revoke(actor, membership, device):
        raise PermissionDenied
    if device.revoked_at is not None:
        return device
    with transaction.atomic():
        device.revoked_at = timezone.now()
        device.revoked_by = actor
        device.save(update_fields=["revoked_at", "revoked_by"])
        ledger_record(
            action=Action.DISABLED,
            actor=actor,
            actor_org=membership.organisation,
            obj=device,
            reason="Device signed out and wiped",
            detail={"user": device.user_id, "device": device.label},
        )
        _session_store(device.session_key).delete()
    return device


def session_alive(device: Device) -> bool:
    return bool(_session_store(device.session_key).exists(device.session_key))
