"""Public reports: question pages for anyone (no account), the reporter's link, and the
force's queues. Views parse, authorise, call a service and render."""

from __future__ import annotations

import hashlib
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from lantern.accounts.choices import POLICE_ROLES
from lantern.accounts.models import Area, User
from lantern.core.permissions import current_membership, get_for_user_or_404, require_role
from lantern.evidence import services as evidence_services
from lantern.evidence.forms import UploadForm
from lantern.evidence.models import EvidenceItem, RequestLink
from lantern.evidence.principals import link_from_session
from lantern.uploads.principals import grant_session_principal

from . import conf, flow, protection, services
from .forms import AllocateForm, MoreInformationForm, OutcomeForm
from .models import Kind, PublicReport, Status

OWNED_KEY = "public-reports-owned"
SENT_KEY = "public-report-sent"
PAGE_SIZE = 50
TOO_MANY = (
    "You have sent a lot of answers in a short time. Wait a few minutes, then press the "
    "button again: everything you entered on this page is still here."
)


def _own(request: HttpRequest, report: PublicReport) -> None:
    owned = [pk for pk in request.session.get(OWNED_KEY, []) if pk != report.pk][-9:]
    request.session[OWNED_KEY] = [*owned, report.pk]


def _owned(request: HttpRequest, reference: str) -> PublicReport:
    report = PublicReport.objects.filter(
        reference=reference, pk__in=request.session.get(OWNED_KEY, [])
    ).first()
    if report is None or not report.link_usable:
        raise PermissionDenied
    return report


# --- The question pages ---------------------------------------------------------------------


@login_not_required
def index(request: HttpRequest) -> HttpResponse:
    return render(request, "collisions/index.html")


@login_not_required
@never_cache
def start(request: HttpRequest, kind: str) -> HttpResponse:
    flow.steps_for(kind)
    state = flow.load(request.session, kind)
    return render(
        request,
        "collisions/start.html",
        {
            "kind": kind,
            "title": flow.TITLES[kind],
            "first_url": flow.first_url(kind),
            "started": bool(state.get("answers")),
            "check_url": flow.check_url(kind),
        },
    )


def _question(request: HttpRequest, kind: str, step: flow.Step, index: int = 0) -> HttpResponse:
    state = flow.load(request.session, kind)
    areas = flow_areas()
    changing = request.GET.get("change") == "1"
    if step.repeat:
        rows = flow.items(state, step.slug)
        if index < 1 or index > min(len(rows) + 1, conf.MAX_ITEMS):
            raise Http404("No such item")
        saved = rows[index - 1] if index <= len(rows) else None
    else:
        saved = state.get("answers", {}).get(step.slug)
    status = 200
    if request.method == "POST":
        form = flow.form_for(kind, step, areas, data=request.POST)
        if not protection.allow(request, "answer"):
            form.is_valid()
            form.add_error(None, TOO_MANY)
            status = 429
        elif form.is_valid():
            data = flow.plain_data(form)
            if step.repeat:
                flow.set_item(state, step.slug, index, data)
            else:
                flow.set_answer(state, step.slug, data)
            try:
                flow.save(request.session, kind, state)
            except ValueError:
                form.add_error(
                    None,
                    "Your answers are too long to keep. Shorten them, then press the button again.",
                )
                status = 400
            else:
                if changing and not (step.repeat and data.get("add_another") == "yes"):
                    if kind == Kind.COLLISION and step.slug in ADVICE_INPUTS:
                        return redirect(flow.question_url(kind, flow.step_for(kind, "advice")))
                    return redirect(flow.check_url(kind))
                return redirect(flow.next_url(kind, step, state, index))
        else:
            status = 400
    else:
        form = flow.form_for(kind, step, areas, initial=saved or {})
    return render(
        request,
        "collisions/question.html",
        {
            **_step_context(kind, step, index),
            "index": index,
            "form": form,
            "map": step.slug == "when-where",
        },
        status=status,
    )


ADVICE_INPUTS = {"when-where", "injury", "what-happened", "details-exchanged"}


def flow_areas() -> list[Area]:
    return services.reporting_areas()


