"""Retail crime reports: stores create and reply; police change their status; CSV export."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from typing import Any, Literal

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from ninja import Field, Header, Query, Router, Schema, Status

from lantern.api.models import ApiToken, Scope
from lantern.api.services import idempotent_replay, idempotent_store
from lantern.core.permissions import get_for_user_or_404
from lantern.reports import services as report_services
from lantern.reports.models import Kind, Outcome, ReportEvent, RetailReport
from lantern.reports.models import Status as ReportStatus
from lantern.reports.services import RETAIL_ROLES, TRIAGE_ROLES, ItemInput, ReportInput

from .core import (
    BODY_ERRORS,
    CREATE_ERRORS,
    ERRORS,
    Input,
    IsoDate,
    IsoDateTime,
    Page,
    PageParams,
    Problem,
    StrictBool,
    StrictInt,
    day_end,
    day_start,
    file_download,
    paginate,
    token_of,
)

router = Router(tags=["Retail crime reports"])

KindValue = Literal[
    "theft",
    "theft_with_violence_or_threats",
    "abuse_of_staff",
    "criminal_damage",
    "burglary",
    "fraud",
]
StatusValue = Literal[
    "draft",
    "received",
    "crime_recorded",
    "allocated",
    "more_info_requested",
    "returned",
    "finalised",
    "withdrawn",
]
assert set(KindValue.__args__) == set(Kind.values)  # type: ignore[attr-defined]
assert set(StatusValue.__args__) == set(ReportStatus.values)  # type: ignore[attr-defined]
OutcomeValue = Literal["1", "2", "3", "4", "6", "8", "14", "15", "16", "18", "20", "21", "22"]
assert set(OutcomeValue.__args__) == set(Outcome.values)  # type: ignore[attr-defined]
Text = Field(default="", max_length=5000)


class ItemIn(Input):
    description: str = Field(min_length=1, max_length=200)
    quantity: StrictInt = Field(default=1, ge=1, le=100000)
    unit_value_pence: StrictInt = Field(default=0, ge=0, le=100_000_000)


class OffenderIn(Input):
    sex: str = Field(default="", max_length=50)
    age: str = Field(default="", max_length=50)
    height: str = Field(default="", max_length=50)
    build: str = Field(default="", max_length=50)
    clothing: str = Field(default="", max_length=500)
    features: str = Field(default="", max_length=500)


class ReportIn(Input):
    store_id: StrictInt = Field(ge=1, le=2**31 - 1)
    occurred_at: IsoDateTime
    kind: KindValue
    description: str = Field(min_length=1, max_length=10000)
    goods_recovered: StrictBool = False
    how_offender_left: str = Text
    offenders: list[OffenderIn] = Field(default_factory=list, max_length=20)
    staff_witnesses: list[str] = Field(default_factory=list, max_length=20)
    staff_harmed: StrictBool = False
    harm_details: str = Text
    cctv_available: StrictBool = False
    cctv_kept_days: StrictInt | None = Field(default=None, ge=1, le=3650)
    items: list[ItemIn] = Field(default_factory=list, max_length=100)


class ReportItemOut(Schema):
    description: str
    quantity: int
    unit_value_pence: int


class ReportOut(Schema):
    id: int
    reference: str | None
    status: str
    store_id: int
    store_name: str
    kind: str
    occurred_at: datetime | None
    submitted_at: datetime | None
    description: str
    crime_reference: str
    outcome_code: str
    outcome_reason: str
    total_pence: int
    items: list[ReportItemOut]
    source: str


class EventOut(Schema):
    kind: str
    status: str
    text: str
    from_police: bool
    created_at: datetime


class MessageIn(Input):
    text: str = Field(min_length=1, max_length=5000)


class StatusIn(Input):
    """What the police do to a report: record a crime, ask the store, or finalise."""

    action: Literal["record_crime", "request_info", "finalise"]
    crime_reference: str = Field(default="", max_length=40)
    message: str = Text
    outcome_code: OutcomeValue | None = None
    reason: str = Text


class BulkIn(Input):
    reports: list[ReportIn] = Field(min_length=1, max_length=100)


class BulkResult(Schema):
    index: int
    ok: bool
    report: ReportOut | None = None
    problem: str = ""


class BulkOut(Schema):
    created: int
    failed: int
    results: list[BulkResult]


def report_out(report: RetailReport) -> dict[str, Any]:
    items = list(report.items.all())
    return {
        "id": report.pk,
        "reference": report.reference,
        "status": report.status,
        "store_id": report.store_id,
        "store_name": str(report.store),
        "kind": report.kind,
        "occurred_at": report.occurred_at,
        "submitted_at": report.submitted_at,
        "description": report.description,
        "crime_reference": report.crime_reference,
        "outcome_code": report.outcome_code,
        "outcome_reason": report.outcome_reason,
        "total_pence": sum(i.total_pence for i in items),
        "items": [
            {
                "description": i.description,
                "quantity": i.quantity,
                "unit_value_pence": i.unit_value_pence,
            }
            for i in items
        ],
        "source": report.source,
    }


def _visible(token: ApiToken, pk: int) -> RetailReport:
    return get_for_user_or_404(RetailReport, token.service_user, pk=pk)


def _filtered(
    token: ApiToken,
    status: str | None,
    submitted_from: date | None,
    submitted_to: date | None,
) -> Any:
    reports = RetailReport.objects.for_user(token.service_user).select_related(
        "store", "store__company"
    )
    if status:
        reports = reports.filter(status=status)
    if submitted_from:
        reports = reports.filter(submitted_at__gte=day_start(submitted_from))
    if submitted_to:
        reports = reports.filter(submitted_at__lte=day_end(submitted_to))
    return reports.order_by("-created_at", "-pk")


class ReportFilters(PageParams):
    status: StatusValue | None = None
    submitted_from: IsoDate | None = None
    submitted_to: IsoDate | None = None


@router.get("/reports", response={200: Page[ReportOut], **ERRORS}, summary="List reports")
def list_reports(
    request: HttpRequest,
    filters: Query[ReportFilters],
) -> dict[str, Any]:
    """Reports this token may see, newest first: police see their force's submitted
    reports; a retailer its own stores'. `reports:read`."""
    token = token_of(request, Scope.REPORTS_READ)
    reports = _filtered(token, filters.status, filters.submitted_from, filters.submitted_to)
    count, pages, rows = paginate(
        reports.prefetch_related("items"), filters.page, filters.page_size
    )
    return {
        "count": count,
        "page": filters.page,
        "pages": pages,
        "items": [report_out(r) for r in rows],
    }


