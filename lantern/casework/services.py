"""Cases are found or opened by the force's crime or incident reference."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import IO, Any, cast

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from lantern.accounts.choices import Role
from lantern.accounts.models import Area, Membership, Organisation, User
from lantern.ledger.models import Action
from lantern.ledger.services import ledger_record

from .clock import DEFAULT_TARGETS, ClockState, Grading, response_clock
from .models import (
    Case,
    Crime,
    Grade,
    GradingPolicy,
    Incident,
    IncidentEntry,
    Task,
    Team,
    VideoQuestion,
)
from .photos import read_photo_metadata


def case_for_reference(*, force: Organisation, reference: str, title: str, actor: User) -> Case:
    """The force's case with this reference, opened (and ledgered) if it is new. Runs in the
    caller's transaction, with the change that needs the case."""
    case, created = Case.objects.get_or_create(
        force=force,
        reference=reference.strip().upper(),
        defaults={"title": title or reference, "officer_in_charge": actor},
    )
    if created:
        ledger_record(action=Action.CREATED, actor=actor, actor_org=force, obj=case)
    return case


# --- Incidents, crimes and tasks (issue 9) ---------------------------------------------------

# Dispatchers: open and grade incidents, assign tasks.
DISPATCH_ROLES = frozenset({Role.CALL_HANDLER, Role.SUPERVISOR})
# Work on an incident in the field: notes, photos, attendance.
FIELD_ROLES = frozenset({Role.CALL_HANDLER, Role.OFFICER, Role.INVESTIGATOR, Role.SUPERVISOR})
# Record and finalise crimes.
CRIME_ROLES = frozenset({Role.OFFICER, Role.INVESTIGATOR, Role.SUPERVISOR})
# See the supervisor board and its figures.
BOARD_ROLES = frozenset({Role.CALL_HANDLER, Role.SUPERVISOR, Role.ANALYST, Role.FORCE_ADMIN})


def targets_for(force: Organisation) -> dict[int, timedelta | None]:
    policy = GradingPolicy.objects.filter(force=force).first()
    if policy is None:
        return dict(DEFAULT_TARGETS)
    return {
        1: timedelta(minutes=policy.grade_1_minutes),
        2: timedelta(minutes=policy.grade_2_minutes),
        3: timedelta(minutes=policy.grade_3_minutes),
        4: None,
    }


def gradings_of(incident: Incident) -> list[Grading]:
    entries = incident.entries.filter(
        kind__in=[IncidentEntry.Kind.OPENED, IncidentEntry.Kind.GRADE], grade__isnull=False
    ).values_list("created_at", "grade")
    return [Grading(at=at, grade=grade) for at, grade in entries if grade is not None]


def incident_clock(
    incident: Incident,
    *,
    now: datetime | None = None,
    targets: dict[int, timedelta | None] | None = None,
) -> ClockState:
    return response_clock(
        gradings_of(incident),
        targets=targets if targets is not None else targets_for(incident.force),
        attended_at=incident.attended_at,
        now=now or timezone.now(),
    )


def _refresh_breach(incident: Incident, now: datetime | None = None) -> ClockState:
    state = incident_clock(incident, now=now)
    if state.breached != incident.breached:
        incident.breached = state.breached
        incident.save(update_fields=["breached"])
    return state


def _require(membership: Membership, allowed: frozenset[str], force: Organisation) -> None:
    if membership.role not in allowed or membership.organisation_id != force.pk:
        raise PermissionDenied


@dataclass(frozen=True)
class IncidentInput:
    grade: int
    location: str
    summary: str
    area: Area | None = None


def incident_create(*, actor: User, membership: Membership, data: IncidentInput) -> Incident:
    force = membership.organisation
    _require(membership, DISPATCH_ROLES, force)
    now = timezone.now()
    with transaction.atomic():
        incident = Incident(
            force=force,
            grade=data.grade,
            graded_at=now,
            location=data.location,
            area=data.area,
            summary=data.summary,
            created_by=actor,
            created_at=now,
        )
        incident.case = case_for_reference(
            force=force, reference=incident.reference, title=data.summary[:200], actor=actor
        )
        incident.save()
        IncidentEntry.objects.create(
            incident=incident,
            kind=IncidentEntry.Kind.OPENED,
            grade=data.grade,
            text=data.summary,
            author=actor,
            created_at=now,
        )
        ledger_record(action=Action.CREATED, actor=actor, actor_org=force, obj=incident)
    return incident


