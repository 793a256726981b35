from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from lantern.accounts import demo as base_demo
from lantern.casework.demo import demo_load as casework_demo
from lantern.notifications.models import OutboxMessage
from lantern.videocalls.demo import demo_load
from lantern.videocalls.models import VideoCall

pytestmark = pytest.mark.django_db


def test_demo_call_loads_once_and_its_link_works(
    settings: Any, monkeypatch: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.DEMO_MODE = True
    monkeypatch.setattr(base_demo, "_app_demo_data", lambda: None)
    base_demo.demo_data_load()
    casework_demo()
    with django_capture_on_commit_callbacks(execute=True):
        demo_load()
    demo_load()
    call = VideoCall.objects.get()
    assert call.incident is not None and call.incident.route == "video"
    sms = OutboxMessage.objects.filter(body__contains="/video-calls/join/").get()
    path = sms.body[sms.body.index("/video-calls/join/") :].split()[0]
    assert Client().get(path).status_code == 302
