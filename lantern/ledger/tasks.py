"""Background work for the ledger, run by `db_worker` on any host."""

from __future__ import annotations

from django_tasks import task

from .store import checkpoint_publish, ledger_integrate


@task()
def ledger_integrate_task() -> int:
    return ledger_integrate()


@task()
def checkpoint_publish_task() -> int:
    return checkpoint_publish().tree_size
