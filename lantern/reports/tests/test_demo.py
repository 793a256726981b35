from __future__ import annotations

from typing import Any

import pytest

from lantern.accounts import demo as base_demo
from lantern.reports.demo import demo_load
from lantern.reports.models import ForceReportRules, ReportLink, RetailReport, Status

pytestmark = pytest.mark.django_db


def test_demo_reports_load_once(settings: Any, monkeypatch: Any) -> None:
    settings.DEMO_MODE = True
    monkeypatch.setattr(base_demo, "_app_demo_data", lambda: None)
    base_demo.demo_data_load()
    demo_load()
    demo_load()
    first, again = RetailReport.objects.order_by("pk")
    assert RetailReport.objects.count() == 2
    assert first.status == Status.CRIME_RECORDED and first.crime_reference == "NS/26/4412"
    assert again.status == Status.RECEIVED and again.repeat_of == first and again.repeat_offender
    assert ReportLink.objects.get().reason == "same_offender"
    assert ForceReportRules.objects.get().required == ["items", "offender"]
