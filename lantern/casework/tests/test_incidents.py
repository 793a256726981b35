"""Incidents, grading, notes, photos, triage and crimes through the pages."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from lantern.accounts.tests.factories import World
from lantern.casework.models import Crime, Incident, IncidentEntry, VideoQuestion
from lantern.casework.services import IncidentInput, incident_create
from lantern.ledger.models import Entry

from .helpers import jpeg

pytestmark = pytest.mark.django_db


def _incident(world: World, grade: int = 2) -> Incident:
    return incident_create(
        actor=world.user("call_handler"),
        membership=world.membership("call_handler"),
        data=IncidentInput(grade=grade, location="1 High St", summary="Shoplifter detained"),
    )


def test_call_handler_opens_an_incident_and_officer_cannot(client_for: Any, world: World) -> None:
    data = {
        "grade": "1",
        "location": "Market Sq",
        "area": world.areas["area"].pk,
        "summary": "Fight",
    }
    response = client_for("call_handler").post(reverse("casework:incident-new"), data)
    incident = Incident.objects.get()
    assert response.status_code == 302
    assert incident.grade == 1 and incident.area == world.areas["area"]
    assert incident.case is not None and incident.case.reference == incident.reference
    assert Entry.objects.filter(object_id=str(incident.pk), action="created").exists()
    assert client_for("officer").post(reverse("casework:incident-new"), data).status_code == 403
    assert Incident.objects.count() == 1


def test_missing_fields_are_explained_and_kept(client_for: Any) -> None:
    response = client_for("call_handler").post(
        reverse("casework:incident-new"), {"location": "Market Sq"}
    )
    assert response.status_code == 200
    assert "Choose the grade" in response.text and "Market Sq" in response.text


def test_other_force_cannot_see_the_incident(client_for: Any, world: World) -> None:
    incident = _incident(world)
    url = reverse("casework:incident-detail", args=[incident.reference])
    assert client_for("officer").get(url).status_code == 200
    assert client_for("officer_b").get(url).status_code == 404
    assert client_for("store_staff").get(url).status_code == 403


def test_upgrade_restarts_the_clock_and_is_ledgered(client_for: Any, world: World) -> None:
    incident = _incident(world, grade=3)
    url = reverse("casework:incident-regrade", args=[incident.reference])
    response = client_for("supervisor").post(url, {"grade": "1", "reason": "Weapon seen"})
    assert response.status_code == 302
    incident.refresh_from_db()
    assert incident.grade == 1
    page = client_for("officer").get(reverse("casework:incident-detail", args=[incident.reference]))
    assert "min left" in page.text and "Weapon seen" in page.text
    assert client_for("officer").post(url, {"grade": "2", "reason": "x"}).status_code == 403


def test_attendance_after_the_target_is_a_breach(client_for: Any, world: World) -> None:
    incident = _incident(world, grade=1)
    IncidentEntry.objects.filter(incident=incident).update(
        created_at=timezone.now() - timedelta(minutes=25)
    )
    url = reverse("casework:incident-attend", args=[incident.reference])
    assert client_for("officer").post(url).status_code == 302
    incident.refresh_from_db()
    assert incident.attended_at is not None and incident.breached
    page = client_for("supervisor").get(reverse("casework:board"))
    assert "Attended late" in page.text
    assert page.context["board"].breaches == 1
    assert client_for("officer").get(reverse("casework:board")).status_code == 403


def test_note_replay_with_the_same_key_is_saved_once(client_for: Any, world: World) -> None:
    incident = _incident(world)
    url = reverse("casework:incident-note", args=[incident.reference])
    client = client_for("officer")
    body = {"text": "Spoke to the manager", "key": "k-123"}
    first = client.post(url, body, HTTP_ACCEPT="application/json")
    again = client.post(url, body, HTTP_ACCEPT="application/json")
    assert first.status_code == 201 and again.status_code == 200
    assert first.json()["entry"] == again.json()["entry"]
    assert incident.entries.filter(kind="note").count() == 1
    assert client_for("analyst").post(url, body).status_code == 403


def test_empty_note_is_refused_in_plain_english(client_for: Any, world: World) -> None:
    incident = _incident(world)
    url = reverse("casework:incident-note", args=[incident.reference])
    response = client_for("officer").post(url, {"text": " "}, HTTP_ACCEPT="application/json")
    assert response.status_code == 400 and response.json()["error"] == "Enter the note"


def test_photo_keeps_exif_and_device_capture_and_hash(
    client_for: Any, world: World, on_commit: Any
) -> None:
    incident = _incident(world)
    data = jpeg(taken="2026:11:20 10:15:00", gps=(51.5, -0.125))
    url = reverse("casework:incident-photo", args=[incident.reference])
    with on_commit():
        response = client_for("officer").post(
            url,
            {
                "photo": SimpleUploadedFile("IMG_1.jpg", data, content_type="image/jpeg"),
                "caption": "Broken window",
                "key": "photo-1",
                "taken_at": "2026-11-20T10:16:05Z",
                "latitude": "51.51",
                "longitude": "-0.12",
            },
        )
    assert response.status_code == 302
    entry = incident.entries.get(kind="photo")
    item = entry.evidence_item
    assert item is not None and item.sha256 == hashlib.sha256(data).hexdigest()
    assert item.size == len(data) and item.case == incident.case
    assert entry.exif_taken_at and entry.exif_taken_at.isoformat() == "2026-11-20T10:15:00+00:00"
    assert entry.exif_latitude == pytest.approx(51.5)
    assert entry.exif_longitude == pytest.approx(-0.125)
    assert entry.device_taken_at and entry.device_taken_at.minute == 16
    assert entry.device_latitude == pytest.approx(51.51)
    with item.original.open("rb") as handle:
        assert handle.read() == data  # the original is kept unchanged
    item.refresh_from_db()
    assert item.state == "ready"
    photo = client_for("investigator").get(
        reverse("casework:incident-photo-file", args=[incident.reference, entry.pk])
    )
    assert photo.status_code == 200 and b"".join(photo.streaming_content) == data
    assert (
        client_for("investigator_b")
        .get(reverse("casework:incident-photo-file", args=[incident.reference, entry.pk]))
        .status_code
        == 404
    )


def test_photo_without_exif_keeps_device_data_only(client_for: Any, world: World) -> None:
    incident = _incident(world)
    url = reverse("casework:incident-photo", args=[incident.reference])
    client_for("officer").post(
        url,
        {
            "photo": SimpleUploadedFile("a.jpg", jpeg(), content_type="image/jpeg"),
            "taken_at": "2026-11-20T10:16:05Z",
        },
    )
    entry = incident.entries.get(kind="photo")
    assert entry.exif_taken_at is None and entry.device_taken_at is not None


def test_a_file_that_is_not_a_photo_is_refused(client_for: Any, world: World) -> None:
    incident = _incident(world)
    url = reverse("casework:incident-photo", args=[incident.reference])
    response = client_for("officer").post(
        url, {"photo": SimpleUploadedFile("a.jpg", b"MZ not an image")}
    )
    assert response.status_code == 400
    assert "must be a photo" in response.text or "valid image" in response.text
    assert not incident.entries.filter(kind="photo").exists()


def test_eligible_grade_3_goes_to_the_video_queue(client_for: Any, world: World) -> None:
    force = world.orgs["force"]
    q1 = VideoQuestion.objects.create(force=force, text="Is the caller safe now?", order=1)
    q2 = VideoQuestion.objects.create(
        force=force, text="Is forensic evidence at the scene?", eligible_answer=False, order=2
    )
    eligible = _incident(world, grade=3)
    not_eligible = _incident(world, grade=3)
    client = client_for("call_handler")
    for incident, second in ((eligible, "no"), (not_eligible, "yes")):
        url = reverse("casework:incident-triage", args=[incident.reference])
        assert client.post(url, {f"q{q1.pk}": "yes", f"q{q2.pk}": second}).status_code == 302
    eligible.refresh_from_db()
    not_eligible.refresh_from_db()
    assert eligible.route == "video" and not_eligible.route == "patrol"
    queue = client_for("officer").get(reverse("casework:video-queue")).text
    assert eligible.reference in queue and not_eligible.reference not in queue
    assert (
        client_for("officer")
        .post(reverse("casework:incident-triage", args=[eligible.reference]), {})
        .status_code
        == 403
    )


def test_finalise_at_first_contact_tells_the_victim(
    client_for: Any, world: World, on_commit: Any, settings: Any
) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    incident = _incident(world)
    client = client_for("officer")
    response = client.post(
        reverse("casework:crime-new") + f"?incident={incident.reference}",
        {
            "classification": "shoplifting",
            "summary": "Two bottles of gin",
            "victim_name": "Store manager",
            "victim_email": "manager@example.test",
        },
    )
    crime = Crime.objects.get()
    assert response.status_code == 302 and list(crime.incidents.all()) == [incident]
    url = reverse("casework:crime-finalise", args=[crime.pk])
    missing = client.post(url, {"outcome": "18", "reason": "No CCTV, no witnesses"})
    assert "Confirm there are no lines of enquiry" in missing.text
    with on_commit():
        client.post(
            url,
            {"no_lines_of_enquiry": "on", "outcome": "18", "reason": "No CCTV, no witnesses"},
        )
    crime.refresh_from_db()
    assert crime.status == "finalised" and crime.victim_informed_at is not None
    assert len(mail.outbox) == 1 and "No CCTV, no witnesses" in mail.outbox[0].body
    assert crime.crime_reference in mail.outbox[0].subject
    assert client_for("call_handler").get(url).status_code == 403


def test_crime_links_a_retail_report_of_the_force(client_for: Any, world: World) -> None:
    from tests.sweep_rules import retail_report_a

    report = retail_report_a(world)
    client = client_for("investigator")
    client.post(
        reverse("casework:crime-new"),
        {"classification": "shoplifting", "summary": "Theft", "retail_report": "rc-2026-000001"},
    )
    crime = Crime.objects.get()
    assert [r.pk for r in crime.retail_reports.all()] == [report["pk"]]
    response = client_for("investigator_b").post(
        reverse("casework:crime-new"),
        {"classification": "shoplifting", "summary": "Theft", "retail_report": "RC-2026-000001"},
    )
    assert "No retail crime report has this reference" in response.text
