"""An officer's phone with no signal: a note and a photo are kept on the phone and sent when
the signal returns, never twice (even when the server's answer is lost); a revoked phone
clears what it kept. Accessibility scan and 360 px width on the field pages."""

from __future__ import annotations

from typing import Any

import pytest

from lantern.accounts.tests.factories import PASSWORD, World, totp_now
from lantern.casework.models import Incident, IncidentEntry
from lantern.casework.services import IncidentInput, incident_create
from lantern.casework.tests.helpers import jpeg
from lantern.devices.models import Device
from lantern.devices.services import device_revoke

from .conftest import axe_violations

pytestmark = pytest.mark.django_db(transaction=True)

QUEUE_SIZE = """async () => await new Promise((resolve) => {
  const open = indexedDB.open("lantern-field", 1);
  open.onupgradeneeded = () => open.result.createObjectStore("outbox", { keyPath: "key" });
  open.onsuccess = () => {
    const request = open.result.transaction("outbox").objectStore("outbox").count();
    request.onsuccess = () => { open.result.close(); resolve(request.result); };
  };
})"""


def _scan(page: Any, where: str) -> None:
    violations = axe_violations(page)
    assert not violations, f"{where}: {violations}"
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 360, f"{where} is {width}px wide"


def _phone(browser: Any, live_server: Any, world: World, incident: Incident) -> tuple[Any, Any]:
    context = browser.new_context(
        viewport={"width": 360, "height": 740},
        has_touch=True,
        permissions=["geolocation"],
        geolocation={"latitude": 51.5074, "longitude": -0.1278},
    )
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.goto(f"{live_server.url}/accounts/sign-in/?next=/casework/incidents/{incident.reference}/")
    page.get_by_label("Username").fill("officer")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()
    page.get_by_label("Security code").fill(totp_now(world.user("officer")))
    with page.expect_navigation():
        page.get_by_role("button", name="Continue").click()
    assert f"Incident {incident.reference}" in page.content()
    return context, page


def _incident(world: World) -> Incident:
    return incident_create(
        actor=world.user("call_handler"),
        membership=world.membership("call_handler"),
        data=IncidentInput(grade=2, location="Station Rd", summary="Car broken into"),
    )


def test_notes_and_photos_wait_for_signal_and_are_sent_once(
    browser: Any, live_server: Any, world: World, tmp_path: Any
) -> None:
    incident = _incident(world)
    context, page = _phone(browser, live_server, world, incident)
    try:
        _scan(page, "incident log")
        page.evaluate("async () => await navigator.serviceWorker.ready")
        context.set_offline(True)
        page.get_by_label("Add a note").fill("Victim's car: rear window smashed")
        page.get_by_role("button", name="Add note").click()
        status = page.locator(".lantern-offline-status")
        status.filter(has_text="saved on this phone").wait_for()
        photo = tmp_path / "scene.jpg"
        photo.write_bytes(jpeg(taken="2026:11:20 10:15:00"))
        page.get_by_label("Take or choose a photo").set_input_files(str(photo))
        page.get_by_label("What the photo shows").fill("Glass on the pavement")
        page.get_by_role("button", name="Add photo").click()
        status.filter(has_text="2 saved on this phone").wait_for()
        assert page.evaluate(QUEUE_SIZE) == 2
        assert not IncidentEntry.objects.filter(kind__in=["note", "photo"]).exists()

        with page.expect_navigation(url="**/?sent=2#log"):
            context.set_offline(False)
        assert page.evaluate(QUEUE_SIZE) == 0
        note = IncidentEntry.objects.get(kind="note")
        assert note.text == "Victim's car: rear window smashed" and note.idempotency_key
        shot = IncidentEntry.objects.get(kind="photo")
        assert shot.text == "Glass on the pavement"
        assert shot.exif_taken_at is not None and shot.device_taken_at is not None
        assert shot.device_latitude == pytest.approx(51.5074)
        assert "Victim&#x27;s car" in page.content() or "Victim's car" in page.content()
        _scan(page, "incident log after sending")

        # The server saves the next note but its answer is lost: the phone keeps the note
        # and sends it again with the same key; the server recognises it.
        def lose_answer(route: Any) -> None:
            route.fetch()
            route.abort()

        page.route("**/note/", lose_answer)
        page.get_by_label("Add a note").fill("Neighbour at no. 16 has a doorbell camera")
        page.get_by_role("button", name="Add note").click()
        status.filter(has_text="1 saved on this phone").wait_for()
        assert IncidentEntry.objects.filter(kind="note").count() == 2
        page.unroute("**/note/")
        with page.expect_navigation(url="**/?sent=1#log"):
            page.evaluate("() => window.dispatchEvent(new Event('online'))")
        assert IncidentEntry.objects.filter(kind="note").count() == 2
        assert page.evaluate(QUEUE_SIZE) == 0
    finally:
        context.close()


def test_revoked_phone_clears_what_it_kept(browser: Any, live_server: Any, world: World) -> None:
    incident = _incident(world)
    context, page = _phone(browser, live_server, world, incident)
    try:
        context.set_offline(True)
        page.get_by_label("Add a note").fill("Written just before the phone was lost")
        page.get_by_role("button", name="Add note").click()
        page.locator(".lantern-offline-status").filter(has_text="saved on this phone").wait_for()
        assert page.evaluate(QUEUE_SIZE) == 1
        device = Device.objects.get(user=world.user("officer"), revoked_at__isnull=True)
        device_revoke(
            actor=world.user("force_admin"),
            membership=world.membership("force_admin"),
            device=device,
        )
        context.set_offline(False)
        page.locator(".lantern-offline-status").filter(has_text="has been signed out").wait_for()
        databases = page.evaluate("async () => (await indexedDB.databases()).map((d) => d.name)")
        assert "lantern-field" not in databases
        assert not IncidentEntry.objects.filter(kind="note").exists()
        device.refresh_from_db()
        assert device.wiped_at is not None
        page.goto(f"{live_server.url}/casework/tasks/")
        assert "/accounts/sign-in/" in page.url
    finally:
        context.close()
