"""Offender profiles: the partners' gallery, the police's profiles, and the rights pages.

Views parse, authorise (`require_role`, querysets that make hidden profiles a 404), call a
service and render. Every search and every profile view is ledgered by the service layer.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from lantern.accounts.choices import POLICE_ROLES
from lantern.accounts.decorators import require_recent_auth
from lantern.accounts.models import Membership, Store, User
from lantern.core.permissions import current_membership, require_role
from lantern.ledger.models import Action
from lantern.ledger.services import ledger_record
from lantern.reports.models import RetailReport

from . import selectors, services
from .choices import (
    ANALYST_ROLES,
    APPROVER_ROLES,
    EDITOR_ROLES,
    PARTNER_ROLES,
    REPORTING_ROLES,
    RIGHTS_ROLES,
)
from .forms import (
    AlertSettingForm,
    ApproveForm,
    DecideForm,
    ExclusionForm,
    ImageForm,
    LinkForm,
    MarkerForm,
    NamesForm,
    PolicyForm,
    ProfileForm,
    ReasonForm,
    SearchForm,
)
from .models import (
    Alert,
    AlertSetting,
    ExclusionNotice,
    IncidentLink,
    Policy,
    Profile,
    ProfileImage,
    partner_scope,
)

ALL_ROLES = frozenset(POLICE_ROLES) | PARTNER_ROLES


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _profile(request: HttpRequest, pk: int, membership: Membership) -> Profile:
    """The profile if this membership may see it, else 404 (the refusal ledgered)."""
    return selectors.profile_visible_or_404(_user(request), membership, pk)


def _search_from(request: HttpRequest, membership: Membership) -> tuple[SearchForm, Any]:
    police = membership.is_police
    form = SearchForm(
        request.GET or None,
        force_id=membership.organisation_id if police else None,
        police=police,
    )
    if not form.is_bound:
        return form, selectors.Search()
    if not form.is_valid():
        return form, None
    d = form.cleaned_data
    return form, selectors.Search(
        text=(d.get("text") or "").strip(),
        name=(d.get("name") or "").strip(),
        markers=list(d.get("markers") or []),
        area=d.get("area"),
        review_due=bool(d.get("review_due")),
    )


def _page_number(request: HttpRequest) -> int:
    try:
        return max(1, int(request.GET.get("page", "1")))
    except ValueError:
        return 1


def _list(
    request: HttpRequest, membership: Membership, template: str, **extra: Any
) -> HttpResponse:
    form, search = _search_from(request, membership)
    page = _page_number(request)
    profiles: list[Profile] = []
    if search is not None:
        profiles = selectors.gallery_page(membership, search, page)
        services.search_record(
            actor=_user(request),
            membership=membership,
            terms={**search.terms(), "page": page},
            reason=(form.cleaned_data.get("reason") or "") if form.is_bound else "",
            results=len(profiles),
        )
    more = len(profiles) > selectors.GALLERY_PAGE
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "profiles": profiles[: selectors.GALLERY_PAGE],
        "page": page,
        "more": more,
        "query": query.urlencode(),
        **extra,
    }
    return render(request, template, context, status=200 if search is not None else 400)


def gallery(request: HttpRequest) -> HttpResponse:
    """Store staff's "active in your area": pictures first, for a phone at the till."""
    membership = require_role(request, PARTNER_ROLES)
    return _list(request, membership, "intelligence/gallery.html")


def profile_list(request: HttpRequest) -> HttpResponse:
    membership = require_role(request, POLICE_ROLES)
    extra = {
        "queue": list(selectors.link_queue(membership.organisation_id)[:50]),
        "can_edit": membership.role in EDITOR_ROLES,
        "can_analyse": membership.role in ANALYST_ROLES,
        "can_export": membership.role in services.EXPORT_ROLES,
        "is_admin": membership.role in RIGHTS_ROLES,
    }
    return _list(request, membership, "intelligence/profile_list.html", **extra)


def _profile_input(form: ProfileForm) -> services.ProfileInput:
    d = form.cleaned_data
    lists = form.lists()
    return services.ProfileInput(
        description=d["description"],
        name=d.get("name") or "",
        date_of_birth=d.get("date_of_birth"),
        modus_operandi=d.get("modus_operandi") or "",
        aliases=lists["aliases"],
        areas=list(d["areas"]),
        partnerships=list(d.get("partnerships") or []),
        stores=list(d.get("stores") or []),
        places=lists["places"],
        vehicles=lists["vehicles"],
        items=lists["items"],
    )


