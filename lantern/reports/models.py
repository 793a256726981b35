"""Retail crime reports: a store tells its force about a crime, the force triages it."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from lantern.accounts.choices import POLICE_ROLES, Role
from lantern.accounts.models import Membership, Organisation, Store


class Kind(models.TextChoices):
    THEFT = "theft", "Theft (shoplifting)"
    THEFT_WITH_VIOLENCE = (
        "theft_with_violence_or_threats",
        "Theft with violence or threats",
    )
    ABUSE_OF_STAFF = "abuse_of_staff", "Abuse, threats or violence towards staff"
    CRIMINAL_DAMAGE = "criminal_damage", "Criminal damage"
    BURGLARY = "burglary", "Burglary"
    FRAUD = "fraud", "Fraud"


class Status(models.TextChoices):
    DRAFT = "draft", "Draft"
    RECEIVED = "received", "Received"
    CRIME_RECORDED = "crime_recorded", "Crime recorded"
    ALLOCATED = "allocated", "Allocated to an officer"
    MORE_INFO_REQUESTED = "more_info_requested", "More information requested"
    FINALISED = "finalised", "Finalised"


class Outcome(models.TextChoices):
    """A subset of the Home Office crime outcome codes, with plain-English labels."""

    CHARGED = "1", "1: Charged or summonsed"
    YOUTH_CAUTION = "2", "2: Youth caution or youth conditional caution"
    ADULT_CAUTION = "3", "3: Adult caution or conditional caution"
    TIC = "4", "4: Taken into consideration with another offence"
    PENALTY_NOTICE = "6", "6: Penalty notice for disorder"
    COMMUNITY_RESOLUTION = "8", "8: Community resolution"
    VICTIM_DECLINES_NO_SUSPECT = (
        "14",
        "14: Evidential difficulties, victim does not support action (suspect not identified)",
    )
    EVIDENTIAL_DIFFICULTIES = (
        "15",
        "15: Evidential difficulties, suspect identified, victim supports action",
    )
    VICTIM_DECLINES = (
        "16",
        "16: Evidential difficulties, suspect identified, victim does not support action",
    )
    NO_SUSPECT = "18", "18: Investigation complete, no suspect identified"
    OTHER_AGENCY = "20", "20: Another body or agency is responsible for the investigation"
    NOT_PUBLIC_INTEREST = "21", "21: Further investigation not in the public interest"
    DIVERSIONARY = "22", "22: Diversionary, educational or intervention activity"


# Statuses the police see; drafts belong to the store until submitted.
SUBMITTED_STATUSES = [s for s in Status.values if s != Status.DRAFT]
OPEN_STATUSES = [s for s in SUBMITTED_STATUSES if s != Status.FINALISED]


class RetailReportQuerySet(models.QuerySet["RetailReport"]):
    def for_user(self, user: Any) -> RetailReportQuerySet:
        """Store staff see their stores' reports; loss-prevention managers all their
        company's; police their force's submitted reports; nobody else any."""
        if not getattr(user, "is_authenticated", False):
            return self.none()
        memberships = Membership.objects.filter(
            user=user, is_active=True, organisation__status="active"
        )
        police = memberships.filter(role__in=POLICE_ROLES).values("organisation")
        q = Q(force__in=police) & ~Q(status=Status.DRAFT)
        for m in memberships.exclude(role__in=POLICE_ROLES):
            if m.role == Role.STORE_STAFF:
                q |= Q(store__in=m.stores.all())
            elif m.role == Role.LP_MANAGER:
                q |= Q(company=m.organisation_id)
        return self.filter(q)

    def with_totals(self) -> RetailReportQuerySet:
        """Annotate `value_pence` (sum of line totals, integer) and `harm` (1 when staff
        were hurt or threatened, or the kind involves violence or threats)."""
        return self.annotate(
            value_pence=Coalesce(
                models.Sum(models.F("items__quantity") * models.F("items__unit_value_pence")),
                0,
            ),
            harm=models.Case(
                models.When(
                    Q(staff_harmed=True)
                    | Q(kind__in=[Kind.THEFT_WITH_VIOLENCE, Kind.ABUSE_OF_STAFF]),
                    then=1,
                ),
                default=0,
                output_field=models.IntegerField(),
            ),
        )

    def triage_order(self) -> RetailReportQuerySet:
        return self.with_totals().order_by("-harm", "-value_pence", "-submitted_at", "-pk")


class RetailReport(models.Model):
    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="retail_reports")
    company = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    force = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    # Given on submission: "RC-2026-000123".
    reference = models.CharField(max_length=20, unique=True, null=True, blank=True)
    occurred_at = models.DateTimeField("When it happened", null=True, blank=True)
    kind = models.CharField("What happened", max_length=40, choices=Kind.choices, blank=True)
    description = models.TextField(blank=True)
    goods_recovered = models.BooleanField(default=False)
    how_offender_left = models.TextField(blank=True)
    # [{"sex", "age", "height", "build", "clothing", "features"}, ...]
    offenders = models.JSONField(default=list, blank=True)
    # ["name", ...]
    staff_witnesses = models.JSONField(default=list, blank=True)
    staff_harmed = models.BooleanField("Staff injured or threatened", default=False)
    harm_details = models.TextField(blank=True)
    cctv_available = models.BooleanField(default=False)
    cctv_kept_days = models.PositiveIntegerField(null=True, blank=True)
    status = models.CharField(max_length=30, choices=Status.choices, default=Status.DRAFT)
    crime_reference = models.CharField(max_length=40, blank=True)
    allocated_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    outcome_code = models.CharField(max_length=3, choices=Outcome.choices, blank=True)
    outcome_reason = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    submitted_at = models.DateTimeField(null=True, blank=True)

    objects = RetailReportQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["force", "status"])]

    def __str__(self) -> str:
        return self.reference or f"Draft report {self.pk}"

    @property
    def total_pence(self) -> int:
        return sum(item.total_pence for item in self.items.all())

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def status_after_reply(self) -> str:
        """Where a report goes back to once the store has answered a question."""
        if self.allocated_to_id:
            return Status.ALLOCATED
        if self.crime_reference:
            return Status.CRIME_RECORDED
        return Status.RECEIVED


class ReportItem(models.Model):
    """A line of goods stolen or damaged. Money is in pence: never floats."""

    report = models.ForeignKey(RetailReport, on_delete=models.CASCADE, related_name="items")
    description = models.CharField(max_length=200)
    quantity = models.PositiveIntegerField(default=1)
    unit_value_pence = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.description}"

    @property
    def total_pence(self) -> int:
        return int(self.quantity) * int(self.unit_value_pence)


class ReportEvent(models.Model):
    """The report's timeline: status changes, and messages between police and store."""

    class Kind(models.TextChoices):
        STATUS = "status", "Status change"
        MESSAGE = "message", "Message"

    report = models.ForeignKey(RetailReport, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    from_police = models.BooleanField(default=False)
    status = models.CharField(max_length=30, choices=Status.choices, blank=True)
    text = models.TextField(blank=True)
    visible_to_store = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {self.report}"
