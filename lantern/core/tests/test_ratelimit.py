"""Rate limits on the pages opened without an account, and the shared counter."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from lantern.accounts.tests.factories import World
from lantern.core import ratelimit
from lantern.core.middleware import RATE_LIMITED_PAGES


def _from(address: str) -> Client:
    return Client(REMOTE_ADDR=address)


@pytest.mark.django_db
def test_one_address_is_held_back_on_the_link_pages(settings: Any) -> None:
    """Over LINK_RATE, a plain-English 429 page with Retry-After; another address and the
    next window are not affected. The count is shared by every limited page."""
    settings.LINK_RATE = "3/m"
    busy, other = _from("198.51.100.7"), _from("198.51.100.8")
    check = reverse("evidence:check")
    assert [busy.get(check).status_code for _ in range(2)] == [200, 200]
    assert busy.get(reverse("statements:verify")).status_code == 200
    refused = busy.get(reverse("evidence:link", args=["not-a-token"]))
    assert refused.status_code == 429
    assert 1 <= int(refused["Retry-After"]) <= 61
    page = refused.content.decode()
    assert "Too many requests from your connection" in page and "try again" in page
    assert other.get(check).status_code == 200


@pytest.mark.django_db
def test_pages_behind_the_door_and_signed_in_pages_are_not_counted(
    settings: Any, world: World, client_for: Any
) -> None:
    settings.LINK_RATE = "1/m"
    officer = client_for("officer")
    assert [officer.get(reverse("core:home")).status_code for _ in range(3)] == [200] * 3
    anyone = _from("198.51.100.9")
    assert [anyone.get(reverse("core:privacy")).status_code for _ in range(3)] == [200] * 3
    assert anyone.get(reverse("evidence:check")).status_code == 200
    assert anyone.get(reverse("evidence:check")).status_code == 429


def test_every_limited_page_exists() -> None:
    """A renamed URL would silently drop out of the limit."""
    from django.urls import get_resolver

    names = set()
    resolver = get_resolver()
    for namespace, (_prefix, sub) in resolver.namespace_dict.items():
        names |= {f"{namespace}:{n}" for n in sub.reverse_dict if isinstance(n, str)}
    assert names >= RATE_LIMITED_PAGES, RATE_LIMITED_PAGES - names


def test_counter_windows_and_rates() -> None:
    assert ratelimit.parse_rate("5/h") == (5, 3600)
    assert ratelimit.parse_rate("60/m") == (60, 60)
    results = [ratelimit.hit("test", "someone", 2, 60)[0] for _ in range(3)]
    assert results == [True, True, False]
    assert ratelimit.hit("test", "someone else", 2, 60)[0] is True
