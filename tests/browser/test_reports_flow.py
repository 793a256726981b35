"""A shop worker reports a theft page by page on a phone; a triage officer deals with it.
Every page is scanned with axe-core."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from lantern.accounts.tests.factories import World
from lantern.evidence.models import EvidenceRequest
from lantern.reports.models import RetailReport, Status

from .test_pages import assert_accessible, sign_in

pytestmark = pytest.mark.django_db(transaction=True)


def _continue(page: Any) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name="Continue").click()


def test_store_reports_and_officer_triages(browser, live_server, world: World) -> None:
    base = live_server.url
    phone = browser.new_context(viewport={"width": 360, "height": 800})
    page = phone.new_page()
    page.set_default_timeout(30_000)
    try:
        sign_in(page, base, world, "store_staff")
        page.goto(base + reverse("reports:list"))
        assert_accessible(page, "store's report list")
        page.get_by_role("link", name="Report a crime").click()
        assert_accessible(page, "what happened")
        # A mistake first: nothing entered is lost.
        page.get_by_label("Describe what happened").fill("")
        page.get_by_label("Theft (shoplifting)").check()
        _continue(page)
        page.locator(".govuk-error-summary").wait_for(state="visible")
        assert page.title().startswith("Error:")
        assert page.get_by_label("Theft (shoplifting)").is_checked()
        assert_accessible(page, "what happened, with errors")
        when = (timezone.localtime() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
        page.get_by_label("When it happened").fill(when)
        page.get_by_label("Describe what happened").fill("A man took razor blades and ran")
        _continue(page)
        assert_accessible(page, "goods")
        page.get_by_label("Item", exact=True).fill("Razor blades")
        page.get_by_label("Quantity").fill("3")
        page.get_by_label("Value of each, in pounds").fill("12.50")
        _continue(page)
        assert_accessible(page, "offender")
        page.get_by_label("Clothing").fill("Grey hoodie")
        _continue(page)
        assert_accessible(page, "staff")
        page.get_by_label("Staff who saw it").fill("Sam Jones")
        _continue(page)
        assert_accessible(page, "cctv")
        page.get_by_label("We have CCTV of it").check()
        page.get_by_label("How many days your CCTV is kept").fill("30")
        _continue(page)
        assert page.get_by_role("heading", level=1).inner_text().startswith("Check your answers")
        assert "£37.50" in page.content() and "Grey hoodie" in page.content()
        assert_accessible(page, "check your answers")
        with page.expect_navigation():
            page.get_by_role("button", name="Accept and send").click()
        report = RetailReport.objects.get()
        assert report.status == Status.RECEIVED
        assert report.reference in page.locator(".govuk-panel").inner_text()
        assert_accessible(page, "report sent")
        page.goto(base + reverse("reports:detail", args=[report.pk]))
        assert_accessible(page, "store's report page")
    finally:
        phone.close()

    desk = browser.new_context(viewport={"width": 1024, "height": 800})
    page = desk.new_page()
    page.set_default_timeout(30_000)
    try:
        sign_in(page, base, world, "officer")
        page.goto(base + reverse("reports:list"))
        assert report.reference in page.content()
        assert_accessible(page, "triage queue")
        page.get_by_role("link", name=str(report.reference)).click()
        assert_accessible(page, "officer's report page")
        page.get_by_label("Crime reference").fill("NP/26/1234")
        with page.expect_navigation():
            page.get_by_role("button", name="Record crime").click()
        assert "Crime recorded" in page.content()
        with page.expect_navigation():
            page.get_by_role("button", name="Request CCTV").click()
        assert EvidenceRequest.objects.get().store == report.store
        page.get_by_label("Police note").fill("Known to the neighbourhood team")
        with page.expect_navigation():
            page.get_by_role("button", name="Add note").click()
        page.get_by_label("Outcome", exact=True).select_option("18")
        page.get_by_label("Explain the outcome to the store").fill("We could not identify him.")
        with page.expect_navigation():
            page.get_by_role("button", name="Finalise").click()
        assert_accessible(page, "finalised report")
        report.refresh_from_db()
        assert report.status == Status.FINALISED and report.crime_reference == "NP/26/1234"
        page.goto(base + reverse("reports:figures"))
        assert_accessible(page, "figures")
    finally:
        desk.close()


@pytest.mark.parametrize(
    ("username", "names"),
    [
        ("lp_manager", ["reports:bulk", "reports:email-settings", "reports:figures"]),
        ("force_admin", ["reports:rules"]),
    ],
)
def test_settings_pages_pass_axe(page, live_server, world: World, username, names) -> None:
    sign_in(page, live_server.url, world, username)
    for name in names:
        page.goto(live_server.url + reverse(name))
        assert page.url.startswith(live_server.url + reverse(name))
        assert_accessible(page, f"{name} as {username}")
