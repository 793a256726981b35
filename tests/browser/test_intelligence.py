"""Store staff use the offender gallery on a phone and pick the offender for their report;
an officer confirms the link. Every page is scanned with axe-core and must fit 360 px."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from lantern.accounts.tests.factories import World
from lantern.intelligence.models import IncidentLink
from lantern.intelligence.tests.factories import make_profile
from lantern.reports.models import RetailReport

from .test_pages import assert_accessible, sign_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_gallery_pick_and_confirm(browser, live_server, world: World) -> None:  # type: ignore[no-untyped-def]
    base = live_server.url
    profile = make_profile(world, name="Jon Smith", image=True, markers=("violence",))
    store = world.stores["store"]
    report = RetailReport.objects.create(
        store=store, company=store.company, force=store.area.force,
        reported_by=world.user("store_staff"), reference="RC-2026-000321",
        occurred_at=timezone.now(), kind="theft", status="received",
        submitted_at=timezone.now(), description="Razors",
    )  # fmt: skip
    phone = browser.new_context(viewport={"width": 360, "height": 800})
    page = phone.new_page()
    page.set_default_timeout(30_000)
    try:
        sign_in(page, base, world, "store_staff")
        page.goto(base + reverse("intelligence:gallery"))
        assert page.get_by_role("heading", level=1).inner_text() == "Active in your area"
        image = page.get_by_role("img", name=f"Picture of profile {profile.reference}")
        assert image.evaluate("img => img.naturalWidth") > 0
        assert "Violence" in page.content()
        assert_accessible(page, "gallery")
        with page.expect_navigation():
            page.get_by_role("link", name=f"Profile {profile.reference}").click()
        assert "Jon Smith" not in page.content()
        assert_accessible(page, "partner's profile view")
        page.goto(base + reverse("intelligence:report-pick", args=[report.pk]))
        assert_accessible(page, "pick the offender")
        with page.expect_navigation():
            page.get_by_role("button", name=f"This is the person ({profile.reference})").click()
        link = IncidentLink.objects.get(report=report)
        assert link.status == "suggested"
    finally:
        phone.close()
    desk = browser.new_context(viewport={"width": 1024, "height": 800})
    page = desk.new_page()
    page.set_default_timeout(30_000)
    try:
        sign_in(page, base, world, "officer")
        page.goto(base + reverse("intelligence:profile-detail", args=[profile.pk]))
        assert "Jon Smith" in page.content()
        assert_accessible(page, "police profile page")
        page.get_by_label("Yes, confirm").check()
        with page.expect_navigation():
            page.get_by_role("button", name="Save decision").click()
        link.refresh_from_db()
        assert link.status == "confirmed"
    finally:
        desk.close()


def test_deletion_review_and_exclusion_change_pages(browser, live_server, world: World) -> None:  # type: ignore[no-untyped-def]
    from datetime import timedelta

    from lantern.intelligence import services
    from lantern.intelligence.models import ExclusionNotice

    base = live_server.url
    quiet = make_profile(world, name="Quiet Person", days_ago=400)
    shared = make_profile(world, name="Jon Smith", image=True)
    today = timezone.localdate()
    notice = services.exclusion_record(
        actor=world.user("store_staff"), membership=world.membership("store_staff"),
        profile=shared, stores=[world.stores["store"]], served_on=today,
        expires_on=today + timedelta(days=365), conditions="Not to enter",
    )  # fmt: skip
    desk = browser.new_context(viewport={"width": 1024, "height": 800})
    page = desk.new_page()
    page.set_default_timeout(30_000)
    try:
        sign_in(page, base, world, "force_admin")
        page.goto(base + reverse("intelligence:deletion-review"))
        assert quiet.reference in page.content()
        assert_accessible(page, "deletion review")
    finally:
        desk.close()
    phone = browser.new_context(viewport={"width": 360, "height": 800})
    page = phone.new_page()
    page.set_default_timeout(30_000)
    try:
        sign_in(page, base, world, "store_staff")
        page.goto(base + reverse("intelligence:exclusion-edit", args=[notice.pk]))
        assert_accessible(page, "change an exclusion notice")
        page.get_by_label("Why it is withdrawn").fill("Served in error")
        with page.expect_navigation():
            page.get_by_role("button", name="Withdraw the notice").click()
        assert ExclusionNotice.objects.get(pk=notice.pk).withdrawn_at is not None
        assert_accessible(page, "profile after withdrawing")
    finally:
        phone.close()
