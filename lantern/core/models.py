"""Leases of running background tasks (see lantern/core/task_leases.py)."""

from __future__ import annotations

from django.db import models


class TaskLease(models.Model):
    """A running task's heartbeat: renewed by its worker while it runs, so that a task whose
    worker died (SIGKILL, power loss) is found and run again instead of staying RUNNING."""

    task_id = models.UUIDField(primary_key=True)
    worker = models.CharField(max_length=200)
    renewed_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.task_id} on {self.worker}"
