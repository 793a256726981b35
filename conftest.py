"""Shared fixtures: the two-of-everything world and signed-in clients."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from lantern.accounts.models import User
from lantern.accounts.tests.factories import World, build_world, sign_in

pytest_plugins = ["tests.s3server"]


@pytest.fixture
def world(db: None) -> World:
    return build_world()


@pytest.fixture
def client_for(world: World) -> Callable[[str], Client]:
    """client_for("officer") is a client signed in (with two-factor) as that named user."""

    def make(name: str) -> Client:
        return sign_in(Client(), world.user(name))

    return make


@pytest.fixture(autouse=True)
def _no_external_password_check(settings) -> None:  # type: ignore[no-untyped-def]
    settings.PWNED_PASSWORDS_URL = ""


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    """Rate-limit counters (and anything else cached) start from nothing in every test, as
    the database does: test databases reuse ids, and counters would carry over."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def user_named(world: World) -> Callable[[str], User]:
    return world.user


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    """`with on_commit(): client.post(...)` runs what the request queued for after commit
    (emails), as a real commit would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)
