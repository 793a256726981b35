"""The append-only ledger of who did what, when (DPA 2018 s.62; digital evidence principles)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone

from .encoding import format_time


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
    """One ledger entry. Rows are only ever inserted; database triggers refuse edits.

    `seq` (the leaf index in the Merkle tree) and `leaf_hash` are set once by the sequencer
    (`store.ledger_integrate`), so appending never waits on a global lock.
    """

    seq = models.BigIntegerField(null=True, blank=True, unique=True)
    leaf_hash = models.BinaryField(max_length=32, null=True, blank=True)
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

    def as_ledger_dict(self, seq: int | None = None) -> dict[str, Any]:
        """The entry as the canonical encoding (docs/ledger-format.md) defines it."""
        return {
            "seq": self.seq if seq is None else seq,
            "time": format_time(self.created_at),
            "actor": self.actor_label,
            "actor_org": self.actor_org_label,
            "action": self.action,
            "object_type": self.object_type,
            "object_id": self.object_id,
            "object_sha256": self.object_sha256,
            "reason": self.reason,
            "detail": self.detail,
        }


class LedgerState(models.Model):
    """One row: how many entries are in the tree. Its row lock serialises the sequencer."""

    size = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"Ledger of {self.size} entries"


class Node(models.Model):
    """Root of a complete, aligned subtree: leaves [index * 2**level, (index + 1) * 2**level).

    Such a root never changes in an append-only log, so proofs read O(log n) of these rows
    instead of rehashing leaves.
    """

    level = models.PositiveSmallIntegerField()
    index = models.BigIntegerField()
    hash = models.BinaryField(max_length=32)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["level", "index"], name="node_position")]

    def __str__(self) -> str:
        return f"Node ({self.level}, {self.index})"


class Checkpoint(models.Model):
    """A signed tree head: the force vouches that the log of `tree_size` entries has this root."""

    tree_size = models.BigIntegerField(db_index=True)
    root_hash = models.BinaryField(max_length=32)
    timestamp = models.CharField(max_length=40)
    signature = models.BinaryField(max_length=64)
    public_key = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-tree_size", "-id"]
        get_latest_by = "id"

    def __str__(self) -> str:
        return f"Checkpoint of {self.tree_size} entries at {self.timestamp}"