def _create(token: ApiToken, data: ReportIn) -> RetailReport:
    membership = token.membership
    if membership.role not in RETAIL_ROLES:
        raise PermissionDenied("Only a retailer's token can report crimes")
    store = report_services.stores_for(membership).filter(pk=data.store_id).first()
    if store is None:
        from django.core.exceptions import ValidationError

        raise ValidationError("store_id is not one of this organisation's stores")
    values = data.model_dump()
    values.pop("store_id")
    values["items"] = [ItemInput(**i) for i in values["items"]]
    report_input = ReportInput(store=store, **values)
    with transaction.atomic():
        report = report_services.report_save_draft(
            actor=token.service_user, membership=membership, data=report_input
        )
        return report_services.report_submit(
            actor=token.service_user, membership=membership, report=report
        )


def _with_idempotency(
    request: HttpRequest,
    token: ApiToken,
    operation: str,
    key: str | None,
    body: Any,
    make: Any,
) -> tuple[int, Any]:
    if not key:
        return make()  # type: ignore[no-any-return]
    with transaction.atomic():
        earlier = idempotent_replay(token=token, operation=operation, key=key, body=body)
        if earlier is not None:
            return earlier.status, earlier.body
        status, response = make()
        idempotent_store(
            token=token, operation=operation, key=key, body=body, status=status, response=response
        )
    return status, response


IdempotencyKey: Any = Header(  # type: ignore[type-arg]
    None,
    alias="Idempotency-Key",
    max_length=200,
    description="Repeat a create safely: the same key and body return the first response.",
)


@router.post(
    "/reports", response={201: ReportOut, **CREATE_ERRORS}, summary="Create and send a report"
)
def create_report(
    request: HttpRequest, data: ReportIn, idempotency_key: str | None = IdempotencyKey
) -> Status[Any]:
    """Creates the report and sends it to the store's force at once. A force that needs
    more details returns it straight away (status `returned`). `reports:write`."""
    token = token_of(request, Scope.REPORTS_WRITE)
    body = data.model_dump(mode="json")

    def make() -> tuple[int, Any]:
        report = _create(token, data)
        return 201, ReportOut(**report_out(report)).model_dump(mode="json")

    return Status(*_with_idempotency(request, token, "reports.create", idempotency_key, body, make))


@router.post("/reports/bulk", response={200: BulkOut, **CREATE_ERRORS}, summary="Send many reports")
def create_reports_bulk(
    request: HttpRequest, data: BulkIn, idempotency_key: str | None = IdempotencyKey
) -> Status[Any]:
    """Up to 100 reports; each is created or refused on its own. `reports:write`."""
    token = token_of(request, Scope.REPORTS_WRITE)
    if token.membership.role not in RETAIL_ROLES:
        raise PermissionDenied("Only a retailer's token can report crimes")
    body = data.model_dump(mode="json")

    def make() -> tuple[int, Any]:
        from django.core.exceptions import ValidationError

        results: list[dict[str, Any]] = []
        for index, one in enumerate(data.reports):
            try:
                report = _create(token, one)
            except (ValidationError, PermissionDenied) as exc:
                text = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
                results.append({"index": index, "ok": False, "problem": text})
            else:
                results.append({"index": index, "ok": True, "report": report_out(report)})
        created = sum(1 for r in results if r["ok"])
        out = BulkOut(created=created, failed=len(results) - created, results=results)  # type: ignore[arg-type]
        return 200, out.model_dump(mode="json")

    return Status(*_with_idempotency(request, token, "reports.bulk", idempotency_key, body, make))


