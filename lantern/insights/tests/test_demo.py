from __future__ import annotations

from typing import Any

import pytest

from lantern.accounts import demo as base_demo
from lantern.insights.demo import demo_load
from lantern.insights.models import Communication, Obligation, Victim

pytestmark = pytest.mark.django_db


def test_demo_loads_once(settings: Any, monkeypatch: Any) -> None:
    settings.DEMO_MODE = True
    monkeypatch.setattr(base_demo, "_app_demo_data", lambda: None)
    base_demo.demo_data_load()
    demo_load()
    demo_load()
    assert Victim.objects.count() == 3
    jo = Victim.objects.get(full_name="Jo Lane")
    # Email is not safe for her: the confirmation went by text message.
    assert [c.channel for c in jo.communications.all()] == ["sms"]
    assert Communication.objects.filter(status="queued", channel="letter").count() == 2
    assert Obligation.objects.filter(kind="update").count() == 2
