"""Remote MG11 witness statements: eligibility, versions, links, signing."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import models
from django.utils import timezone

from lantern.accounts.choices import POLICE_ROLES
from lantern.accounts.models import Membership, Organisation
from lantern.casework.models import Case
from lantern.core.models import TokenLink

if TYPE_CHECKING:
    from django_stubs_ext.db.models.manager import RelatedManager


class Offence(models.TextChoices):
    """Victims of these may not give a remote statement (configurable: SERIOUS_OFFENCES)."""

    NONE = "none", "Not a victim, or another kind of offence"
    SEXUAL = "sexual", "A sexual offence"
    DOMESTIC = "domestic", "Domestic abuse"
    SERIOUS_VIOLENCE = "serious_violence", "Serious violence (e.g. wounding, GBH)"
    HATE = "hate", "A hate crime"
    MODERN_SLAVERY = "modern_slavery", "Modern slavery or trafficking"
    STALKING = "stalking", "Stalking or harassment"
    HOMICIDE = "homicide", "Bereaved family of a homicide victim"


def age_on(born: date, today: date | None = None) -> int:
    today = today or date.today()
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


class StatementQuerySet(models.QuerySet["Statement"]):
    def for_user(self, user: Any) -> StatementQuerySet:
        if not getattr(user, "is_authenticated", False):
            return self.none()
        forces = Membership.objects.filter(user=user, is_active=True, role__in=POLICE_ROLES).values(
            "organisation"
        )
        return self.filter(force__in=forces)


class Statement(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        BLOCKED = "blocked", "Must be taken face to face"
        SENT = "sent", "Sent to the witness"
        CORRECTIONS = "corrections", "Witness asked for corrections"
        SIGNED = "signed", "Signed"
        WITHDRAWN = "withdrawn", "Withdrawn"

    force = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="statements")
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="statements_taken"
    )
    # The officer's own statement (the officer as witness): signed in-session, no link.
    own_statement = models.BooleanField(default=False)
    witness_name = models.CharField("Witness's full name", max_length=200)
    witness_dob = models.DateField("Witness's date of birth")
    witness_email = models.EmailField(blank=True)
    witness_phone = models.CharField(max_length=20, blank=True)
    occupation = models.CharField(max_length=200, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    # Eligibility for the remote route, as the officer answered it.
    vulnerable = models.BooleanField(null=True)
    serious_offence = models.CharField(max_length=30, choices=Offence.choices, blank=True)
    eligible = models.BooleanField(null=True)
    eligibility_reasons = models.JSONField(default=list, blank=True)
    eligibility_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    eligibility_at = models.DateTimeField(null=True, blank=True)
    override_reason = models.TextField(blank=True)
    override_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The text being drafted (autosaved); each sent or signed text is a StatementVersion.
    draft_text = models.TextField(blank=True)
    draft_saved_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    signed_at = models.DateTimeField(null=True, blank=True)
    signed_name = models.CharField(max_length=200, blank=True)
    signed_pdf = models.FileField(upload_to="statements/signed/%Y/%m/", blank=True)
    signed_sha256 = models.CharField(max_length=64, blank=True)
    # Signed while the time-stamping authority could not be reached: the rendered MG11 with the
    # witness's signature waits here, unsealed, until `statement_seal_pending()` seals it.
    seal_pending_pdf = models.FileField(upload_to="statements/pending/%Y/%m/", blank=True)
    seal_attempts = models.PositiveIntegerField(default=0)
    seal_error = models.CharField(max_length=300, blank=True)

    objects = StatementQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Statement of {self.witness_name} ({self.case.reference})"

    @property
    def age(self) -> int:
        return age_on(self.witness_dob)

    @property
    def age_text(self) -> str:
        return "Over 18" if self.age >= 18 else str(self.age)

    @property
    def latest_version(self) -> StatementVersion | None:
        return self.versions.order_by("-number").first()

    if TYPE_CHECKING:
        versions: RelatedManager[StatementVersion]
        links: RelatedManager[StatementLink]
        comments: RelatedManager[StatementComment]
        restricted: RestrictedDetails


class StatementVersion(models.Model):
    """Every text sent to the witness is kept, numbered."""

    statement = models.ForeignKey(Statement, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    text = models.TextField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(fields=["statement", "number"], name="statement_version")
        ]

    def __str__(self) -> str:
        return f"Version {self.number} of {self.statement}"


class StatementComment(models.Model):
    """A witness's request for a correction, back to the officer."""

    statement = models.ForeignKey(Statement, on_delete=models.CASCADE, related_name="comments")
    version = models.ForeignKey(StatementVersion, on_delete=models.CASCADE, related_name="+")
    text = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Correction asked on {self.statement}"


class RestrictedDetails(models.Model):
    """The MG11 rear page: never disclosed to the defence, kept apart from the statement."""

    statement = models.OneToOneField(Statement, on_delete=models.CASCADE, related_name="restricted")
    details = models.JSONField(default=dict)
    rear_pdf = models.FileField(upload_to="statements/restricted/%Y/%m/", blank=True)

    def __str__(self) -> str:
        return f"Restricted details for {self.statement}"


class StatementLink(TokenLink):
    principal_kind = "statement-link"

    statement = models.ForeignKey(Statement, on_delete=models.CASCADE, related_name="links")
    # Wrong dates of birth or codes: the link locks after too many.
    failed_checks = models.PositiveSmallIntegerField(default=0)
    code_hash = models.CharField(max_length=64, blank=True)
    code_expires_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Link {self.pk} for {self.statement}"

    def leads_somewhere_open(self) -> bool:
        return self.failed_checks < 5 and self.statement.status in {
            Statement.Status.SENT,
            Statement.Status.CORRECTIONS,
        }
