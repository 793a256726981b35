"""URL × role expectations for this app (merged into tests/test_url_sweep.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from lantern.accounts.choices import POLICE_ROLES
from lantern.accounts.tests.factories import World
from lantern.casework.tests.sweep import allowed_of_force_a
from lantern.collisions.services import ACT_ROLES
from tests.sweep_rules import Expectations, everyone, police_of_force_a, roles


def public_report_a(w: World) -> dict[str, Any]:
    """A collision report to force A (made once per world)."""
    from datetime import timedelta

    from django.utils import timezone

    from lantern.collisions.models import PublicReport

    existing = PublicReport.objects.first()
    if existing is None:
        existing = PublicReport.objects.create(
            kind="collision",
            reference="RTC-2026-000001",
            force=w.orgs["force"],
            area=w.areas["area"],
            occurred_at=timezone.now() - timedelta(hours=2),
            location="High Street",
            description="Reversed into my car",
            reporter_name="Sam Public",
            token_hash="0" * 64,
            token_expires_at=timezone.now() + timedelta(days=30),
        )
    return {"reference": existing.reference}


PUBLIC = everyone(200, anon=200)

EXPECTED: Expectations = {
    "collisions:index": (lambda w: {}, PUBLIC),
    "collisions:start": (lambda w: {"kind": "collision"}, PUBLIC),
    "collisions:question": (lambda w: {"kind": "collision", "slug": "when-where"}, PUBLIC),
    "collisions:item": (lambda w: {"kind": "collision", "slug": "vehicle", "index": 1}, PUBLIC),
    "collisions:item-remove": (
        lambda w: {"kind": "collision", "slug": "vehicle", "index": 1},
        everyone(405, anon=405),
    ),
    "collisions:check": (lambda w: {"kind": "crime"}, PUBLIC),
    # Nothing sent from this browser: back to the start page.
    "collisions:sent": (lambda w: {"kind": "crime"}, everyone("redirect", anon="redirect")),
    "collisions:link": (lambda w: {"token": "not-a-real-token"}, everyone(404, anon=404)),
    # Only a browser that sent or opened a report may upload to it.
    "collisions:upload": (lambda w: {}, everyone(403, anon=403)),
    "collisions:upload-start": (
        lambda w: {"reference": "RTC-2026-000001"},
        everyone(405, anon=405),
    ),
    "collisions:upload-files": (lambda w: {}, everyone(405, anon=405)),
    "collisions:upload-submit": (lambda w: {}, everyone(405, anon=405)),
    "collisions:queue": (lambda w: {}, roles(set(POLICE_ROLES))),
    "collisions:detail": (public_report_a, police_of_force_a()),
    "collisions:allocate": (public_report_a, everyone(405)),
    "collisions:close": (public_report_a, everyone(405)),
}


# Who may POST to the URLs that answer GET with 405.
WRITE_EXPECTED: dict[str, Callable[[str], Any]] = {
    # The form being filled in lives in the visitor's own session: anyone may edit their own.
    "collisions:item-remove": PUBLIC,
    # Only the browser that sent or opened the report may upload to it; nobody in the sweep
    # did (403).
    "collisions:upload-start": everyone(403, anon=403),
    "collisions:upload-files": everyone(403, anon=403),
    "collisions:upload-submit": everyone(403, anon=403),
    "collisions:allocate": allowed_of_force_a(ACT_ROLES),
    "collisions:close": allowed_of_force_a(ACT_ROLES),
}

# URLs whose arguments name no organisation's object (for the object-id swap test).
SWAP_EXEMPT = {
    "collisions:item-remove": "`kind`, `slug` and `index` name an answer in the visitor's own "
    "unsent form, kept in their session",
}
