"""Victims' Code pages: a case's victims and events, letters to approve, the force's
templates and the dashboard of obligations. Views parse, authorise, call a service, render."""

from __future__ import annotations

import hashlib
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from lantern.accounts.choices import POLICE_ROLES, Role
from lantern.accounts.models import Area, User
from lantern.casework.models import Case
from lantern.core.permissions import get_for_user_or_404, require_role
from lantern.ledger.models import Action
from lantern.ledger.services import ledger_record

from . import pdf, selectors, services, templating
from .forms import ApproveForm, ContactForm, EventForm, TemplateForm, VictimForm
from .models import Communication, LetterTemplate, Obligation, Purpose, Victim
from .workdays import DIVISION_LABELS, Division

ADMIN = frozenset({Role.FORCE_ADMIN})


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _police_get(request: HttpRequest, model: Any, pk: int, roles: frozenset[str]) -> Any:
    """Police only (403); another force's object is not found (404); then the role (403)."""
    require_role(request, POLICE_ROLES)
    obj = get_for_user_or_404(model, _user(request), pk=pk)
    require_role(request, roles)
    return obj


def _apply_errors(form: Any, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


# --- Dashboard ----------------------------------------------------------------------------


def dashboard(request: HttpRequest) -> HttpResponse:
    membership = require_role(request, POLICE_ROLES)
    force_id = membership.organisation_id
    areas = list(Area.objects.filter(force=force_id).order_by("name"))
    area_id = request.GET.get("area", "")
    selected = next((a for a in areas if str(a.pk) == area_id), None)
    data = selectors.obligation_dashboard(
        obligations=Obligation.objects.for_user(_user(request)).filter(force=force_id),
        force_id=force_id,
        today=timezone.localdate(),
        area_id=selected.pk if selected else None,
    )
    queued = Communication.objects.for_user(_user(request)).filter(
        force=force_id, status=Communication.Status.QUEUED
    )
    return render(
        request,
        "insights/dashboard.html",
        {
            "data": data,
            "areas": areas,
            "selected": selected,
            "queued_count": queued.count(),
            "today": timezone.localdate(),
        },
    )


# --- A case's victims and events ----------------------------------------------------------


def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    case = _police_get(request, Case, pk, POLICE_ROLES)
    victims = case.victims.all().prefetch_related("obligations__event", "communications")
    return render(
        request,
        "insights/case.html",
        {
            "case": case,
            "victims": victims,
            "events": case.code_events.select_related("recorded_by"),
            "today": timezone.localdate(),
            "can_act": request.membership.role in services.CASE_ROLES,  # type: ignore[attr-defined]
            "can_disclose": request.membership.role in services.DISCLOSURE_ROLES,  # type: ignore[attr-defined]
            "contact_form": ContactForm(),
        },
    )


def _victim_input(form: VictimForm) -> services.VictimInput:
    data: dict[str, Any] = {
        f: form.cleaned_data.get(f)
        for f in services.VictimInput.__dataclass_fields__
        if f in form.cleaned_data
    }
    for key, value in data.items():
        if isinstance(value, str):
            data[key] = value.strip()
    return services.VictimInput(**data)


def victim_new(request: HttpRequest, pk: int) -> HttpResponse:
    case = _police_get(request, Case, pk, services.CASE_ROLES)
    form = VictimForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            victim = services.victim_create(
                actor=_user(request),
                membership=request.membership,  # type: ignore[attr-defined]
                case=case,
                data=_victim_input(form),
            )
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, f"{victim} recorded. Their confirmation is under way.")
            return redirect("insights:case", pk=case.pk)
    return render(request, "insights/victim_form.html", {"form": form, "case": case})


def victim_edit(request: HttpRequest, pk: int) -> HttpResponse:
    victim = _police_get(request, Victim, pk, services.CASE_ROLES)
    if victim.disposed_at is not None:
        messages.error(request, "This record has been disposed of")
        return redirect("insights:case", pk=victim.case_id)
    initial = {f: getattr(victim, f) for f in services.VictimInput.__dataclass_fields__}
    form = VictimForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.victim_update(
                actor=_user(request),
                membership=request.membership,  # type: ignore[attr-defined]
                victim=victim,
                data=_victim_input(form),
            )
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, f"{victim}'s details saved")
            return redirect("insights:case", pk=victim.case_id)
    return render(
        request, "insights/victim_form.html", {"form": form, "case": victim.case, "victim": victim}
    )


def event_new(request: HttpRequest, pk: int) -> HttpResponse:
    case = _police_get(request, Case, pk, services.CASE_ROLES)
    form = EventForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            event = services.event_record(
                actor=_user(request),
                membership=request.membership,  # type: ignore[attr-defined]
                case=case,
                kind=form.cleaned_data["kind"],
                occurred_at=form.cleaned_data["occurred_at"],
                note=form.cleaned_data.get("note") or "",
            )
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, f"{event.get_kind_display()} recorded; victims' updates due")
            return redirect("insights:case", pk=case.pk)
    return render(request, "insights/event_form.html", {"form": form, "case": case})


@require_POST
def obligation_contact(request: HttpRequest, pk: int) -> HttpResponse:
    obligation = _police_get(request, Obligation, pk, services.CASE_ROLES)
    form = ContactForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError("Enter how and when you told the victim")
        services.obligation_record_contact(
            actor=_user(request),
            membership=request.membership,  # type: ignore[attr-defined]
            obligation=obligation,
            note=form.cleaned_data["note"],
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, "Recorded: the victim has been told")
    return redirect("insights:case", pk=obligation.victim.case_id)


