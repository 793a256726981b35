"""Signed-in devices: listed, revoked (session ended), wiped at next contact."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse

from lantern.accounts.tests.factories import World, sign_in
from lantern.devices.models import Device

pytestmark = pytest.mark.django_db

PHONE = "Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 Chrome/130.0 Mobile Safari/537.36"


def _phone(world: World, name: str = "officer") -> Client:
    client = sign_in(Client(HTTP_USER_AGENT=PHONE), world.user(name))
    assert client.get(reverse("core:home")).status_code == 200
    return client


def test_each_session_is_listed_with_a_readable_name(world: World, client_for: Any) -> None:
    _phone(world)
    laptop = client_for("officer")
    page = laptop.get(reverse("devices:list"))
    assert "Chrome on Android" in page.text
    assert len(page.context["mine"]) == 2
    theirs = client_for("investigator").get(reverse("devices:list")).context
    assert [d.user for d in theirs["mine"]] == [world.user("investigator")]
    assert theirs["others"] == []  # not an administrator: nobody else's devices


def test_revoking_ends_the_session_and_wipes_at_next_contact(world: World, client_for: Any) -> None:
    phone = _phone(world)
    device = Device.objects.get(user_agent=PHONE)
    key = device.session_key
    laptop = client_for("officer")
    response = laptop.post(reverse("devices:revoke", args=[device.pk]))
    assert response.status_code == 302
    assert not Session.objects.filter(session_key=key).exists()
    first = phone.get(reverse("casework:task-list"))
    assert first.status_code == 401
    assert first["Clear-Site-Data"] == '"cache", "storage"'
    assert first["X-Lantern-Wipe"] == "1"
    device.refresh_from_db()
    assert device.wiped_at is not None
    later = phone.get(reverse("casework:task-list"))
    assert later.status_code == 302 and "Clear-Site-Data" not in later  # sign in again
    assert laptop.get(reverse("core:home")).status_code == 200  # other devices unaffected


def test_only_the_owner_or_their_force_admin_may_revoke(world: World, client_for: Any) -> None:
    _phone(world)
    device = Device.objects.get(user_agent=PHONE)
    url = reverse("devices:revoke", args=[device.pk])
    assert client_for("investigator").post(url).status_code == 404
    assert client_for("force_admin_b").post(url).status_code == 404
    device.refresh_from_db()
    assert device.revoked_at is None
    admin = client_for("force_admin")
    assert device in admin.get(reverse("devices:list")).context["others"]
    admin.post(url)
    device.refresh_from_db()
    assert device.revoked_at is not None and device.revoked_by == world.user("force_admin")


def test_signing_out_ends_the_device(world: World) -> None:
    phone = _phone(world)
    phone.post(reverse("accounts:logout"))
    assert Device.objects.get(user_agent=PHONE).ended_at is not None
