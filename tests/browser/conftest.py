"""Real-browser fixtures: Playwright for Python driving Debian's Chromium, axe-core injected.

Browser tests are required under CI=true: a missing Chromium fails the run there.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = os.environ.get("LANTERN_CHROMIUM", "/usr/bin/chromium")
AXE = Path(__file__).resolve().parents[2] / "static" / "build" / "test" / "axe.min.js"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]

# Playwright's sync API runs an event loop in this thread; Django's ORM calls made by the
# test itself (fixtures) are still synchronous and safe here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_collection_modifyitems(config: Any, items: list[Any]) -> None:
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def playwright() -> Iterator[Any]:
    """The one Playwright of the session: tests that need a Chromium with other flags (fake
    camera, several browsers) launch it from here, with `executable_path=CHROMIUM`."""
    missing = not Path(CHROMIUM).exists() or not AXE.exists()
    if missing and os.environ.get("CI") == "true":
        pytest.fail(f"CI=true needs Chromium at {CHROMIUM} and axe-core at {AXE}")
    if missing:
        reason = f"Chromium ({CHROMIUM}) or axe-core missing: run make install browser-deps"
        pytest.skip(reason)  # outside CI only: with CI=true the run fails just above
    from playwright.sync_api import sync_playwright

    with sync_playwright() as running:
        yield running


@pytest.fixture(scope="session")
def browser(playwright: Any) -> Iterator[Any]:
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
    yield browser
    browser.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1024, "height": 800})
    page = context.new_page()
    page.set_default_timeout(30_000)
    yield page
    context.close()


def axe_violations(page: Any) -> list[dict[str, Any]]:
    """Run axe-core (WCAG 2.0/2.1/2.2 A and AA rules) on the current page."""
    # A click that navigates returns once the new document is committed, perhaps before its
    # <head> is parsed: scan the page only once it has loaded.
    page.wait_for_load_state("load")
    # Loaded from our own origin (the build copies it to static/build/test/), so the page's
    # CSP, which forbids inline scripts, stays enforced during the scan.
    page.add_script_tag(url="/static/build/test/axe.min.js")
    result = page.evaluate(
        """async () => await axe.run(document, {runOnly: {type: 'tag', values:
            ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice']}})"""
    )
    return [
        {"id": v["id"], "help": v["help"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in result["violations"]
    ]


def control_room_request(world: Any, *, case_reference: str, location: str) -> tuple[Any, str]:
    """An officer's footage request to the council's control room, for yesterday's theft:
    the request and the token of its link."""
    from datetime import date, timedelta

    from django.utils import timezone

    from lantern.evidence.services import RequestInput, evidence_request_create

    officer = world.user("officer")
    return evidence_request_create(
        actor=officer,
        membership=officer.memberships.get(),
        data=RequestInput(
            case_reference=case_reference,
            case_title="Theft",
            recipient_kind="control_room",
            control_room=world.orgs["council"].control_rooms.get(),
            store=None,
            company=None,
            recipient_name="",
            recipient_email="",
            recipient_phone="",
            location=location,
            window_start=timezone.now() - timedelta(days=1),
            window_end=timezone.now() - timedelta(hours=23),
            reason="Theft",
            deadline=date.today() + timedelta(days=3),
        ),
    )
