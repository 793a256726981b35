"""Objects the API tests find: a submitted report, a footage request, an exhibit."""

from __future__ import annotations

from datetime import date, timedelta

from django.core.files.base import ContentFile
from django.utils import timezone

from lantern.accounts.tests.factories import World
from lantern.casework.models import Case
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
