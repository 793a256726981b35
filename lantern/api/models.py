"""API tokens, idempotency records and webhooks of the partner and force API."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone

from lantern.accounts.models import Membership, Organisation, User


class Scope(models.TextChoices):
    REPORTS_READ = "reports:read", "Read retail crime reports"
    REPORTS_WRITE = "reports:write", "Create reports, send messages, change their status"
    EVIDENCE_READ = "evidence:read", "Read footage requests and evidence metadata"
    EVIDENCE_WRITE = "evidence:write", "Create footage requests"
    EVIDENCE_DOWNLOAD = "evidence:download", "Download evidence files (police only)"
    STATEMENTS_READ = "statements:read", "Read statements and signed PDFs (police only)"
    CASES_EXPORT = "cases:export", "Export a case for a records system (police only)"
    LEDGER_READ = "ledger:read", "Read inclusion proofs of ledger entries"
    PUBLIC_REPORTS_READ = (
        "public-reports:read",
        "Read collision and crime reports from the public (police only)",
    )
    INTELLIGENCE_READ = (
        "intelligence:read",
        "Read offender profiles (police; partners their reduced view)",
    )
    CASEWORK_READ = "casework:read", "Read incidents and tasks (police only)"


class Event(models.TextChoices):
    REPORT_STATUS = "report.status_changed", "A report's status changed"
    EVIDENCE_RECEIVED = "evidence.received", "Evidence received"
    STATEMENT_SIGNED = "statement.signed", "A statement was signed"


class ApiTokenQuerySet(models.QuerySet["ApiToken"]):
    def for_user(self, user: Any) -> ApiTokenQuerySet:
        """Tokens a manager may see and revoke: their own organisation's."""
        return self.filter(organisation__in=_managed_orgs(user))


def _managed_orgs(user: Any) -> Any:
    from lantern.accounts.choices import MANAGER_ROLES

    if not getattr(user, "is_authenticated", False):
        return Organisation.objects.none()
    return Membership.objects.filter(
        user=user, is_active=True, role__in=MANAGER_ROLES, organisation__status="active"
    ).values("organisation")


class ApiToken(models.Model):
    """A bearer token for one organisation, acting through its own service account.

    The service account (a user that can never sign in, with one membership of the chosen
    role) is the principal every `for_user` queryset and service already understands, so a
    token sees exactly what a person of that role in that organisation sees, and the ledger
    names it. Only the SHA-256 of the secret is stored.
    """

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100)
    role = models.CharField(max_length=30)
    scopes = models.JSONField(default=list)
    service_user = models.OneToOneField(User, on_delete=models.PROTECT, related_name="api_token")
    membership = models.OneToOneField(
        Membership, on_delete=models.PROTECT, related_name="api_token"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    # The first characters of the secret, shown in lists so people can tell tokens apart.
    prefix = models.CharField(max_length=12)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    last_used_at = models.DateTimeField(null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_usable(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()

    @property
    def label(self) -> str:
        """How the ledger names this token's actions."""
        return f"API token {self.pk} ({self.name})"

    def has_scope(self, scope: str) -> bool:
        return scope in self.scopes


class IdempotencyRecord(models.Model):
    """The first response to a create with an Idempotency-Key, replayed for repeats."""

    token = models.ForeignKey(ApiToken, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=200)
    operation = models.CharField(max_length=100)
    request_sha256 = models.CharField(max_length=64)
    status = models.PositiveSmallIntegerField()
    body = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["token", "operation", "key"], name="idempotency_once")
        ]

    def __str__(self) -> str:
        return f"{self.operation} {self.key}"


class WebhookQuerySet(models.QuerySet["Webhook"]):
    def for_user(self, user: Any) -> WebhookQuerySet:
        return self.filter(organisation__in=_managed_orgs(user))


class Webhook(models.Model):
    """An organisation's URL that is told about events on what it may see."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    url = models.URLField(max_length=500)
    events = models.JSONField(default=list)
    # Shared with the receiver to check the HMAC-SHA256 signature; shown once.
    secret = models.CharField(max_length=100)
    is_active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = WebhookQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.url


class WebhookDelivery(models.Model):
    class State(models.TextChoices):
        PENDING = "pending", "Waiting to be sent"
        RETRYING = "retrying", "Failed, will try again"
        DELIVERED = "delivered", "Delivered"
        FAILED = "failed", "Failed: gave up"

    webhook = models.ForeignKey(Webhook, on_delete=models.CASCADE, related_name="deliveries")
    event = models.CharField(max_length=50, choices=Event.choices)
    # Unique per delivery: receivers use it to ignore a repeat.
    event_id = models.CharField(max_length=40, unique=True)
    payload = models.JSONField(default=dict)
    state = models.CharField(max_length=20, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_status = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name_plural = "webhook deliveries"

    def __str__(self) -> str:
        return f"{self.event} to {self.webhook}"
