"""A loss-prevention manager issues a token and adds a webhook in a real browser at 360 px,
and every API page (the documentation included) passes axe-core under the strict CSP."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from lantern.accounts.tests.factories import World
from lantern.api.models import ApiToken
from tests.browser.test_pages import assert_accessible, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def phone(browser: Any) -> Any:
    context = browser.new_context(viewport={"width": 360, "height": 740})
    page = context.new_page()
    page.set_default_timeout(30_000)
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    yield page, errors
    context.close()


def test_manager_issues_a_token_and_adds_a_webhook(
    phone: Any, live_server: Any, world: World
) -> None:
    page, console_errors = phone
    base = live_server.url
    sign_in(page, base, world, "lp_manager")
    assert "API access" in page.content()  # in the (collapsed, at 360 px) navigation
    page.goto(base + reverse("api:token-list"))
    assert_accessible(page, "token list")
    with page.expect_navigation():
        page.get_by_role("link", name="Create a token").click()
    with page.expect_navigation():
        page.get_by_role("button", name="Create token").click()
    page.locator(".govuk-error-summary").wait_for(state="visible")
    assert page.title().startswith("Error:")
    assert_accessible(page, "token form with errors")
    page.get_by_label("Name").fill("Till system")
    page.get_by_label("Loss-prevention manager").check()
    page.get_by_label("Read retail crime reports").check()
    page.get_by_label("Days until it expires").fill("30")
    with page.expect_navigation():
        page.get_by_role("button", name="Create token").click()
    secret = page.get_by_label("Token").input_value()
    assert secret.startswith("lnt_") and ApiToken.objects.get().name == "Till system"
    assert_accessible(page, "token created")
    response = page.request.get(
        base + "/api/v1/reports", headers={"Authorization": f"Bearer {secret}"}
    )
    assert response.status == 200 and response.json()["count"] == 0
    page.goto(base + reverse("api:webhook-new"))
    page.get_by_label("Address (URL) to send events to").fill("https://example.org/hook")
    page.get_by_label("A report's status changed").check()
    with page.expect_navigation():
        page.get_by_role("button", name="Add webhook").click()
    assert page.get_by_label("Signing secret").input_value().startswith("whsec_")
    assert_accessible(page, "webhook created")
    with page.expect_navigation():
        page.get_by_role("link", name="Continue").click()
    assert_accessible(page, "webhook detail")
    page.goto(base + reverse("api:docs"))
    assert_accessible(page, "API documentation")
    assert not [e for e in console_errors if "Content Security Policy" in e], console_errors