def incident_regrade(
    *, actor: User, membership: Membership, incident: Incident, grade: int, reason: str
) -> Incident:
    _require(membership, DISPATCH_ROLES, incident.force)
    if grade == incident.grade:
        raise ValidationError("The incident already has this grade")
    if incident.status != Incident.Status.OPEN:
        raise ValidationError("This incident is closed")
    with transaction.atomic():
        old = incident.grade
        now = timezone.now()
        IncidentEntry.objects.create(
            incident=incident,
            kind=IncidentEntry.Kind.GRADE,
            grade=grade,
            text=reason,
            author=actor,
            created_at=now,
        )
        incident.grade = grade
        incident.graded_at = now
        if grade != Grade.SCHEDULED:
            incident.route = Incident.Route.PATROL
        incident.save(update_fields=["grade", "graded_at", "route"])
        _refresh_breach(incident, now)
        ledger_record(
            action=Action.CHANGED,
            actor=actor,
            actor_org=incident.force,
            obj=incident,
            reason=reason,
            detail={"old": {"grade": old}, "new": {"grade": grade}},
        )
    return incident


def incident_attend(*, actor: User, membership: Membership, incident: Incident) -> Incident:
    """The officer has arrived (Grades 1-2) or engaged with the caller (Grade 3)."""
    _require(membership, FIELD_ROLES, incident.force)
    if incident.attended_at is not None:
        raise ValidationError("Attendance has already been recorded")
    with transaction.atomic():
        now = timezone.now()
        incident.attended_at = now
        incident.attended_by = actor
        incident.save(update_fields=["attended_at", "attended_by"])
        IncidentEntry.objects.create(
            incident=incident, kind=IncidentEntry.Kind.ATTENDED, author=actor, created_at=now
        )
        state = _refresh_breach(incident, now)
        ledger_record(
            action=Action.CHANGED,
            actor=actor,
            actor_org=incident.force,
            obj=incident,
            reason="Attended",
            detail={"new": {"attended_at": now.isoformat(), "within_target": state.met}},
        )
    return incident


def incident_close(
    *, actor: User, membership: Membership, incident: Incident, reason: str
) -> Incident:
    _require(membership, DISPATCH_ROLES | {Role.OFFICER}, incident.force)
    if incident.status == Incident.Status.CLOSED:
        raise ValidationError("This incident is already closed")
    with transaction.atomic():
        now = timezone.now()
        _refresh_breach(incident, now)
        incident.status = Incident.Status.CLOSED
        incident.closed_at = now
        incident.save(update_fields=["status", "closed_at"])
        IncidentEntry.objects.create(
            incident=incident, kind=IncidentEntry.Kind.CLOSED, text=reason, author=actor
        )
        incident.tasks.filter(status=Task.Status.OPEN).update(status=Task.Status.CANCELLED)
        ledger_record(
            action=Action.CHANGED,
            actor=actor,
            actor_org=incident.force,
            obj=incident,
            reason=reason,
        )
    return incident


def _existing(key: str | None, incident: Incident) -> IncidentEntry | None:
    if not key:
        return None
    entry = IncidentEntry.objects.filter(idempotency_key=key).first()
    if entry is not None and entry.incident_id != incident.pk:
        raise ValidationError("This key was used for another incident")
    return entry


def incident_note_add(
    *,
    actor: User,
    membership: Membership,
    incident: Incident,
    text: str,
    key: str | None = None,
    written_at: datetime | None = None,
) -> tuple[IncidentEntry, bool]:
    """Add a note; a replay with the same key returns the first one (created=False)."""
    _require(membership, FIELD_ROLES, incident.force)
    text = text.strip()
    if not text:
        raise ValidationError("Enter the note")
    with transaction.atomic():
        existing = _existing(key, incident)
        if existing is not None:
            return existing, False
        entry = IncidentEntry.objects.create(
            incident=incident,
            kind=IncidentEntry.Kind.NOTE,
            text=text,
            author=actor,
            idempotency_key=key or None,
            device_taken_at=written_at,
        )
        ledger_record(
            action=Action.CHANGED,
            actor=actor,
            actor_org=incident.force,
            obj=incident,
            reason="Note added to the log",
            detail={"entry": entry.pk},
        )
    return entry, True