def _profile_form(request: HttpRequest, profile: Profile | None) -> HttpResponse:
    membership = require_role(request, EDITOR_ROLES)
    if profile is not None and profile.force_id != membership.organisation_id:
        raise Http404
    force_id = membership.organisation_id
    if request.method == "POST":
        form = ProfileForm(request.POST, force_id=force_id)
        if form.is_valid():
            try:
                if profile is None:
                    profile = services.profile_create(
                        actor=_user(request), membership=membership, data=_profile_input(form)
                    )
                    messages.success(request, f"Profile {profile} created.")
                else:
                    services.profile_update(
                        actor=_user(request),
                        membership=membership,
                        profile=profile,
                        data=_profile_input(form),
                    )
                    messages.success(request, "Profile updated.")
            except ValidationError as error:
                for message in error.messages:
                    form.add_error(None, message)
            else:
                return redirect("intelligence:profile-detail", pk=profile.pk)
        status = 400
    else:
        initial: dict[str, Any] = {}
        if profile is not None:
            initial = {
                "description": profile.description,
                "name": profile.name,
                "date_of_birth": profile.date_of_birth,
                "modus_operandi": profile.modus_operandi,
                "aliases": "\n".join(a.name for a in profile.aliases.all()),
                "areas": list(profile.areas.all()),
                "partnerships": list(profile.partnerships.all()),
                "stores": [loc.store for loc in profile.locations.exclude(store=None)],
                "places": "\n".join(loc.place for loc in profile.locations.filter(store=None)),
                "vehicles": "\n".join(
                    o.description for o in profile.objects_held.filter(kind="vehicle")
                ),
                "items": "\n".join(o.description for o in profile.objects_held.filter(kind="item")),
            }
        form = ProfileForm(initial=initial, force_id=force_id)
        status = 200
    return render(
        request, "intelligence/profile_form.html", {"form": form, "profile": profile}, status=status
    )


def profile_new(request: HttpRequest) -> HttpResponse:
    return _profile_form(request, None)


def profile_edit(request: HttpRequest, pk: int) -> HttpResponse:
    membership = require_role(request, EDITOR_ROLES)
    return _profile_form(request, _profile(request, pk, membership))


def profile_detail(request: HttpRequest, pk: int, **forms: Any) -> HttpResponse:
    membership = require_role(request, ALL_ROLES)
    profile = _profile(request, pk, membership)
    police = membership.is_police
    services.view_record(
        actor=_user(request), membership=membership, profile=profile, reduced=not police
    )
    if not police:
        return render(
            request,
            "intelligence/profile_partner.html",
            {
                "view": selectors.partner_view(profile, membership),
                "can_exclude": True,
            },
        )
    links = profile.links.select_related("report", "store", "suggested_by", "decided_by")
    policy = Policy.for_force(profile.force_id)
    context = {
        "profile": profile,
        "links": links,
        "policy": policy,
        "images": profile.images.all(),
        "markers": profile.markers.all(),
        "exclusions": profile.exclusions.select_related("issued_by").prefetch_related("stores"),
        "can_edit": membership.role in EDITOR_ROLES,
        "can_approve": membership.role in APPROVER_ROLES,
        "is_admin": membership.role in RIGHTS_ROLES,
        "marker_form": forms.get("marker_form") or MarkerForm(),
        "approve_form": forms.get("approve_form")
        or ApproveForm(initial={"approve": "no" if profile.is_approved else "yes"}),
        "names_form": forms.get("names_form")
        or NamesForm(
            initial={"shared": profile.names_shared, "reason": profile.names_shared_reason}
        ),
        "decide_form": DecideForm(),
    }
    return render(
        request, "intelligence/profile_detail.html", context, status=400 if forms else 200
    )


def _post_action(
    request: HttpRequest, pk: int, roles: frozenset[str], form_name: str, form: Any, call: Any,
    done: str,
) -> HttpResponse:  # fmt: skip
    membership = require_role(request, roles)
    profile = _profile(request, pk, membership)
    if form.is_valid():
        try:
            call(membership, profile, form.cleaned_data)
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
        else:
            messages.success(request, done)
            return redirect("intelligence:profile-detail", pk=profile.pk)
    return profile_detail(request, pk, **{form_name: form})


