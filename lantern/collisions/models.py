"""Reports from the public: road traffic collisions and low-level crime, no account needed."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone

from lantern.accounts.choices import POLICE_ROLES
from lantern.accounts.models import Area, Membership, Organisation


class Kind(models.TextChoices):
    COLLISION = "collision", "Road traffic collision"
    CRIME = "crime", "Crime"


REFERENCE_PREFIX = {Kind.COLLISION: "RTC", Kind.CRIME: "CR"}


class CrimeKind(models.TextChoices):
    THEFT = "theft", "Theft"
    CRIMINAL_DAMAGE = "criminal_damage", "Criminal damage"
    ONLINE_FRAUD = "online_fraud", "Online fraud"


class Status(models.TextChoices):
    RECEIVED = "received", "Received"
    ALLOCATED = "allocated", "Allocated to an officer"
    CLOSED = "closed", "Closed"


class Outcome(models.TextChoices):
    NO_FURTHER_ACTION = "nfa", "No further police action"
    CRIME_RECORDED = "crime_recorded", "Crime recorded"
    PROSECUTION = "prosecution", "Notice of intended prosecution or summons"
    ADVICE_GIVEN = "advice", "Advice given to the reporter"
    OTHER_AGENCY = "other_agency", "Passed to another agency"


class Channel(models.TextChoices):
    EMAIL = "email", "Email"
    SMS = "sms", "Text message"
    POST = "post", "Letter"


class PublicReportQuerySet(models.QuerySet["PublicReport"]):
    def for_user(self, user: Any) -> PublicReportQuerySet:
        """Police see their own force's reports; nobody else sees any through an account
        (the reporter uses their link)."""
        if not getattr(user, "is_authenticated", False):
            return self.none()
        forces = Membership.objects.filter(
            user=user, is_active=True, role__in=POLICE_ROLES, organisation__status="active"
        ).values("organisation")
        return self.filter(force__in=forces)


class PublicReport(models.Model):
    kind = models.CharField(max_length=20, choices=Kind.choices)
    # "RTC-2026-000123" or "CR-2026-000045": given at once, unique.
    reference = models.CharField(max_length=20, unique=True)
    force = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    area = models.ForeignKey(
        Area, null=True, blank=True, on_delete=models.PROTECT, related_name="public_reports"
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.RECEIVED)
    occurred_at = models.DateTimeField()
    location = models.CharField(max_length=500)
    postcode = models.CharField(max_length=10, blank=True)
    latitude = models.DecimalField(max_digits=8, decimal_places=5, null=True, blank=True)
    longitude = models.DecimalField(max_digits=8, decimal_places=5, null=True, blank=True)
    description = models.TextField()
    # Collisions: what decides the s.170 advice.
    injury = models.BooleanField(default=False)
    dangerous_driving = models.BooleanField(default=False)
    details_exchanged = models.CharField(max_length=10, blank=True)
    has_footage = models.BooleanField(default=False)
    # Crimes.
    crime_kind = models.CharField(max_length=30, choices=CrimeKind.choices, blank=True)
    # Every answer as given (vehicles, drivers, owners, insurance, witnesses...).
    answers = models.JSONField(default=dict)
    # [{"code": "injury", "shown_at": iso}, ...]: which advice the reporter was shown.
    advice_shown = models.JSONField(default=list)
    reporter_name = models.CharField(max_length=200)
    reporter_email = models.EmailField(blank=True)
    reporter_phone = models.CharField(max_length=30, blank=True)
    reporter_address = models.TextField(blank=True)
    # Channels the reporter said are not safe: never used (Victims' Code Right 3).
    unsafe_channels = models.JSONField(default=list)
    confirmation_channel = models.CharField(max_length=10, blank=True)
    confirmation_sent_at = models.DateTimeField(null=True, blank=True)
    token_hash = models.CharField(max_length=64, unique=True)
    token_expires_at = models.DateTimeField()
    evidence_request = models.OneToOneField(
        "evidence.EvidenceRequest",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="public_report",
    )
    allocated_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    outcome = models.CharField(max_length=20, choices=Outcome.choices, blank=True)
    outcome_note = models.TextField(blank=True)
    submitted_at = models.DateTimeField(default=timezone.now)

    objects = PublicReportQuerySet.as_manager()

    class Meta:
        ordering = ["-submitted_at", "-pk"]
        indexes = [models.Index(fields=["force", "kind", "status"])]

    def __str__(self) -> str:
        return self.reference

    @property
    def link_usable(self) -> bool:
        return self.status != Status.CLOSED and self.token_expires_at > timezone.now()

    @property
    def advice_codes(self) -> list[str]:
        return [str(a.get("code", "")) for a in self.advice_shown]


class PublicReportNote(models.Model):
    """More information from the reporter (through their link) or a note by the police."""

    report = models.ForeignKey(PublicReport, on_delete=models.CASCADE, related_name="notes")
    text = models.TextField()
    from_reporter = models.BooleanField(default=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"Note on {self.report}"


class ReferenceCounter(models.Model):
    """The last number given for a prefix and year: one row, incremented under its lock."""

    prefix = models.CharField(max_length=10)
    year = models.PositiveIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["prefix", "year"], name="reference_counter_unique")
        ]

    def __str__(self) -> str:
        return f"{self.prefix}-{self.year}: {self.last}"
