"""CACHE_URL=redis://… gives a cache shared by every process (the `redis` client is installed).

Runs against the Redis server at 127.0.0.1:6379 (REDIS_TEST_URL to change it); skipped when
it is unreachable, except under CI=true, where it fails.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from typing import Any

import environ
import pytest
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.test import RequestFactory

from lantern.collisions import protection
from tests.environment import unavailable

REDIS_URL = os.environ.get("REDIS_TEST_URL", "redis://127.0.0.1:6379/15")


@pytest.fixture
def redis_caches(settings: Any) -> Iterator[dict[str, Any]]:
    """Two cache aliases on the same Redis, as two web processes would see it."""
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.exceptions.ConnectionError as exc:
        unavailable(f"Redis at {REDIS_URL}: {exc}")
    config = environ.Env.cache_url_config(REDIS_URL)
    config["KEY_PREFIX"] = f"lantern-test-{uuid.uuid4().hex[:8]}"
    settings.CACHES = {"default": config, "other": dict(config)}
    yield config
    caches["default"].clear()


def test_cache_url_redis_selects_djangos_redis_backend(redis_caches: dict[str, Any]) -> None:
    assert redis_caches["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    assert isinstance(caches["default"], RedisCache)


def test_counts_are_shared_between_cache_clients(redis_caches: dict[str, Any]) -> None:
    one, two = caches["default"], caches["other"]
    assert one is not two
    assert one.add("counter", 0, timeout=30)
    assert not two.add("counter", 0, timeout=30)  # already there, from the other client
    assert one.incr("counter") == 1
    assert two.incr("counter") == 2
    assert one.get("counter") == 2


def test_public_report_rate_limit_counts_in_redis(
    redis_caches: dict[str, Any], settings: Any
) -> None:
    settings.PUBLIC_REPORT_SUBMIT_RATE = "2/h"
    request = RequestFactory().post("/", REMOTE_ADDR="192.0.2.44")
    assert protection.allow(request, "submit")
    assert protection.allow(request, "submit")
    assert not protection.allow(request, "submit")  # a third: refused
