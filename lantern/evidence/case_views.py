"""Case pages for the police: exhibits, links, retention, deletion and the CPS bundle."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from lantern.accounts.choices import POLICE_ROLES
from lantern.accounts.decorators import require_recent_auth
from lantern.accounts.models import User
from lantern.casework.models import Case
from lantern.core.permissions import get_for_user_or_404, require_role

from . import casefile
from .models import DeletionRequest, EvidenceItem, EvidenceLink, RetentionClass


class LinkForm(forms.Form):
    kind = forms.ChoiceField(choices=EvidenceLink.Kind.choices, label="Link to")
    label = forms.CharField(label="Who or where", max_length=300, required=False)
    other_item = forms.IntegerField(required=False)


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _item(request: HttpRequest, pk: int) -> EvidenceItem:
    require_role(request, POLICE_ROLES)
    return get_for_user_or_404(EvidenceItem, _user(request), pk=pk)


def case_list(request: HttpRequest) -> HttpResponse:
    require_role(request, POLICE_ROLES)
    cases = Case.objects.for_user(_user(request)).select_related("officer_in_charge")[:200]
    due = EvidenceItem.objects.for_user(_user(request)).filter(
        review_date__lte=date.today(), erased_at__isnull=True
    )
    return render(request, "evidence/case_list.html", {"cases": cases, "due": due})


def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    require_role(request, POLICE_ROLES)
    case = get_for_user_or_404(Case, _user(request), pk=pk)
    items = (
        case.evidence_items.exclude(state=EvidenceItem.State.DRAFT)
        .prefetch_related("links", "links__other_item", "deletions")
        .order_by("exhibit_ref", "pk")
    )
    pending = DeletionRequest.objects.filter(item__case=case, decided_at__isnull=True)
    context = {
        "case": case,
        "items": items,
        "requests": case.evidence_requests.all(),
        "pending_deletions": pending.select_related("item", "requested_by"),
        "suggested_ref": casefile.suggest_exhibit_ref(_user(request), case),
        "retention_choices": RetentionClass.choices,
        "link_kinds": EvidenceLink.Kind.choices,
    }
    return render(request, "evidence/case_detail.html", context)


def _back(item: EvidenceItem) -> HttpResponse:
    return redirect("evidence:case-detail", pk=item.case_id)


def _call_then_back(
    request: HttpRequest, item: EvidenceItem, call: Callable[[], object], done: Callable[[], str]
) -> HttpResponse:
    """Run a case-file service and go back to the case page, with the service's refusal
    (a ValidationError) or `done()` (worked out after the call) as the message."""
    try:
        call()
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, done())
    return _back(item)


@require_POST
def item_exhibit(request: HttpRequest, pk: int) -> HttpResponse:
    item = _item(request, pk)
    return _call_then_back(
        request,
        item,
        lambda: casefile.item_set_exhibit(
            actor=_user(request),
            membership=require_role(request, casefile.EDITORS),
            item=item,
            ref=request.POST.get("exhibit_ref", ""),
        ),
        lambda: f"Exhibit reference {item.exhibit_ref} set.",
    )


@require_POST
def item_link(request: HttpRequest, pk: int) -> HttpResponse:
    item = _item(request, pk)
    membership = require_role(request, casefile.EDITORS)  # refuse before reading the input
    form = LinkForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose what to link to")
        return _back(item)
    other = None
    if form.cleaned_data["other_item"]:
        other = (
            EvidenceItem.objects.for_user(_user(request))
            .filter(pk=form.cleaned_data["other_item"])
            .first()
        )
    return _call_then_back(
        request,
        item,
        lambda: casefile.item_link(
            actor=_user(request),
            membership=membership,
            item=item,
            kind=form.cleaned_data["kind"],
            label=form.cleaned_data["label"],
            other=other,
        ),
        lambda: "Link added.",
    )


@require_POST
def item_retention(request: HttpRequest, pk: int) -> HttpResponse:
    item = _item(request, pk)
    return _call_then_back(
        request,
        item,
        lambda: casefile.item_set_retention(
            actor=_user(request),
            membership=require_role(request, casefile.EDITORS | casefile.DELETERS),
            item=item,
            retention_class=request.POST.get("retention_class", ""),
        ),
        lambda: f"Retention set: review by {item.review_date:%d %B %Y}.",
    )


@require_recent_auth
def item_delete(request: HttpRequest, pk: int) -> HttpResponse:
    item = _item(request, pk)
    membership = require_role(request, casefile.DELETERS)
    error = ""
    if request.method == "POST":
        reason = request.POST.get("reason", "").strip()
        if not reason:
            error = "Enter why this exhibit should be deleted"
        else:
            return _call_then_back(
                request,
                item,
                lambda: casefile.deletion_request(
                    actor=_user(request), membership=membership, item=item, reason=reason
                ),
                lambda: "Deletion requested. A supervisor must approve it.",
            )
    return render(request, "evidence/item_delete.html", {"item": item, "error": error})


@require_POST
@require_recent_auth
def deletion_decide(request: HttpRequest, pk: int) -> HttpResponse:
    membership = require_role(request, casefile.APPROVERS)
    deletion = (
        DeletionRequest.objects.filter(
            pk=pk, item__in=EvidenceItem.objects.for_user(_user(request))
        )
        .select_related("item")
        .first()
    )
    if deletion is None:
        raise Http404("No deletion request found")
    approve = request.POST.get("decision") == "approve"
    return _call_then_back(
        request,
        deletion.item,
        lambda: casefile.deletion_decide(
            actor=_user(request), membership=membership, request=deletion, approve=approve
        ),
        lambda: "Exhibit erased." if approve else "Deletion refused.",
    )


@require_recent_auth
def case_bundle(request: HttpRequest, pk: int) -> HttpResponse | StreamingHttpResponse:
    require_role(request, POLICE_ROLES)
    case = get_for_user_or_404(Case, _user(request), pk=pk)
    membership = require_role(request, casefile.EDITORS | casefile.APPROVERS)
    if request.method != "POST":
        return render(
            request,
            "evidence/case_bundle.html",
            {"case": case, "items": casefile.bundle_items(case)},
        )
    try:
        stream = casefile.bundle_stream(
            actor=_user(request),
            membership=membership,
            case=case,
            working_copies=request.POST.get("copies") == "working",
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("evidence:case-detail", pk=case.pk)
    response = StreamingHttpResponse(stream, content_type="application/zip")
    safe = "".join(ch if ch.isalnum() else "-" for ch in case.reference)
    response["Content-Disposition"] = f'attachment; filename="case-{safe}-bundle.zip"'
    response["Cache-Control"] = "no-store"
    return response
