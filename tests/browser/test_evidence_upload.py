"""A council operator answers a footage request in a real browser: resumable upload with
tus-js-client, a SHA-256 shown for the file, a receipt on submit; and without JavaScript."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

import pytest

from lantern.accounts.tests.factories import PASSWORD, World
from lantern.evidence.models import EvidenceItem

from .conftest import axe_violations, control_room_request

pytestmark = pytest.mark.django_db(transaction=True)


def _request(world: World) -> str:
    _, token = control_room_request(world, case_reference="NP/1", location="High Street camera 3")
    return f"/evidence/link/{token}/"


def _sign_in_via_link(page: Any, base: str, link: str) -> None:
    page.goto(base + link)
    assert "/accounts/sign-in/" in page.url
    page.get_by_label("Username").fill("cctv_operator")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/evidence/respond/")


def test_resumable_upload_in_the_browser(page, live_server, world: World, tmp_path: Path) -> None:
    link = _request(world)
    data = os.urandom(6 * 1024 * 1024 + 123)
    footage = tmp_path / "camera3.mp4"
    footage.write_bytes(data)
    _sign_in_via_link(page, live_server.url, link)
    assert not axe_violations(page)
    page.set_input_files("#id_footage", str(footage))
    page.get_by_role("button", name="Upload files").click()
    # tus-js-client uploads, shows progress, then the page reloads with the file to describe.
    page.get_by_text("Describe each file and submit").wait_for(timeout=60_000)
    digest = hashlib.sha256(data).hexdigest()
    assert digest in page.content()
    item = EvidenceItem.objects.get()
    assert item.upload is not None  # came through tus, not the plain form
    assert item.sha256 == digest and item.size == len(data)
    page.get_by_label("What does this file show? (optional)").fill("Camera 3 entrance")
    with page.expect_navigation():
        page.get_by_role("button", name="Submit 1 file").click()
    assert "Footage submitted" in page.content() and digest in page.content()
    assert not axe_violations(page)


def test_plain_form_upload_without_javascript(browser, live_server, world: World, tmp_path):
    link = _request(world)
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        _sign_in_via_link(page, live_server.url, link)
        footage = tmp_path / "export.dav"
        footage.write_bytes(b"proprietary" * 1000)
        page.set_input_files("#id_footage", str(footage))
        with page.expect_navigation():
            page.get_by_role("button", name="Upload files").click()
        digest = hashlib.sha256(footage.read_bytes()).hexdigest()
        assert digest in page.content()
        assert EvidenceItem.objects.get().upload is None
    finally:
        context.close()
