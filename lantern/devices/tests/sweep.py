"""URL × role expectations for this app (merged into tests/test_url_sweep.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from lantern.accounts.tests.factories import World
from tests.sweep_rules import Expectations, everyone


def device_of_officer_a(w: World) -> dict[str, Any]:
    """A device of force A's officer that is not the sweep client's own session (revoking it
    signs nobody out)."""
    from lantern.devices.models import Device

    device, _ = Device.objects.get_or_create(
        user=w.user("officer"), session_key="sweep-device", defaults={"user_agent": "Sweep"}
    )
    return {"pk": device.pk}


def owner_or_force_admin_a(actor: str) -> Any:
    """The device's owner, or an administrator of the owner's force; others do not find it."""
    if actor == "anon":
        return "login"
    return 200 if actor in {"officer", "force_admin"} else 404


EXPECTED: Expectations = {
    # Everyone who signs in has devices; the list shows only their own (and, for a force
    # administrator, their force's).
    "devices:list": (lambda w: {}, everyone(200)),
    "devices:revoke": (device_of_officer_a, everyone(405)),
}

WRITE_EXPECTED: dict[str, Callable[[str], Any]] = {
    "devices:revoke": owner_or_force_admin_a,
}