# --- Letters ------------------------------------------------------------------------------


def letter_queue(request: HttpRequest) -> HttpResponse:
    membership = require_role(request, POLICE_ROLES)
    queued = (
        Communication.objects.for_user(_user(request))
        .filter(force=membership.organisation_id, status=Communication.Status.QUEUED)
        .select_related("victim__case", "obligation")
        .order_by("obligation__due_date", "created_at")
    )
    return render(request, "insights/queue.html", {"queued": queued})


def letter_detail(request: HttpRequest, pk: int) -> HttpResponse:
    communication = _police_get(request, Communication, pk, POLICE_ROLES)
    can_act = request.membership.role in services.CASE_ROLES  # type: ignore[attr-defined]
    form = ApproveForm(
        request.POST or None,
        initial={"subject": communication.subject, "body": communication.body},
    )
    if request.method == "POST":
        require_role(request, services.CASE_ROLES)
        action = request.POST.get("action")
        try:
            if action == "cancel":
                services.communication_cancel(
                    actor=_user(request),
                    membership=request.membership,  # type: ignore[attr-defined]
                    communication=communication,
                    reason=request.POST.get("reason", ""),
                )
                messages.success(request, "Cancelled: nothing was sent")
                return redirect("insights:letters")
            if form.is_valid():
                services.communication_approve(
                    actor=_user(request),
                    membership=request.membership,  # type: ignore[attr-defined]
                    communication=communication,
                    subject=form.cleaned_data.get("subject") or "",
                    body=form.cleaned_data["body"],
                )
                messages.success(request, f"Sent: {communication.get_channel_display()}")
                return redirect("insights:letter", pk=communication.pk)
        except ValidationError as exc:
            _apply_errors(form, exc)
    return render(
        request,
        "insights/letter.html",
        {"c": communication, "form": form, "can_act": can_act},
    )


def letter_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    communication = _police_get(request, Communication, pk, POLICE_ROLES)
    victim = communication.victim
    content = pdf.letter_pdf(
        force_name=communication.force.name,
        address=f"{victim.full_name}\n{victim.address}".strip(),
        when=timezone.localtime(communication.sent_at or communication.created_at),
        subject=communication.subject,
        body=communication.body,
    )
    ledger_record(
        action=Action.DOWNLOADED,
        actor=_user(request),
        actor_org=request.membership.organisation,  # type: ignore[attr-defined]
        obj=communication,
        require_transaction=False,
    )
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="letter-{communication.pk}.pdf"'
    return response


# --- The force's templates and settings ---------------------------------------------------


def template_list(request: HttpRequest) -> HttpResponse:
    membership = require_role(request, ADMIN)
    templates = [services.template_for(membership.organisation, p) for p in Purpose.values]
    settings_form_value = services.settings_for(membership.organisation).division
    return render(
        request,
        "insights/templates.html",
        {
            "templates": templates,
            "division": settings_form_value,
            "divisions": [(d.value, DIVISION_LABELS[d]) for d in Division],
        },
    )


@require_POST
def settings_save(request: HttpRequest) -> HttpResponse:
    membership = require_role(request, ADMIN)
    division = request.POST.get("division", "")
    if division not in Division.__members__.values():
        messages.error(request, "Choose the bank holidays your force works to")
    else:
        services.force_settings_save(actor=_user(request), membership=membership, division=division)
        messages.success(request, "Saved: working-day clocks use these bank holidays")
    return redirect("insights:templates")


def _fingerprint(data: dict[str, Any]) -> str:
    """Ties a save to the wording that was previewed: changed text must be previewed again."""
    text = "\x00".join(str(data.get(f, "")) for f in ("subject", "body", "sms_body"))
    return hashlib.sha256(text.encode()).hexdigest()


def template_edit(request: HttpRequest, purpose: str) -> HttpResponse:
    membership = require_role(request, ADMIN)
    if purpose not in Purpose.values:
        raise Http404("No such template")
    template: LetterTemplate = services.template_for(membership.organisation, purpose)
    form = TemplateForm(
        request.POST or None,
        initial={
            "subject": template.subject,
            "body": template.body,
            "sms_body": template.sms_body,
            "send_automatically": template.send_automatically,
        },
    )
    preview = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            for field in ("subject", "body", "sms_body"):
                try:
                    templating.check_placeholders(data[field])
                except ValidationError as exc:
                    raise ValidationError({field: exc.messages}) from exc
            if request.POST.get("action") == "save" and request.POST.get("previewed") == (
                _fingerprint(data)
            ):
                services.template_save(
                    actor=_user(request),
                    membership=membership,
                    template=template,
                    subject=data["subject"],
                    body=data["body"],
                    sms_body=data["sms_body"],
                    send_automatically=bool(data.get("send_automatically")),
                )
                messages.success(request, f"Saved: {template.get_purpose_display()}")
                return redirect("insights:templates")
            preview = {
                "fingerprint": _fingerprint(data),
                "subject": templating.fill(data["subject"], templating.SAMPLE),
                "body": templating.fill(data["body"], templating.SAMPLE),
                "sms": templating.fill(data["sms_body"], templating.SAMPLE),
            }
        except ValidationError as exc:
            _apply_errors(form, exc)
    return render(
        request,
        "insights/template_form.html",
        {
            "form": form,
            "template": template,
            "preview": preview,
            "placeholders": templating.PLACEHOLDERS,
        },
    )