@dataclass(frozen=True)
class DeviceCapture:
    """Time and place the phone reported when the photo was taken or chosen."""

    taken_at: datetime | None = None
    latitude: float | None = None
    longitude: float | None = None


def _sha256(handle: IO[bytes]) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    handle.seek(0)
    for chunk in iter(lambda: handle.read(1024 * 1024), b""):
        digest.update(chunk)
        size += len(chunk)
    handle.seek(0)
    return digest.hexdigest(), size


def incident_photo_add(
    *,
    actor: User,
    membership: Membership,
    incident: Incident,
    file: File[Any],
    name: str,
    device: DeviceCapture,
    caption: str = "",
    key: str | None = None,
) -> tuple[IncidentEntry, bool]:
    """Keep a scene photo as an evidence item (original unchanged, SHA-256) in the
    incident's case and log it with both the file's and the device's capture details."""
    from lantern.evidence.models import EvidenceItem
    from lantern.evidence.tasks import evidence_item_check

    _require(membership, FIELD_ROLES, incident.force)
    handle = cast(IO[bytes], file)
    meta = read_photo_metadata(handle)
    if not meta.is_image:
        raise ValidationError("The selected file must be a photo (JPEG, PNG or WebP)")
    sha256, size = _sha256(handle)
    with transaction.atomic():
        existing = _existing(key, incident)
        if existing is not None:
            return existing, False
        if incident.case is None:
            incident.case = case_for_reference(
                force=incident.force,
                reference=incident.reference,
                title=incident.summary[:200],
                actor=actor,
            )
            incident.save(update_fields=["case"])
        item = EvidenceItem(
            case=incident.case,
            original_name=name[:255],
            size=size,
            sha256=sha256,
            description=caption or f"Photo taken at {incident.location}",
            uploaded_by=f"user:{actor.pk}",
            state=EvidenceItem.State.SUBMITTED,
            submitted_at=timezone.now(),
        )
        item.original.save(f"{incident.reference}-{sha256[:16]}", file, save=False)
        item.save()
        entry = IncidentEntry.objects.create(
            incident=incident,
            kind=IncidentEntry.Kind.PHOTO,
            text=caption,
            author=actor,
            idempotency_key=key or None,
            evidence_item=item,
            exif_taken_at=meta.taken_at,
            exif_latitude=meta.latitude,
            exif_longitude=meta.longitude,
            device_taken_at=device.taken_at,
            device_latitude=device.latitude,
            device_longitude=device.longitude,
        )
        capture = {
            "exif": {
                "taken_at": _iso(meta.taken_at),
                "lat": _text(meta.latitude),
                "lon": _text(meta.longitude),
            },
            "device": {
                "taken_at": _iso(device.taken_at),
                "lat": _text(device.latitude),
                "lon": _text(device.longitude),
            },
        }
        ledger_record(
            action=Action.CREATED,
            actor=actor,
            actor_org=incident.force,
            obj=item,
            object_sha256=sha256,
            reason=f"Photo added to incident {incident.reference}",
            detail={"incident": incident.reference, "size": size, "capture": capture},
        )
        transaction.on_commit(partial(evidence_item_check.enqueue, item.pk))
    return entry, True


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _text(value: float | None) -> str | None:
    """The ledger keeps no floats (not canonical): coordinates as text, to 6 places."""
    return None if value is None else f"{value:.6f}"


def video_eligible(questions: list[VideoQuestion], answers: dict[int, bool]) -> bool:
    """Eligible only when every question was answered, each with its eligible answer."""
    return bool(questions) and all(
        q.pk in answers and answers[q.pk] == q.eligible_answer for q in questions
    )


