"""Collision and crime reports from the public (police only): the force's queue and a report."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Query, Router, Schema

from lantern.accounts.choices import POLICE_ROLES
from lantern.api.models import ApiToken, Scope
from lantern.collisions import services as collision_services
from lantern.collisions.models import Kind, PublicReport, Status
from lantern.core.permissions import get_for_user_or_404

from .core import ERRORS, IsoDate, Page, PageParams, filtered_page, token_in_roles

router = Router(tags=["Collision and crime reports from the public"])

KindValue = Literal["collision", "crime"]
StatusValue = Literal["received", "allocated", "closed"]
assert set(KindValue.__args__) == set(Kind.values)  # type: ignore[attr-defined]
assert set(StatusValue.__args__) == set(Status.values)  # type: ignore[attr-defined]


class PublicReportOut(Schema):
    """What the queue shows: no reporter's personal details."""

    reference: str
    kind: str
    status: str
    occurred_at: datetime
    submitted_at: datetime
    location: str
    postcode: str
    area: str
    injury: bool
    dangerous_driving: bool
    has_footage: bool
    crime_kind: str
    allocated: bool
    outcome: str


class NoteOut(Schema):
    text: str
    from_reporter: bool
    created_at: datetime


class PublicReportDetailOut(PublicReportOut):
    """The whole report, as the police's report page shows it (the read is ledgered)."""

    description: str
    latitude: Decimal | None
    longitude: Decimal | None
    details_exchanged: str
    answers: dict[str, Any]
    advice_codes: list[str]
    reporter_name: str
    reporter_email: str
    reporter_phone: str
    reporter_address: str
    unsafe_channels: list[str]
    allocated_to: str
    outcome_note: str
    notes: list[NoteOut]


def public_report_out(report: PublicReport) -> dict[str, Any]:
    return {
        "reference": report.reference,
        "kind": report.kind,
        "status": report.status,
        "occurred_at": report.occurred_at,
        "submitted_at": report.submitted_at,
        "location": report.location,
        "postcode": report.postcode,
        "area": report.area.name if report.area else "",
        "injury": report.injury,
        "dangerous_driving": report.dangerous_driving,
        "has_footage": report.has_footage,
        "crime_kind": report.crime_kind,
        "allocated": report.allocated_to_id is not None,
        "outcome": report.outcome,
    }


def public_report_detail_out(report: PublicReport) -> dict[str, Any]:
    officer = report.allocated_to
    return {
        **public_report_out(report),
        "description": report.description,
        "latitude": report.latitude,
        "longitude": report.longitude,
        "details_exchanged": report.details_exchanged,
        "answers": report.answers,
        "advice_codes": report.advice_codes,
        "reporter_name": report.reporter_name,
        "reporter_email": report.reporter_email,
        "reporter_phone": report.reporter_phone,
        "reporter_address": report.reporter_address,
        "unsafe_channels": [str(c) for c in report.unsafe_channels],
        "allocated_to": (officer.get_full_name() or officer.username) if officer else "",
        "outcome_note": report.outcome_note,
        "notes": [
            {"text": n.text, "from_reporter": n.from_reporter, "created_at": n.created_at}
            for n in report.notes.all()
        ],
    }


def _police(request: HttpRequest) -> ApiToken:
    return token_in_roles(
        request,
        Scope.PUBLIC_REPORTS_READ,
        POLICE_ROLES,
        "Only a police token can read reports from the public",
    )


class PublicReportFilters(PageParams):
    kind: KindValue | None = None
    status: StatusValue | None = None
    submitted_from: IsoDate | None = None
    submitted_to: IsoDate | None = None


@router.get(
    "/public-reports",
    response={200: Page[PublicReportOut], **ERRORS},
    summary="List reports from the public",
)
def list_public_reports(
    request: HttpRequest, filters: Query[PublicReportFilters]
) -> dict[str, Any]:
    """The force's collision and crime reports from the public, newest first.
    `public-reports:read`, police tokens only."""
    token = _police(request)
    found = PublicReport.objects.for_user(token.service_user).select_related("area")
    if filters.kind:
        found = found.filter(kind=filters.kind)
    return filtered_page(
        found,
        status=filters.status,
        field="submitted_at",
        start=filters.submitted_from,
        end=filters.submitted_to,
        params=filters,
        serialise=public_report_out,
    )


@router.get(
    "/public-reports/{reference}",
    response={200: PublicReportDetailOut, **ERRORS},
    summary="Read a report from the public",
)
def read_public_report(request: HttpRequest, reference: str) -> dict[str, Any]:
    """With the reporter's details and answers; the read is ledgered as on the web.
    `public-reports:read`, police tokens only."""
    token = _police(request)
    report = get_for_user_or_404(PublicReport, token.service_user, reference=reference)
    collision_services.public_report_viewed(
        actor=token.service_user, membership=token.membership, report=report
    )
    return public_report_detail_out(report)
