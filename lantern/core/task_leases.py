"""Recovering background tasks whose worker died.

django-tasks-db marks a task RUNNING when a worker claims it and only changes that when the
task returns or raises; a worker killed mid-task (SIGKILL, OOM, power loss) leaves it RUNNING
for ever, and no worker picks it up again. So each task run by the database worker holds a
lease (`TaskLease`) that a thread in the worker renews every quarter of TASK_LEASE_SECONDS
while the task runs; `tasks_recover()`, run by `manage.py scheduler`, puts a RUNNING task
whose lease has lapsed back to READY (or FAILED once its workers died TASK_MAX_ATTEMPTS times,
so that a file that kills its decoder cannot stop the queue). Our tasks are written to be
idempotent, so running one again completes it once in effect (tests/faults/).
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.dispatch import receiver
from django.utils import timezone
from django_tasks.signals import task_finished, task_started

from .models import TaskLease

logger = logging.getLogger(__name__)
_running: dict[str, threading.Event] = {}


def lease_seconds() -> float:
    return float(getattr(settings, "TASK_LEASE_SECONDS", 60))


def _database_backend(sender: Any) -> bool:
    from django_tasks_db.backend import DatabaseBackend

    return isinstance(sender, DatabaseBackend) or (
        isinstance(sender, type) and issubclass(sender, DatabaseBackend)
    )


def _renew(task_id: str) -> None:
    TaskLease.objects.update_or_create(
        task_id=task_id,
        defaults={"worker": f"{socket.gethostname()}:{os.getpid()}", "renewed_at": timezone.now()},
    )


def _keep_renewing(task_id: str, stop: threading.Event) -> None:
    try:
        while not stop.wait(lease_seconds() / 4):
            try:
                _renew(task_id)
            except Exception:  # a busy database: the next renewal tries again
                logger.warning("Could not renew the lease of task %s", task_id, exc_info=True)
    finally:
        connection.close()


@receiver(task_started)
def lease_take(sender: Any, task_result: Any, **kwargs: Any) -> None:
    if not _database_backend(sender):
        return
    _renew(str(task_result.id))
    stop = threading.Event()
    _running[str(task_result.id)] = stop
    threading.Thread(target=_keep_renewing, args=(str(task_result.id), stop), daemon=True).start()


@receiver(task_finished)
def lease_release(sender: Any, task_result: Any, **kwargs: Any) -> None:
    if not _database_backend(sender):
        return
    stop = _running.pop(str(task_result.id), None)
    if stop is not None:
        stop.set()
    TaskLease.objects.filter(task_id=task_result.id).delete()


def tasks_recover() -> dict[str, int]:
    """Requeue RUNNING tasks whose lease lapsed; fail those whose workers died too often."""
    from django_tasks.base import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    cutoff = timezone.now() - timedelta(seconds=lease_seconds())
    alive = TaskLease.objects.filter(renewed_at__gte=cutoff).values("task_id")
    lost = DBTaskResult.objects.filter(
        status=TaskResultStatus.RUNNING, started_at__lt=cutoff
    ).exclude(id__in=alive)
    counts = {"requeued": 0, "failed": 0}
    attempts = int(getattr(settings, "TASK_MAX_ATTEMPTS", 3))
    for result in lost:
        with transaction.atomic():
            still_running = DBTaskResult.objects.filter(
                id=result.id, status=TaskResultStatus.RUNNING
            )
            if len(result.worker_ids) >= attempts:
                done = still_running.update(
                    status=TaskResultStatus.FAILED,
                    finished_at=timezone.now(),
                    exception_class_path="lantern.core.task_leases.WorkerLost",
                    traceback=f"The worker running this task died {len(result.worker_ids)} times",
                )
                counts["failed"] += done
            else:
                done = still_running.update(status=TaskResultStatus.READY, started_at=None)
                counts["requeued"] += done
            TaskLease.objects.filter(task_id=result.id).delete()
        if done:
            logger.warning(
                "Task %s (%s) lost its worker %s: %s",
                result.id,
                result.task_path,
                result.worker_ids[-1:] or "?",
                "failed" if len(result.worker_ids) >= attempts else "queued again",
            )
    return counts