def incident_triage(
    *, actor: User, membership: Membership, incident: Incident, answers: dict[int, bool]
) -> Incident:
    """Grade 3 only: an eligible call goes to the video-response queue instead of a patrol."""
    _require(membership, DISPATCH_ROLES, incident.force)
    if incident.grade != Grade.SCHEDULED:
        raise ValidationError("Only Grade 3 incidents can be triaged for video response")
    questions = list(VideoQuestion.objects.filter(force=incident.force, active=True))
    eligible = video_eligible(questions, answers)
    route = Incident.Route.VIDEO if eligible else Incident.Route.PATROL
    with transaction.atomic():
        incident.route = route
        incident.save(update_fields=["route"])
        lines = [f"{q.text}: {'Yes' if answers.get(q.pk) else 'No'}" for q in questions]
        IncidentEntry.objects.create(
            incident=incident,
            kind=IncidentEntry.Kind.TRIAGE,
            text="\n".join([f"Route: {Incident.Route(route).label}", *lines]),
            author=actor,
        )
        ledger_record(
            action=Action.CHANGED,
            actor=actor,
            actor_org=incident.force,
            obj=incident,
            reason="Video-response triage",
            detail={"new": {"route": route}, "answers": {str(k): v for k, v in answers.items()}},
        )
    return incident


# --- Crimes ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class CrimeInput:
    classification: str
    summary: str
    crime_reference: str = ""
    victim_name: str = ""
    victim_email: str = ""
    victim_phone: str = ""
    incident: Incident | None = None
    retail_report: Any = None


def _new_crime_reference(force: Organisation) -> str:
    year = timezone.now().year
    count = Crime.objects.filter(force=force, crime_reference__startswith=f"CR/{year}/").count()
    return f"CR/{year}/{count + 1:06d}"


def crime_create(*, actor: User, membership: Membership, data: CrimeInput) -> Crime:
    force = membership.organisation
    _require(membership, CRIME_ROLES, force)
    reference = data.crime_reference.strip().upper() or _new_crime_reference(force)
    if Crime.objects.filter(force=force, crime_reference=reference).exists():
        raise ValidationError("A crime with this reference already exists")
    with transaction.atomic():
        case = case_for_reference(
            force=force, reference=reference, title=data.summary[:200] or reference, actor=actor
        )
        crime = Crime.objects.create(
            force=force,
            crime_reference=reference,
            classification=data.classification,
            summary=data.summary,
            officer_in_charge=actor,
            case=case,
            victim_name=data.victim_name,
            victim_email=data.victim_email,
            victim_phone=data.victim_phone,
            created_by=actor,
        )
        if data.incident is not None:
            crime.incidents.add(data.incident)
        if data.retail_report is not None:
            crime.retail_reports.add(data.retail_report)
        ledger_record(action=Action.CREATED, actor=actor, actor_org=force, obj=crime)
    return crime


def crime_finalise(
    *,
    actor: User,
    membership: Membership,
    crime: Crime,
    outcome: str,
    reason: str,
    no_lines_of_enquiry: bool,
) -> Crime:
    """Finalise at first contact: no lines of enquiry, an outcome and a reason recorded, and
    the victim told (Victims' Code right 6: a decision not to investigate)."""
    _require(membership, CRIME_ROLES, crime.force)
    if crime.status == Crime.Status.FINALISED:
        raise ValidationError("This crime has already been finalised")
    if not no_lines_of_enquiry:
        raise ValidationError("Confirm there are no lines of enquiry")
    if not reason.strip():
        raise ValidationError("Enter the reason for the outcome")
    with transaction.atomic():
        now = timezone.now()
        crime.status = Crime.Status.FINALISED
        crime.outcome = outcome
        crime.outcome_reason = reason.strip()
        crime.finalised_at = now
        crime.finalised_by = actor
        told = bool(crime.victim_email or crime.victim_phone)
        crime.victim_informed_at = now if told else None
        crime.save()
        ledger_record(
            action=Action.CHANGED,
            actor=actor,
            actor_org=crime.force,
            obj=crime,
            reason=reason,
            detail={"new": {"status": crime.status, "outcome": outcome, "victim_told": told}},
        )
        if told:
            transaction.on_commit(partial(_tell_victim, crime.pk))
    return crime


def _tell_victim(crime_id: int) -> None:
    from lantern.notifications.sms import send_sms

    crime = Crime.objects.select_related("force").get(pk=crime_id)
    body = render_to_string("casework/email/finalised.txt", {"crime": crime})
    if crime.victim_email:
        send_mail(f"Your crime report {crime.crime_reference}", body, None, [crime.victim_email])
    elif crime.victim_phone:
        send_sms(crime.victim_phone, body)


# --- Tasks ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class TaskInput:
    kind: str
    due_at: datetime
    assignee: User | None = None
    team: Team | None = None
    resources: str = ""
    details: str = ""


