"""Retail crime reports: stores report and reply; police triage and act.

Views parse, authorise (`require_role`, `get_for_user_or_404`), call a service and render.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from lantern.accounts.choices import POLICE_ROLES
from lantern.accounts.models import Area, Membership, User
from lantern.core.permissions import current_membership, get_for_user_or_404, require_role

from . import services
from .forms import (
    OFFENDER_FIELDS,
    AllocateForm,
    AskForm,
    CrimeForm,
    FinaliseForm,
    ItemFormSet,
    OffenderFormSet,
    ReplyForm,
    ReportForm,
)
from .models import OPEN_STATUSES, RetailReport, Status

PAGE_SIZE = 50


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _get(request: HttpRequest, pk: int) -> RetailReport:
    return get_for_user_or_404(RetailReport, _user(request), pk=pk)


# --- Lists ----------------------------------------------------------------------------------


def report_list(request: HttpRequest) -> HttpResponse:
    membership = require_role(request, services.RETAIL_ROLES | POLICE_ROLES)
    visible = RetailReport.objects.for_user(_user(request)).select_related(
        "store__area", "allocated_to"
    )
    if membership.role in POLICE_ROLES:
        return _triage(request, membership, visible)
    reports = visible.with_totals().order_by("-created_at", "-pk")
    page = Paginator(reports, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "reports/list.html", {"page": page})


def _triage(request: HttpRequest, membership: Membership, visible: Any) -> HttpResponse:
    areas = Area.objects.filter(force=membership.organisation_id).order_by("name")
    queue = visible.filter(force=membership.organisation_id, status__in=OPEN_STATUSES)
    area_id = request.GET.get("area", "")
    selected = next((a for a in areas if str(a.pk) == area_id), None)
    if selected is not None:
        queue = queue.filter(store__area=selected)
    page = Paginator(queue.triage_order(), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "reports/triage.html",
        {"page": page, "areas": areas, "selected": selected},
    )


# --- Retailers: report, check, send, reply -----------------------------------------------


def _report_input(form: ReportForm, items: Any, offenders: Any) -> services.ReportInput:
    data = form.cleaned_data
    offender_list = [
        {k: (f.cleaned_data.get(k) or "").strip() for k in OFFENDER_FIELDS}
        for f in offenders.forms
        if f.cleaned_data and any((f.cleaned_data.get(k) or "").strip() for k in OFFENDER_FIELDS)
    ]
    return services.ReportInput(
        store=data["store"],
        occurred_at=data.get("occurred_at"),
        kind=data.get("kind") or "",
        description=(data.get("description") or "").strip(),
        goods_recovered=bool(data.get("goods_recovered")),
        how_offender_left=(data.get("how_offender_left") or "").strip(),
        offenders=offender_list,
        staff_witnesses=data.get("staff_witnesses") or [],
        staff_harmed=bool(data.get("staff_harmed")),
        harm_details=(data.get("harm_details") or "").strip(),
        cctv_available=bool(data.get("cctv_available")),
        cctv_kept_days=data.get("cctv_kept_days"),
        items=[
            services.ItemInput(
                description=f.cleaned_data["description"].strip(),
                quantity=f.cleaned_data["quantity"],
                unit_value_pence=f.unit_value_pence,
            )
            for f in items.filled()
        ],
    )


def _initial(report: RetailReport) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    initial = {
        "store": report.store_id,
        "occurred_at": report.occurred_at,
        "kind": report.kind,
        "description": report.description,
        "goods_recovered": report.goods_recovered,
        "how_offender_left": report.how_offender_left,
        "staff_witnesses": "\n".join(report.staff_witnesses),
        "staff_harmed": report.staff_harmed,
        "harm_details": report.harm_details,
        "cctv_available": report.cctv_available,
        "cctv_kept_days": report.cctv_kept_days,
    }
    items = [
        {
            "description": i.description,
            "quantity": i.quantity,
            "unit_value": f"{i.unit_value_pence // 100}.{i.unit_value_pence % 100:02d}",
        }
        for i in report.items.all()
    ]
    return initial, items


def _edit(request: HttpRequest, report: RetailReport | None) -> HttpResponse:
    membership = require_role(request, services.RETAIL_ROLES)
    stores = services.stores_for(membership).select_related("company")
    if request.method == "POST":
        action = request.POST.get("action", "continue")
        form = ReportForm(request.POST, stores=stores, draft=action != "continue")
        items = ItemFormSet(request.POST, prefix="items")
        offenders = OffenderFormSet(request.POST, prefix="offenders")
        if form.is_valid() and items.is_valid() and offenders.is_valid():
            report = services.report_save_draft(
                actor=_user(request),
                membership=membership,
                data=_report_input(form, items, offenders),
                report=report,
            )
            if action in {"add_item", "add_offender"}:
                url = reverse("reports:edit", args=[report.pk])
                return redirect(f"{url}?add={action.removeprefix('add_')}#{action}")
            if action == "save_draft":
                messages.success(request, "Your report has been saved as a draft.")
                return redirect("reports:detail", pk=report.pk)
            return redirect("reports:check", pk=report.pk)
    else:
        add = request.GET.get("add", "")
        if report is not None:
            initial, item_rows = _initial(report)
            offender_rows = list(report.offenders)
        else:
            initial, item_rows, offender_rows = {}, [], []
        if stores.count() == 1 and report is None:
            initial["store"] = stores.first()
        form = ReportForm(initial=initial, stores=stores)
        items = ItemFormSet(prefix="items", initial=item_rows)
        offenders = OffenderFormSet(prefix="offenders", initial=offender_rows)
        if add == "item":
            items.extra = 2
        elif add == "offender":
            offenders.extra = 2
    return render(
        request,
        "reports/form.html",
        {"form": form, "items": items, "offenders": offenders, "report": report},
    )


def report_new(request: HttpRequest) -> HttpResponse:
    return _edit(request, None)


def report_edit(request: HttpRequest, pk: int) -> HttpResponse:
    require_role(request, services.RETAIL_ROLES)
    report = _get(request, pk)
    if report.status != Status.DRAFT:
        messages.error(request, "This report has been sent and can no longer be changed.")
        return redirect("reports:detail", pk=report.pk)
    return _edit(request, report)


def report_check(request: HttpRequest, pk: int) -> HttpResponse:
    membership = require_role(request, services.RETAIL_ROLES)
    report = _get(request, pk)
    if report.status != Status.DRAFT:
        return redirect("reports:detail", pk=report.pk)
    problems = services.submit_problems(report)
    if request.method == "POST" and not problems:
        try:
            report = services.report_submit(
                actor=_user(request), membership=membership, report=report
            )
        except ValidationError as error:
            problems = error.messages
        else:
            return render(request, "reports/submitted.html", {"report": report})
    items = list(report.items.all())
    return render(
        request,
        "reports/check.html",
        {
            "report": report,
            "items": items,
            "total": sum(i.total_pence for i in items),
            "problems": problems,
        },
    )


# --- The report page and its actions -------------------------------------------------------


def _detail(request: HttpRequest, report: RetailReport, **forms: Any) -> HttpResponse:
    membership = current_membership(request)
    police = membership.role in POLICE_ROLES
    events = report.events.select_related("author")
    if not police:
        events = events.filter(visible_to_store=True)
    items = list(report.items.all())
    can_triage = (
        police and membership.role in services.TRIAGE_ROLES and report.status in OPEN_STATUSES
    )
    can_reply = not police and report.status in OPEN_STATUSES
    context: dict[str, Any] = {
        "report": report,
        "items": items,
        "total": sum(i.total_pence for i in items),
        "events": events,
        "police": police,
        "can_triage": can_triage,
        "can_reply": can_reply,
    }
    if can_reply:
        context["reply_form"] = forms.get("reply_form") or ReplyForm()
    if can_triage:
        context["crime_form"] = forms.get("crime_form") or CrimeForm(
            initial={"crime_reference": report.crime_reference}
        )
        context["ask_form"] = forms.get("ask_form") or AskForm()
        context["allocate_form"] = forms.get("allocate_form") or AllocateForm(
            officers=services.allocatable_officers(report.force_id),
            initial={"officer": report.allocated_to_id},
        )
        context["finalise_form"] = forms.get("finalise_form") or FinaliseForm()
    status = 200 if not forms else 400
    return render(request, "reports/detail.html", context, status=status)


def report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, _get(request, pk))


def _act(
    request: HttpRequest,
    pk: int,
    form_name: str,
    form: Any,
    call: Any,
    done: str,
) -> HttpResponse:
    report = _get(request, pk)
    if form.is_valid():
        try:
            call(report, form.cleaned_data)
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
        else:
            messages.success(request, done)
            return redirect("reports:detail", pk=report.pk)
    return _detail(request, report, **{form_name: form})


@require_POST
def report_reply(request: HttpRequest, pk: int) -> HttpResponse:
    membership = require_role(request, services.RETAIL_ROLES)
    return _act(
        request,
        pk,
        "reply_form",
        ReplyForm(request.POST),
        lambda r, d: services.report_reply(
            actor=_user(request), membership=membership, report=r, text=d["text"]
        ),
        "Your reply has been sent to the police.",
    )


@require_POST
def report_record_crime(request: HttpRequest, pk: int) -> HttpResponse:
    membership = require_role(request, services.TRIAGE_ROLES)
    return _act(
        request,
        pk,
        "crime_form",
        CrimeForm(request.POST),
        lambda r, d: services.report_record_crime(
            actor=_user(request),
            membership=membership,
            report=r,
            crime_reference=d["crime_reference"],
        ),
        "Crime recorded. The store has been told.",
    )


@require_POST
def report_ask(request: HttpRequest, pk: int) -> HttpResponse:
    membership = require_role(request, services.TRIAGE_ROLES)
    return _act(
        request,
        pk,
        "ask_form",
        AskForm(request.POST),
        lambda r, d: services.report_request_info(
            actor=_user(request), membership=membership, report=r, message=d["message"]
        ),
        "Your question has been sent to the store.",
    )


@require_POST
def report_allocate(request: HttpRequest, pk: int) -> HttpResponse:
    membership = require_role(request, services.TRIAGE_ROLES)
    return _act(
        request,
        pk,
        "allocate_form",
        AllocateForm(
            request.POST, officers=services.allocatable_officers(membership.organisation_id)
        ),
        lambda r, d: services.report_allocate(
            actor=_user(request), membership=membership, report=r, officer=d["officer"]
        ),
        "Report allocated. The store has been told.",
    )


@require_POST
def report_finalise(request: HttpRequest, pk: int) -> HttpResponse:
    membership = require_role(request, services.TRIAGE_ROLES)
    return _act(
        request,
        pk,
        "finalise_form",
        FinaliseForm(request.POST),
        lambda r, d: services.report_finalise(
            actor=_user(request),
            membership=membership,
            report=r,
            outcome_code=d["outcome_code"],
            reason=d["reason"],
        ),
        "Report finalised. The store has been told the outcome.",
    )
