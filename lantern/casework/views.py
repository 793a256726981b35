"""Incidents, crimes, tasks and the supervisor board: phone-first pages for the field.

Views parse, authorise (`require_role`, `get_for_user_or_404`), call a service and render.
Notes and photos also answer `fetch` from the offline queue with JSON (Accept:
application/json), deduplicated on the client's idempotency key.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from lantern.accounts.choices import POLICE_ROLES
from lantern.accounts.models import User
from lantern.core.permissions import current_membership, get_for_user_or_404, require_role
from lantern.ledger.models import Action
from lantern.ledger.services import ledger_record

from . import services
from .forms import (
    CrimeForm,
    FinaliseForm,
    IncidentForm,
    NoteForm,
    PhotoForm,
    QuestionForm,
    ReallocateForm,
    RegradeForm,
    TargetsForm,
    TaskForm,
    TriageForm,
)
from .models import Crime, Grade, Incident, IncidentEntry, Task, VideoQuestion
from .selectors import board_for, tasks_for_officer

PAGE_SIZE = 50
STATIC_JS = Path(settings.BASE_DIR) / "static" / "js"


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _incident(request: HttpRequest, reference: str) -> Incident:
    return get_for_user_or_404(Incident, _user(request), reference=reference)


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


# --- Incidents ------------------------------------------------------------------------------


def incident_list(request: HttpRequest) -> HttpResponse:
    membership = require_role(request, POLICE_ROLES)
    show = request.GET.get("show", "open")
    incidents = Incident.objects.for_user(_user(request)).filter(force=membership.organisation)
    if show != "all":
        incidents = incidents.filter(status=Incident.Status.OPEN)
    incidents = incidents.select_related("area").order_by("grade", "-graded_at")
    page = Paginator(incidents, PAGE_SIZE).get_page(request.GET.get("page"))
    targets = services.targets_for(membership.organisation)
    from .selectors import clocks_for

    now = timezone.now()
    clocks = clocks_for(list(page), targets, now)
    rows = [(i, c, c.remaining(now) if c else None) for i in page for c in [clocks.get(i.pk)]]
    return render(
        request,
        "casework/incident_list.html",
        {
            "page": page,
            "rows": rows,
            "show": show,
            "now": timezone.now(),
            "can_create": membership.role in services.DISPATCH_ROLES,
            "can_board": membership.role in services.BOARD_ROLES,
        },
    )


def incident_new(request: HttpRequest) -> HttpResponse:
    membership = require_role(request, services.DISPATCH_ROLES)
    form = IncidentForm(request.POST or None, force=membership.organisation)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        incident = services.incident_create(
            actor=_user(request),
            membership=membership,
            data=services.IncidentInput(
                grade=data["grade"],
                location=data["location"].strip(),
                summary=data["summary"].strip(),
                area=data["area"],
            ),
        )
        messages.success(request, f"Incident {incident.reference} opened")
        if incident.grade == Grade.SCHEDULED:
            return redirect("casework:incident-triage", reference=incident.reference)
        return redirect("casework:incident-detail", reference=incident.reference)
    return render(request, "casework/incident_form.html", {"form": form})


def incident_detail(request: HttpRequest, reference: str) -> HttpResponse:
    require_role(request, POLICE_ROLES)
    return _render_detail(request, _incident(request, reference))


def _render_detail(
    request: HttpRequest,
    incident: Incident,
    note_form: NoteForm | None = None,
    photo_form: PhotoForm | None = None,
) -> HttpResponse:
    """The incident log page; with a form that failed, shown again with its errors (400)."""
    membership = current_membership(request)
    now = timezone.now()
    clock = services.incident_clock(incident, now=now)
    return render(
        request,
        "casework/incident_detail.html",
        {
            "incident": incident,
            "clock": clock,
            "remaining": clock.remaining(now),
            "entries": incident.entries.select_related("author", "evidence_item"),
            "tasks": incident.tasks.select_related("assignee", "team").order_by("status", "due_at"),
            "crimes": incident.crimes.all(),
            "note_form": note_form or NoteForm(),
            "photo_form": photo_form or PhotoForm(),
            "can_dispatch": membership.role in services.DISPATCH_ROLES,
            "can_field": membership.role in services.FIELD_ROLES,
            "can_crime": membership.role in services.CRIME_ROLES,
            "is_open": incident.status == Incident.Status.OPEN,
        },
        status=400 if note_form or photo_form else 200,
    )


def _entry_json(entry: IncidentEntry, created: bool) -> JsonResponse:
    return JsonResponse(
        {"entry": entry.pk, "created": created, "kind": entry.kind},
        status=201 if created else 200,
    )


@require_POST
def incident_note(request: HttpRequest, reference: str) -> HttpResponse:
    membership = require_role(request, services.FIELD_ROLES)
    incident = _incident(request, reference)
    form = NoteForm(request.POST)
    error = "Enter the note"
    if form.is_valid():
        try:
            entry, created = services.incident_note_add(
                actor=_user(request),
                membership=membership,
                incident=incident,
                text=form.cleaned_data["text"],
                key=form.cleaned_data["key"] or request.headers.get("Idempotency-Key"),
                written_at=form.cleaned_data["written_at"],
            )
        except ValidationError as exc:
            error = exc.messages[0]
        else:
            if _wants_json(request):
                return _entry_json(entry, created)
            messages.success(request, "Note added to the log")
            return redirect(reverse("casework:incident-detail", args=[reference]) + "#log")
    if _wants_json(request):
        return JsonResponse({"error": error}, status=400)
    return _render_detail(request, incident, note_form=form)


@require_POST
def incident_photo(request: HttpRequest, reference: str) -> HttpResponse:
    membership = require_role(request, services.FIELD_ROLES)
    incident = _incident(request, reference)
    form = PhotoForm(request.POST, request.FILES)
    if form.is_valid():
        data = form.cleaned_data
        upload = data["photo"]
        try:
            entry, created = services.incident_photo_add(
                actor=_user(request),
                membership=membership,
                incident=incident,
                file=upload,
                name=upload.name or "photo",
                caption=(data["caption"] or "").strip(),
                key=data["key"] or request.headers.get("Idempotency-Key"),
                device=services.DeviceCapture(
                    taken_at=data["taken_at"],
                    latitude=data["latitude"],
                    longitude=data["longitude"],
                ),
            )
        except ValidationError as exc:
            form.add_error("photo", exc.messages[0])
        else:
            if _wants_json(request):
                return _entry_json(entry, created)
            messages.success(request, "Photo added to the log as evidence")
            return redirect(reverse("casework:incident-detail", args=[reference]) + "#log")
    if _wants_json(request):
        errors = [e for errs in form.errors.values() for e in errs]
        return JsonResponse({"error": errors[0] if errors else "Check the photo"}, status=400)
    return _render_detail(request, incident, photo_form=form)


def incident_photo_file(request: HttpRequest, reference: str, entry: int) -> FileResponse:
    """The photo, to police of the force, once the evidence checks have passed; each view is
    recorded (DPA s.62)."""
    require_role(request, POLICE_ROLES)
    incident = _incident(request, reference)
    found = incident.entries.filter(pk=entry, evidence_item__isnull=False).first()
    if found is None or found.evidence_item is None or not found.evidence_item.servable:
        raise Http404("No photo found")
    item = found.evidence_item
    ledger_record(
        action=Action.VIEWED,
        actor=_user(request),
        obj=item,
        object_sha256=item.sha256,
        reason=f"Viewed in incident log {incident.reference}",
        require_transaction=False,
    )
    response = FileResponse(item.original.open("rb"), content_type=item.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_POST
def incident_attend(request: HttpRequest, reference: str) -> HttpResponse:
    membership = require_role(request, services.FIELD_ROLES)
    incident = _incident(request, reference)
    try:
        services.incident_attend(actor=_user(request), membership=membership, incident=incident)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    else:
        messages.success(request, "Attendance recorded")
    return redirect("casework:incident-detail", reference=reference)


def incident_regrade(request: HttpRequest, reference: str) -> HttpResponse:
    membership = require_role(request, services.DISPATCH_ROLES)
    incident = _incident(request, reference)
    form = RegradeForm(request.POST or None, initial={"grade": incident.grade})
    if request.method == "POST" and form.is_valid():
        try:
            services.incident_regrade(
                actor=_user(request),
                membership=membership,
                incident=incident,
                grade=form.cleaned_data["grade"],
                reason=form.cleaned_data["reason"].strip(),
            )
        except ValidationError as exc:
            form.add_error("grade", exc.messages[0])
        else:
            messages.success(request, f"Incident regraded to {incident.get_grade_display()}")
            if incident.grade == Grade.SCHEDULED:
                return redirect("casework:incident-triage", reference=reference)
            return redirect("casework:incident-detail", reference=reference)
    return render(request, "casework/incident_regrade.html", {"incident": incident, "form": form})


def incident_triage(request: HttpRequest, reference: str) -> HttpResponse:
    membership = require_role(request, services.DISPATCH_ROLES)
    incident = _incident(request, reference)
    questions = list(VideoQuestion.objects.filter(force=incident.force, active=True))
    form = TriageForm(request.POST or None, questions=questions)
    if incident.grade != Grade.SCHEDULED:
        messages.error(request, "Only Grade 3 incidents can be triaged for video response")
        return redirect("casework:incident-detail", reference=reference)
    if request.method == "POST" and form.is_valid():
        services.incident_triage(
            actor=_user(request), membership=membership, incident=incident, answers=form.answers()
        )
        if incident.route == Incident.Route.VIDEO:
            messages.success(request, "Eligible: sent to the video-response queue")
            return redirect("casework:video-queue")
        messages.success(request, "Not eligible for video response: a patrol will attend")
        return redirect("casework:incident-detail", reference=reference)
    return render(
        request,
        "casework/incident_triage.html",
        {"incident": incident, "form": form, "questions": questions},
    )


@require_POST
def incident_close(request: HttpRequest, reference: str) -> HttpResponse:
    membership = require_role(request, services.DISPATCH_ROLES | {"officer"})
    incident = _incident(request, reference)
    reason = request.POST.get("reason", "").strip() or "Closed"
    try:
        services.incident_close(
            actor=_user(request), membership=membership, incident=incident, reason=reason
        )
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    else:
        messages.success(request, "Incident closed")
    return redirect("casework:incident-detail", reference=reference)


def video_queue(request: HttpRequest) -> HttpResponse:
    membership = require_role(request, POLICE_ROLES)
    incidents = list(
        Incident.objects.for_user(_user(request))
        .filter(
            force=membership.organisation,
            status=Incident.Status.OPEN,
            route=Incident.Route.VIDEO,
            attended_at__isnull=True,
        )
        .select_related("area")
    )
    from .selectors import clocks_for

    now = timezone.now()
    clocks = clocks_for(incidents, services.targets_for(membership.organisation), now)
    rows = sorted(
        [(i, clocks[i.pk], clocks[i.pk].remaining(now)) for i in incidents if i.pk in clocks],
        key=lambda r: r[1].deadline or now,
    )
    return render(request, "casework/video_queue.html", {"rows": rows, "now": now})


# --- Tasks ----------------------------------------------------------------------------------


def task_list(request: HttpRequest) -> HttpResponse:
    require_role(request, POLICE_ROLES)
    tasks = list(tasks_for_officer(_user(request)))
    return render(request, "casework/task_list.html", {"tasks": tasks, "now": timezone.now()})


def task_new(request: HttpRequest, reference: str) -> HttpResponse:
    membership = require_role(request, services.DISPATCH_ROLES)
    incident = _incident(request, reference)
    default_due = timezone.localtime() + timedelta(hours=1)
    form = TaskForm(
        request.POST or None,
        force=membership.organisation,
        initial={"due_at": default_due.strftime("%Y-%m-%dT%H:%M")},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        services.task_assign(
            actor=_user(request),
            membership=membership,
            incident=incident,
            data=services.TaskInput(
                kind=data["kind"],
                due_at=data["due_at"],
                assignee=data["assignee"],
                team=data["team"],
                resources=data["resources"].strip(),
                details=data["details"].strip(),
            ),
        )
        messages.success(request, "Task assigned")
        return redirect("casework:incident-detail", reference=reference)
    return render(request, "casework/task_form.html", {"incident": incident, "form": form})


def task_reallocate(request: HttpRequest, pk: int) -> HttpResponse:
    membership = require_role(request, services.DISPATCH_ROLES)
    task = get_for_user_or_404(Task, _user(request), pk=pk)
    form = ReallocateForm(
        request.POST or None,
        force=membership.organisation,
        initial={"assignee": task.assignee_id, "team": task.team_id, "resources": task.resources},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        services.task_reallocate(
            actor=_user(request),
            membership=membership,
            task=task,
            assignee=data["assignee"],
            team=data["team"],
            resources=data["resources"].strip(),
        )
        messages.success(request, "Task reallocated")
        return redirect("casework:incident-detail", reference=task.incident.reference)
    return render(request, "casework/task_reallocate.html", {"task": task, "form": form})


@require_POST
def task_done(request: HttpRequest, pk: int) -> HttpResponse:
    membership = require_role(request, services.FIELD_ROLES)
    task = get_for_user_or_404(Task, _user(request), pk=pk)
    try:
        services.task_complete(actor=_user(request), membership=membership, task=task)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    else:
        messages.success(request, f"{task.get_kind_display()} marked as done")
    if request.POST.get("next") == "tasks":
        return redirect("casework:task-list")
    return redirect("casework:incident-detail", reference=task.incident.reference)


# --- Crimes ---------------------------------------------------------------------------------


def crime_list(request: HttpRequest) -> HttpResponse:
    membership = require_role(request, POLICE_ROLES)
    crimes = (
        Crime.objects.for_user(_user(request))
        .filter(force=membership.organisation)
        .select_related("officer_in_charge")
    )
    page = Paginator(crimes, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "casework/crime_list.html",
        {"page": page, "can_create": membership.role in services.CRIME_ROLES},
    )


def crime_new(request: HttpRequest) -> HttpResponse:
    from lantern.reports.models import RetailReport

    membership = require_role(request, services.CRIME_ROLES)
    incident = None
    if request.GET.get("incident"):
        incident = _incident(request, request.GET["incident"])
    form = CrimeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        report = None
        if data["retail_report"]:
            report = (
                RetailReport.objects.for_user(_user(request))
                .filter(reference=data["retail_report"].strip().upper())
                .first()
            )
            if report is None:
                form.add_error("retail_report", "No retail crime report has this reference")
        if not form.errors:
            try:
                crime = services.crime_create(
                    actor=_user(request),
                    membership=membership,
                    data=services.CrimeInput(
                        classification=data["classification"],
                        summary=data["summary"].strip(),
                        crime_reference=data["crime_reference"],
                        victim_name=data["victim_name"].strip(),
                        victim_email=data["victim_email"],
                        victim_phone=data["victim_phone"].strip(),
                        incident=incident,
                        retail_report=report,
                    ),
                )
            except ValidationError as exc:
                form.add_error("crime_reference", exc.messages[0])
            else:
                messages.success(request, f"Crime {crime.crime_reference} recorded")
                return redirect("casework:crime-detail", pk=crime.pk)
    return render(request, "casework/crime_form.html", {"form": form, "incident": incident})


def crime_detail(request: HttpRequest, pk: int) -> HttpResponse:
    membership = require_role(request, POLICE_ROLES)
    crime = get_for_user_or_404(Crime, _user(request), pk=pk)
    case = crime.case
    return render(
        request,
        "casework/crime_detail.html",
        {
            "crime": crime,
            "incidents": crime.incidents.all(),
            "reports": crime.retail_reports.all(),
            "statements": case.statements.all(),  # type: ignore[attr-defined]
            "items": case.evidence_items.all(),  # type: ignore[attr-defined]
            "requests": case.evidence_requests.all(),  # type: ignore[attr-defined]
            "can_finalise": membership.role in services.CRIME_ROLES
            and crime.status == Crime.Status.OPEN,
        },
    )


def crime_finalise(request: HttpRequest, pk: int) -> HttpResponse:
    membership = require_role(request, services.CRIME_ROLES)
    crime = get_for_user_or_404(Crime, _user(request), pk=pk)
    if crime.status != Crime.Status.OPEN:
        messages.error(request, "This crime has already been finalised")
        return redirect("casework:crime-detail", pk=pk)
    form = FinaliseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        services.crime_finalise(
            actor=_user(request),
            membership=membership,
            crime=crime,
            outcome=data["outcome"],
            reason=data["reason"],
            no_lines_of_enquiry=data["no_lines_of_enquiry"],
        )
        told = " and the victim has been told" if crime.victim_informed_at else ""
        messages.success(request, f"Crime finalised{told}")
        return redirect("casework:crime-detail", pk=pk)
    return render(request, "casework/crime_finalise.html", {"crime": crime, "form": form})


# --- Supervisor board -----------------------------------------------------------------------


def board(request: HttpRequest) -> HttpResponse:
    membership = require_role(request, services.BOARD_ROLES)
    targets = services.targets_for(membership.organisation)
    data = board_for(membership.organisation, targets)
    return render(
        request,
        "casework/board.html",
        {"board": data, "now": timezone.now(), "targets": targets, "grades": Grade},
    )


# --- Force settings: response targets and video-response questions -------------------------


def force_settings(request: HttpRequest) -> HttpResponse:
    membership = require_role(request, frozenset({"force_admin"}))
    force = membership.organisation
    targets = services.targets_for(force)
    initial = {
        "grade_1_minutes": int(targets[1].total_seconds() // 60),  # type: ignore[union-attr]
        "grade_2_minutes": int(targets[2].total_seconds() // 60),  # type: ignore[union-attr]
        "grade_3_hours": int(targets[3].total_seconds() // 3600),  # type: ignore[union-attr]
    }
    action = request.POST.get("action", "")
    targets_form = TargetsForm(request.POST if action == "targets" else None, initial=initial)
    question_form = QuestionForm(request.POST if action == "question" else None)
    if action == "targets" and targets_form.is_valid():
        data = targets_form.cleaned_data
        services.grading_policy_set(
            actor=_user(request),
            membership=membership,
            grade_1=data["grade_1_minutes"],
            grade_2=data["grade_2_minutes"],
            grade_3=data["grade_3_hours"] * 60,
        )
        messages.success(request, "Response targets saved")
        return redirect("casework:settings")
    if action == "question" and question_form.is_valid():
        services.video_question_add(
            actor=_user(request),
            membership=membership,
            text=question_form.cleaned_data["text"].strip(),
            eligible_answer=question_form.cleaned_data["eligible_answer"],
        )
        messages.success(request, "Question added")
        return redirect("casework:settings")
    if action == "retire":
        question = get_for_user_or_404(
            VideoQuestion, _user(request), pk=request.POST.get("question") or 0, active=True
        )
        services.video_question_retire(
            actor=_user(request), membership=membership, question=question
        )
        messages.success(request, "Question removed")
        return redirect("casework:settings")
    return render(
        request,
        "casework/settings.html",
        {
            "targets_form": targets_form,
            "question_form": question_form,
            "questions": VideoQuestion.objects.filter(force=force, active=True),
        },
        status=400 if request.method == "POST" else 200,
    )


# --- Progressive web app --------------------------------------------------------------------


@login_not_required
def manifest(request: HttpRequest) -> HttpResponse:
    data = {
        "name": f"Lantern – {settings.LANTERN_FORCE_NAME}",
        "short_name": "Lantern",
        "start_url": reverse("casework:task-list"),
        "scope": "/",
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": "#0b0c0c",
        "icons": [
            {"src": "/static/img/favicon.svg", "sizes": "any", "type": "image/svg+xml"},
        ],
    }
    return JsonResponse(data, content_type="application/manifest+json")


@login_not_required
def service_worker(request: HttpRequest) -> HttpResponse:
    """Served from here (not /static/) so it may control the whole site: the wipe at next
    contact and the offline queue work on every page."""
    response = HttpResponse(
        (STATIC_JS / "sw.js").read_text(encoding="utf-8"), content_type="text/javascript"
    )
    response["Service-Worker-Allowed"] = "/"
    response["Cache-Control"] = "no-cache"
    return response
