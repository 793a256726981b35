"""Footage requests and evidence items: metadata and hashes for partners and police, files
for police."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from ninja import Field, Query, Router, Schema, Status

from lantern.accounts.choices import POLICE_ROLES
from lantern.accounts.models import ControlRoom, Organisation, Store
from lantern.api.models import ApiToken, Scope
from lantern.core.permissions import get_for_user_or_404
from lantern.evidence import item_views
from lantern.evidence.models import EvidenceItem, EvidenceRequest
from lantern.evidence.services import REQUESTER_ROLES, RequestInput, evidence_request_create
from lantern.redaction.services import REDACTED_KIND

from .core import (
    CREATE_ERRORS,
    ERRORS,
    Input,
    IsoDate,
    IsoDateTime,
    Page,
    PageParams,
    StrictInt,
    act_as,
    file_download,
    filtered_page,
    token_of,
)
from .reports import IdempotencyKey, _with_idempotency

router = Router(tags=["Footage requests and evidence"])


class RequestIn(Input):
    case_reference: str = Field(min_length=1, max_length=40)
    case_title: str = Field(default="", max_length=200)
    recipient_kind: Literal["control_room", "store", "company", "person"]
    control_room_id: StrictInt | None = Field(default=None, ge=1, le=2**31 - 1)
    store_id: StrictInt | None = Field(default=None, ge=1, le=2**31 - 1)
    company_id: StrictInt | None = Field(default=None, ge=1, le=2**31 - 1)
    recipient_name: str = Field(default="", max_length=200)
    recipient_email: str = Field(default="", max_length=254)
    recipient_phone: str = Field(default="", max_length=20)
    location: str = Field(min_length=1, max_length=500)
    window_start: IsoDateTime
    window_end: IsoDateTime
    reason: str = Field(min_length=1, max_length=5000)
    deadline: IsoDate


class RequestOut(Schema):
    reference: str
    case_reference: str
    status: str
    recipient: str
    location: str
    window_start: datetime
    window_end: datetime
    deadline: date
    created_at: datetime
    items: int


class DerivedFileOut(Schema):
    kind: str
    content_type: str
    size: int
    sha256: str
    parent_sha256: str
    recipe: dict[str, Any]


class EvidenceItemOut(Schema):
    id: int
    request_reference: str | None
    original_name: str
    size: int
    sha256: str
    content_type: str
    state: str
    description: str
    exhibit_ref: str
    clock_offset_seconds: int | None
    submitted_at: datetime | None
    media_info: dict[str, Any]
    derived: list[DerivedFileOut]


def request_out(request: EvidenceRequest) -> dict[str, Any]:
    return {
        "reference": request.reference,
        "case_reference": request.case.reference,
        "status": request.status,
        "recipient": request.recipient_label,
        "location": request.location,
        "window_start": request.window_start,
        "window_end": request.window_end,
        "deadline": request.deadline,
        "created_at": request.created_at,
        "items": request.items.exclude(state=EvidenceItem.State.DRAFT).count(),
    }


def item_out(item: EvidenceItem, *, police: bool) -> dict[str, Any]:
    return {
        "id": item.pk,
        "request_reference": item.request.reference if item.request else None,
        "original_name": item.original_name,
        "size": item.size,
        "sha256": item.sha256,
        "content_type": item.content_type,
        "state": item.state,
        "description": item.description,
        "exhibit_ref": item.exhibit_ref,
        "clock_offset_seconds": item.clock_offset_seconds,
        "submitted_at": item.submitted_at,
        "media_info": item.media_info,
        "derived": [
            {
                "kind": d.kind,
                "content_type": d.content_type,
                "size": d.size,
                "sha256": d.sha256,
                "parent_sha256": d.parent_sha256,
                "recipe": d.recipe,
            }
            for d in item.derived.all()
            # A redacted copy's recipe says where boxes were drawn and by whom: police only.
            if police or d.kind != REDACTED_KIND
        ],
    }


class RequestFilters(PageParams):
    status: Literal["open", "received", "closed"] | None = None
    created_from: IsoDate | None = None
    created_to: IsoDate | None = None


@router.get(
    "/evidence/requests", response={200: Page[RequestOut], **ERRORS}, summary="List requests"
)
def list_requests(
    request: HttpRequest,
    filters: Query[RequestFilters],
) -> dict[str, Any]:
    """Police: their force's requests; a partner: the requests addressed to it.
    `evidence:read`."""
    token = token_of(request, Scope.EVIDENCE_READ)
    found = EvidenceRequest.objects.for_user(token.service_user).select_related(
        "case", "control_room", "store", "company"
    )
    return filtered_page(
        found,
        status=filters.status,
        field="created_at",
        start=filters.created_from,
        end=filters.created_to,
        params=filters,
        serialise=request_out,
    )


def _recipient(data: RequestIn, token: ApiToken) -> dict[str, Any]:
    found: dict[str, Any] = {"control_room": None, "store": None, "company": None}
    if data.recipient_kind == "control_room":
        found["control_room"] = ControlRoom.objects.filter(pk=data.control_room_id or 0).first()
    elif data.recipient_kind == "store":
        found["store"] = Store.objects.filter(pk=data.store_id or 0).first()
    elif data.recipient_kind == "company":
        found["company"] = Organisation.objects.filter(
            pk=data.company_id or 0, kind="retail"
        ).first()
    elif not (data.recipient_email or data.recipient_phone):
        raise ValidationError("Give the person's email address or mobile number")
    if data.recipient_kind != "person" and not any(found.values()):
        raise ValidationError(f"No such {data.recipient_kind.replace('_', ' ')}")
    return found


@router.post(
    "/evidence/requests", response={201: RequestOut, **CREATE_ERRORS}, summary="Request footage"
)
def create_request(
    request: HttpRequest, data: RequestIn, idempotency_key: str | None = IdempotencyKey
) -> Status[Any]:
    """Police (officers, investigators, supervisors): ask a control room, store, retailer or
    person for footage; they are sent a single-purpose upload link. `evidence:write`."""
    token = token_of(request, Scope.EVIDENCE_WRITE)
    if token.membership.role not in REQUESTER_ROLES:
        raise PermissionDenied("Only a police token acting as an officer can request footage")
    body = data.model_dump(mode="json")

    def make() -> tuple[int, Any]:
        if data.window_end <= data.window_start:
            raise ValidationError("window_end must be after window_start")
        values = data.model_dump(exclude={"control_room_id", "store_id", "company_id"})
        values["case_title"] = values["case_title"] or values["case_reference"]
        made, _token = evidence_request_create(
            actor=token.service_user,
            membership=token.membership,
            data=RequestInput(**values, **_recipient(data, token)),
        )
        return 201, RequestOut(**request_out(made)).model_dump(mode="json")

    return Status(
        *_with_idempotency(request, token, "evidence.request", idempotency_key, body, make)
    )


@router.get(
    "/evidence/requests/{reference}", response={200: RequestOut, **ERRORS}, summary="A request"
)
def read_request(request: HttpRequest, reference: str) -> dict[str, Any]:
    """`evidence:read`."""
    token = token_of(request, Scope.EVIDENCE_READ)
    return request_out(
        get_for_user_or_404(EvidenceRequest, token.service_user, reference=reference)
    )


@router.get(
    "/evidence/requests/{reference}/items",
    response={200: list[EvidenceItemOut], **ERRORS},
    summary="Items received for a request",
)
def request_items(request: HttpRequest, reference: str) -> list[dict[str, Any]]:
    """Submitted items with their SHA-256 and the derived copies' hashes. `evidence:read`."""
    token = token_of(request, Scope.EVIDENCE_READ)
    found = get_for_user_or_404(EvidenceRequest, token.service_user, reference=reference)
    items = found.items.exclude(state=EvidenceItem.State.DRAFT).prefetch_related("derived")
    police = token.membership.role in POLICE_ROLES
    return [item_out(i, police=police) for i in items.select_related("request")]