@require_POST
def marker_add(request: HttpRequest, pk: int) -> HttpResponse:
    return _post_action(
        request, pk, EDITOR_ROLES, "marker_form", MarkerForm(request.POST),
        lambda m, p, d: services.marker_add(
            actor=_user(request), membership=m, profile=p, marker=d["marker"], note=d["note"]
        ),
        "Warning marker added.",
    )  # fmt: skip


@require_POST
def marker_remove(request: HttpRequest, pk: int, marker_pk: int) -> HttpResponse:
    membership = require_role(request, EDITOR_ROLES)
    profile = _profile(request, pk, membership)
    marker = profile.markers.filter(pk=marker_pk).first()
    if marker is None:
        raise Http404
    services.marker_remove(
        actor=_user(request), membership=membership, profile=profile, marker=marker
    )
    messages.success(request, "Warning marker removed.")
    return redirect("intelligence:profile-detail", pk=profile.pk)


@require_POST
def profile_approve(request: HttpRequest, pk: int) -> HttpResponse:
    return _post_action(
        request, pk, APPROVER_ROLES, "approve_form", ApproveForm(request.POST),
        lambda m, p, d: services.profile_approve(
            actor=_user(request), membership=m, profile=p, approve=d["approve"] == "yes",
            reason=d["reason"],
        ),
        "Sharing decision recorded.",
    )  # fmt: skip


@require_POST
def profile_names(request: HttpRequest, pk: int) -> HttpResponse:
    return _post_action(
        request, pk, APPROVER_ROLES, "names_form", NamesForm(request.POST),
        lambda m, p, d: services.profile_set_names_shared(
            actor=_user(request), membership=m, profile=p, shared=d["shared"], reason=d["reason"]
        ),
        "Name sharing recorded.",
    )  # fmt: skip


def image_add(request: HttpRequest, pk: int) -> HttpResponse:
    membership = require_role(request, EDITOR_ROLES)
    profile = _profile(request, pk, membership)
    evidence = services.evidence_images_for(_user(request), membership)
    form = ImageForm(request.POST or None, request.FILES or None, evidence=evidence)
    if request.method == "POST" and form.is_valid():
        try:
            upload = form.cleaned_data.get("picture")
            if upload:
                services.image_upload(
                    actor=_user(request),
                    membership=membership,
                    profile=profile,
                    data=upload.read(services.IMAGE_MAX_BYTES + 1),
                )
            else:
                services.image_from_evidence(
                    actor=_user(request),
                    membership=membership,
                    profile=profile,
                    choice=form.cleaned_data["evidence"],
                )
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
        else:
            messages.success(request, "Picture added.")
            return redirect("intelligence:profile-detail", pk=profile.pk)
    status = 400 if form.is_bound else 200
    return render(
        request, "intelligence/image_add.html", {"form": form, "profile": profile}, status=status
    )


def image(request: HttpRequest, pk: int) -> FileResponse:
    membership = require_role(request, ALL_ROLES)
    found = ProfileImage.objects.filter(pk=pk).select_related("profile").first()
    if found is None:
        raise Http404
    _profile(request, found.profile_id, membership)
    response = FileResponse(found.file.open("rb"), content_type=found.content_type)
    response["Cache-Control"] = "private, no-store"
    response["Content-Disposition"] = "inline"
    return response


@require_POST
def image_remove(request: HttpRequest, pk: int) -> HttpResponse:
    membership = require_role(request, EDITOR_ROLES)
    found = ProfileImage.objects.filter(pk=pk).select_related("profile").first()
    if found is None:
        raise Http404
    _profile(request, found.profile_id, membership)
    services.image_remove(actor=_user(request), membership=membership, image=found)
    messages.success(request, "Picture removed and its file deleted.")
    return redirect("intelligence:profile-detail", pk=found.profile_id)


def link_add(request: HttpRequest, pk: int) -> HttpResponse:
    membership = require_role(request, EDITOR_ROLES)
    profile = _profile(request, pk, membership)
    form = LinkForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        report = None
        if d.get("report_reference"):
            report = (
                RetailReport.objects.for_user(_user(request))
                .filter(reference=d["report_reference"].strip().upper())
                .first()
            )
            if report is None:
                form.add_error(
                    "report_reference", "No crime report of your force has that reference"
                )
        if not form.errors:
            try:
                services.link_add(
                    actor=_user(request),
                    membership=membership,
                    profile=profile,
                    report=report,
                    event_reference="" if report else d.get("event_reference", ""),
                    occurred_at=d.get("occurred_at"),
                    summary=d.get("summary", ""),
                    violent=bool(d.get("violent")),
                )
            except ValidationError as error:
                for message in error.messages:
                    form.add_error(None, message)
            else:
                messages.success(request, "Incident linked.")
                return redirect("intelligence:profile-detail", pk=profile.pk)
    status = 400 if form.is_bound else 200
    return render(
        request, "intelligence/link_add.html", {"form": form, "profile": profile}, status=status
    )


