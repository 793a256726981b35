from __future__ import annotations

from typing import Any

import pytest

from lantern.accounts import demo as base_demo
from lantern.casework.demo import INCIDENTS, demo_load
from lantern.casework.models import Incident, Task
from lantern.casework.selectors import board_for, tasks_for_officer
from lantern.casework.services import targets_for

pytestmark = pytest.mark.django_db


def test_demo_incidents_and_tasks_load_once(settings: Any, monkeypatch: Any) -> None:
    settings.DEMO_MODE = True
    monkeypatch.setattr(base_demo, "_app_demo_data", lambda: None)
    users = dict((demo.username, user) for demo, user in base_demo.demo_data_load())
    demo_load()
    demo_load()
    assert Incident.objects.count() == len(INCIDENTS)
    assert {i.grade for i in Incident.objects.all()} == {1, 2, 3, 4}
    board = board_for(Incident.objects.first().force, targets_for(Incident.objects.first().force))  # type: ignore[union-attr]
    assert board.breaches == 1  # the Grade 1 fight, 25 minutes and no one there
    assert Incident.objects.filter(route="video").count() == 1
    assert len(tasks_for_officer(users["officer"])) == 3
    assert Task.objects.filter(assignee__isnull=True, team__isnull=True).count() == 1
