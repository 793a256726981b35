"""URL × role expectations for this app (merged into tests/test_url_sweep.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from lantern.accounts.choices import POLICE_ROLES, Role
from lantern.accounts.tests.factories import World
from lantern.casework.services import BOARD_ROLES, CRIME_ROLES, DISPATCH_ROLES, FIELD_ROLES
from tests.sweep_rules import Expectations, everyone, police_of_force_a, roles


def allowed_of_force_a(allowed: frozenset[str]) -> Callable[[str], Any]:
    """Roles outside `allowed` are refused (403) before the object is looked up; allowed
    roles of force B do not find force A's object (404)."""

    def expect(actor: str) -> Any:
        if actor == "anon":
            return "login"
        if actor.removesuffix("_b") not in allowed:
            return 403
        return 404 if actor.endswith("_b") else 200

    return expect


def incident_a(w: World) -> dict[str, Any]:
    """A Grade 3 incident of force A (made once per world)."""
    from lantern.casework.models import Incident
    from lantern.casework.services import IncidentInput, incident_create

    existing = Incident.objects.filter(force=w.orgs["force"]).first()
    if existing is None:
        existing = incident_create(
            actor=w.user("call_handler"),
            membership=w.membership("call_handler"),
            data=IncidentInput(grade=3, location="High St", summary="Shed broken into"),
        )
    return {"reference": existing.reference}


def photo_a(w: World) -> dict[str, Any]:
    """A checked photo in force A's incident log."""
    from django.core.files.base import ContentFile

    from lantern.casework.models import Incident, IncidentEntry
    from lantern.evidence.models import EvidenceItem

    reference = incident_a(w)["reference"]
    incident = Incident.objects.get(reference=reference)
    entry = incident.entries.filter(evidence_item__isnull=False).first()
    if entry is None:
        item = EvidenceItem(
            case=incident.case,
            original_name="scene.jpg",
            size=4,
            sha256="0" * 64,
            content_type="image/jpeg",
            state=EvidenceItem.State.READY,
            uploaded_by=f"user:{w.user('officer').pk}",
        )
        item.original.save("scene.jpg", ContentFile(b"data"), save=False)
        item.save()
        entry = IncidentEntry.objects.create(
            incident=incident, kind="photo", author=w.user("officer"), evidence_item=item
        )
    return {"reference": reference, "entry": entry.pk}


def task_a(w: World) -> dict[str, Any]:
    from datetime import timedelta

    from django.utils import timezone

    from lantern.casework.models import Incident, Task

    incident = Incident.objects.get(reference=incident_a(w)["reference"])
    task = Task.objects.filter(incident=incident).first()
    if task is None:
        task = Task.objects.create(
            force=incident.force,
            incident=incident,
            kind="attend",
            due_at=timezone.now() + timedelta(hours=1),
            assignee=w.user("officer"),
            created_by=w.user("supervisor"),
        )
    return {"pk": task.pk}


def crime_a(w: World) -> dict[str, Any]:
    from lantern.casework.models import Crime
    from lantern.casework.services import CrimeInput, crime_create

    crime = Crime.objects.filter(force=w.orgs["force"]).first()
    if crime is None:
        crime = crime_create(
            actor=w.user("officer"),
            membership=w.membership("officer"),
            data=CrimeInput(classification="theft", summary="Bike stolen"),
        )
    return {"pk": crime.pk}


EXPECTED: Expectations = {
    "casework:incident-list": (lambda w: {}, roles(set(POLICE_ROLES))),
    "casework:incident-new": (lambda w: {}, roles(set(DISPATCH_ROLES))),
    "casework:incident-detail": (incident_a, police_of_force_a()),
    "casework:incident-note": (incident_a, everyone(405)),
    "casework:incident-photo": (incident_a, everyone(405)),
    "casework:incident-photo-file": (photo_a, police_of_force_a()),
    "casework:incident-attend": (incident_a, everyone(405)),
    "casework:incident-regrade": (incident_a, allowed_of_force_a(DISPATCH_ROLES)),
    "casework:incident-triage": (incident_a, allowed_of_force_a(DISPATCH_ROLES)),
    "casework:incident-close": (incident_a, everyone(405)),
    "casework:task-new": (incident_a, allowed_of_force_a(DISPATCH_ROLES)),
    "casework:video-queue": (lambda w: {}, roles(set(POLICE_ROLES))),
    "casework:task-list": (lambda w: {}, roles(set(POLICE_ROLES))),
    "casework:task-reallocate": (task_a, allowed_of_force_a(DISPATCH_ROLES)),
    "casework:task-done": (task_a, everyone(405)),
    "casework:crime-list": (lambda w: {}, roles(set(POLICE_ROLES))),
    "casework:crime-new": (lambda w: {}, roles(set(CRIME_ROLES))),
    "casework:crime-detail": (crime_a, police_of_force_a()),
    "casework:crime-finalise": (crime_a, allowed_of_force_a(CRIME_ROLES)),
    "casework:board": (lambda w: {}, roles(set(BOARD_ROLES))),
    "casework:settings": (lambda w: {}, roles({"force_admin"})),
    "casework:manifest": (lambda w: {}, everyone(200, anon=200)),
    "casework:service-worker": (lambda w: {}, everyone(200, anon=200)),
}

# Who may POST to the URLs that answer GET with 405: the role check comes first (403), then
# the incident or task must be of the actor's own force (404 for force B).
WRITE_EXPECTED: dict[str, Callable[[str], Any]] = {
    "casework:incident-note": allowed_of_force_a(FIELD_ROLES),
    "casework:incident-photo": allowed_of_force_a(FIELD_ROLES),
    "casework:incident-attend": allowed_of_force_a(FIELD_ROLES),
    "casework:incident-close": allowed_of_force_a(DISPATCH_ROLES | {Role.OFFICER}),
    "casework:task-done": allowed_of_force_a(FIELD_ROLES),
}