@require_POST
def link_decide(request: HttpRequest, pk: int) -> HttpResponse:
    membership = require_role(request, EDITOR_ROLES)
    link = IncidentLink.objects.filter(pk=pk).select_related("profile").first()
    if link is None:
        raise Http404
    _profile(request, link.profile_id, membership)
    form = DecideForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose whether to confirm or reject the link")
    else:
        try:
            services.link_decide(
                actor=_user(request),
                membership=membership,
                link=link,
                confirm=form.cleaned_data["decision"] == "confirm",
                note=form.cleaned_data["note"],
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, f"Link {link.get_status_display().lower()}.")
    return redirect("intelligence:profile-detail", pk=link.profile_id)


def exclusion_new(request: HttpRequest, pk: int) -> HttpResponse:
    membership = require_role(request, PARTNER_ROLES)
    profile = _profile(request, pk, membership)
    stores_q, _, _ = partner_scope(membership)
    stores = Store.objects.filter(pk__in=stores_q).select_related("company")
    form = ExclusionForm(request.POST or None, stores=stores)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.exclusion_record(
                actor=_user(request),
                membership=membership,
                profile=profile,
                stores=list(d["stores"]),
                served_on=d["served_on"],
                expires_on=d["expires_on"],
                conditions=d["conditions"],
            )
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
        else:
            messages.success(request, "Exclusion notice recorded. The police can see it.")
            return redirect("intelligence:profile-detail", pk=profile.pk)
    status = 400 if form.is_bound else 200
    return render(
        request,
        "intelligence/exclusion_new.html",
        {"form": form, "profile": profile},
        status=status,
    )


def _notice(request: HttpRequest, pk: int) -> tuple[Membership, ExclusionNotice]:
    """A notice this membership may change (its organisation served it, or the police of
    the profile's force); any other is not found."""
    membership = require_role(request, PARTNER_ROLES | EDITOR_ROLES)
    notice = ExclusionNotice.objects.filter(pk=pk).select_related("profile", "issued_by").first()
    if notice is None or not services.exclusion_may_change(membership, notice):
        raise Http404("No exclusion notice found")
    return membership, notice


