"""The witness journey on a phone: identity check, read, rear page, draw a signature, sign,
download, with an accessibility scan of every witness page."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pytest
from django.core import mail

from lantern.accounts.tests.factories import World
from lantern.statements.models import Statement
from lantern.statements.services import NewStatement, statement_create, statement_save_draft

from .conftest import axe_violations

pytestmark = pytest.mark.django_db(transaction=True)


def _scan(page: Any, where: str) -> None:
    violations = axe_violations(page)
    assert not violations, f"{where}: {violations}"
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 360, f"{where} is {width}px wide"


def test_witness_signs_on_a_phone(browser, live_server, world: World, settings) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    officer = world.user("officer")
    membership = officer.memberships.get()
    statement = statement_create(
        actor=officer,
        membership=membership,
        data=NewStatement(
            case_reference="NP/9",
            case_title="Theft",
            witness_name="Ffion Ŵyn-Jones",
            witness_dob=date(1990, 2, 3),
            witness_email="ffion@example.test",
            witness_phone="",
            occupation="Teacher",
            vulnerable=False,
            serious_offence="none",
        ),
    )
    statement_save_draft(
        actor=officer,
        membership=membership,
        statement=statement,
        text="I saw a man take a purse from the counter at 10:15.",
    )
    from lantern.statements.services import statement_send

    statement_send(actor=officer, membership=membership, statement=statement)
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
        with page.expect_download() as download:
            page.get_by_role("link", name="Download your copy (PDF)").click()
        with open(download.value.path(), "rb") as handle:
            assert handle.read(5) == b"%PDF-"
    finally:
        context.close()
