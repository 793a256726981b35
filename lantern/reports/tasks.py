"""Background work for reports, run by `db_worker`: the managers' daily digest."""

from __future__ import annotations

from django_tasks import task

from .services import digests_send


@task()
def report_digests_task() -> int:
    """Enqueued once a day by `manage.py scheduler`."""
    return digests_send()
