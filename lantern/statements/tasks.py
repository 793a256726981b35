"""Background work for statements, run by `db_worker`."""

from __future__ import annotations

from django_tasks import task

from .services import statement_seal_pending


@task()
def statement_seal_pending_task() -> int:
    """Enqueued every few minutes by `manage.py scheduler`: seals statements signed while the
    time-stamping authority was unavailable."""
    return statement_seal_pending()
