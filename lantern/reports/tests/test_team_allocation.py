"""Issue 6: triage allocates a report to an officer, a team, or both."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from lantern.accounts.tests.factories import World
from lantern.casework.models import Team
from lantern.ledger.models import Entry
from lantern.reports import services
from lantern.reports.models import RetailReport, Status

from .test_reports import _sent

pytestmark = pytest.mark.django_db


def _teams(world: World) -> tuple[Team, Team]:
    return (
        Team.objects.create(force=world.orgs["force"], name="Retail crime unit"),
        Team.objects.create(force=world.orgs["force_b"], name="Other force team"),
    )


def test_allocate_to_a_team_shows_on_page_and_queue_and_is_ledgered(
    client_for, world: World, on_commit, mailoutbox
) -> None:
    team, _ = _teams(world)
    report = _sent(client_for, world, on_commit)
    officer = client_for("officer")
    page = officer.get(reverse("reports:detail", args=[report.pk])).content.decode()
    assert "Retail crime unit" in page  # offered in the team list
    sent = len(mailoutbox)
    with on_commit():
        r = officer.post(reverse("reports:allocate", args=[report.pk]), {"team": team.pk})
    assert r.status_code == 302
    report.refresh_from_db()
    assert report.status == Status.ALLOCATED
    assert report.allocated_team == team and report.allocated_to is None
    assert len(mailoutbox) == sent + 1 and "police team" in mailoutbox[-1].body

    page = officer.get(reverse("reports:detail", args=[report.pk])).content.decode()
    assert "Allocated to team" in page and "Retail crime unit" in page
    queue = officer.get(reverse("reports:list")).content.decode()
    assert "Team: Retail crime unit" in queue
    # The store's timeline says so, as it does for an officer.
    store_page = client_for("store_staff").get(reverse("reports:detail", args=[report.pk]))
    assert "Allocated to team Retail crime unit" in store_page.content.decode()
    assert client_for("store_staff_b").get(store_page.request["PATH_INFO"]).status_code == 404

    entries = Entry.objects.filter(object_type="reports.retailreport", object_id=str(report.pk))
    [entry] = [e for e in entries if e.detail.get("new", {}).get("status") == Status.ALLOCATED]
    assert entry.actor == world.user("officer")
    assert entry.detail["new"]["allocated_team"] == team.pk
    assert entry.detail["new"]["allocated_to"] is None


def test_allocate_to_officer_and_team_together(client_for, world: World, on_commit) -> None:
    team, _ = _teams(world)
    report = _sent(client_for, world, on_commit)
    person = world.user("investigator")
    with on_commit():
        r = client_for("supervisor").post(
            reverse("reports:allocate", args=[report.pk]),
            {"officer": person.pk, "team": team.pk},
        )
    assert r.status_code == 302
    report.refresh_from_db()
    assert report.allocated_to == person and report.allocated_team == team
    event = report.events.filter(status=Status.ALLOCATED).get()
    assert "team Retail crime unit" in event.text


def test_allocation_refused(client_for, world: World, on_commit) -> None:
    team, other_force_team = _teams(world)
    report = _sent(client_for, world, on_commit)
    url = reverse("reports:allocate", args=[report.pk])
    # Neither chosen: an error, nothing changed.
    r = client_for("officer").post(url, {})
    assert r.status_code == 400 and "Choose an officer, a team, or both" in r.content.decode()
    # A team from another force is not on offer.
    r = client_for("officer").post(url, {"team": other_force_team.pk})
    assert r.status_code == 400 and "Choose a team of your force" in r.content.decode()
    # Users who may not allocate.
    assert client_for("store_staff").post(url, {"team": team.pk}).status_code == 403
    assert client_for("analyst").post(url, {"team": team.pk}).status_code == 403
    assert client_for("officer_b").post(url, {"team": other_force_team.pk}).status_code == 404
    report.refresh_from_db()
    assert report.status == Status.RECEIVED and report.allocated_team is None
    # The service refuses another force's team even if a form let it through.
    with pytest.raises(PermissionDenied):
        services.report_allocate(
            actor=world.user("officer"),
            membership=world.membership("officer"),
            report=report,
            team=other_force_team,
        )
    assert RetailReport.objects.get(pk=report.pk).allocated_team is None


def test_reply_returns_a_team_allocated_report_to_allocated(
    client_for, world: World, on_commit
) -> None:
    team, _ = _teams(world)
    report = _sent(client_for, world, on_commit)
    officer = client_for("officer")
    with on_commit():
        officer.post(reverse("reports:allocate", args=[report.pk]), {"team": team.pk})
        officer.post(reverse("reports:ask", args=[report.pk]), {"message": "Which till?"})
        client_for("store_staff").post(reverse("reports:reply", args=[report.pk]), {"text": "3"})
    report.refresh_from_db()
    assert report.status == Status.ALLOCATED
