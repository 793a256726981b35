"""The witness journey on a phone: identity check, read, rear page, draw a signature, sign,
download, with an accessibility scan of every witness page."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core import mail

from lantern.accounts.tests.factories import PASSWORD, World, totp_now
from lantern.statements.models import Statement

from .conftest import axe_violations

pytestmark = pytest.mark.django_db(transaction=True)


def _scan(page: Any, where: str) -> None:
    violations = axe_violations(page)
    assert not violations, f"{where}: {violations}"
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 360, f"{where} is {width}px wide"


def test_witness_signs_on_a_phone(browser, live_server, world: World, settings) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    officer_page = browser.new_page(viewport={"width": 360, "height": 740})
    try:
        officer_page.goto(live_server.url + "/accounts/sign-in/?next=/statements/new/")
        officer_page.get_by_label("Username").fill("officer")
        officer_page.get_by_label("Password", exact=True).fill(PASSWORD)
        with officer_page.expect_navigation():
            officer_page.get_by_role("button", name="Sign in").click()
        officer_page.get_by_label("Security code").fill(totp_now(world.user("officer")))
        with officer_page.expect_navigation():
            officer_page.get_by_role("button", name="Continue").click()
        _scan(officer_page, "new statement")
        officer_page.get_by_label("Crime or incident reference").fill("NP/9")
        officer_page.get_by_label("Witness's full name").fill("Ffion Ŵyn-Jones")
        officer_page.get_by_label("Witness's date of birth").fill("1990-02-03")
        officer_page.get_by_label("Occupation").fill("Teacher")
        officer_page.get_by_label("Witness's email address").fill("ffion@example.test")
        officer_page.locator("input[name='vulnerable'][value='no']").check()
        officer_page.locator("input[name='serious_offence'][value='none']").check()
        with officer_page.expect_navigation():
            officer_page.get_by_role("button", name="Continue").click()
        _scan(officer_page, "statement draft")
        officer_page.get_by_label("Statement", exact=True).fill(
            "I saw a man take a purse from the counter at 10:15."
        )
        with officer_page.expect_navigation():
            officer_page.get_by_role("button", name="Send to the witness to sign").click()
        assert "Sent to Ffion" in officer_page.content()
    finally:
        officer_page.close()
    statement = Statement.objects.get()
    path = re.search(r"http://127\.0\.0\.1:8000(/statements/s/\S+/)", str(mail.outbox[-1].body))
    assert path

    context = browser.new_context(viewport={"width": 360, "height": 740}, has_touch=True)
    page = context.new_page()
    try:
        page.goto(live_server.url + path.group(1))
        _scan(page, "identity check")
        page.get_by_label("Your date of birth").fill("1990-02-03")
        with page.expect_navigation():
            page.get_by_role("button", name="Continue", exact=True).click()
        assert "take a purse" in page.content()
        _scan(page, "read the statement")
        with page.expect_navigation():
            page.get_by_role("link", name="It is correct: continue to sign").click()
        _scan(page, "rear page")
        page.get_by_label("Your home address").fill("2 Heol y Castell, Cardiff")
        page.get_by_label("Email", exact=True).check()
        page.get_by_label("Yes").first.check()
        page.get_by_label("Not relevant").check()
        with page.expect_navigation():
            page.get_by_role("button", name="Continue").click()
        _scan(page, "sign")
        page.get_by_label("Type your full name").fill("Ffion Ŵyn-Jones")
        page.locator("canvas").scroll_into_view_if_needed()
        box = page.locator("canvas").bounding_box()
        assert box is not None
        page.mouse.move(box["x"] + 20, box["y"] + 100)
        page.mouse.down()
        for step in range(1, 12):
            page.mouse.move(box["x"] + 20 + step * 20, box["y"] + 100 - (step % 3) * 25)
        page.mouse.up()
        strokes = page.evaluate(
            "() => document.querySelector(\"[data-module='lantern-signature']\")"
            ".signaturePad.toData().length"
        )
        assert strokes == 1
        page.get_by_label("I confirm the declaration above").check()
        with page.expect_navigation():
            page.get_by_role("button", name="Sign my statement").click()
        assert "Your statement is signed" in page.content()
        _scan(page, "signed")
        statement.refresh_from_db()
        assert statement.status == Statement.Status.SIGNED
        from lantern.ledger.models import Entry

        signed = Entry.objects.get(action="signed", object_type="statements.statement")
        assert signed.detail["drawn_signature"] is True  # the pad's drawing reached the PDF
        page.goto(live_server.url + "/statements/s/no-such-link/")
        _scan(page, "link that does not work")
        page.go_back()
        with page.expect_download() as download:
            page.get_by_role("link", name="Download your copy (PDF)").click()
        with open(download.value.path(), "rb") as handle:
            assert handle.read(5) == b"%PDF-"
    finally:
        context.close()
