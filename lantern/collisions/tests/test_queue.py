"""The force's queues of public reports: by kind and area, for police only."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from lantern.collisions.models import PublicReport, Status
from lantern.ledger.models import Entry

from .helpers import answer_collision, answer_crime, send

pytestmark = pytest.mark.django_db


def _report(kind: str, area: Any = None) -> PublicReport:
    client = Client()
    if kind == "collision":
        answer_collision(client, injured=True, area=str(area.pk) if area else "")
    else:
        answer_crime(client)
    assert send(client, kind).status_code == 302
    return PublicReport.objects.latest("pk")


def test_queue_by_kind_and_area_for_the_force_only(world: Any, client_for: Any) -> None:
    in_a1 = _report("collision", world.areas["area"])
    in_a2 = _report("collision", world.areas["area2"])
    crime = _report("crime")
    officer = client_for("officer")
    page = officer.get("/report/queue/").content.decode()
    assert in_a1.reference in page and in_a2.reference in page and crime.reference not in page
    assert "Injury" in page
    page = officer.get(f"/report/queue/?area={world.areas['area'].pk}").content.decode()
    assert in_a1.reference in page and in_a2.reference not in page
    page = officer.get("/report/queue/?kind=crime&area=none").content.decode()
    assert crime.reference in page and in_a1.reference not in page
    # Another force's police see none of them; partners may not open the queue.
    page = client_for("officer_b").get("/report/queue/").content.decode()
    assert in_a1.reference not in page
    assert client_for("officer_b").get(f"/report/queue/{in_a1.reference}/").status_code == 404
    assert client_for("store_staff").get("/report/queue/").status_code == 403
    assert client_for("cctv_operator").get(f"/report/queue/{in_a1.reference}/").status_code == 403
    detail = officer.get(f"/report/queue/{in_a1.reference}/").content.decode()
    assert 'data-advice="injury"' in detail and "Whiplash" in detail and "AB12 CDE" in detail


def test_allocate_and_close_by_those_who_act(world: Any, client_for: Any) -> None:
    report = _report("collision", world.areas["area"])
    investigator = world.user("investigator")
    url = f"/report/queue/{report.reference}/"
    assert client_for("analyst").get(url).status_code == 200
    assert (
        client_for("analyst").post(url + "allocate/", {"officer": investigator.pk}).status_code
        == 403
    )
    assert (
        client_for("officer_b").post(url + "allocate/", {"officer": investigator.pk}).status_code
        == 404
    )  # another force's officer: the report is simply not found
    officer = client_for("officer")
    assert officer.post(url + "allocate/", {"officer": investigator.pk}).status_code == 302
    report.refresh_from_db()
    assert report.allocated_to == investigator and report.status == Status.ALLOCATED
    response = officer.post(url + "close/", {"outcome": "nfa", "note": ""})
    assert response.status_code == 400 and "Enter a note" in response.content.decode()
    assert (
        officer.post(url + "close/", {"outcome": "nfa", "note": "Advice given"}).status_code == 302
    )
    report.refresh_from_db()
    assert report.status == Status.CLOSED and report.outcome == "nfa"
    assert not report.link_usable
    assert report.reference not in officer.get("/report/queue/").content.decode()
    assert report.reference in officer.get("/report/queue/?closed=1").content.decode()
    actions = list(
        Entry.objects.filter(object_id=str(report.pk), object_type__contains="publicreport")
        .order_by("pk")
        .values_list("action", flat=True)
    )
    # Every opening by police is recorded, and the other force's attempt too.
    assert actions == ["created", "viewed", "authz_failed", "changed", "changed"]
