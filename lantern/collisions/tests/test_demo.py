from __future__ import annotations

from typing import Any

import pytest

from lantern.collisions.demo import demo_load
from lantern.collisions.models import PublicReport

pytestmark = pytest.mark.django_db


def test_demo_reports_are_loaded_once(area: Any, on_commit: Any) -> None:
    with on_commit():
        demo_load()
        demo_load()
    collision, crime = PublicReport.objects.order_by("pk")
    assert collision.reference.startswith("RTC-") and collision.area == area
    assert collision.advice_codes == ["injury", "injury_in_person", "nip_14_days", "footage"]
    assert crime.reference.startswith("CR-") and crime.confirmation_channel == "sms"
