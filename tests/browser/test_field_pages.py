"""Accessibility scan (axe-core) and 360 px width of the field, supervisor and device pages."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from lantern.accounts.tests.factories import PASSWORD, World, totp_now
from lantern.casework.models import Task, VideoQuestion
from lantern.casework.services import (
    CrimeInput,
    IncidentInput,
    crime_create,
    incident_attend,
    incident_create,
)

from .conftest import axe_violations

pytestmark = pytest.mark.django_db(transaction=True)


def _sign_in(browser: Any, live_server: Any, world: World, name: str) -> tuple[Any, Any]:
    context = browser.new_context(viewport={"width": 360, "height": 740}, has_touch=True)
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.goto(f"{live_server.url}/accounts/sign-in/")
    page.get_by_label("Username").fill(name)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()
    page.get_by_label("Security code").fill(totp_now(world.user(name)))
    with page.expect_navigation():
        page.get_by_role("button", name="Continue").click()
    return context, page


def _scan_all(page: Any, live_server: Any, paths: list[str]) -> list[str]:
    problems = []
    for path in paths:
        response = page.goto(live_server.url + path)
        if response.status != 200:
            problems.append(f"{path}: HTTP {response.status}")
            continue
        violations = axe_violations(page)
        if violations:
            problems.append(f"{path}: {violations}")
        width = page.evaluate("() => document.documentElement.scrollWidth")
        if width > 360:
            problems.append(f"{path} is {width}px wide")
    return problems


def test_field_pages_are_accessible_on_a_phone(
    browser: Any, live_server: Any, world: World
) -> None:
    force = world.orgs["force"]
    VideoQuestion.objects.create(force=force, text="Is the caller safe now?")
    handler, handler_m = world.user("call_handler"), world.membership("call_handler")
    urgent = incident_create(
        actor=handler,
        membership=handler_m,
        data=IncidentInput(
            grade=1, location="Market Square", summary="Fight", area=world.areas["area"]
        ),
    )
    scheduled = incident_create(
        actor=handler,
        membership=handler_m,
        data=IncidentInput(grade=3, location="Mill Lane", summary="Shed"),
    )
    incident_attend(
        actor=world.user("officer"), membership=world.membership("officer"), incident=urgent
    )
    Task.objects.create(
        force=force, incident=urgent, kind="statement", assignee=world.user("officer"),
        due_at=timezone.now() + timedelta(minutes=30), created_by=world.user("supervisor"),
        resources="Car NS12",
    )  # fmt: skip
    Task.objects.create(
        force=force, incident=scheduled, kind="update_victim",
        due_at=timezone.now() + timedelta(days=1), created_by=world.user("supervisor"),
    )  # fmt: skip
    crime = crime_create(
        actor=world.user("officer"),
        membership=world.membership("officer"),
        data=CrimeInput(classification="assault", summary="Fight", incident=urgent),
    )
    problems = []
    for name, paths in (
        (
            "officer",
            [
                "/",
                "/casework/tasks/",
                "/casework/incidents/",
                "/casework/video-response/",
                f"/casework/crimes/{crime.pk}/",
                f"/casework/crimes/{crime.pk}/finalise/",
                "/casework/crimes/new/",
                "/devices/",
            ],
        ),
        (
            "supervisor",
            [
                "/casework/board/",
                "/casework/incidents/new/",
                f"/casework/incidents/{scheduled.reference}/",
                f"/casework/incidents/{scheduled.reference}/regrade/",
                f"/casework/incidents/{scheduled.reference}/triage/",
                f"/casework/incidents/{scheduled.reference}/tasks/new/",
            ],
        ),
        ("force_admin", ["/casework/settings/", "/devices/"]),
    ):
        context, page = _sign_in(browser, live_server, world, name)
        try:
            problems += [f"{name} {p}" for p in _scan_all(page, live_server, paths)]
        finally:
            context.close()
    assert not problems, "\n".join(problems)
