"""A force sets its own response targets and video-response questions."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.urls import reverse

from lantern.accounts.tests.factories import World
from lantern.casework.models import VideoQuestion
from lantern.casework.services import IncidentInput, incident_clock, incident_create, targets_for

pytestmark = pytest.mark.django_db


def test_force_admin_sets_targets_used_by_clocks(client_for: Any, world: World) -> None:
    url = reverse("casework:settings")
    body = {
        "action": "targets",
        "grade_1_minutes": "15",
        "grade_2_minutes": "45",
        "grade_3_hours": "24",
    }
    assert client_for("force_admin").post(url, body).status_code == 302
    force = world.orgs["force"]
    assert targets_for(force)[1] == timedelta(minutes=15)
    assert targets_for(world.orgs["force_b"])[1] == timedelta(minutes=20)
    incident = incident_create(
        actor=world.user("call_handler"),
        membership=world.membership("call_handler"),
        data=IncidentInput(grade=3, location="x", summary="y"),
    )
    assert incident_clock(incident).target == timedelta(hours=24)
    assert client_for("supervisor").post(url, body).status_code == 403


def test_targets_out_of_order_are_explained(client_for: Any) -> None:
    body = {
        "action": "targets",
        "grade_1_minutes": "90",
        "grade_2_minutes": "60",
        "grade_3_hours": "48",
    }
    response = client_for("force_admin").post(reverse("casework:settings"), body)
    assert response.status_code == 400
    assert "Grade 2 cannot be quicker than Grade 1" in response.text
    assert 'value="90"' in response.text


def test_questions_are_added_and_removed(client_for: Any, world: World) -> None:
    client = client_for("force_admin")
    url = reverse("casework:settings")
    client.post(
        url, {"action": "question", "text": "Is the caller safe?", "eligible_answer": "yes"}
    )
    question = VideoQuestion.objects.get()
    assert question.force == world.orgs["force"] and question.eligible_answer is True
    assert (
        client_for("force_admin_b")
        .post(url, {"action": "retire", "question": question.pk})
        .status_code
        == 404
    )
    client.post(url, {"action": "retire", "question": question.pk})
    question.refresh_from_db()
    assert question.active is False