@router.get(
    "/reports/export.csv",
    response={200: str, **ERRORS},
    summary="Reports as CSV",
    openapi_extra=file_download("text/csv", "One row per report, UTF-8"),
)
def export_reports_csv(request: HttpRequest, filters: Query[ReportFilters]) -> HttpResponse:
    """The same reports as the list (same filters), one row each, for a records system.
    `reports:read`."""
    token = token_of(request, Scope.REPORTS_READ)
    reports = _filtered(token, filters.status, filters.submitted_from, filters.submitted_to)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    columns = [
        "id", "reference", "status", "store", "kind", "occurred_at", "submitted_at",
        "crime_reference", "outcome_code", "total_pence", "description",
    ]  # fmt: skip
    writer.writerow(columns)
    for report in reports.prefetch_related("items")[:10000]:
        row = report_out(report)
        writer.writerow([_csv_safe(row.get(c if c != "store" else "store_name")) for c in columns])
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="reports.csv"'
    return response


def _csv_safe(value: Any) -> str:
    """Text that a spreadsheet will not run as a formula (CSV injection)."""
    text = "" if value is None else value.isoformat() if isinstance(value, datetime) else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


@router.get("/reports/{report_id}", response={200: ReportOut, **ERRORS}, summary="Read a report")
def read_report(request: HttpRequest, report_id: int) -> dict[str, Any]:
    """`reports:read`."""
    token = token_of(request, Scope.REPORTS_READ)
    return report_out(_visible(token, report_id))


@router.get(
    "/reports/{report_id}/events", response={200: list[EventOut], **ERRORS}, summary="Timeline"
)
def report_events(request: HttpRequest, report_id: int) -> list[dict[str, Any]]:
    """Status changes and messages; a retailer never sees police notes. `reports:read`."""
    token = token_of(request, Scope.REPORTS_READ)
    report = _visible(token, report_id)
    events = report.events.all()
    if not token.membership.is_police:
        events = events.filter(visible_to_store=True).exclude(kind=ReportEvent.Kind.NOTE)
    return [
        {
            "kind": e.kind,
            "status": e.status,
            "text": e.text,
            "from_police": e.from_police,
            "created_at": e.created_at,
        }
        for e in events
    ]


@router.post(
    "/reports/{report_id}/messages",
    response={200: ReportOut, **BODY_ERRORS},
    summary="Send a message",
)
def report_message(request: HttpRequest, report_id: int, data: MessageIn) -> dict[str, Any]:
    """A retailer replies in the report's thread; a police token asks the store a question
    (the report becomes `more_info_requested`). `reports:write`."""
    token = token_of(request, Scope.REPORTS_WRITE)
    report = _visible(token, report_id)
    actor, membership = token.service_user, token.membership
    if membership.role in TRIAGE_ROLES:
        report = report_services.report_request_info(
            actor=actor, membership=membership, report=report, message=data.text
        )
    else:
        report = report_services.report_reply(
            actor=actor, membership=membership, report=report, text=data.text
        )
    return report_out(report)


@router.post(
    "/reports/{report_id}/status", response={200: ReportOut, **BODY_ERRORS}, summary="Change status"
)
def report_status(request: HttpRequest, report_id: int, data: StatusIn) -> dict[str, Any]:
    """Police only: record a crime, ask for information, or finalise with an outcome code.
    `reports:write`."""
    from django.core.exceptions import ValidationError

    token = token_of(request, Scope.REPORTS_WRITE)
    report = _visible(token, report_id)
    actor, membership = token.service_user, token.membership
    if data.action == "record_crime":
        report = report_services.report_record_crime(
            actor=actor, membership=membership, report=report, crime_reference=data.crime_reference
        )
    elif data.action == "request_info":
        report = report_services.report_request_info(
            actor=actor, membership=membership, report=report, message=data.message
        )
    else:
        if data.outcome_code is None:
            raise ValidationError("Give the outcome_code")
        report = report_services.report_finalise(
            actor=actor,
            membership=membership,
            report=report,
            outcome_code=data.outcome_code,
            reason=data.reason,
        )
    return report_out(report)


__all__ = ["Problem", "router"]
