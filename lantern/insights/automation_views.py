"""Pages for the routine automation: marker rules, proposed closures, the disclosure
schedule and the retention review."""

from __future__ import annotations

import csv
import io

from django import forms
from django.contrib import messages
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from lantern.accounts.choices import POLICE_ROLES, Role
from lantern.accounts.models import User
from lantern.casework.models import Case
from lantern.core.permissions import require_role
from lantern.ledger.models import Action
from lantern.ledger.services import ledger_record

from . import automation, pdf, services
from .models import ClosureProposal, DisclosureReview, Marker, MarkerRule
from .views import _police_get


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


class RuleForm(forms.ModelForm[MarkerRule]):
    class Meta:
        model = MarkerRule
        fields = [
            "marker", "trigger", "target", "min_cases", "within_days",
            "requires_domestic_abuse",
        ]  # fmt: skip
        labels = {
            "min_cases": "The person is a victim in at least this many cases (a suspect: "
            "has at least this many confirmed incidents)",
            "within_days": "Within this many days",
            "requires_domestic_abuse": "Only where domestic abuse is recorded",
        }
        widgets = {"trigger": forms.RadioSelect, "target": forms.RadioSelect}


def marker_rules(request: HttpRequest) -> HttpResponse:
    membership = require_role(request, frozenset({Role.FORCE_ADMIN}))
    form = RuleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            automation.marker_rule_save(
                actor=_user(request), membership=membership, rule=None, data=form.cleaned_data
            )
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                form.add_error(None, exc.messages)
        else:
            messages.success(request, "Rule added")
            return redirect("insights:markers")
    return render(
        request,
        "insights/markers.html",
        {
            "form": form,
            "rules": MarkerRule.objects.filter(force=membership.organisation_id),
            "markers": Marker.objects.filter(force=membership.organisation_id)[:50],
        },
    )


def closures(request: HttpRequest) -> HttpResponse:
    membership = require_role(request, automation.SUPERVISORS)
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "find":
            found = automation.closures_propose(membership.organisation)
            messages.success(request, f"{len(found)} case{'s' if len(found) != 1 else ''} found")
        else:
            chosen = list(
                ClosureProposal.objects.filter(
                    force=membership.organisation_id,
                    status="proposed",
                    pk__in=[p for p in request.POST.getlist("proposal") if p.isdigit()],
                )
            )
            if not chosen:
                messages.error(request, "Choose at least one case")
            else:
                n = automation.closures_decide(
                    actor=_user(request),
                    membership=membership,
                    proposals=chosen,
                    confirm=action == "close",
                )
                verb = (
                    "closed; victims' letters are under way" if action == "close" else "kept open"
                )
                messages.success(request, f"{n} case{'s' if n != 1 else ''} {verb}")
        return redirect("insights:closures")
    proposals = ClosureProposal.objects.filter(
        force=membership.organisation_id, status="proposed"
    ).select_related("case")
    return render(
        request, "insights/closures.html", {"proposals": proposals, "checks": automation.CHECKS}
    )


def disclosure(request: HttpRequest, pk: int) -> HttpResponse:
    case: Case = _police_get(request, Case, pk, services.DISCLOSURE_ROLES)
    if request.method == "POST":
        automation.disclosure_review(
            actor=_user(request),
            membership=request.membership,  # type: ignore[attr-defined]
            case=case,
        )
        messages.success(request, "Recorded: you have reviewed this schedule")
        return redirect("insights:disclosure", pk=case.pk)
    rows = automation.disclosure_schedule(case)
    latest = DisclosureReview.objects.filter(case=case).select_related("reviewed_by").first()
    return render(
        request,
        "insights/disclosure.html",
        {
            "case": case,
            "rows": rows,
            "latest": latest,
            "current": latest is not None
            and latest.schedule_sha256 == automation.schedule_sha256(rows),
        },
    )


def _export(request: HttpRequest, case: Case, kind: str) -> None:
    ledger_record(
        action=Action.EXPORTED,
        actor=_user(request),
        actor_org=request.membership.organisation,  # type: ignore[attr-defined]
        obj=case,
        detail={"schedule": "unused material", "format": kind},
        require_transaction=False,
    )


HEADERS = ["Item", "Description and relative location", "Location", "Lantern record"]


def disclosure_csv(request: HttpRequest, pk: int) -> HttpResponse:
    case: Case = _police_get(request, Case, pk, services.DISCLOSURE_ROLES)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADERS)
    for r in automation.disclosure_schedule(case):
        writer.writerow([r.number, r.description, r.location, r.source])
    _export(request, case, "csv")
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="unused-material-{case.pk}.csv"'
    return response


def disclosure_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    case: Case = _police_get(request, Case, pk, services.DISCLOSURE_ROLES)
    rows = automation.disclosure_schedule(case)
    content = pdf.table_pdf(
        title=f"Schedule of non-sensitive unused material (MG6C style): {case.reference}",
        intro=[case.title, f"Generated by Lantern on {timezone.localtime():%d/%m/%Y %H:%M}."],
        headers=HEADERS,
        rows=[[str(r.number), r.description, r.location, r.source] for r in rows],
        widths=(15, 165, 45, 35),
        when=timezone.now(),
    )
    _export(request, case, "pdf")
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="unused-material-{case.pk}.pdf"'
    return response


def retention(request: HttpRequest) -> HttpResponse:
    membership = require_role(request, POLICE_ROLES)
    due = automation.retention_due(membership.organisation_id, timezone.localdate())
    return render(
        request,
        "insights/retention.html",
        {"due": due, "can_decide": membership.role in automation.REVIEWERS},
    )


@require_POST
def retention_decide(request: HttpRequest) -> HttpResponse:
    membership = require_role(request, automation.REVIEWERS)
    try:
        automation.retention_decide(
            actor=_user(request),
            membership=membership,
            kind=request.POST.get("kind", ""),
            pk=int(request.POST.get("pk", "0") or 0),
            decision=request.POST.get("decision", ""),
            reason=request.POST.get("reason", ""),
        )
    except (ValidationError, ValueError) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", ["Choose a record"])))
    except ObjectDoesNotExist:  # another force's record, or already dealt with
        messages.error(request, "That record is not waiting for review")
    else:
        messages.success(request, "Decision recorded")
    return redirect("insights:retention")
