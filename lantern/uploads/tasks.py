"""Background work for uploads."""

from __future__ import annotations

from django_tasks import task

from . import services


@task()
def uploads_expire_task() -> int:
    """Remove incomplete uploads past their expiry (scheduled hourly)."""
    return int(services.upload_expire_all())
