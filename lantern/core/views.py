"""Home page by role, public information pages, and a health check for load balancers."""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from lantern.accounts.choices import Role
from lantern.accounts.models import Invitation, Membership, PartnerApproval

HOME_TEMPLATES = {
    Role.CALL_HANDLER: "core/home_police.html",
    Role.OFFICER: "core/home_police.html",
    Role.INVESTIGATOR: "core/home_police.html",
    Role.SUPERVISOR: "core/home_police.html",
    Role.ANALYST: "core/home_police.html",
    Role.FORCE_ADMIN: "core/home_force_admin.html",
    Role.STORE_STAFF: "core/home_retail.html",
    Role.LP_MANAGER: "core/home_retail.html",
    Role.CCTV_OPERATOR: "core/home_council.html",
    Role.CCTV_MANAGER: "core/home_council.html",
    Role.PARTNERSHIP_MANAGER: "core/home_partnership.html",
}


def home(request: HttpRequest) -> HttpResponse:
    membership: Membership = request.membership  # type: ignore[attr-defined]
    organisation = membership.organisation
    context: dict[str, object] = {"organisation": organisation}
    if membership.is_manager:
        context["people_count"] = Membership.objects.filter(
            organisation=organisation, is_active=True
        ).count()
        context["open_invitations"] = Invitation.objects.filter(
            organisation=organisation, accepted_at__isnull=True, revoked_at__isnull=True
        ).count()
    if membership.role == Role.FORCE_ADMIN:
        context["pending_partners"] = PartnerApproval.objects.filter(
            force=organisation, status=PartnerApproval.Status.PENDING
        ).count()
        context["areas"] = organisation.areas.filter(parent__isnull=True)
    if membership.role == Role.LP_MANAGER:
        context["stores"] = organisation.company_stores.select_related("area")
    elif membership.role == Role.STORE_STAFF:
        context["stores"] = membership.stores.select_related("area")
    if organisation.kind == "council":
        context["control_rooms"] = organisation.control_rooms.all()
    if organisation.kind == "partnership":
        context["stores"] = organisation.stores.select_related("company", "area")
    return render(request, HOME_TEMPLATES[Role(membership.role)], context)


@login_not_required
def accessibility(request: HttpRequest) -> HttpResponse:
    return render(request, "core/accessibility.html")


@login_not_required
def privacy(request: HttpRequest) -> HttpResponse:
    return render(request, "core/privacy.html")


@login_not_required
@never_cache
def health(request: HttpRequest) -> JsonResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
