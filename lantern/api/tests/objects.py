"""Objects the API tests find: a submitted report, a footage request, an exhibit, a report
from the public, an incident with a task."""

from __future__ import annotations

from datetime import date, timedelta

from django.core.files.base import ContentFile
from django.utils import timezone

from lantern.accounts.tests.factories import World
from lantern.casework.models import Case, Incident, Task
from lantern.casework.services import IncidentInput, incident_create
from lantern.collisions.models import PublicReport
from lantern.evidence.models import EvidenceItem, EvidenceRequest
from lantern.reports.models import RetailReport


def submitted_report(world: World, store: str = "store") -> RetailReport:
    """A theft reported by store staff a day ago, received by the store's force."""
    shop = world.stores[store]
    return RetailReport.objects.create(
        store=shop,
        company=shop.company,
        force=shop.area.force,
        reported_by=world.user("store_staff"),
        reference=f"RC-2026-{RetailReport.objects.count() + 1:06d}",
        occurred_at=timezone.now() - timedelta(days=1),
        kind="theft",
        description="Theft",
        status="received",
        submitted_at=timezone.now(),
    )


def footage_request(world: World, case_reference: str = "NP-1") -> EvidenceRequest:
    """Force A asks council A's control room for footage."""
    case = Case.objects.create(force=world.orgs["force"], reference=case_reference, title="Theft")
    return EvidenceRequest.objects.create(
        force=world.orgs["force"],
        case=case,
        created_by=world.user("officer"),
        recipient_kind="control_room",
        control_room=world.orgs["council"].control_rooms.get(),
        location="High St",
        window_start=timezone.now() - timedelta(days=1),
        window_end=timezone.now(),
        reason="Theft",
        deadline=date.today() + timedelta(days=3),
    )


def exhibit(
    request: EvidenceRequest, data: bytes = b"data", state: str = "original_only"
) -> EvidenceItem:
    import hashlib

    item = EvidenceItem(
        request=request,
        case=request.case,
        original_name="cam.bin",
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        state=state,
        uploaded_by="evidence-link:1",
    )
    item.original.save("cam.bin", ContentFile(data), save=False)
    item.save()
    return item


def public_report(
    world: World,
    kind: str = "collision",
    *,
    status: str = "received",
    days_ago: int = 0,
    force: str = "force",
) -> PublicReport:
    """A report from the public to force A (or `force_b`), submitted `days_ago` days ago."""
    count = PublicReport.objects.count() + 1
    prefix = "RTC" if kind == "collision" else "CR"
    submitted = timezone.now() - timedelta(days=days_ago)
    return PublicReport.objects.create(
        kind=kind,
        reference=f"{prefix}-2026-{count:06d}",
        force=world.orgs[force],
        occurred_at=submitted - timedelta(hours=2),
        location="High Street",
        description="Reversed into my car" if kind == "collision" else "Bike stolen",
        crime_kind="" if kind == "collision" else "theft",
        reporter_name="Sam Public",
        reporter_email="sam@example.test",
        token_hash=f"{count:064d}",
        token_expires_at=timezone.now() + timedelta(days=30),
        status=status,
        submitted_at=submitted,
    )


def incident_with_task(world: World) -> tuple[Incident, Task]:
    """A Grade 3 incident of force A, opened through the service, with one task to attend."""
    incident = incident_create(
        actor=world.user("call_handler"),
        membership=world.membership("call_handler"),
        data=IncidentInput(grade=3, location="High St", summary="Shed broken into"),
    )
    task = Task.objects.create(
        force=incident.force,
        incident=incident,
        kind="attend",
        due_at=timezone.now() + timedelta(hours=1),
        assignee=world.user("officer"),
        created_by=world.user("supervisor"),
    )
    return incident, task
