"""Task assignment and who sees which task."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from lantern.accounts.tests.factories import World
from lantern.casework.models import Task, Team
from lantern.casework.services import IncidentInput, incident_create

pytestmark = pytest.mark.django_db


def _incident(world: World) -> Any:
    return incident_create(
        actor=world.user("call_handler"),
        membership=world.membership("call_handler"),
        data=IncidentInput(grade=2, location="Station Rd", summary="Car broken into"),
    )


def _due(minutes: int) -> str:
    return (timezone.localtime() + timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M")


def test_supervisor_assigns_and_only_the_assignee_has_it(client_for: Any, world: World) -> None:
    incident = _incident(world)
    url = reverse("casework:task-new", args=[incident.reference])
    officer = world.user("officer")
    response = client_for("supervisor").post(
        url,
        {"kind": "statement", "assignee": officer.pk, "due_at": _due(90), "resources": "Car NS12"},
    )
    assert response.status_code == 302
    task = Task.objects.get()
    assert task.assignee == officer and task.resources == "Car NS12"
    mine = client_for("officer").get(reverse("casework:task-list"))
    assert incident.reference in mine.text and "Car NS12" in mine.text
    home = client_for("officer").get(reverse("core:home"))
    assert reverse("casework:incident-detail", args=[incident.reference]) in home.text
    other = client_for("investigator").get(reverse("casework:task-list"))
    assert incident.reference not in other.text
    assert client_for("officer").post(url, {"kind": "attend", "due_at": _due(5)}).status_code == 403
    assert client_for("supervisor_b").get(url).status_code == 404


def test_list_is_most_urgent_first_and_includes_team_tasks(client_for: Any, world: World) -> None:
    incident = _incident(world)
    officer = world.user("officer")
    team = Team.objects.create(force=world.orgs["force"], name="Response 1")
    team.members.add(officer)
    supervisor = world.user("supervisor")
    later = Task.objects.create(
        force=incident.force, incident=incident, kind="attend", assignee=officer,
        due_at=timezone.now() + timedelta(hours=3), created_by=supervisor,
    )  # fmt: skip
    sooner = Task.objects.create(
        force=incident.force, incident=incident, kind="house_to_house", team=team,
        due_at=timezone.now() + timedelta(minutes=30), created_by=supervisor,
    )  # fmt: skip
    Task.objects.create(
        force=incident.force, incident=incident, kind="footage", assignee=officer,
        due_at=timezone.now() + timedelta(minutes=10), created_by=supervisor, status="done",
    )  # fmt: skip
    tasks = client_for("officer").get(reverse("casework:task-list")).context["tasks"]
    assert [t.pk for t in tasks] == [sooner.pk, later.pk]


def test_unallocated_task_is_on_the_board_until_reallocated(client_for: Any, world: World) -> None:
    incident = _incident(world)
    client = client_for("call_handler")
    client.post(
        reverse("casework:task-new", args=[incident.reference]),
        {"kind": "footage", "due_at": _due(60)},
    )
    task = Task.objects.get()
    board = client_for("supervisor").get(reverse("casework:board"))
    assert [t.pk for t in board.context["board"].unallocated] == [task.pk]
    client.post(
        reverse("casework:task-reallocate", args=[task.pk]),
        {"assignee": world.user("officer").pk, "resources": "PCSO 4411"},
    )
    board = client_for("supervisor").get(reverse("casework:board"))
    assert board.context["board"].unallocated == []
    assert board.context["board"].workload[0]["open"] == 1


def test_officer_marks_a_task_done(client_for: Any, world: World) -> None:
    incident = _incident(world)
    task = Task.objects.create(
        force=incident.force, incident=incident, kind="attend", assignee=world.user("officer"),
        due_at=timezone.now(), created_by=world.user("supervisor"),
    )  # fmt: skip
    url = reverse("casework:task-done", args=[task.pk])
    assert client_for("analyst").post(url).status_code == 403
    assert client_for("officer_b").post(url).status_code == 404
    client_for("officer").post(url, {"next": "tasks"})
    task.refresh_from_db()
    assert task.status == "done" and incident.entries.filter(text__startswith="Done").exists()
