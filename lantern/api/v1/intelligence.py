"""Offender profiles: the police's full profile; a partner only its reduced view.

The rules are the web pages' own: `selectors.profiles_search` (what a membership may see),
`selectors.partner_view` (all a partner may see of one), `selectors.profile_visible_or_404`
(hidden is a 404, the refusal ledgered), and `services.search_record` / `view_record`
(every search and every profile read ledgered; the police give a reason for a search).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from django.core.exceptions import ValidationError
from django.http import FileResponse, HttpRequest
from ninja import Field, Query, Router, Schema

from lantern.accounts.models import Area
from lantern.api.models import ApiToken, Scope
from lantern.intelligence import selectors, services
from lantern.intelligence import views as intelligence_views
from lantern.intelligence.choices import Marker
from lantern.intelligence.models import Profile

from .core import ERRORS, Page, PageParams, act_as, paginate, token_in_roles

router = Router(tags=["Offender profiles"])

MarkerValue = Literal["violence", "weapons", "threats", "drugs", "self_harm", "needles"]
assert set(MarkerValue.__args__) == set(Marker.values)  # type: ignore[attr-defined]


class MarkerOut(Schema):
    marker: str
    label: str
    note: str


class ImageOut(Schema):
    id: int
    content_type: str
    sha256: str


class ExclusionOut(Schema):
    served_on: date
    expires_on: date
    conditions: str


class LinkOut(Schema):
    status: str
    event_reference: str
    report_id: int | None
    summary: str
    occurred_at: datetime
    value_pence: int
    violent: bool


class PoliceProfileOut(Schema):
    """The police's whole profile."""

    view: Literal["police"]
    id: int
    reference: str
    name: str
    aliases: list[str]
    date_of_birth: date | None
    description: str
    modus_operandi: str
    markers: list[MarkerOut]
    areas: list[str]
    images: list[ImageOut]
    names_shared: bool
    approved_at: datetime | None
    partner_visible_until: datetime | None
    last_incident_at: datetime | None
    created_at: datetime
    links: list[LinkOut]


class PartnerProfileOut(Schema):
    """A partner's reduced view: the name only when the force shares it for this profile."""

    view: Literal["partner"]
    id: int
    reference: str
    name: str
    aliases: list[str]
    description: str
    markers: list[str]
    areas: list[str]
    images: list[ImageOut]
    incidents_recent: int
    months: int
    last_seen: datetime | None
    exclusions: list[ExclusionOut]


ProfileOut = Annotated[PoliceProfileOut | PartnerProfileOut, Field(discriminator="view")]


def _images(profile: Profile) -> list[dict[str, Any]]:
    return [
        {"id": i.pk, "content_type": i.content_type, "sha256": i.sha256}
        for i in profile.images.all()
    ]


def police_profile_out(profile: Profile) -> dict[str, Any]:
    return {
        "view": "police",
        "id": profile.pk,
        "reference": profile.reference,
        "name": profile.name,
        "aliases": [a.name for a in profile.aliases.all()],
        "date_of_birth": profile.date_of_birth,
        "description": profile.description,
        "modus_operandi": profile.modus_operandi,
        "markers": [
            {"marker": m.marker, "label": m.get_marker_display(), "note": m.note}
            for m in profile.markers.all()
        ],
        "areas": [a.name for a in profile.areas.all()],
        "images": _images(profile),
        "names_shared": profile.names_shared,
        "approved_at": profile.approved_at,
        "partner_visible_until": profile.partner_visible_until,
        "last_incident_at": profile.last_incident_at,
        "created_at": profile.created_at,
        "links": [
            {
                "status": lk.status,
                "event_reference": lk.event_reference,
                "report_id": lk.report_id,
                "summary": lk.summary,
                "occurred_at": lk.occurred_at,
                "value_pence": lk.value_pence,
                "violent": lk.violent,
            }
            for lk in profile.links.all()
        ],
    }


def partner_profile_out(profile: Profile, token: ApiToken) -> dict[str, Any]:
    view = selectors.partner_view(profile, token.membership)
    return {
        "view": "partner",
        "id": view.profile_id,
        "reference": view.reference,
        "name": view.name,
        "aliases": view.aliases,
        "description": view.description,
        "markers": view.markers,
        "areas": view.areas,
        "images": [
            {"id": i.pk, "content_type": i.content_type, "sha256": i.sha256} for i in view.images
        ],
        "incidents_recent": view.incidents_recent,
        "months": view.months,
        "last_seen": view.last_seen,
        "exclusions": [
            {"served_on": e.served_on, "expires_on": e.expires_on, "conditions": e.conditions}
            for e in view.exclusions
        ],
    }


