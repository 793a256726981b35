"""The demo data loads, loads once, and shows store staff one shared profile."""

from __future__ import annotations

from typing import Any

import pytest

from lantern.accounts import demo as base_demo
from lantern.accounts.models import User
from lantern.intelligence.demo import demo_load
from lantern.intelligence.models import IncidentLink, Profile
from lantern.intelligence.selectors import duplicate_suggestions

pytestmark = pytest.mark.django_db


def test_demo_profiles(settings: Any, monkeypatch: Any) -> None:
    settings.DEMO_MODE = True
    monkeypatch.setattr(base_demo, "_app_demo_data", lambda: None)
    base_demo.demo_data_load()
    demo_load()
    demo_load()
    assert Profile.objects.count() == 3
    staff = User.objects.get(username="storestaff")
    visible = Profile.objects.for_user(staff)
    assert [p.name for p in visible] == ["Darren Pike"]
    shared = visible.get()
    assert IncidentLink.objects.filter(profile=shared, report__isnull=False).exists()
    assert shared.images.count() == 1 and shared.markers.get().marker == "violence"
    assert "Daren Pyke" in [s.profile.name for s in duplicate_suggestions(shared)]
