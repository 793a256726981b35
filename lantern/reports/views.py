"""Retail crime reports: stores report and reply; police triage and act.

Views parse, authorise (`require_role`, `get_for_user_or_404`), call a service and render.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Mapping
from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from lantern.accounts.choices import POLICE_ROLES, Role
from lantern.accounts.models import Area, Membership, User
from lantern.core.permissions import current_membership, get_for_user_or_404, require_role
from lantern.evidence.services import REQUESTER_ROLES
from lantern.ledger.models import Action
from lantern.ledger.services import ledger_record

from . import bulk, figures, services
from .forms import (
    OFFENDER_FIELDS,
    AllocateForm,
    AskForm,
    BulkUploadForm,
    CctvRequestForm,
    CrimeForm,
    EmailChoiceForm,
    FinaliseForm,
    ItemFormSet,
    LinkForm,
    NoteForm,
    OffenderFormSet,
    PeriodForm,
    ReopenForm,
    ReplyForm,
    ReportForm,
    RulesForm,
    WithdrawForm,
)
from .models import OPEN_STATUSES, ReportEmailPreference, RetailReport, Status

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
        "store__area", "allocated_to", "allocated_team"
    )
    if membership.role in POLICE_ROLES:
        return _triage(request, membership, visible)
    reports = visible.with_totals().order_by("-created_at", "-pk")
    page = Paginator(reports, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "reports/list.html", {"page": page})


def _triage(request: HttpRequest, membership: Membership, visible: Any) -> HttpResponse:
    areas = Area.objects.filter(force=membership.organisation_id).order_by("name")
    # Open reports, and finalised ones the store has since added information to.
    queue = visible.filter(
        Q(status__in=OPEN_STATUSES) | Q(status=Status.FINALISED, new_information=True),
        force=membership.organisation_id,
    )
    area_id = request.GET.get("area", "")
    selected = next((a for a in areas if str(a.pk) == area_id), None)
    if selected is not None:
        queue = queue.filter(store__area=selected)
    rules = services.rules_for(membership.organisation_id)
    ordered = queue.triage_order(high_value_pence=rules.high_value_pence)
    page = Paginator(ordered, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "reports/triage.html",
        {"page": page, "areas": areas, "selected": selected, "rules": rules},
    )


# --- Retailers: report, check, send, reply -----------------------------------------------


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


# One question group per page (GOV.UK "one thing per page" for the long parts).
STEPS: dict[str, tuple[str, tuple[str, ...]]] = {
    "incident": ("What happened", ("store", "occurred_at", "kind", "description")),
    "goods": ("Goods stolen or damaged", ("goods_recovered",)),
    "offenders": ("The offender", ("how_offender_left",)),
    "staff": ("Staff", ("staff_witnesses", "staff_harmed", "harm_details")),
    "cctv": ("CCTV", ("cctv_available", "cctv_kept_days")),
}
STEP_NAMES = list(STEPS)


def _step_input(
    report: RetailReport | None, step: str, form: ReportForm, items: Any, offenders: Any
) -> services.ReportInput:
    """The report's answers with this page's answers put in."""
    data = form.cleaned_data
    base = (
        services.input_from_report(report)
        if report is not None
        else services.ReportInput(store=data["store"])
    )
    for name in STEPS[step][1]:
        value = data.get(name)
        if name in {"goods_recovered", "staff_harmed", "cctv_available"}:
            value = bool(value)
        elif name in {"kind", "description", "how_offender_left", "harm_details"}:
            value = (value or "").strip()
        elif name == "staff_witnesses":
            value = value or []
        setattr(base, name, value)
    if step == "goods":
        base.items = [
            services.ItemInput(
                description=f.cleaned_data["description"].strip(),
                quantity=f.cleaned_data["quantity"],
                unit_value_pence=f.unit_value_pence,
            )
            for f in items.filled()
        ]
    if step == "offenders":
        base.offenders = [
            {k: (f.cleaned_data.get(k) or "").strip() for k in OFFENDER_FIELDS}
            for f in offenders.forms
            if f.cleaned_data
            and any((f.cleaned_data.get(k) or "").strip() for k in OFFENDER_FIELDS)
        ]
    return base


def _step(request: HttpRequest, report: RetailReport | None, step: str) -> HttpResponse:
    membership = require_role(request, services.RETAIL_ROLES)
    stores = services.stores_for(membership).select_related("company")
    fields = STEPS[step][1]
    back_to_check = request.GET.get("next") == "check" or request.POST.get("next") == "check"
    if request.method == "POST":
        action = request.POST.get("action", "continue")
        form = ReportForm(request.POST, stores=stores, draft=action != "continue", only=fields)
        items = ItemFormSet(request.POST, prefix="items")
        offenders = OffenderFormSet(request.POST, prefix="offenders")
        valid = form.is_valid()
        valid = (items.is_valid() if step == "goods" else True) and valid
        valid = (offenders.is_valid() if step == "offenders" else True) and valid
        if valid:
            if report is None:
                data = _step_input(None, step, form, items, offenders)
            else:
                data = _step_input(report, step, form, items, offenders)
            report = services.report_save_draft(
                actor=_user(request), membership=membership, data=data, report=report
            )
            if action in {"add_item", "add_offender"}:
                url = reverse("reports:step", args=[report.pk, step])
                return redirect(f"{url}?add={action.removeprefix('add_')}#{action}")
            if action == "save_draft":
                messages.success(request, "Your report has been saved. You can come back to it.")
                return redirect("reports:detail", pk=report.pk)
            following = STEP_NAMES.index(step) + 1
            if back_to_check or following == len(STEP_NAMES):
                return redirect("reports:check", pk=report.pk)
            return redirect("reports:step", pk=report.pk, step=STEP_NAMES[following])
    else:
        add = request.GET.get("add", "")
        if report is not None:
            initial, item_rows = _initial(report)
            offender_rows = list(report.offenders)
        else:
            initial, item_rows, offender_rows = {}, [], []
        if stores.count() == 1 and report is None:
            initial["store"] = stores.first()
        form = ReportForm(initial=initial, stores=stores, only=fields)
        items = ItemFormSet(prefix="items", initial=item_rows)
        offenders = OffenderFormSet(prefix="offenders", initial=offender_rows)
        if add == "item":
            items.extra = 2
        elif add == "offender":
            offenders.extra = 2
    index = STEP_NAMES.index(step)
    back = None
    if report is not None:
        back = (
            reverse("reports:check", args=[report.pk])
            if back_to_check
            else reverse("reports:step", args=[report.pk, STEP_NAMES[index - 1]])
            if index
            else reverse("reports:detail", args=[report.pk])
        )
    return render(
        request,
        f"reports/step_{step}.html",
        {
            "form": form,
            "items": items,
            "offenders": offenders,
            "report": report,
            "step": step,
            "title": STEPS[step][0],
            "number": index + 1,
            "count": len(STEP_NAMES),
            "back": back,
            "next": "check" if back_to_check else "",
        },
    )


def report_new(request: HttpRequest) -> HttpResponse:
    return _step(request, None, "incident")


def _editable(request: HttpRequest, pk: int) -> RetailReport | HttpResponse:
    require_role(request, services.RETAIL_ROLES)
    report = _get(request, pk)
    if not report.is_editable:
        messages.error(request, "This report has been sent and can no longer be changed.")
        return redirect("reports:detail", pk=report.pk)
    return report


def report_edit(request: HttpRequest, pk: int) -> HttpResponse:
    report = _editable(request, pk)
    if isinstance(report, HttpResponse):
        return report
    return redirect("reports:step", pk=report.pk, step=STEP_NAMES[0])


def report_step(request: HttpRequest, pk: int, step: str) -> HttpResponse:
    if step not in STEPS:
        raise Http404("No such page")
    report = _editable(request, pk)
    if isinstance(report, HttpResponse):
        return report
    return _step(request, report, step)


def report_check(request: HttpRequest, pk: int) -> HttpResponse:
    membership = require_role(request, services.RETAIL_ROLES)
    report = _get(request, pk)
    if not report.is_editable:
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
            "missing": services.missing_for_force(report),
            "change": True,
        },
    )


@require_POST
def report_again(request: HttpRequest, pk: int) -> HttpResponse:
    """Report the same offender again: a draft with the store, kind and offender filled in."""
    membership = require_role(request, services.RETAIL_ROLES)
    report = _get(request, pk)
    try:
        again = services.report_again(actor=_user(request), membership=membership, report=report)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("reports:detail", pk=report.pk)
    messages.success(
        request,
        f"The offender from {report.reference} is filled in. "
        "Say when it happened and what happened, then check and send.",
    )
    return redirect("reports:step", pk=again.pk, step=STEP_NAMES[0])


# --- The report page and its actions -------------------------------------------------------


def _detail(request: HttpRequest, report: RetailReport, **forms: Any) -> HttpResponse:
    membership = current_membership(request)
    police = membership.role in POLICE_ROLES
    events = report.events.select_related("author")
    if not police:
        events = events.filter(visible_to_store=True)
    items = list(report.items.all())
    can_triage = (
        police
        and membership.role in services.TRIAGE_ROLES
        and report.force_id == membership.organisation_id
    )
    open_ = report.status in OPEN_STATUSES
    can_reply = not police and report.status in services.REPLY_STATUSES
    context: dict[str, Any] = {
        "report": report,
        "items": items,
        "total": sum(i.total_pence for i in items),
        "events": events,
        "police": police,
        "can_triage": can_triage and open_,
        "can_reply": can_reply,
        "can_withdraw": not police and report.status in [*OPEN_STATUSES, Status.RETURNED],
        "can_again": not police and report.status != Status.DRAFT,
        "can_note": police
        and membership.role in services.TRIAGE_ROLES | {Role.ANALYST}
        and report.force_id == membership.organisation_id,
        "can_reopen": can_triage and report.status == Status.FINALISED,
        "can_link": can_triage,
        "can_request_cctv": can_triage
        and open_
        and membership.role in REQUESTER_ROLES
        and not report.cctv_request_id,
    }
    if police:
        context["links"] = services.linked_reports(report)
    if can_reply:
        context["reply_form"] = forms.get("reply_form") or ReplyForm()
    if context["can_triage"]:
        context["crime_form"] = forms.get("crime_form") or CrimeForm(
            initial={"crime_reference": report.crime_reference}
        )
        context["ask_form"] = forms.get("ask_form") or AskForm()
        context["allocate_form"] = forms.get("allocate_form") or AllocateForm(
            officers=services.allocatable_officers(report.force_id),
            teams=services.allocatable_teams(report.force_id),
            initial={"officer": report.allocated_to_id, "team": report.allocated_team_id},
        )
        context["finalise_form"] = forms.get("finalise_form") or FinaliseForm()
    if context["can_note"]:
        context["note_form"] = forms.get("note_form") or NoteForm()
    if context["can_reopen"]:
        context["reopen_form"] = forms.get("reopen_form") or ReopenForm()
    if can_triage:
        context["link_form"] = forms.get("link_form") or LinkForm()
        context["candidates"] = services.link_candidates(report)
    if context["can_request_cctv"]:
        context["cctv_form"] = forms.get("cctv_form") or CctvRequestForm(
            initial={"deadline": timezone.localdate() + timedelta(days=7)}
        )
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


def _act_by_service(
    request: HttpRequest,
    pk: int,
    *,
    roles: frozenset[str],
    form_name: str,
    form_class: type[Form],
    service: Callable[..., Any],
    fields: Mapping[str, str],
    done: str,
) -> HttpResponse:
    """The shape of most triage POSTs: check the role, bind the form, and on success call
    `service(actor=..., membership=..., report=..., **args)` where `fields` maps each
    service argument to the form field it is read from."""
    membership = require_role(request, roles)
    return _act(
        request,
        pk,
        form_name,
        form_class(request.POST),
        lambda r, d: service(
            actor=_user(request),
            membership=membership,
            report=r,
            **{arg: d[field] for arg, field in fields.items()},
        ),
        done,
    )


@require_POST
def report_reply(request: HttpRequest, pk: int) -> HttpResponse:
    return _act_by_service(
        request,
        pk,
        roles=services.RETAIL_ROLES,
        form_name="reply_form",
        form_class=ReplyForm,
        service=services.report_reply,
        fields={"text": "text"},
        done="Your reply has been sent to the police.",
    )


@require_POST
def report_record_crime(request: HttpRequest, pk: int) -> HttpResponse:
    return _act_by_service(
        request,
        pk,
        roles=services.TRIAGE_ROLES,
        form_name="crime_form",
        form_class=CrimeForm,
        service=services.report_record_crime,
        fields={"crime_reference": "crime_reference"},
        done="Crime recorded. The store has been told.",
    )


@require_POST
def report_ask(request: HttpRequest, pk: int) -> HttpResponse:
    return _act_by_service(
        request,
        pk,
        roles=services.TRIAGE_ROLES,
        form_name="ask_form",
        form_class=AskForm,
        service=services.report_request_info,
        fields={"message": "message"},
        done="Your question has been sent to the store.",
    )


@require_POST
def report_allocate(request: HttpRequest, pk: int) -> HttpResponse:
    membership = require_role(request, services.TRIAGE_ROLES)
    return _act(
        request,
        pk,
        "allocate_form",
        AllocateForm(
            request.POST,
            officers=services.allocatable_officers(membership.organisation_id),
            teams=services.allocatable_teams(membership.organisation_id),
        ),
        lambda r, d: services.report_allocate(
            actor=_user(request),
            membership=membership,
            report=r,
            officer=d["officer"],
            team=d["team"],
        ),
        "Report allocated. The store has been told.",
    )


@require_POST
def report_finalise(request: HttpRequest, pk: int) -> HttpResponse:
    return _act_by_service(
        request,
        pk,
        roles=services.TRIAGE_ROLES,
        form_name="finalise_form",
        form_class=FinaliseForm,
        service=services.report_finalise,
        fields={"outcome_code": "outcome_code", "reason": "reason"},
        done="Report finalised. The store has been told the outcome.",
    )


@require_POST
def report_note(request: HttpRequest, pk: int) -> HttpResponse:
    return _act_by_service(
        request,
        pk,
        roles=services.TRIAGE_ROLES | {Role.ANALYST},
        form_name="note_form",
        form_class=NoteForm,
        service=services.report_note,
        fields={"text": "text"},
        done="Note added. Only the police can see it.",
    )


@require_POST
def report_reopen(request: HttpRequest, pk: int) -> HttpResponse:
    return _act_by_service(
        request,
        pk,
        roles=services.TRIAGE_ROLES,
        form_name="reopen_form",
        form_class=ReopenForm,
        service=services.report_reopen,
        fields={"reason": "reason"},
        done="Report reopened. The store has been told.",
    )


@require_POST
def report_link(request: HttpRequest, pk: int) -> HttpResponse:
    return _act_by_service(
        request,
        pk,
        roles=services.TRIAGE_ROLES,
        form_name="link_form",
        form_class=LinkForm,
        service=services.report_link,
        fields={"other_reference": "reference", "reason": "reason"},
        done="Reports linked.",
    )


@require_POST
def report_request_cctv(request: HttpRequest, pk: int) -> HttpResponse:
    return _act_by_service(
        request,
        pk,
        roles=REQUESTER_ROLES,
        form_name="cctv_form",
        form_class=CctvRequestForm,
        service=services.report_request_cctv,
        fields={"deadline": "deadline"},
        done="CCTV requested. The store has been sent a link to upload it.",
    )


@require_POST
def report_attach(request: HttpRequest, pk: int) -> HttpResponse:
    """The store attaches CCTV or photos: the evidence upload pages take over, through the
    report's footage request link, as if the store had answered a police request."""
    from lantern.evidence.services import link_opened
    from lantern.uploads.principals import grant_session_principal

    membership = require_role(request, services.RETAIL_ROLES)
    report = _get(request, pk)
    try:
        link = services.report_attach_cctv(
            actor=_user(request), membership=membership, report=report
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("reports:detail", pk=report.pk)
    link_opened(link, _user(request))
    grant_session_principal(request, link.principal)
    return redirect("evidence:respond")


def report_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    """A page of its own: withdrawing is not undone, so it is asked for on purpose."""
    membership = require_role(request, services.RETAIL_ROLES)
    report = _get(request, pk)
    form = WithdrawForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.report_withdraw(
                actor=_user(request),
                membership=membership,
                report=report,
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
        else:
            messages.success(request, "Your report has been withdrawn. The police have been told.")
            return redirect("reports:detail", pk=report.pk)
    status = 400 if form.errors else 200
    return render(request, "reports/withdraw.html", {"report": report, "form": form}, status=status)


# --- Settings: the force's rules, a manager's emails ----------------------------------------


def report_rules(request: HttpRequest) -> HttpResponse:
    membership = require_role(request, frozenset({Role.FORCE_ADMIN}))
    rules = services.rules_for(membership.organisation_id)
    if request.method == "POST":
        form = RulesForm(request.POST)
        if form.is_valid():
            services.rules_update(
                actor=_user(request),
                membership=membership,
                required=form.cleaned_data["required"],
                high_value_pence=int(form.cleaned_data["high_value"] * 100),
            )
            messages.success(request, "Report rules saved.")
            return redirect("reports:rules")
    else:
        pence = rules.high_value_pence
        form = RulesForm(
            initial={"required": rules.required, "high_value": f"{pence // 100}.{pence % 100:02d}"}
        )
    status = 400 if form.errors else 200
    return render(request, "reports/rules.html", {"form": form, "rules": rules}, status=status)


def report_email_settings(request: HttpRequest) -> HttpResponse:
    membership = require_role(request, frozenset({Role.LP_MANAGER}))
    current = ReportEmailPreference.objects.filter(user=_user(request)).first()
    if request.method == "POST":
        form = EmailChoiceForm(request.POST)
        if form.is_valid():
            services.email_preference_set(
                actor=_user(request), membership=membership, choice=form.cleaned_data["choice"]
            )
            messages.success(request, "Your email choice has been saved.")
            return redirect("reports:email-settings")
    else:
        form = EmailChoiceForm(initial={"choice": current.choice if current else "each"})
    status = 400 if form.errors else 200
    return render(request, "reports/email_settings.html", {"form": form}, status=status)


# --- Bulk entry ------------------------------------------------------------------------------


def _company_stores(membership: Membership) -> dict[str, Any]:
    return {s.name.casefold(): s for s in services.stores_for(membership).select_related("area")}


def report_bulk(request: HttpRequest) -> HttpResponse:
    """Upload a CSV of low-value incidents; rejected rows are listed with their reasons."""
    membership = require_role(request, frozenset({Role.LP_MANAGER}))
    context: dict[str, Any] = {"columns": bulk.COLUMNS, "max_rows": bulk.MAX_ROWS}
    status = 200
    if request.method == "POST":
        form = BulkUploadForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            accepted, rejected, problems = bulk.parse(
                upload.read(bulk.MAX_BYTES + 1), _company_stores(membership)
            )
            for problem in problems:
                form.add_error("file", problem)
            if not problems:
                made, repeats = services.reports_bulk_create(
                    actor=_user(request), membership=membership, rows=accepted
                )
                rejected += [bulk.Rejected(line, [reason], "") for line, reason in repeats]
                rejected.sort(key=lambda r: r.line)
                context.update({"made": made, "rejected": rejected, "done": True})
        if form.errors:
            status = 400
    else:
        form = BulkUploadForm()
    context["form"] = form
    return render(request, "reports/bulk.html", context, status=status)


def report_bulk_template(request: HttpRequest) -> HttpResponse:
    membership = require_role(request, frozenset({Role.LP_MANAGER}))
    first = services.stores_for(membership).order_by("name").first()
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="crime-reports-template.csv"'
    writer = csv.writer(response)
    writer.writerows(bulk.template_rows(first.name if first else "Your store name"))
    return response


# --- Figures ---------------------------------------------------------------------------------

FIGURE_ROLES = POLICE_ROLES | services.RETAIL_ROLES
GROUP_LABELS = {"area": "Area", "company": "Company", "store": "Store"}


def _figures(request: HttpRequest) -> tuple[Membership, PeriodForm, str, Any]:
    membership = require_role(request, FIGURE_ROLES)
    form = PeriodForm(request.GET or None)
    start = end = None
    if form.is_valid():
        start, end = form.cleaned_data.get("start"), form.cleaned_data.get("end")
    name, reports = figures.scope_for(membership)
    reports = figures.in_period(reports, start, end)
    return membership, form, name, figures.figures_for(reports, figures.groups_for(membership))


def report_figures(request: HttpRequest) -> HttpResponse:
    _membership, form, name, result = _figures(request)
    return render(
        request,
        "reports/figures.html",
        {
            "form": form,
            "scope": name,
            "figures": result,
            "groups": [(GROUP_LABELS[k], rows) for k, rows in result.groups.items()],
            "hours": figures.chart(result.hours),
            "days": figures.chart(result.days),
            "query": request.GET.urlencode(),
        },
        status=400 if form.errors else 200,
    )


def report_figures_csv(request: HttpRequest) -> HttpResponse:
    """The figures as CSV: counts and money only (no descriptions, names or police notes)."""
    membership, _form, name, result = _figures(request)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="crime-report-figures.csv"'
    writer = csv.writer(response)
    writer.writerow(["breakdown", "name", "reports", "value_stolen", "recovered", "violence"])

    def money(pence: int) -> str:
        return f"{pence // 100}.{pence % 100:02d}"

    t = result.total
    writer.writerow(["total", name, t.reports, money(t.value_pence), t.recovered, t.harmed])
    for key, rows in result.groups.items():
        for r in rows:
            writer.writerow([key, r.name, r.reports, money(r.value_pence), r.recovered, r.harmed])
    for label, n in result.hours:
        writer.writerow(["hour", label, n, "", "", ""])
    for label, n in result.days:
        writer.writerow(["day", label, n, "", "", ""])
    count, hours = result.to_crime_reference
    writer.writerow(["median_hours_to_crime_reference", "", count, hours, "", ""])
    count, hours = result.to_outcome
    writer.writerow(["median_hours_to_outcome", "", count, hours, "", ""])
    ledger_record(
        action=Action.EXPORTED,
        actor=_user(request),
        actor_org=membership.organisation,
        object_type="reports.figures",
        object_id=str(membership.organisation_id),
        detail={"query": request.GET.urlencode()},
        require_transaction=False,
    )
    return response
