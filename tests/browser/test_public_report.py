"""Members of the public report on a phone (360×740): a collision with injury, a collision
without injury with dashcam footage, and a crime. Every page is scanned with axe, fits the
screen, and the proof of work runs in the real browser."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache
from django.utils import timezone

from lantern.accounts.tests.factories import AreaFactory, OrganisationFactory
from lantern.collisions.models import PublicReport
from lantern.evidence.models import EvidenceItem

from .conftest import axe_violations
from .test_pages import sign_in

pytestmark = pytest.mark.django_db(transaction=True)
WHEN = timezone.localtime(timezone.now() - timedelta(hours=2))


@pytest.fixture
def phone(browser: Any, settings: Any) -> Iterator[Any]:
    settings.PUBLIC_REPORT_POW_BITS = 8
    settings.PUBLIC_REPORT_NOJS_WAIT_SECONDS = 3600  # only a solved proof of work gets through
    cache.clear()
    context = browser.new_context(
        viewport={"width": 360, "height": 740},
        geolocation={"latitude": 53.48095, "longitude": -2.24263},
        permissions=["geolocation"],
    )
    page = context.new_page()
    page.set_default_timeout(30_000)
    yield page
    context.close()
    cache.clear()


@pytest.fixture
def area(db: None) -> Any:
    force = OrganisationFactory(name="Force A", slug="force")  # type: ignore[no-untyped-call]
    return AreaFactory(force=force, name="Northtown")  # type: ignore[no-untyped-call]


def _scan(page: Any, where: str) -> None:
    violations = axe_violations(page)
    assert not violations, f"{where}: {violations}"
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 360, f"{where} is {width}px wide"


def _continue(page: Any, where: str) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name="Save and continue").click()
    _scan(page, where)


def _when_where(page: Any, location: str, use_gps: bool = False) -> None:
    page.get_by_label("Date").fill(WHEN.date().isoformat())
    page.get_by_label("Time").fill(WHEN.strftime("%H:%M"))
    page.get_by_label("Where did it happen?").fill(location)
    page.get_by_label("Which area was it in?").select_option(label="Northtown")
    if use_gps:
        page.get_by_role("button", name="Use my current location").click()
        page.get_by_text("Location added").wait_for()
        assert page.get_by_label("Latitude").input_value() == "53.48095"


def _start(page: Any, base: str, link: str) -> None:
    page.goto(base + "/report/")
    _scan(page, "choose")
    with page.expect_navigation():
        page.get_by_role("link", name=link).click()
    _scan(page, "start")
    with page.expect_navigation():
        page.get_by_role("button", name="Start now").click()
    _scan(page, "first question")


def _radio(page: Any, group: str, label: str) -> None:
    page.get_by_role("group", name=group).get_by_label(label, exact=True).check()


def _vehicle(page: Any, registration: str, another: str) -> None:
    page.get_by_label("Registration number").fill(registration)
    page.get_by_label("Make (optional)").fill("Ford")
    page.get_by_label("Colour (optional)").fill("Blue")
    page.get_by_label("Driver's name (optional)").fill("Dee Driver")
    page.get_by_label("Insurance company (optional)").fill("Acme")
    _radio(page, "Do you need to add another vehicle?", another)


def _you(page: Any, unsafe: str = "") -> None:
    page.get_by_label("Your full name").fill("Sam Public")
    page.get_by_label("Email address (optional)").fill("sam@example.com")
    page.get_by_label("Mobile phone number (optional)").fill("07700 900982")
    if unsafe:
        page.get_by_label(unsafe).check()


def _send(page: Any) -> PublicReport:
    _scan(page, "check answers")
    with page.expect_navigation(timeout=60_000):
        page.get_by_role("button", name="Send report").click()
    _scan(page, "sent")
    assert "Report sent" in page.content()
    return PublicReport.objects.latest("pk")


def test_collision_with_injury_on_a_phone(phone: Any, live_server: Any, area: Any) -> None:
    page = phone
    _start(page, live_server.url, "Report a road traffic collision")
    _when_where(page, "Mill Lane roundabout", use_gps=True)
    _continue(page, "injury")
    _radio(page, "Was anyone injured?", "Yes")
    page.get_by_label("If yes, who was injured and how? (optional)").fill("My passenger: neck")
    _continue(page, "what happened")
    page.get_by_label("What happened?").fill("A van pulled out into my car")
    _radio(page, "Do you think anyone was driving dangerously or carelessly?", "No")
    _radio(page, "Do you have dashcam footage, video or photos?", "No")
    _continue(page, "details exchanged")
    page.get_by_label("Yes, every driver gave these details").check()
    _continue(page, "advice")
    assert "You must also report this collision in person" in page.content()
    assert "the driver must produce insurance" in page.content()
    with page.expect_navigation():
        page.get_by_role("button", name="I understand: continue my report").click()
    _scan(page, "vehicle 1")
    _vehicle(page, "AB12 CDE", "Yes")
    _continue(page, "vehicle 2")
    _vehicle(page, "WX68 VAN", "No")
    _continue(page, "witnesses")
    _radio(page, "Did anyone else see what happened?", "Yes")
    _continue(page, "witness 1")
    page.get_by_label("Witness's name").fill("Wendy Witness")
    _radio(page, "Do you need to add another witness?", "No")
    _continue(page, "your details")
    _you(page)
    _continue(page, "check answers")
    # Change an answer from check your answers, and come back.
    with page.expect_navigation():
        page.get_by_role("link", name="Change colour (vehicle 2)").click()
    _scan(page, "change vehicle 2")
    page.get_by_label("Colour (optional)").fill("White")
    _continue(page, "check answers again")
    assert "White" in page.content()
    report = _send(page)
    assert report.reference in page.content()
    assert "in person at a police station within 24 hours" in page.content()
    assert report.advice_codes == ["injury", "injury_in_person"]
    assert str(report.latitude) == "53.48095" and report.area == area
    colours = [v["colour"] for v in report.answers["items"]["vehicle"]]
    assert colours == ["Blue", "White"]


def test_collision_without_injury_with_dashcam_footage(
    phone: Any, live_server: Any, area: Any, tmp_path: Path
) -> None:
    page = phone
    _start(page, live_server.url, "Report a road traffic collision")
    _when_where(page, "High Street outside the bank")
    # An error loses nothing: the location typed is still there.
    page.get_by_label("Time").fill("")
    with page.expect_navigation():
        page.get_by_role("button", name="Save and continue").click()
    _scan(page, "error")
    assert "Enter the time" in page.content()
    assert page.get_by_label("Where did it happen?").input_value() == "High Street outside the bank"
    page.get_by_label("Time").fill(WHEN.strftime("%H:%M"))
    _continue(page, "injury")
    _radio(page, "Was anyone injured?", "No")
    _continue(page, "what happened")
    page.get_by_label("What happened?").fill("A car overtook on a blind bend and hit my mirror")
    _radio(page, "Do you think anyone was driving dangerously or carelessly?", "Yes")
    _radio(page, "Do you have dashcam footage, video or photos?", "Yes")
    _continue(page, "details exchanged")
    page.get_by_label("No, a driver did not stop or would not give details").check()
    _continue(page, "advice")
    content = page.content()
    assert "You must report this collision within 24 hours" in content
    assert (
        "notice of intended prosecution" in content and "do not post it on social media" in content
    )
    with page.expect_navigation():
        page.get_by_role("button", name="I understand: continue my report").click()
    _vehicle(page, "NOT KNOWN", "No")
    _continue(page, "witnesses")
    _radio(page, "Did anyone else see what happened?", "No")
    _continue(page, "your details")
    _you(page)
    _continue(page, "check answers")
    report = _send(page)
    assert report.advice_codes == ["not_exchanged", "nip_14_days", "footage"]
    # The dashcam clip goes up through tus with a progress bar, then is sent.
    clip = tmp_path / "dashcam.mp4"
    clip.write_bytes(b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 200_000)
    with page.expect_navigation():
        page.get_by_role("button", name="Add photos or video").click()
    _scan(page, "upload")
    page.set_input_files("#id_footage", str(clip))
    page.get_by_role("button", name="Upload files").click()
    page.get_by_text("Say what each file shows, then send").wait_for(timeout=60_000)
    _scan(page, "upload described")
    item = EvidenceItem.objects.get()
    assert item.upload is not None and item.request == PublicReport.objects.get().evidence_request
    page.get_by_label("What does dashcam.mp4 (195.3\u00a0KB) show? (optional)").fill("Front camera")
    with page.expect_navigation():
        page.get_by_role("button", name="Send 1 file").click()
    _scan(page, "upload sent")
    item.refresh_from_db()
    assert item.state != EvidenceItem.State.DRAFT and item.description == "Front camera"


def test_crime_report_on_a_phone(phone: Any, live_server: Any, area: Any) -> None:
    page = phone
    _start(page, live_server.url, "Report a theft, criminal damage or online fraud")
    page.get_by_label("Online fraud").check()
    _continue(page, "when and where")
    _when_where(page, "A marketplace website, seller 'bargains4u'")
    _continue(page, "details")
    page.get_by_label("What happened?").fill("I paid for a phone that never came")
    page.get_by_label("Roughly how much is it worth, in pounds? (optional)").fill("250")
    _radio(page, "Do you have photos, video or screenshots?", "No")
    _continue(page, "your details")
    _you(page, unsafe="Email is not safe")
    _continue(page, "check answers")
    report = _send(page)
    assert report.reference.startswith("CR-") and report.crime_kind == "online_fraud"
    assert report.confirmation_channel == "sms"
    assert "We have sent a text message" in page.content()
    # The reporter's link: add information later.
    token_link = page.get_by_role("link", name="/report/link/").first
    href = token_link.get_attribute("href")
    page.goto(live_server.url + "/report/link/" + href.split("/report/link/")[1])
    _scan(page, "reporter's link")
    page.get_by_label("What do you want to add?").fill("The seller's bank was Example Bank")
    with page.expect_navigation():
        page.get_by_role("button", name="Add to my report").click()
    _scan(page, "information added")
    assert report.notes.get().text == "The seller's bank was Example Bank"


def test_crime_report_without_javascript(
    browser: Any, live_server: Any, area: Any, settings: Any
) -> None:
    """No JavaScript: no proof of work, so the challenge must be old enough; until then the
    reporter is asked to wait and nothing entered is lost."""
    settings.PUBLIC_REPORT_NOJS_WAIT_SECONDS = 3600
    cache.clear()
    context = browser.new_context(viewport={"width": 360, "height": 740}, java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(live_server.url + "/report/crime/")
        page.get_by_role("button", name="Start now").click()
        page.get_by_label("Criminal damage").check()
        page.get_by_role("button", name="Save and continue").click()
        page.get_by_label("Date").fill(WHEN.date().isoformat())
        page.get_by_label("Time").fill(WHEN.strftime("%H:%M"))
        page.get_by_label("Where did it happen?").fill("Outside 4 Elm Road")
        page.get_by_role("button", name="Save and continue").click()
        page.get_by_label("What happened?").fill("My car's wing mirror was smashed overnight")
        _radio(page, "Do you have photos, video or screenshots?", "No")
        page.get_by_role("button", name="Save and continue").click()
        page.get_by_label("Your full name").fill("Sam Public")
        page.get_by_label("Your address (optional)").fill("4 Elm Road, Northtown")
        page.get_by_label("Email is not safe").check()
        page.get_by_role("button", name="Save and continue").click()
        with page.expect_navigation():
            page.get_by_role("button", name="Send report").click()
        assert "Please wait" in page.content() and "wing mirror" in page.content()
        assert not PublicReport.objects.exists()
        settings.PUBLIC_REPORT_NOJS_WAIT_SECONDS = 0
        with page.expect_navigation():
            page.get_by_role("button", name="Send report").click()
        assert "Report sent" in page.content()
        report = PublicReport.objects.get()
        assert report.crime_kind == "criminal_damage" and report.confirmation_channel == "post"
    finally:
        context.close()


def test_officer_works_the_queue(browser: Any, live_server: Any, world: Any) -> None:
    """The force's side: the queue by area and the report page pass axe on a phone too."""
    from lantern.collisions.demo import demo_load

    demo_load()
    report = PublicReport.objects.get(kind="collision")
    context = browser.new_context(viewport={"width": 360, "height": 740})
    page = context.new_page()
    try:
        sign_in(page, live_server.url, world, "officer")
        page.goto(live_server.url + "/report/queue/")
        _scan(page, "queue")
        with page.expect_navigation():
            page.get_by_role("link", name=report.reference).click()
        _scan(page, "report")
        assert "Someone was injured" in page.content()
        page.get_by_label("Officer").select_option(label=str(world.user("investigator")))
        with page.expect_navigation():
            page.get_by_role("button", name="Allocate").click()
        _scan(page, "allocated")
        report.refresh_from_db()
        assert report.allocated_to == world.user("investigator")
    finally:
        context.close()