def _step_context(kind: str, step: flow.Step, index: int) -> dict[str, Any]:
    """What every question page shows: the kind's title, the step, "n of m" and Back."""
    steps = flow.steps_for(kind)
    return {
        "kind": kind,
        "title": flow.TITLES[kind],
        "step": step,
        "number": steps.index(step) + 1,
        "total": len(steps),
        "back_url": _back_url(kind, step, index),
    }


def _back_url(kind: str, step: flow.Step, index: int) -> str:
    if step.repeat and index > 1:
        return flow.question_url(kind, step, index - 1)
    steps = flow.steps_for(kind)
    position = steps.index(step)
    if position == 0:
        return reverse("collisions:start", args=[kind])
    return flow.question_url(kind, steps[position - 1])


@login_not_required
@never_cache
def question(request: HttpRequest, kind: str, slug: str) -> HttpResponse:
    step = flow.step_for(kind, slug)
    if step.repeat:
        return redirect(flow.question_url(kind, step, 1))
    if step.form is None:
        return _advice(request, kind, step)
    return _question(request, kind, step)


@login_not_required
@never_cache
def item(request: HttpRequest, kind: str, slug: str, index: int) -> HttpResponse:
    step = flow.step_for(kind, slug)
    if not step.repeat:
        raise Http404("No such question")
    return _question(request, kind, step, index)


@login_not_required
@require_POST
def item_remove(request: HttpRequest, kind: str, slug: str, index: int) -> HttpResponse:
    step = flow.step_for(kind, slug)
    if not step.repeat:
        raise Http404("No such question")
    state = flow.load(request.session, kind)
    flow.remove_item(state, slug, index)
    flow.save(request.session, kind, state)
    messages.success(request, f"{step.item_label} {index} removed.")
    return redirect(flow.check_url(kind))


def _advice(request: HttpRequest, kind: str, step: flow.Step) -> HttpResponse:
    """The s.170 triage: shown, and the fact it was shown kept with the answers."""
    state = flow.load(request.session, kind)
    advice = flow.advice(kind, state)
    if request.method == "POST":
        shown = state.setdefault("advice_shown", {})
        for a in advice:
            shown.setdefault(a.code, timezone.now().isoformat())
        flow.save(request.session, kind, state)
        if request.GET.get("change") == "1" or "you" in state.get("answers", {}):
            return redirect(flow.check_url(kind))
        return redirect(flow.next_url(kind, step, state))
    if not advice:
        messages.info(request, "Answer the questions about the collision first.")
        return redirect(flow.first_url(kind))
    return render(
        request,
        "collisions/advice.html",
        {**_step_context(kind, step, 0), "advice": advice},
    )


@login_not_required
@never_cache
def check(request: HttpRequest, kind: str) -> HttpResponse:
    flow.steps_for(kind)
    state = flow.load(request.session, kind)
    problems = flow.missing(kind, state)
    errors: list[str] = []
    status = 200
    if request.method == "POST" and not problems:
        if not protection.allow(request, "submit"):
            errors.append(
                "Too many reports have been sent from your connection. Your answers are "
                "saved: try again in an hour, or call 101."
            )
            status = 429
        elif wait := protection.check(request.session, request.POST.get("pow_nonce", "")):
            errors.append(
                f"Please wait {wait} seconds, then press 'Send report' again. Your answers "
                "are saved."
            )
            status = 429
        else:
            try:
                submitted = services.public_report_submit(
                    kind=kind, state=state, actor_label="member of the public"
                )
            except ValidationError as error:
                errors = list(error.messages)
                status = 400
            else:
                flow.clear(request.session, kind)
                _own(request, submitted.report)
                request.session[SENT_KEY] = {
                    "reference": submitted.report.reference,
                    "token": submitted.token,
                }
                return redirect("collisions:sent", kind=kind)
    challenge = protection.challenge(request.session)
    return render(
        request,
        "collisions/check.html",
        {
            "kind": kind,
            "title": flow.TITLES[kind],
            "sections": flow.summary(kind, state, flow_areas()),
            "problems": problems,
            "errors": errors,
            "advice": flow.advice(kind, state),
            "challenge": challenge,
        },
        status=status,
    )


