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
    ALLOCATED = "allocated", "Allocated to an officer or team"
    MORE_INFO_REQUESTED = "more_info_requested", "More information requested"
    RETURNED = "returned", "Returned: details missing"
    FINALISED = "finalised", "Finalised"
    WITHDRAWN = "withdrawn", "Withdrawn by the store"


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
CLOSED_STATUSES = [Status.FINALISED, Status.WITHDRAWN]
# Open for the police to act on (a returned report is back with the store).
OPEN_STATUSES = [s for s in SUBMITTED_STATUSES if s not in CLOSED_STATUSES and s != Status.RETURNED]
# The store may still change the answers (a returned report lacked what the force needs).
EDITABLE_STATUSES = [Status.DRAFT, Status.RETURNED]


class Source(models.TextChoices):
    WEB = "web", "Reported online"
    BULK = "bulk", "Bulk upload"


# What a force may require before it accepts a report (beyond when, what and a description).
class Requirement(models.TextChoices):
    ITEMS = "items", "At least one item taken or damaged, with its value"
    OFFENDER = "offender", "A description of the offender"
    HOW_LEFT = "how_offender_left", "How the offender left"
    WITNESS = "staff_witnesses", "The name of a member of staff who saw it"
    CCTV_DAYS = "cctv_kept_days", "How long CCTV is kept, when there is CCTV"


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

    def triage_order(self, high_value_pence: int = 20000) -> RetailReportQuerySet:
        """Highest risk first (violence or threats to staff 4, a repeat offender 2, value at
        or above the force's high-value line 1), newest first within the same risk."""
        return (
            self.with_totals()
            .annotate(
                risk=models.F("harm") * 4
                + models.Case(
                    models.When(repeat_offender=True, then=2),
                    default=0,
                    output_field=models.IntegerField(),
                )
                + models.Case(
                    models.When(value_pence__gte=high_value_pence, then=1),
                    default=0,
                    output_field=models.IntegerField(),
                )
            )
            .order_by("-risk", "-submitted_at", "-pk")
        )


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
    allocated_team = models.ForeignKey(
        "casework.Team", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    outcome_code = models.CharField(max_length=3, choices=Outcome.choices, blank=True)
    outcome_reason = models.TextField(blank=True)
    # Known to have offended before: "report again with the same offender", a link to
    # another report of the same offender, or (later) a gallery profile.
    repeat_offender = models.BooleanField(default=False)
    repeat_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.WEB)
    withdrawn_reason = models.TextField(blank=True)
    # The store added information after the report was finalised: the police may reopen it.
    new_information = models.BooleanField(default=False)
    cctv_request = models.ForeignKey(
        "evidence.EvidenceRequest",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="retail_reports",
    )
    created_at = models.DateTimeField(default=timezone.now)
    submitted_at = models.DateTimeField(null=True, blank=True)
    # For the figures: time from report to crime reference and to outcome.
    crime_recorded_at = models.DateTimeField(null=True, blank=True)
    finalised_at = models.DateTimeField(null=True, blank=True)

    objects = RetailReportQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["force", "status"]),
            models.Index(fields=["store", "occurred_at"]),
        ]

    def __str__(self) -> str:
        return self.reference or f"Draft report {self.pk}"

    @property
    def total_pence(self) -> int:
        return sum(item.total_pence for item in self.items.all())

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def is_editable(self) -> bool:
        return self.status in EDITABLE_STATUSES

    def status_after_reply(self) -> str:
        """Where a report goes back to once the store has answered a question."""
        if self.allocated_to_id or self.allocated_team_id:
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
        # Police only: never shown, emailed or exported to the store.
        NOTE = "note", "Police note"

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


class ReportLink(models.Model):
    """Two reports the police judge to be connected. Stored once, lower pk first."""

    class Reason(models.TextChoices):
        SAME_OFFENDER = "same_offender", "Same offender"
        SAME_STORE = "same_store", "Same store"
        SAME_TIME = "same_time", "Same time"

    first = models.ForeignKey(RetailReport, on_delete=models.CASCADE, related_name="+")
    second = models.ForeignKey(RetailReport, on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(max_length=20, choices=Reason.choices)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["first", "second"], name="report_link_once"),
            models.CheckConstraint(
                condition=Q(first__lt=models.F("second")), name="report_link_ordered"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.first} and {self.second}: {self.get_reason_display()}"


class ForceReportRules(models.Model):
    """What a force needs in a report before it will deal with it, set by its force admin."""

    force = models.OneToOneField(Organisation, on_delete=models.CASCADE, related_name="+")
    # Requirement values.
    required = models.JSONField(default=list, blank=True)
    # Reports worth this much or more rise in the triage queue.
    high_value_pence = models.PositiveIntegerField(default=20000)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name_plural = "force report rules"

    def __str__(self) -> str:
        return f"Report rules for {self.force}"


class EmailChoice(models.TextChoices):
    EACH = "each", "An email for every change"
    DIGEST = "digest", "One email a day with all the changes"


class ReportEmailPreference(models.Model):
    """How a loss-prevention manager hears about their company's reports."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="report_email"
    )
    choice = models.CharField(max_length=10, choices=EmailChoice.choices, default=EmailChoice.EACH)

    def __str__(self) -> str:
        return f"{self.user}: {self.get_choice_display()}"


class DigestEntry(models.Model):
    """A change waiting for a manager's daily digest."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    report = models.ForeignKey(RetailReport, on_delete=models.CASCADE, related_name="+")
    headline = models.CharField(max_length=200)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name_plural = "digest entries"

    def __str__(self) -> str:
        return f"{self.report}: {self.headline}"