def _reader(request: HttpRequest) -> ApiToken:
    """The calling token, if it holds the scope and acts as police or a partner (as the web)."""
    return token_in_roles(
        request,
        Scope.INTELLIGENCE_READ,
        intelligence_views.ALL_ROLES,
        "Only police and retail partners' tokens can read profiles",
    )


def _out(profile: Profile, token: ApiToken) -> dict[str, Any]:
    if token.membership.is_police:
        return police_profile_out(profile)
    return partner_profile_out(profile, token)


class ProfileFilters(PageParams):
    text: str = Field(default="", max_length=100, description="In the description or MO")
    markers: list[MarkerValue] = Field(default_factory=list, description="All of these")
    name: str = Field(default="", max_length=100, description="Police only: name or alias")
    area_id: int | None = Field(default=None, ge=1, le=2**31 - 1, description="Police only")
    review_due: bool = Field(default=False, description="Police only: due for deletion review")
    reason: str = Field(
        default="",
        max_length=300,
        description="Police only, required with text, name or markers: why you search",
    )


def _search(token: ApiToken, filters: ProfileFilters) -> selectors.Search:
    """The web form's search: partners may only ask by description and warning markers."""
    search = selectors.Search(text=filters.text.strip(), markers=list(filters.markers))
    if not token.membership.is_police:
        return search
    search.name = filters.name.strip()
    search.review_due = filters.review_due
    if filters.area_id is not None:
        area = Area.objects.filter(force=token.membership.organisation_id, pk=filters.area_id)
        search.area = area.first()
        if search.area is None:
            raise ValidationError("area_id is not one of this force's areas")
    return search


@router.get(
    "/profiles",
    response={200: Page[ProfileOut], **ERRORS},
    summary="Search offender profiles",
)
def list_profiles(request: HttpRequest, filters: Query[ProfileFilters]) -> dict[str, Any]:
    """Police: their force's profiles, searched with a reason. Partners: the approved
    profiles active near their stores, each as the reduced view. Newest activity first;
    every search is ledgered. `intelligence:read`."""
    token = _reader(request)
    search = _search(token, filters)
    found = selectors.profiles_search(token.membership, search).prefetch_related(
        "aliases", "markers", "areas", "images", "links"
    )
    reason = filters.reason if token.membership.is_police else ""
    count, pages, rows = paginate(found, filters.page, filters.page_size)
    services.search_record(
        actor=token.service_user,
        membership=token.membership,
        terms={**search.terms(), "page": filters.page},
        reason=reason,
        results=len(rows),
    )
    return {
        "count": count,
        "page": filters.page,
        "pages": pages,
        "items": [_out(p, token) for p in rows],
    }


@router.get(
    "/profiles/{profile_id}",
    response={200: ProfileOut, **ERRORS},
    summary="Read an offender profile",
)
def read_profile(request: HttpRequest, profile_id: int) -> dict[str, Any]:
    """The police's whole profile, or a partner's reduced view; every read is ledgered.
    `intelligence:read`."""
    token = _reader(request)
    act_as(request, token)
    profile = selectors.profile_visible_or_404(token.service_user, token.membership, profile_id)
    police = token.membership.is_police
    services.view_record(
        actor=token.service_user, membership=token.membership, profile=profile, reduced=not police
    )
    return _out(profile, token)


_PICTURE = {"type": "string", "format": "binary"}


@router.get(
    "/profiles/images/{image_id}",
    response={200: str, **ERRORS},
    summary="A profile's picture",
    openapi_extra={
        "responses": {
            200: {
                "description": "The picture, as stored",
                "content": {t: {"schema": _PICTURE} for t in services.IMAGE_TYPES.values()},
            }
        }
    },
)
def profile_image(request: HttpRequest, image_id: int) -> FileResponse:
    """A picture of a profile this token may see (the same rule as the profile: a partner
    only of a profile shared with it). `intelligence:read`."""
    token = _reader(request)
    act_as(request, token)
    return intelligence_views.image(request, image_id)