@login_not_required
@never_cache
def sent(request: HttpRequest, kind: str) -> HttpResponse:
    flow.steps_for(kind)
    info = request.session.get(SENT_KEY)
    if not isinstance(info, dict):
        return redirect("collisions:start", kind=kind)
    report = PublicReport.objects.filter(reference=info.get("reference"), kind=kind).first()
    if report is None:
        return redirect("collisions:start", kind=kind)
    # The reporter's link is shown once: the session does not keep the secret afterwards.
    token = str(info.pop("token", "") or "")
    request.session[SENT_KEY] = info
    return render(
        request,
        "collisions/sent.html",
        {
            "report": report,
            "kind": kind,
            "title": flow.TITLES[kind],
            "link": services.link_url(token) if token else "",
            "advice": [a for a in report.advice_shown],
            "in_person": conf.injury_in_person(),
        },
    )


# --- The reporter's link, and uploads -------------------------------------------------------


@login_not_required
@never_cache
def link(request: HttpRequest, token: str) -> HttpResponse:
    report = services.report_for_token(token)
    if report is None:
        return render(request, "collisions/link_invalid.html", status=404)
    _own(request, report)
    form = MoreInformationForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if not protection.allow(request, "answer"):
            form.is_valid()
            form.add_error(None, TOO_MANY)
            status = 429
        elif form.is_valid():
            try:
                services.public_report_add_information(
                    report=report, text=form.cleaned_data["text"]
                )
            except ValidationError as error:
                form.add_error(None, error)
                status = 400
            else:
                messages.success(request, "Thank you. Your information has been added.")
                return redirect(request.path)
        else:
            status = 400
    return render(
        request,
        "collisions/link.html",
        {"report": report, "form": form, "notes": report.notes.filter(from_reporter=True)},
        status=status,
    )


@login_not_required
@require_POST
def upload_start(request: HttpRequest, reference: str) -> HttpResponse:
    report = _owned(request, reference)
    found = services.public_report_evidence_link(report=report)
    grant_session_principal(request, found.principal)
    return redirect("collisions:upload")


def _upload_link(request: HttpRequest) -> tuple[RequestLink, PublicReport]:
    found = link_from_session(request)
    report = getattr(found.request, "public_report", None) if found else None
    if found is None or report is None or report.pk not in request.session.get(OWNED_KEY, []):
        raise PermissionDenied
    return found, report


@login_not_required
@never_cache
def upload(request: HttpRequest) -> HttpResponse:
    found, report = _upload_link(request)
    items = found.request.items.filter(uploaded_by=found.principal)
    return render(
        request,
        "collisions/upload.html",
        {
            "report": report,
            "drafts": items.filter(state=EvidenceItem.State.DRAFT),
            "submitted": items.exclude(state=EvidenceItem.State.DRAFT),
            "upload_form": UploadForm(),
        },
    )


@login_not_required
@require_POST
def upload_files(request: HttpRequest) -> HttpResponse:
    """Plain form upload, for browsers without JavaScript."""
    found, _ = _upload_link(request)
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, "Choose at least one file to upload.")
        return redirect("collisions:upload")
    for uploaded in form.cleaned_data["footage"]:
        digest = hashlib.file_digest(uploaded, "sha256").hexdigest()
        uploaded.seek(0)
        evidence_services.evidence_item_add(
            link=found,
            file=File(uploaded),
            name=uploaded.name or "unnamed file",
            sha256=digest,
            size=uploaded.size or 0,
            uploaded_by=found.principal,
        )
    messages.success(request, "Files uploaded. Say what each one shows, then send them.")
    return redirect("collisions:upload")


