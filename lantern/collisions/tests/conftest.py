from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _fresh_rate_limits(settings) -> Iterator[None]:  # type: ignore[no-untyped-def]
    """Rate-limit counters live in the cache: each test starts with none; the proof of work
    is easy so tests solve it quickly."""
    settings.PUBLIC_REPORT_POW_BITS = 6
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def area(db: None) -> Any:
    """The force public reports go to, with one area: enough for the public pages, much
    cheaper than the whole two-of-everything world."""
    from lantern.accounts.tests.factories import AreaFactory, OrganisationFactory

    force = OrganisationFactory(name="Force A", slug="force")  # type: ignore[no-untyped-call]
    return AreaFactory(force=force, name="Area A1")  # type: ignore[no-untyped-call]
