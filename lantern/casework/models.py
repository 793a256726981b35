"""Cases: the crime or incident that evidence, statements and reports hang from."""

from __future__ import annotations

import secrets
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from lantern.accounts.choices import POLICE_ROLES
from lantern.accounts.models import Membership, Organisation


class CaseQuerySet(models.QuerySet["Case"]):
    def for_user(self, user: Any) -> CaseQuerySet:
        """Police see their own force's cases; partners see none directly."""
        if not getattr(user, "is_authenticated", False):
            return self.none()
        forces = Membership.objects.filter(user=user, is_active=True, role__in=POLICE_ROLES).values(
            "organisation"
        )
        return self.filter(force__in=forces)


class Case(models.Model):
    force = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="cases")
    # The force's own crime or incident reference (e.g. from its records system).
    reference = models.CharField(max_length=40)
    title = models.CharField(max_length=200)
    officer_in_charge = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="cases"
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = CaseQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["force", "reference"], name="case_reference_unique")
        ]

    def __str__(self) -> str:
        return f"{self.reference}: {self.title}"

    @staticmethod
    def search(queryset: CaseQuerySet, text: str) -> CaseQuerySet:
        return queryset.filter(Q(reference__icontains=text) | Q(title__icontains=text))


# --- Incidents, crimes and tasks (issue 9) ---------------------------------------------------


def _police_forces(user: Any) -> Any:
    return Membership.objects.filter(user=user, is_active=True, role__in=POLICE_ROLES).values(
        "organisation"
    )


class ForceScopedQuerySet(models.QuerySet[Any]):
    def for_user(self, user: Any) -> Any:
        """Police see their own force's records; partners and the public see none."""
        if not getattr(user, "is_authenticated", False):
            return self.none()
        return self.filter(force__in=_police_forces(user))


class Grade(models.IntegerChoices):
    EMERGENCY = 1, "Grade 1: emergency"
    PRIORITY = 2, "Grade 2: priority"
    SCHEDULED = 3, "Grade 3: scheduled"
    NO_ATTENDANCE = 4, "Grade 4: no attendance needed"


class GradingPolicy(models.Model):
    """A force's response targets (minutes); a force without one uses the national ones."""

    force = models.OneToOneField(
        Organisation, on_delete=models.CASCADE, related_name="grading_policy"
    )
    grade_1_minutes = models.PositiveIntegerField(default=20)
    grade_2_minutes = models.PositiveIntegerField(default=60)
    grade_3_minutes = models.PositiveIntegerField(default=48 * 60)

    def __str__(self) -> str:
        return f"Response targets for {self.force}"


class VideoQuestion(models.Model):
    """One eligibility question for video response to a Grade 3 call: every active question
    must be answered with its `eligible_answer` for the caller to be offered a video call."""

    force = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    text = models.CharField(max_length=300)
    eligible_answer = models.BooleanField(default=True)
    order = models.PositiveSmallIntegerField(default=0)
    active = models.BooleanField(default=True)

    objects = ForceScopedQuerySet.as_manager()

    class Meta:
        ordering = ["order", "pk"]

    def __str__(self) -> str:
        return self.text


class Team(models.Model):
    force = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=100)
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="teams")

    objects = ForceScopedQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["force", "name"], name="team_name_unique")]

    def __str__(self) -> str:
        return self.name


def new_incident_reference() -> str:
    return f"INC-{timezone.now():%y%m%d}-{secrets.randbelow(10**6):06d}"