@login_not_required
@require_POST
def upload_submit(request: HttpRequest) -> HttpResponse:
    found, report = _upload_link(request)
    drafts = found.request.items.filter(state=EvidenceItem.State.DRAFT, uploaded_by=found.principal)
    details: dict[int, tuple[str, int | None]] = {
        item.pk: (request.POST.get(f"description-{item.pk}", "").strip()[:2000], None)
        for item in drafts
    }
    try:
        items = evidence_services.evidence_items_submit(
            link=found, uploaded_by=found.principal, details=details
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("collisions:upload")
    messages.success(
        request, f"{len(items)} file{'s' if len(items) != 1 else ''} sent with {report.reference}."
    )
    return redirect("collisions:upload")


# --- The force ------------------------------------------------------------------------------


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def queue(request: HttpRequest) -> HttpResponse:
    membership = require_role(request, POLICE_ROLES)
    kind = request.GET.get("kind", Kind.COLLISION)
    if kind not in Kind.values:
        kind = Kind.COLLISION
    areas = list(Area.objects.filter(force=membership.organisation_id, parent__isnull=True))
    reports = PublicReport.objects.for_user(_user(request)).filter(
        force=membership.organisation_id, kind=kind
    )
    show_closed = request.GET.get("closed") == "1"
    if not show_closed:
        reports = reports.exclude(status=Status.CLOSED)
    area_id = request.GET.get("area", "")
    selected = next((a for a in areas if str(a.pk) == area_id), None)
    if selected is not None:
        reports = reports.filter(area=selected)
    elif area_id == "none":
        reports = reports.filter(area__isnull=True)
    reports = reports.select_related("area", "allocated_to").order_by(
        "-injury", "-dangerous_driving", "-submitted_at"
    )
    page = Paginator(reports, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "collisions/queue.html",
        {
            "page": page,
            "kind": kind,
            "kinds": Kind.choices,
            "areas": areas,
            "selected": selected,
            "area_id": area_id,
            "show_closed": show_closed,
        },
    )


def _detail(request: HttpRequest, report: PublicReport, **forms: Any) -> HttpResponse:
    membership = current_membership(request)
    can_act = membership.role in services.ACT_ROLES and report.status != Status.CLOSED
    context: dict[str, Any] = {
        "report": report,
        "sections": flow.summary(
            report.kind,
            {
                "answers": report.answers.get("answers", {}),
                "items": report.answers.get("items", {}),
            },
            flow_areas(),
        ),
        "notes": report.notes.select_related("author"),
        "can_act": can_act,
        "unsafe": report.unsafe_channels,
    }
    if can_act:
        context["allocate_form"] = forms.get("allocate_form") or AllocateForm(
            officers=services.allocatable_officers(report.force_id),
            initial={"officer": report.allocated_to_id},
        )
        context["outcome_form"] = forms.get("outcome_form") or OutcomeForm()
    return render(request, "collisions/detail.html", context, status=400 if forms else 200)


def detail(request: HttpRequest, reference: str) -> HttpResponse:
    membership = require_role(request, POLICE_ROLES)
    report = get_for_user_or_404(PublicReport, _user(request), reference=reference)
    services.public_report_viewed(actor=_user(request), membership=membership, report=report)
    return _detail(request, report)


def _act(
    request: HttpRequest, reference: str, form_name: str, form: Any, call: Any
) -> HttpResponse:
    report = get_for_user_or_404(PublicReport, _user(request), reference=reference)
    if form.is_valid():
        try:
            done = call(report, form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, done)
            return redirect("collisions:detail", reference=reference)
    return _detail(request, report, **{form_name: form})


@require_POST
def allocate(request: HttpRequest, reference: str) -> HttpResponse:
    membership = require_role(request, services.ACT_ROLES)
    form = AllocateForm(
        request.POST, officers=services.allocatable_officers(membership.organisation_id)
    )

    def call(report: PublicReport, data: dict[str, Any]) -> str:
        services.public_report_allocate(
            actor=_user(request), membership=membership, report=report, officer=data["officer"]
        )
        return "Report allocated."

    return _act(request, reference, "allocate_form", form, call)


@require_POST
def close(request: HttpRequest, reference: str) -> HttpResponse:
    membership = require_role(request, services.ACT_ROLES)

    def call(report: PublicReport, data: dict[str, Any]) -> str:
        services.public_report_close(
            actor=_user(request),
            membership=membership,
            report=report,
            outcome=data["outcome"],
            note=data["note"],
        )
        return "Outcome recorded. The report is closed."

    return _act(request, reference, "outcome_form", OutcomeForm(request.POST), call)