def exclusion_edit(request: HttpRequest, pk: int) -> HttpResponse:
    membership, notice = _notice(request, pk)
    if notice.withdrawn_at is not None:
        messages.error(request, "This exclusion notice has been withdrawn")
        return redirect("intelligence:profile-detail", pk=notice.profile_id)
    stores = Store.objects.filter(
        pk__in=services.exclusion_stores(membership, notice)
    ).select_related("company")
    form = ExclusionForm(
        request.POST or None,
        stores=stores,
        initial={
            "stores": list(notice.stores.all()),
            "served_on": notice.served_on,
            "expires_on": notice.expires_on,
            "conditions": notice.conditions,
        },
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.exclusion_update(
                actor=_user(request), membership=membership, notice=notice,
                stores=list(d["stores"]), served_on=d["served_on"],
                expires_on=d["expires_on"], conditions=d["conditions"],
            )  # fmt: skip
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
        else:
            messages.success(request, "Exclusion notice changed.")
            return redirect("intelligence:profile-detail", pk=notice.profile_id)
    return render(
        request,
        "intelligence/exclusion_edit.html",
        {"form": form, "notice": notice, "profile": notice.profile},
        status=400 if form.is_bound else 200,
    )


@require_POST
def exclusion_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    membership, notice = _notice(request, pk)
    try:
        services.exclusion_withdraw(
            actor=_user(request),
            membership=membership,
            notice=notice,
            reason=request.POST.get("reason", ""),
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("intelligence:exclusion-edit", pk=notice.pk)
    messages.success(request, "Exclusion notice withdrawn. It is kept, no longer in force.")
    return redirect("intelligence:profile-detail", pk=notice.profile_id)


# --- Picking an offender from a report --------------------------------------------------------


def report_pick(request: HttpRequest, report_pk: int) -> HttpResponse:
    """From their report, store staff pick the gallery profile they think is the offender."""
    membership = require_role(request, REPORTING_ROLES)
    report = RetailReport.objects.for_user(_user(request)).filter(pk=report_pk).first()
    if report is None:
        raise Http404("No report found")
    if request.method == "POST":
        profile = _profile(request, int(request.POST.get("profile") or 0), membership)
        try:
            services.link_suggest(
                actor=_user(request), membership=membership, profile=profile, report=report
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, "Thank you. The police will confirm whether it is them.")
            return redirect("reports:detail", pk=report.pk)
    return _list(request, membership, "intelligence/report_pick.html", report=report)


# --- Duplicates -------------------------------------------------------------------------------


def duplicates(request: HttpRequest, pk: int) -> HttpResponse:
    membership = require_role(request, EDITOR_ROLES)
    profile = _profile(request, pk, membership)
    suggestions = selectors.duplicate_suggestions(profile)
    return render(
        request,
        "intelligence/duplicates.html",
        {
            "profile": profile,
            "suggestions": suggestions,
            "can_merge": membership.role in APPROVER_ROLES,
        },
    )


def merge(request: HttpRequest, pk: int, other_pk: int) -> HttpResponse:
    membership = require_role(request, APPROVER_ROLES)
    profile = _profile(request, pk, membership)
    other = _profile(request, other_pk, membership)
    if profile.pk == other.pk:
        raise Http404
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.profiles_merge(
            actor=_user(request),
            membership=membership,
            keep=profile,
            other=other,
            reason=form.cleaned_data["reason"],
        )
        messages.success(request, f"{other} merged into {profile}.")
        return redirect("intelligence:profile-detail", pk=profile.pk)
    return render(
        request,
        "intelligence/merge.html",
        {"profile": profile, "other": other, "form": form},
        status=400 if form.is_bound else 200,
    )


@require_POST
def not_same(request: HttpRequest, pk: int, other_pk: int) -> HttpResponse:
    membership = require_role(request, EDITOR_ROLES)
    profile = _profile(request, pk, membership)
    other = _profile(request, other_pk, membership)
    services.profiles_not_same(
        actor=_user(request), membership=membership, profile=profile, other=other
    )
    messages.success(request, f"{other} will no longer be suggested as the same person.")
    return redirect("intelligence:duplicates", pk=profile.pk)


# --- Analysis ---------------------------------------------------------------------------------


def analysis(request: HttpRequest) -> HttpResponse:
    membership = require_role(request, ANALYST_ROLES)
    force_id = membership.organisation_id
    areas = list(membership.organisation.areas.order_by("name"))
    selected = next((a for a in areas if str(a.pk) == request.GET.get("area")), None)
    ranking = selectors.prolific_ranking(force_id, selected)
    series = selectors.series_detection(force_id)
    with transaction.atomic():
        ledger_record(
            action=Action.VIEWED,
            actor=_user(request),
            actor_org=membership.organisation,
            object_type="intelligence.analysis",
            detail={"area": selected.pk if selected else None, "ranked": len(ranking)},
        )
    return render(
        request,
        "intelligence/analysis.html",
        {"areas": areas, "selected": selected, "ranking": ranking, "series": series},
    )


# --- Disclosure and rights (step-up) ----------------------------------------------------------


def export(request: HttpRequest) -> HttpResponseBase:
    require_role(request, services.EXPORT_ROLES)
    return _export(request)


@require_recent_auth
def _export(request: HttpRequest) -> HttpResponse:
    membership = current_membership(request)
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = services.profiles_export_csv(
            actor=_user(request), membership=membership, reason=form.cleaned_data["reason"]
        )
        response = HttpResponse(data, content_type="text/csv; charset=utf-8")
        stamp = timezone.now().strftime("%Y%m%d-%H%M")
        response["Content-Disposition"] = f'attachment; filename="profiles-{stamp}.csv"'
        response["Cache-Control"] = "private, no-store"
        return response
    return render(
        request, "intelligence/export.html", {"form": form}, status=400 if form.is_bound else 200
    )


def _rights_step_up(
    request: HttpRequest, pk: int, page: Callable[[HttpRequest, int], HttpResponseBase]
) -> HttpResponseBase:
    """Force administrators only, and only a profile they may see (403, then 404), before
    the recent sign-in check of `page` (which may send them to sign in again)."""
    membership = require_role(request, RIGHTS_ROLES)
    _profile(request, pk, membership)
    return page(request, pk)


def _rights_profile(request: HttpRequest, pk: int) -> tuple[Membership, Profile]:
    membership = current_membership(request)
    return membership, _profile(request, pk, membership)


def subject_access(request: HttpRequest, pk: int) -> HttpResponseBase:
    return _rights_step_up(request, pk, _subject_access)


@require_recent_auth
def _subject_access(request: HttpRequest, pk: int) -> HttpResponse:
    membership, profile = _rights_profile(request, pk)
    if request.method == "POST":
        data = services.subject_access_export(
            actor=_user(request), membership=membership, profile=profile
        )
        response = HttpResponse(data, content_type="application/zip")
        response["Content-Disposition"] = (
            f'attachment; filename="subject-access-{profile.reference}.zip"'
        )
        response["Cache-Control"] = "private, no-store"
        return response
    return render(request, "intelligence/subject_access.html", {"profile": profile})


def erase(request: HttpRequest, pk: int) -> HttpResponseBase:
    return _rights_step_up(request, pk, _erase)


@require_recent_auth
def _erase(request: HttpRequest, pk: int) -> HttpResponse:
    membership, profile = _rights_profile(request, pk)
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        reference = services.profile_erase(
            actor=_user(request),
            membership=membership,
            profile=profile,
            reason=form.cleaned_data["reason"],
        )
        messages.success(request, f"Profile {reference} and its pictures have been erased.")
        return redirect("intelligence:profile-list")
    return render(
        request,
        "intelligence/erase.html",
        {"profile": profile, "form": form},
        status=400 if form.is_bound else 200,
    )


def deletion_review(request: HttpRequest) -> HttpResponse:
    """For those who decide deletions: profiles with no new incident within the force's
    expiry period (hidden from partners), longest quiet first, each to keep or erase."""
    membership = require_role(request, RIGHTS_ROLES)
    page = _page_number(request)
    profiles = selectors.deletion_review_page(membership.organisation_id, page)
    with transaction.atomic():
        ledger_record(
            action=Action.VIEWED,
            actor=_user(request),
            actor_org=membership.organisation,
            object_type="intelligence.deletion_review",
            detail={"page": page, "profiles": len(profiles[: selectors.GALLERY_PAGE])},
        )
    return render(
        request,
        "intelligence/deletion_review.html",
        {
            "profiles": profiles[: selectors.GALLERY_PAGE],
            "more": len(profiles) > selectors.GALLERY_PAGE,
            "page": page,
            "policy": Policy.for_force(membership.organisation_id),
        },
    )


def policy(request: HttpRequest) -> HttpResponse:
    membership = require_role(request, RIGHTS_ROLES)
    current = Policy.for_force(membership.organisation_id)
    form = PolicyForm(
        request.POST or None,
        initial={
            "threshold_incidents": current.threshold_incidents,
            "threshold_months": current.threshold_months,
            "expiry_months": current.expiry_months,
        },
    )
    if request.method == "POST" and form.is_valid():
        services.policy_save(actor=_user(request), membership=membership, **form.cleaned_data)
        messages.success(request, "Sharing rules saved. Every profile has been rechecked.")
        return redirect("intelligence:profile-list")
    return render(
        request, "intelligence/policy.html", {"form": form}, status=400 if form.is_bound else 200
    )


# --- Alerts -----------------------------------------------------------------------------------


def alerts(request: HttpRequest) -> HttpResponse:
    membership = require_role(request, ALL_ROLES)
    setting = AlertSetting.objects.filter(user=_user(request)).first()
    if request.method == "POST":
        form = AlertSettingForm(request.POST)
        if form.is_valid():
            services.alert_setting_save(actor=_user(request), email=form.cleaned_data["email"])
            messages.success(request, "Your alert settings have been saved.")
            return redirect("intelligence:alerts")
    else:
        form = AlertSettingForm(initial={"email": setting.email if setting else True})
    items = list(Alert.objects.for_user(_user(request)).select_related("profile")[:100])
    visible = set(
        Profile.objects.for_membership(membership)
        .filter(pk__in=[a.profile_id for a in items])
        .values_list("pk", flat=True)
    )
    services.alerts_mark_read(actor=_user(request))
    return render(
        request,
        "intelligence/alerts.html",
        {"alerts": items, "visible": visible, "form": form},
    )
