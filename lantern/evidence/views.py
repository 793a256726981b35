"""Footage requests: officers ask, recipients answer through a single-purpose link.

Officer views parse, authorise through `for_user`, call a service and render. Recipient views
are open to people without accounts, and rely on the link (and a one-time code for the
public, or membership of the organisation asked).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from lantern.accounts.choices import POLICE_ROLES
from lantern.accounts.models import User
from lantern.core.permissions import current_membership, get_for_user_or_404, require_role
from lantern.uploads.principals import grant_session_principal, revoke_session_principal

from . import services
from .fixity import sha256_of_upload
from .forms import CheckForm, CloseForm, CodeForm, ExtendForm, RequestForm, UploadForm
from .models import EvidenceItem, EvidenceRequest, RequestLink
from .principals import link_from_session

CODE_OK_SESSION = "evidence_code_ok"


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _get_request(request: HttpRequest, reference: str) -> EvidenceRequest:
    return get_for_user_or_404(EvidenceRequest, _user(request), reference=reference)


# --- Officers -------------------------------------------------------------------------------


def request_list(request: HttpRequest) -> HttpResponse:
    membership = current_membership(request)
    visible = (
        EvidenceRequest.objects.for_user(_user(request))
        .select_related("case", "control_room", "store__company", "company")
        .order_by("deadline")
    )
    if membership.role in POLICE_ROLES:
        open_requests = list(visible.filter(status=EvidenceRequest.Status.OPEN))
        context = {
            "police": True,
            "at_risk": [r for r in open_requests if r.at_risk],
            "overdue": [r for r in open_requests if r.overdue and not r.at_risk],
            "waiting": [r for r in open_requests if not r.at_risk and not r.overdue],
            "received": visible.filter(status=EvidenceRequest.Status.RECEIVED),
            "can_request": membership.role in services.REQUESTER_ROLES,
        }
    else:
        context = {
            "police": False,
            "inbox": visible.exclude(status=EvidenceRequest.Status.CLOSED),
        }
    return render(request, "evidence/request_list.html", context)


def request_new(request: HttpRequest) -> HttpResponse:
    membership = require_role(request, services.REQUESTER_ROLES)
    form = RequestForm(request.POST or None, force=membership.organisation)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        created, _ = services.evidence_request_create(
            actor=_user(request),
            membership=membership,
            data=services.RequestInput(
                case_reference=data["case_reference"],
                case_title=data["case_title"],
                recipient_kind=data["recipient_kind"],
                control_room=data.get("control_room"),
                store=data.get("store"),
                company=data.get("company"),
                recipient_name=data["recipient_name"],
                recipient_email=data["recipient_email"],
                recipient_phone=data["recipient_phone"],
                location=data["location"],
                window_start=data["window_start"],
                window_end=data["window_end"],
                reason=data["reason"],
                deadline=data["deadline"],
            ),
        )
        messages.success(request, f"Request {created.reference} sent to {created.recipient_label}.")
        return redirect("evidence:request-detail", reference=created.reference)
    return render(request, "evidence/request_form.html", {"form": form})


def request_detail(request: HttpRequest, reference: str) -> HttpResponse:
    evidence_request = _get_request(request, reference)
    membership = current_membership(request)
    items = evidence_request.items.exclude(state=EvidenceItem.State.DRAFT)
    context = {
        "req": evidence_request,
        "items": items,
        "police": membership.role in POLICE_ROLES,
        "can_act": membership.role in services.REQUESTER_ROLES
        and evidence_request.status != EvidenceRequest.Status.CLOSED,
        "links": evidence_request.links.all(),
    }
    return render(request, "evidence/request_detail.html", context)


def request_extend(request: HttpRequest, reference: str) -> HttpResponse:
    membership = require_role(request, services.REQUESTER_ROLES)
    evidence_request = _get_request(request, reference)
    form = ExtendForm(request.POST or None, initial={"deadline": evidence_request.deadline})
    if request.method == "POST" and form.is_valid():
        services.evidence_request_extend(
            actor=_user(request),
            membership=membership,
            request=evidence_request,
            deadline=form.cleaned_data["deadline"],
        )
        messages.success(request, "The date to upload by has been changed.")
        return redirect("evidence:request-detail", reference=reference)
    return render(request, "evidence/request_extend.html", {"form": form, "req": evidence_request})


@require_POST
def request_chase(request: HttpRequest, reference: str) -> HttpResponse:
    membership = require_role(request, services.REQUESTER_ROLES)
    evidence_request = _get_request(request, reference)
    try:
        services.evidence_request_chase(
            actor=_user(request), membership=membership, request=evidence_request
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "A reminder has been sent with a new link.")
    return redirect("evidence:request-detail", reference=reference)


def request_close(request: HttpRequest, reference: str) -> HttpResponse:
    membership = require_role(request, services.REQUESTER_ROLES)
    evidence_request = _get_request(request, reference)
    form = CloseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.evidence_request_close(
            actor=_user(request),
            membership=membership,
            request=evidence_request,
            reason=form.cleaned_data["reason"],
        )
        messages.success(request, f"Request {reference} is closed. Its links no longer work.")
        return redirect("evidence:request-detail", reference=reference)
    return render(request, "evidence/request_close.html", {"form": form, "req": evidence_request})


@require_POST
def request_respond(request: HttpRequest, reference: str) -> HttpResponse:
    """A signed-in member of the organisation asked answers from their list of requests."""
    evidence_request = _get_request(request, reference)
    link = evidence_request.links.filter(revoked_at__isnull=True).order_by("-created_at").first()
    if link is None or not link.is_usable or not services.link_may_be_used_by(link, request.user):
        raise PermissionDenied
    services.link_opened(link, _user(request))
    grant_session_principal(request, link.principal)
    return redirect("evidence:respond")


# --- Recipients -----------------------------------------------------------------------------


@login_not_required
@never_cache
def link(request: HttpRequest, token: str) -> HttpResponse:
    found = services.link_for_token(token)
    if found is None or not found.is_usable:
        return render(request, "evidence/link_invalid.html", status=404)
    evidence_request = found.request
    if evidence_request.recipient_organisation is not None:
        if not services.link_may_be_used_by(found, request.user):
            if request.user.is_authenticated:
                raise PermissionDenied
            messages.info(
                request,
                f"Sign in as a member of {evidence_request.recipient_organisation} to answer "
                f"request {evidence_request.reference}.",
            )
            return redirect(f"{reverse('accounts:login')}?next={request.path}")
        services.link_opened(found, _user(request))
        grant_session_principal(request, found.principal)
        return redirect("evidence:respond")
    # A member of the public proves they hold the contact the officer gave.
    if request.session.get(CODE_OK_SESSION) == found.pk:
        grant_session_principal(request, found.principal)
        return redirect("evidence:respond")
    form = CodeForm(request.POST or None)
    sent = found.codes.filter(used_at__isnull=True).exists()
    if request.method == "POST" and request.POST.get("action") == "send":
        try:
            services.link_send_code(found)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        return redirect(request.path)
    if request.method == "POST" and form.is_valid():
        if services.link_check_code(found, form.cleaned_data["code"]):
            request.session.cycle_key()
            request.session[CODE_OK_SESSION] = found.pk
            services.link_opened(found, None)
            grant_session_principal(request, found.principal)
            return redirect("evidence:respond")
        form.add_error(
            "code", "The code is not correct or has expired. Check it, or send a new one."
        )
    context = {
        "req": evidence_request,
        "form": form if request.method == "POST" else CodeForm(),
        "sent": sent,
        "contact": services.masked_contact(evidence_request),
    }
    return render(request, "evidence/link_code.html", context)


def _respond_link(request: HttpRequest) -> RequestLink:
    found = link_from_session(request)
    if found is None:
        revoke_session_principal(request)
        raise PermissionDenied
    return found


@login_not_required
@never_cache
def respond(request: HttpRequest) -> HttpResponse:
    found = _respond_link(request)
    evidence_request = found.request
    drafts = evidence_request.items.filter(
        state=EvidenceItem.State.DRAFT, uploaded_by=found.principal
    )
    submitted = evidence_request.items.filter(uploaded_by=found.principal).exclude(
        state=EvidenceItem.State.DRAFT
    )
    return render(
        request,
        "evidence/respond.html",
        {
            "req": evidence_request,
            "drafts": drafts,
            "submitted": submitted,
            "upload_form": UploadForm(),
        },
    )


@login_not_required
@require_POST
def respond_upload(request: HttpRequest) -> HttpResponse:
    """Plain form upload, for browsers without JavaScript."""
    found = _respond_link(request)
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, "Choose at least one file to upload.")
        return redirect("evidence:respond")
    for uploaded in form.cleaned_data["footage"]:
        services.evidence_item_add(
            link=found,
            file=File(uploaded),
            name=uploaded.name or "unnamed file",
            sha256=sha256_of_upload(uploaded),
            size=uploaded.size or 0,
            uploaded_by=found.principal,
        )
    messages.success(request, "Files uploaded. Describe each one, then submit them.")
    return redirect("evidence:respond")


def _offset(value: str) -> int | None:
    value = value.strip()
    if not value:
        return None
    return int(value)


@login_not_required
@require_POST
def respond_submit(request: HttpRequest) -> HttpResponse:
    found = _respond_link(request)
    drafts = found.request.items.filter(state=EvidenceItem.State.DRAFT, uploaded_by=found.principal)
    details: dict[int, tuple[str, int | None]] = {}
    errors = []
    for item in drafts:
        description = request.POST.get(f"description-{item.pk}", "").strip()[:2000]
        try:
            offset = _offset(request.POST.get(f"offset-{item.pk}", ""))
        except ValueError:
            errors.append(
                f"Enter the clock difference for {item.original_name} as a whole "
                "number of seconds, like 90 or -30"
            )
            offset = None
        details[item.pk] = (description, offset)
    if errors:
        for error in errors:
            messages.error(request, error)
        return redirect("evidence:respond")
    try:
        items = services.evidence_items_submit(
            link=found, uploaded_by=found.principal, details=details
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("evidence:respond")
    return render(request, "evidence/receipt.html", {"req": found.request, "items": items})


@login_not_required
def check(request: HttpRequest) -> HttpResponse:
    """Anyone can check a reference is genuine; nothing about the request is revealed."""
    form = CheckForm(request.GET or None)
    result = None
    if form.is_valid():
        reference = form.cleaned_data["reference"].strip().upper()
        found = EvidenceRequest.objects.filter(reference=reference).select_related("force").first()
        result = {"reference": reference, "found": found}
    return render(request, "evidence/check.html", {"form": form, "result": result})
