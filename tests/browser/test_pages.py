"""Sign in with a real browser, see the role's home page, and scan pages with axe-core."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from lantern.accounts.tests.factories import PASSWORD, World, totp_now

from .conftest import axe_violations

pytestmark = pytest.mark.django_db(transaction=True)


def sign_in(page: Any, base: str, world: World, username: str) -> None:
    page.goto(base + reverse("accounts:login"))
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()
    if "/sign-in/code/" in page.url:
        page.get_by_label("Security code").fill(totp_now(world.user(username)))
        with page.expect_navigation():
            page.get_by_role("button", name="Continue").click()


def assert_accessible(page: Any, where: str) -> None:
    violations = axe_violations(page)
    assert not violations, f"{where}: {violations}"
    width = page.evaluate("() => document.documentElement.scrollWidth")
    viewport = page.viewport_size["width"]
    assert width <= viewport, f"{where}: page is {width}px wide in a {viewport}px viewport"


def test_officer_signs_in_with_totp_and_sees_home(page, live_server, world: World) -> None:
    sign_in(page, live_server.url, world, "officer")
    assert page.url == live_server.url + "/"
    assert page.get_by_role("heading", level=1).inner_text().startswith("Hello")
    assert "Police officer" in page.content()
    assert "Force A" in page.content()
    assert_accessible(page, "officer home")
    # Sign out is a real POST form.
    with page.expect_navigation():
        page.get_by_role("button", name="Sign out").click()
    assert "/accounts/sign-in/" in page.url


def test_wrong_code_shows_error_summary(page, live_server, world: World) -> None:
    page.goto(live_server.url + reverse("accounts:login"))
    page.get_by_label("Username").fill("supervisor")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_label("Security code").fill("123456")
    page.get_by_role("button", name="Continue").click()
    summary = page.locator(".govuk-error-summary")
    summary.wait_for(state="visible")
    assert "not correct" in summary.inner_text()
    assert page.title().startswith("Error:")
    assert_accessible(page, "verify with error")


PUBLIC_PAGES = [
    "accounts:login",
    "accounts:password-reset",
    "accounts:register-organisation",
    "core:accessibility",
    "core:privacy",
    "ledger:public-key",
    "evidence:check",
    "statements:verify",
]

SIGNED_IN_PAGES = {
    "officer": [
        "core:home",
        "accounts:profile",
        "accounts:password-change",
        "statements:list",
        "statements:new",
        "evidence:request-list",
        "evidence:request-new",
        "evidence:case-list",
    ],
    "supervisor": ["ledger:history"],
    "force_admin": [
        "core:home",
        "accounts:people",
        "accounts:person-invite",
        "accounts:partners",
        "accounts:recovery-codes",
    ],
    "lp_manager": ["core:home", "accounts:people"],
    "store_staff": ["core:home", "accounts:mfa-setup"],
    "cctv_manager": ["core:home", "evidence:request-list"],
    "partnership_manager": ["core:home"],
}


@pytest.mark.parametrize("width", [360, 1280])
def test_pages_pass_axe_at_phone_and_desktop_width(browser, live_server, world: World, width):
    context = browser.new_context(viewport={"width": width, "height": 800})
    page = context.new_page()
    try:
        for name in PUBLIC_PAGES:
            page.goto(live_server.url + reverse(name))
            assert_accessible(page, f"{name} at {width}px")
        # Errors shown on a form page are accessible too.
        page.goto(live_server.url + reverse("accounts:register-organisation"))
        page.get_by_role("button", name="Send request").click()
        page.locator(".govuk-error-summary").wait_for(state="visible")
        assert_accessible(page, f"registration errors at {width}px")
        for username, pages in SIGNED_IN_PAGES.items():
            context.clear_cookies()
            sign_in(page, live_server.url, world, username)
            for name in pages:
                page.goto(live_server.url + reverse(name))
                assert page.url.startswith(live_server.url + reverse(name)), page.url
                assert_accessible(page, f"{name} as {username} at {width}px")
        page.goto(
            live_server.url
            + reverse("accounts:partner-detail", args=[world.approvals["retail"].pk])
        )
        assert page.url.endswith(
            reverse("accounts:partner-detail", args=[world.approvals["retail"].pk])
        )
    finally:
        context.close()


def test_works_without_javascript(browser, live_server, world: World) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        sign_in(page, live_server.url, world, "lp_manager")
        assert page.get_by_role("heading", level=1).inner_text().startswith("Hello")
        page.goto(live_server.url + reverse("accounts:person-invite"))
        page.get_by_label("First name").fill("Amy")
        page.get_by_role("button", name="Send invitation").click()
        page.locator(".govuk-error-summary").wait_for(state="visible")
        assert page.get_by_label("First name").input_value() == "Amy"
    finally:
        context.close()


def test_csp_blocks_nothing_of_ours(page, live_server, world: World) -> None:
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    sign_in(page, live_server.url, world, "force_admin")
    page.goto(live_server.url + reverse("accounts:partners"))
    assert page.evaluate("() => document.body.classList.contains('govuk-frontend-supported')")
    assert not problems, problems