@router.get(
    "/evidence/items/{item_id}", response={200: EvidenceItemOut, **ERRORS}, summary="An item"
)
def read_item(request: HttpRequest, item_id: int) -> dict[str, Any]:
    """`evidence:read`."""
    token = token_of(request, Scope.EVIDENCE_READ)
    item = get_for_user_or_404(EvidenceItem, token.service_user, pk=item_id)
    if item.state == EvidenceItem.State.DRAFT:
        from django.http import Http404

        raise Http404
    return item_out(item, police=token.membership.role in POLICE_ROLES)


@router.get(
    "/evidence/items/{item_id}/original",
    response={200: str, **ERRORS},
    summary="Download the original",
    openapi_extra=file_download("application/octet-stream", "The file (Range requests give 206)"),
)
def item_original(request: HttpRequest, item_id: int) -> HttpResponse | StreamingHttpResponse:
    """Police only: the original exactly as received (supports Range).
    `evidence:download`."""
    token = token_of(request, Scope.EVIDENCE_DOWNLOAD)
    act_as(request, token)
    return item_views.item_download(request, item_id)


@router.get(
    "/evidence/items/{item_id}/working-copy",
    response={200: str, **ERRORS},
    summary="Download the working copy",
    openapi_extra=file_download("video/mp4", "The H.264/MP4 working copy"),
)
def item_working_copy(request: HttpRequest, item_id: int) -> HttpResponse | StreamingHttpResponse:
    """Police only: the browser-playable copy made from the original. `evidence:download`."""
    token = token_of(request, Scope.EVIDENCE_DOWNLOAD)
    act_as(request, token)
    query = request.GET.copy()
    query["download"] = "1"
    request.GET = query  # type: ignore[assignment]
    return item_views.item_play(request, item_id)
