"""The append-only ledger of who did what, when (DPA 2018 s.62; digital evidence principles)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class Action(models.TextChoices):
    CREATED = "created", "Created"
    VIEWED = "viewed", "Viewed"
    PLAYED = "played", "Played"
    DOWNLOADED = "downloaded", "Downloaded"
    CHANGED = "changed", "Changed"
    SHARED = "shared", "Shared or disclosed"
    LINKED = "linked", "Linked"
    EXPORTED = "exported", "Exported"
    SIGNED = "signed", "Signed"
    ERASED = "erased", "Erased"
    APPROVED = "approved", "Approved"
    REFUSED = "refused", "Refused"
    INVITED = "invited", "Invited"
    DISABLED = "disabled", "Disabled"
    ENABLED = "enabled", "Enabled"
    LOGIN = "login", "Signed in"
    LOGOUT = "logout", "Signed out"
    LOGIN_FAILED = "login_failed", "Failed sign-in"
    LOCKED_OUT = "locked_out", "Locked out"
    MFA_ENROLLED = "mfa_enrolled", "Set up two-factor authentication"
    MFA_FAILED = "mfa_failed", "Failed two-factor code"
    AUTHZ_FAILED = "authz_failed", "Refused access"


class Entry(models.Model):
    """One ledger entry. Rows are only ever inserted; a database trigger refuses edits."""

    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # Who acted, in words that survive the user row: a username, or the single-purpose link
    # used by a member of the public or a council ("upload link 42").
    actor_label = models.CharField(max_length=200)
    actor_org = models.ForeignKey(
        "accounts.Organisation", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_org_label = models.CharField(max_length=200, blank=True)
    action = models.CharField(max_length=30, choices=Action.choices)
    object_type = models.CharField(max_length=100, blank=True)
    object_id = models.CharField(max_length=100, blank=True)
    object_sha256 = models.CharField(max_length=64, blank=True)
    reason = models.TextField(blank=True)
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["object_type", "object_id"])]
        verbose_name_plural = "entries"

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M:%S} {self.actor_label} {self.action}"
