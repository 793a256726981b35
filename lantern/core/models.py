"""Leases of running background tasks (see lantern/core/task_leases.py), and the abstract
single-purpose link that evidence requests, statements and video calls send to people
without an account."""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.utils import timezone


class TaskLease(models.Model):
    """A running task's heartbeat: renewed by its worker while it runs, so that a task whose
    worker died (SIGKILL, power loss) is found and run again instead of staying RUNNING."""

    task_id = models.UUIDField(primary_key=True)
    worker = models.CharField(max_length=200)
    renewed_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.task_id} on {self.worker}"


class TokenLink(models.Model):
    """A single-purpose link for someone without an account: 256 random bits, of which only
    the SHA-256 is stored; good until it expires or is withdrawn, and only while what it
    leads to is still open (`leads_somewhere_open`)."""

    principal_kind: ClassVar[str]  # "evidence-link", "statement-link", "video-link"

    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True

    @property
    def principal(self) -> str:
        """Who the holder is to the upload and ledger code: `<kind>:<link id>`."""
        return f"{self.principal_kind}:{self.pk}"

    def leads_somewhere_open(self) -> bool:
        raise NotImplementedError

    @property
    def is_usable(self) -> bool:
        return (
            self.revoked_at is None
            and self.expires_at > timezone.now()
            and self.leads_somewhere_open()
        )
