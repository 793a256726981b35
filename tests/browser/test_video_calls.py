"""A video call between two real headless Chromium browsers with Chromium's fake camera and
microphone, on loopback, through Lantern's own signalling on the live server: media flows
both ways (decoded frames counted), the person consents, the officer records, the recording
arrives as an evidence item with its hash, the person sends a file, the call log is
written; the public pages pass an accessibility scan; an expired link cannot join."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from lantern.accounts.tests.factories import PASSWORD, World, totp_now
from lantern.casework.models import IncidentEntry
from lantern.casework.services import IncidentInput, incident_create
from lantern.evidence.models import EvidenceItem
from lantern.ledger.models import Action, Entry
from lantern.videocalls.models import CallLink, VideoCall
from lantern.videocalls.services import CallInput, call_schedule

from .conftest import ARGS, CHROMIUM, axe_violations

pytestmark = pytest.mark.django_db(transaction=True)

MEDIA_ARGS = [
    *ARGS,
    "--use-fake-device-for-media-stream",
    "--use-fake-ui-for-media-stream",
    # A sandbox with only `lo` gathers no ICE candidates without this.
    "--allow-loopback-in-peer-connection",
]
FRAMES = """() => {
  const video = document.getElementById('remote-video');
  return video.srcObject !== null && video.getVideoPlaybackQuality().totalVideoFrames > 0;
}"""
FRAME_COUNT = (
    "() => document.getElementById('remote-video').getVideoPlaybackQuality().totalVideoFrames"
)


@pytest.fixture(scope="module")
def media_browsers(playwright: Any) -> Iterator[tuple[Any, Any]]:
    """Two separate Chromium processes (officer, person) with fake camera and microphone."""
    first = playwright.chromium.launch(executable_path=CHROMIUM, args=MEDIA_ARGS, headless=True)
    second = playwright.chromium.launch(executable_path=CHROMIUM, args=MEDIA_ARGS, headless=True)
    yield first, second
    first.close()
    second.close()


def _call(world: World) -> tuple[VideoCall, str]:
    incident = incident_create(
        actor=world.user("call_handler"),
        membership=world.membership("call_handler"),
        data=IncidentInput(grade=3, location="12 High St", summary="Shed broken into"),
    )
    return call_schedule(
        actor=world.user("officer"),
        membership=world.membership("officer"),
        data=CallInput(
            reference=incident.reference, person_name="Sam Caller", person_phone="07700 900982"
        ),
    )


def _officer_page(browser: Any, live_server: Any, world: World) -> Any:
    context = browser.new_context(viewport={"width": 1024, "height": 800})
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.goto(f"{live_server.url}/accounts/sign-in/")
    page.get_by_label("Username").fill("officer")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()
    page.get_by_label("Security code").fill(totp_now(world.user("officer")))
    with page.expect_navigation():
        page.get_by_role("button", name="Continue").click()
    return page


def _person_page(browser: Any) -> Any:
    # A phone-sized window, as most people will join from their phone.
    context = browser.new_context(viewport={"width": 360, "height": 740}, has_touch=True)
    page = context.new_page()
    page.set_default_timeout(30_000)
    return page


def test_video_call_between_two_browsers(
    media_browsers: tuple[Any, Any], live_server: Any, world: World, tmp_path: Path
) -> None:
    call, token = _call(world)
    officer = _officer_page(media_browsers[0], live_server, world)
    person = _person_page(media_browsers[1])

    officer.goto(f"{live_server.url}/video-calls/{call.reference}/")
    person.goto(f"{live_server.url}/video-calls/join/{token}/")
    assert person.url.endswith("/video-calls/call/")  # the token is out of the address bar

    # Connected peer to peer through Lantern's signalling, and frames decode on both sides.
    for page in (officer, person):
        page.wait_for_selector('[data-connection="connected"]', state="attached")
        page.wait_for_function(FRAMES)
    assert "Connected to the person" in officer.locator("#call-status").inner_text()
    assert "Connected to the officer" in person.locator("#call-status").inner_text()
    frames = person.evaluate(
        "() => document.getElementById('remote-video').getVideoPlaybackQuality().totalVideoFrames"
    )
    assert frames > 0
    assert VideoCall.objects.get(pk=call.pk).status == VideoCall.Status.LIVE

    # The public call page, connected, passes the accessibility scan and fits a phone.
    assert axe_violations(person) == []
    assert person.evaluate("() => document.documentElement.scrollWidth") <= 360
    assert axe_violations(officer) == []

    # Asked to show the scene, the person switches to the back camera: the new camera's
    # track replaces the old one on the same connection, and the officer keeps getting frames.
    before = officer.evaluate(FRAME_COUNT)
    person.get_by_role("button", name="Switch to back camera").click()
    person.wait_for_selector('[data-facing="environment"]', state="attached")
    assert person.get_by_role("button", name="Switch to front camera").is_visible()
    officer.wait_for_function(f"() => ({FRAME_COUNT})() > {before + 15}")

    # Recording cannot start before consent; the person agrees on their own page.
    record = officer.get_by_role("button", name="Start recording")
    assert record.is_disabled()
    assert person.locator("#recording-banner").is_hidden()
    person.get_by_role("button", name="I agree to this call being recorded").click()
    person.wait_for_selector("#consent-given")
    officer.wait_for_function(
        "() => !document.querySelector('[data-action=\"record-start\"]').disabled"
    )
    consent_at = VideoCall.objects.get(pk=call.pk).consent_at
    assert consent_at is not None
    assert Entry.objects.filter(
        object_type="videocalls.videocall", object_id=str(call.pk), action=Action.APPROVED
    ).exists()

    record.click()
    officer.wait_for_selector('[data-recorder="on"]', state="attached")
    person.locator("#recording-banner").wait_for(state="visible")
    assert "Recording is on" in person.locator("#recording-banner").inner_text()
    assert axe_violations(person) == []
    officer.wait_for_timeout(2500)
    officer.get_by_role("button", name="Stop recording and save").click()
    officer.wait_for_selector('[data-recorder="saved"]', state="attached", timeout=60_000)

    recording = EvidenceItem.objects.get(case=call.case, uploaded_by__startswith="user:")
    assert recording.upload is not None and recording.size > 1000
    with recording.original.open("rb") as handle:
        data = handle.read()
    assert data[:4] == b"\x1a\x45\xdf\xa3"  # a WebM (Matroska) file from MediaRecorder
    assert recording.sha256 == hashlib.sha256(data).hexdigest()
    assert Entry.objects.filter(
        object_type="evidence.evidenceitem",
        object_id=str(recording.pk),
        object_sha256=recording.sha256,
    ).exists()
    person.locator("#recording-banner").wait_for(state="hidden")

    # The officer records again, and the person withdraws their agreement mid-recording: the
    # recording stops at once, what was recorded with consent is saved, and the officer
    # cannot start again.
    record.click()
    officer.wait_for_selector('[data-recorder="on"]', state="attached")
    person.locator("#recording-banner").wait_for(state="visible")
    officer.wait_for_timeout(1500)
    person.get_by_role("button", name="Stop recording and withdraw my agreement").click()
    person.locator("#consent-withdrawn").wait_for(state="visible")
    person.locator("#recording-banner").wait_for(state="hidden")
    assert person.get_by_role("button", name="I agree to this call being recorded").is_visible()
    officer.wait_for_selector('[data-recorder="saved"]', state="attached", timeout=60_000)
    assert record.is_disabled()
    assert "withdrew" in officer.locator("#consent-status").inner_text()
    assert EvidenceItem.objects.filter(case=call.case, uploaded_by__startswith="user:").count() == 2
    assert VideoCall.objects.get(pk=call.pk).consent_withdrawn_at is not None
    assert axe_violations(person) == []

    # During the call, the person sends a photo through the evidence upload.
    photo = tmp_path / "broken-window.jpg"
    photo.write_bytes(b"\xff\xd8\xff\xe0" + b"\x02" * 4000)
    person.set_input_files("#call-files", str(photo))
    person.get_by_role("button", name="Send files").click()
    person.wait_for_selector("#file-list li[data-sent]", state="attached")
    sent = EvidenceItem.objects.get(case=call.case, uploaded_by__startswith="video-link:")
    assert sent.sha256 == hashlib.sha256(photo.read_bytes()).hexdigest()

    # The officer ends the call with its outcome; the person's page says so.
    officer.get_by_label("Spoke to the person").check()
    with officer.expect_navigation():
        officer.get_by_role("button", name="End the call").click()
    person.wait_for_selector('[data-connection="ended"]', state="attached")
    # "The officer has ended the call", or, if the link was withdrawn first, "This call has
    # ended or its link has expired": either way the page says the call is over.
    assert "ended" in person.locator("#call-status").inner_text()
    ended = VideoCall.objects.get(pk=call.pk)
    assert ended.status == VideoCall.Status.ENDED and ended.duration_seconds is not None
    log = IncidentEntry.objects.get(incident=call.incident, text__contains="call log")
    assert "Outcome: Spoke to the person" in log.text and "Duration:" in log.text
    officer.context.close()
    person.context.close()


def _connect(browsers: tuple[Any, Any], live_server: Any, world: World) -> tuple[Any, Any]:
    call, token = _call(world)
    officer = _officer_page(browsers[0], live_server, world)
    person = _person_page(browsers[1])
    officer.goto(f"{live_server.url}/video-calls/{call.reference}/")
    person.goto(f"{live_server.url}/video-calls/join/{token}/")
    for page in (officer, person):
        page.wait_for_selector('[data-connection="connected"]', state="attached")
        page.wait_for_function(FRAMES)
    return officer, person


def test_call_reconnects_after_a_network_drop_and_a_reload(
    media_browsers: tuple[Any, Any], live_server: Any, world: World
) -> None:
    officer, person = _connect(media_browsers, live_server, world)
    # The network comes back after a drop: the officer's page restarts ICE with a new offer
    # through the signalling, the person's page answers on the same connection, and the
    # picture keeps arriving.
    before = person.evaluate(FRAME_COUNT)
    officer.evaluate("() => window.dispatchEvent(new Event('online'))")
    officer.wait_for_selector('[data-restarts="1"]', state="attached")
    officer.wait_for_selector('[data-connection="connected"]', state="attached")
    person.wait_for_function(f"() => ({FRAME_COUNT})() > {before + 15}")
    # The person's phone reloads the page (or the browser was killed and the link reopened
    # in the same session): a new connection is made and media flows again.
    person.reload()
    person.wait_for_selector('[data-connection="connected"]', state="attached")
    person.wait_for_function(FRAMES)
    officer.wait_for_selector('[data-connection="connected"]', state="attached")
    assert "Connected to the person" in officer.locator("#call-status").inner_text()
    officer.context.close()
    person.context.close()


def test_camera_refused_gives_a_clear_message(
    playwright: Any, live_server: Any, world: World
) -> None:
    """A Chromium with a (fake) camera but no automatic "Allow": Playwright grants no
    permission, so the camera request is refused, as when a person taps "Block"."""
    _call_obj, token = _call(world)
    args = [*ARGS, "--use-fake-device-for-media-stream"]
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=args, headless=True)
    try:
        page = _person_page(browser)
        page.goto(f"{live_server.url}/video-calls/join/{token}/")
        error = page.locator("#call-error")
        error.wait_for(state="visible")
        text = error.inner_text()
        assert "You have not allowed this page to use your camera and microphone" in text, text
        assert "reload this page" in text
        root = page.locator("[data-module=lantern-videocall]")
        assert root.get_attribute("data-connection") == "no-media"
        assert axe_violations(page) == []
    finally:
        browser.close()


def test_expired_link_cannot_join_and_page_is_accessible(
    page: Any, live_server: Any, world: World
) -> None:
    call, token = _call(world)
    CallLink.objects.filter(call=call).update(expires_at=timezone.now() - timedelta(seconds=1))
    response = page.goto(f"{live_server.url}/video-calls/join/{token}/")
    assert response.status == 404
    assert "This call link does not work" in page.content()
    assert axe_violations(page) == []
    assert VideoCall.objects.get(pk=call.pk).joined_at is None