def task_assign(
    *, actor: User, membership: Membership, incident: Incident, data: TaskInput
) -> Task:
    _require(membership, DISPATCH_ROLES, incident.force)
    with transaction.atomic():
        task = Task.objects.create(
            force=incident.force,
            incident=incident,
            kind=data.kind,
            details=data.details,
            assignee=data.assignee,
            team=data.team,
            resources=data.resources,
            due_at=data.due_at,
            created_by=actor,
        )
        who = data.assignee or data.team
        IncidentEntry.objects.create(
            incident=incident,
            kind=IncidentEntry.Kind.TASK,
            text=f"{task.get_kind_display()}: {who or 'not yet allocated'}, due "
            f"{timezone.localtime(data.due_at):%d %b %H:%M}",
            author=actor,
        )
        ledger_record(
            action=Action.CREATED,
            actor=actor,
            actor_org=incident.force,
            obj=task,
            detail={"incident": incident.reference, "assignee": data.assignee and data.assignee.pk},
        )
    return task


def task_reallocate(
    *,
    actor: User,
    membership: Membership,
    task: Task,
    assignee: User | None,
    team: Team | None,
    resources: str,
) -> Task:
    _require(membership, DISPATCH_ROLES, task.force)
    with transaction.atomic():
        old = {"assignee": task.assignee_id, "team": task.team_id, "resources": task.resources}
        task.assignee, task.team, task.resources = assignee, team, resources
        task.save(update_fields=["assignee", "team", "resources"])
        ledger_record(
            action=Action.CHANGED,
            actor=actor,
            actor_org=task.force,
            obj=task,
            detail={
                "old": old,
                "new": {"assignee": task.assignee_id, "team": task.team_id, "resources": resources},
            },
        )
    return task


def task_complete(*, actor: User, membership: Membership, task: Task) -> Task:
    _require(membership, FIELD_ROLES, task.force)
    if task.status != Task.Status.OPEN:
        raise ValidationError("This task is no longer open")
    with transaction.atomic():
        task.status = Task.Status.DONE
        task.completed_at = timezone.now()
        task.save(update_fields=["status", "completed_at"])
        IncidentEntry.objects.create(
            incident=task.incident,
            kind=IncidentEntry.Kind.TASK,
            text=f"Done: {task.get_kind_display()}",
            author=actor,
        )
        ledger_record(
            action=Action.CHANGED, actor=actor, actor_org=task.force, obj=task, reason="Done"
        )
    return task


# --- Force settings -------------------------------------------------------------------------


def grading_policy_set(
    *, actor: User, membership: Membership, grade_1: int, grade_2: int, grade_3: int
) -> GradingPolicy:
    """Targets in minutes. They apply to every clock from now on, open incidents included."""
    force = membership.organisation
    _require(membership, frozenset({Role.FORCE_ADMIN}), force)
    with transaction.atomic():
        policy, _ = GradingPolicy.objects.get_or_create(force=force)
        old = [policy.grade_1_minutes, policy.grade_2_minutes, policy.grade_3_minutes]
        policy.grade_1_minutes, policy.grade_2_minutes, policy.grade_3_minutes = (
            grade_1,
            grade_2,
            grade_3,
        )
        policy.save()
        ledger_record(
            action=Action.CHANGED,
            actor=actor,
            actor_org=force,
            obj=policy,
            detail={"old": {"minutes": old}, "new": {"minutes": [grade_1, grade_2, grade_3]}},
        )
    return policy


def video_question_add(
    *, actor: User, membership: Membership, text: str, eligible_answer: bool
) -> VideoQuestion:
    force = membership.organisation
    _require(membership, frozenset({Role.FORCE_ADMIN}), force)
    with transaction.atomic():
        order = VideoQuestion.objects.filter(force=force).count() + 1
        question = VideoQuestion.objects.create(
            force=force, text=text, eligible_answer=eligible_answer, order=order
        )
        ledger_record(action=Action.CREATED, actor=actor, actor_org=force, obj=question)
    return question


def video_question_retire(
    *, actor: User, membership: Membership, question: VideoQuestion
) -> VideoQuestion:
    _require(membership, frozenset({Role.FORCE_ADMIN}), question.force)
    with transaction.atomic():
        question.active = False
        question.save(update_fields=["active"])
        ledger_record(action=Action.DISABLED, actor=actor, actor_org=question.force, obj=question)
    return question
