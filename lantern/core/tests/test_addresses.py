"""The client address behind trusted proxies (PROXY_COUNT), used wherever one is recorded."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client, RequestFactory
from django.urls import reverse

from lantern.accounts.tests.factories import PASSWORD, World, sign_in
from lantern.core.addresses import client_address
from lantern.devices.models import Device
from lantern.ledger.models import Action, Entry

CHAIN = "203.0.113.9, 198.51.100.7"  # a client's own claim, then what our proxy saw


def _request(forwarded: str = CHAIN) -> Any:
    return RequestFactory().get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=forwarded)


def test_without_proxies_the_socket_address_counts(settings: Any) -> None:
    settings.AXES_IPWARE_PROXY_COUNT = 0
    assert client_address(_request()) == "10.0.0.2"


def test_behind_one_proxy_the_address_it_saw_counts_not_the_clients_claim(
    settings: Any,
) -> None:
    settings.AXES_IPWARE_PROXY_COUNT = 1
    assert client_address(_request()) == "198.51.100.7"
    settings.AXES_IPWARE_PROXY_COUNT = 2
    assert client_address(_request()) == "203.0.113.9"
    # Fewer entries than proxies: the header is not trusted at all.
    settings.AXES_IPWARE_PROXY_COUNT = 3
    assert client_address(_request()) == "10.0.0.2"


def test_collisions_keeps_importing_it() -> None:
    from lantern.collisions import protection

    assert protection.client_address is client_address


@pytest.mark.django_db
def test_sign_in_ledger_entry_records_the_client_behind_the_proxy(
    world: World, settings: Any
) -> None:
    settings.AXES_IPWARE_PROXY_COUNT = 1
    client = Client(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=CHAIN)
    response = client.post(
        reverse("accounts:login"), {"username": "store_staff", "password": PASSWORD}
    )
    assert response.status_code == 302
    entry = Entry.objects.filter(action=Action.LOGIN).latest("pk")
    assert entry.detail["ip"] == "198.51.100.7"


@pytest.mark.django_db
def test_device_records_the_client_behind_the_proxy(world: World, settings: Any) -> None:
    settings.AXES_IPWARE_PROXY_COUNT = 1
    client = sign_in(
        Client(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=CHAIN), world.user("officer")
    )
    assert client.get(reverse("core:home")).status_code == 200
    assert Device.objects.get(user=world.user("officer")).ip_address == "198.51.100.7"