class Incident(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", "Open"
        CLOSED = "closed", "Closed"

    class Route(models.TextChoices):
        PATROL = "patrol", "Patrol"
        VIDEO = "video", "Video response"

    force = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    reference = models.CharField(max_length=30, unique=True, default=new_incident_reference)
    grade = models.PositiveSmallIntegerField(choices=Grade.choices)
    graded_at = models.DateTimeField(default=timezone.now)
    location = models.CharField(max_length=300)
    area = models.ForeignKey(
        "accounts.Area", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    summary = models.TextField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    route = models.CharField(max_length=10, choices=Route.choices, default=Route.PATROL)
    attended_at = models.DateTimeField(null=True, blank=True)
    attended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The clock's verdict as of the last regrade, attendance or close (a running clock that
    # runs out is counted by the board from the clock itself, not from this field).
    breached = models.BooleanField(default=False)
    # Where photos taken at the scene are kept as evidence items.
    case = models.ForeignKey(
        Case, null=True, blank=True, on_delete=models.PROTECT, related_name="incidents"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)

    objects = ForceScopedQuerySet.as_manager()

    class Meta:
        ordering = ["grade", "-graded_at"]

    def __str__(self) -> str:
        return self.reference


class IncidentEntry(models.Model):
    """One line of the incident log. Rows are only added, never edited."""

    class Kind(models.TextChoices):
        OPENED = "opened", "Opened"
        NOTE = "note", "Note"
        GRADE = "grade", "Grading changed"
        ATTENDED = "attended", "Attended"
        PHOTO = "photo", "Photo"
        TASK = "task", "Task"
        TRIAGE = "triage", "Video-response triage"
        CLOSED = "closed", "Closed"

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="entries")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    text = models.TextField(blank=True)
    grade = models.PositiveSmallIntegerField(choices=Grade.choices, null=True, blank=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    # Sent by the phone for notes and photos, so a replay after a lost signal is not saved twice.
    idempotency_key = models.CharField(max_length=64, null=True, blank=True, unique=True)
    evidence_item = models.ForeignKey(
        "evidence.EvidenceItem", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Capture time and place, from the photo's metadata and from the device (both kept).
    exif_taken_at = models.DateTimeField(null=True, blank=True)
    exif_latitude = models.FloatField(null=True, blank=True)
    exif_longitude = models.FloatField(null=True, blank=True)
    device_taken_at = models.DateTimeField(null=True, blank=True)
    device_latitude = models.FloatField(null=True, blank=True)
    device_longitude = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.incident} {self.kind} {self.created_at:%H:%M}"


class Crime(models.Model):
    class Classification(models.TextChoices):
        SHOPLIFTING = "shoplifting", "Theft from a shop"
        THEFT = "theft", "Other theft"
        BURGLARY = "burglary", "Burglary"
        ROBBERY = "robbery", "Robbery"
        ASSAULT = "assault", "Assault"
        CRIMINAL_DAMAGE = "criminal_damage", "Criminal damage"
        VEHICLE = "vehicle", "Vehicle crime"
        FRAUD = "fraud", "Fraud"
        PUBLIC_ORDER = "public_order", "Public order"
        OTHER = "other", "Other"

    class Status(models.TextChoices):
        OPEN = "open", "Under investigation"
        FINALISED = "finalised", "Finalised"

    class Outcome(models.TextChoices):
        NO_SUSPECT = "18", "Outcome 18: investigation complete, no suspect identified"
        EVIDENTIAL_VICTIM = "16", "Outcome 16: victim does not support action"
        EVIDENTIAL = "15", "Outcome 15: evidential difficulties, suspect identified"
        NOT_IN_PUBLIC_INTEREST = (
            "21",
            "Outcome 21: further investigation not in the public interest",
        )

    force = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    crime_reference = models.CharField(max_length=40)
    classification = models.CharField(max_length=20, choices=Classification.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    officer_in_charge = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    summary = models.TextField(blank=True)
    case = models.OneToOneField(Case, on_delete=models.PROTECT, related_name="crime")
    incidents = models.ManyToManyField(Incident, blank=True, related_name="crimes")
    retail_reports = models.ManyToManyField(
        "reports.RetailReport", blank=True, related_name="crimes"
    )
    victim_name = models.CharField(max_length=200, blank=True)
    victim_email = models.EmailField(blank=True)
    victim_phone = models.CharField(max_length=20, blank=True)
    outcome = models.CharField(max_length=4, choices=Outcome.choices, blank=True)
    outcome_reason = models.TextField(blank=True)
    finalised_at = models.DateTimeField(null=True, blank=True)
    finalised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    victim_informed_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = ForceScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["force", "crime_reference"], name="crime_reference_unique"
            )
        ]

    def __str__(self) -> str:
        return self.crime_reference


class Task(models.Model):
    class Kind(models.TextChoices):
        ATTEND = "attend", "Attend"
        STATEMENT = "statement", "Take a statement"
        FOOTAGE = "footage", "Collect or request footage"
        HOUSE_TO_HOUSE = "house_to_house", "House-to-house enquiries"
        UPDATE_VICTIM = "update_victim", "Update the victim"

    class Status(models.TextChoices):
        OPEN = "open", "To do"
        DONE = "done", "Done"
        CANCELLED = "cancelled", "Cancelled"

    force = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="tasks")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    details = models.TextField(blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="field_tasks",
    )
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.PROTECT, related_name="tasks"
    )
    # Vehicles, call signs, kit or people put on this task, so a supervisor can re-plan.
    resources = models.CharField(max_length=300, blank=True)
    due_at = models.DateTimeField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    completed_at = models.DateTimeField(null=True, blank=True)

    objects = ForceScopedQuerySet.as_manager()

    class Meta:
        ordering = ["due_at", "-created_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for {self.incident}"

    @property
    def allocated(self) -> bool:
        return self.assignee_id is not None or self.team_id is not None
