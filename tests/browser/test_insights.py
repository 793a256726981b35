"""The Victims' Code and automation pages in a real browser, each scanned with axe-core and
checked to fit the screen: the dashboard (with an agreed update the daily task opened), a
letter waiting for approval, a template's preview, closures, the unused-material schedule,
retention review and the benefits dashboard."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from lantern.accounts.tests.factories import World
from lantern.casework.models import Case
from lantern.insights import services, tasks
from lantern.insights.models import ClosureProposal, Communication, Victim

from .test_pages import assert_accessible, sign_in

pytestmark = pytest.mark.django_db(transaction=True)


def _seed(world: World) -> tuple[Case, Case, Victim]:
    case = Case.objects.create(
        force=world.orgs["force"], reference="NP/26/700", title="Theft with threats",
        officer_in_charge=world.user("officer"),
    )  # fmt: skip
    victim = services.victim_create(
        actor=world.user("officer"), membership=world.membership("officer"), case=case,
        data=services.VictimInput(
            full_name="Robin Weekly", address="3 Mill Lane\nNorthtown",
            preferred_channel="letter", update_frequency="weekly",
        ),
    )  # fmt: skip
    Victim.objects.filter(pk=victim.pk).update(
        created_at=timezone.now() - timedelta(days=30), review_date=timezone.localdate()
    )
    quiet = Case.objects.create(
        force=world.orgs["force"], reference="NP/26/701", title="Shoplifting, no suspect",
        officer_in_charge=world.user("officer"),
    )  # fmt: skip
    Case.objects.filter(pk=quiet.pk).update(created_at=timezone.now() - timedelta(days=60))
    tasks.victims_code_daily()  # opens the weekly update, proposes NP/26/701, finds the review
    return case, quiet, victim


def _desk(browser: Any) -> tuple[Any, Any]:
    context = browser.new_context(viewport={"width": 1024, "height": 800})
    page = context.new_page()
    page.set_default_timeout(30_000)
    return context, page


def test_officer_dashboard_letter_and_disclosure(browser, live_server, world: World) -> None:  # type: ignore[no-untyped-def]
    base = live_server.url
    case, _, victim = _seed(world)
    letter = Communication.objects.get(victim=victim, status="queued")
    context, page = _desk(browser)
    try:
        sign_in(page, base, world, "officer")
        page.goto(base + reverse("insights:victims-code"))
        assert page.get_by_role("heading", level=1).inner_text() == "Victims' Code"
        assert "Agreed regular update (every week)" in page.content()
        assert_accessible(page, "Victims' Code dashboard")
        page.goto(base + reverse("insights:letters"))
        assert_accessible(page, "letters waiting")
        page.goto(base + reverse("insights:letter", args=[letter.pk]))
        assert page.get_by_label("Subject").input_value() == letter.subject
        assert_accessible(page, "letter to approve")
        page.goto(base + reverse("insights:disclosure", args=[case.pk]))
        with page.expect_navigation():
            page.get_by_role("button", name="I have reviewed this schedule").click()
        assert "you have reviewed this schedule" in page.content()
        assert_accessible(page, "unused-material schedule")
    finally:
        context.close()


def test_admin_previews_a_letter_template(browser, live_server, world: World) -> None:  # type: ignore[no-untyped-def]
    base = live_server.url
    context, page = _desk(browser)
    try:
        sign_in(page, base, world, "force_admin")
        page.goto(base + reverse("insights:template-edit", args=["confirmation"]))
        assert_accessible(page, "template form")
        page.get_by_label("Subject").fill("Your report $crime_reference")
        with page.expect_navigation():
            page.get_by_role("button", name="Preview").click()
        assert page.get_by_role("button", name="Save this wording").is_visible()
        preview = page.locator(".govuk-notification-banner__content").inner_text()
        assert "Your report" in preview and "$" not in preview
        assert_accessible(page, "letter preview")
        page.get_by_label("Subject").fill("Your report $nonsense")
        with page.expect_navigation():
            page.get_by_role("button", name="Preview").click()
        assert page.locator(".govuk-error-summary").is_visible()
        assert_accessible(page, "letter preview with an error")
    finally:
        context.close()


def test_supervisor_closures_retention_and_benefits_on_a_phone(  # type: ignore[no-untyped-def]
    browser, live_server, world: World
) -> None:
    base = live_server.url
    _, quiet, victim = _seed(world)
    context = browser.new_context(viewport={"width": 360, "height": 800})
    page = context.new_page()
    page.set_default_timeout(30_000)
    try:
        sign_in(page, base, world, "supervisor")
        page.goto(base + reverse("insights:closures"))
        assert_accessible(page, "closures")
        page.get_by_label(f"{quiet.reference}: {quiet.title}", exact=False).check()
        with page.expect_navigation():
            page.get_by_role("button", name="Close the chosen cases").click()
        assert ClosureProposal.objects.get(case=quiet).status == "confirmed"
        assert_accessible(page, "closures after closing")
        page.goto(base + reverse("insights:retention"))
        assert "Robin Weekly" in page.content()
        assert_accessible(page, "retention review")
        page.get_by_label("Reason for your decision").fill("Still under investigation")
        with page.expect_navigation():
            page.get_by_role("button", name="Retain").click()
        assert "Decision recorded" in page.content()
        page.goto(base + reverse("insights:benefits"))
        assert page.get_by_role("heading", level=1).inner_text() == "Benefits of Lantern"
        assert_accessible(page, "benefits dashboard")
    finally:
        context.close()
    victim.refresh_from_db()
    assert victim.disposed_at is None
