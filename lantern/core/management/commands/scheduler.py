"""Enqueue periodic tasks (the worker runs them). One scheduler per deployment is enough;
two only enqueue the same idempotent work twice."""

from __future__ import annotations

import signal
import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils.module_loading import import_string

from lantern.core.task_leases import lease_seconds, tasks_recover


def schedule() -> list[tuple[str, int]]:
    return [
        ("lantern.ledger.tasks.ledger_integrate_task", 30),
        ("lantern.ledger.tasks.checkpoint_publish_task", settings.LEDGER_CHECKPOINT_SECONDS),
        ("lantern.uploads.tasks.uploads_expire_task", 3600),
        ("lantern.evidence.fixity.fixity_check_task", settings.LANTERN_FIXITY_SECONDS),
        ("lantern.reports.tasks.report_digests_task", 86400),
        ("lantern.insights.tasks.victims_code_daily_task", 86400),
        ("lantern.statements.tasks.statement_seal_pending_task", 300),
    ]


class Command(BaseCommand):
    help = "Enqueue the periodic tasks on their schedule until stopped."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--once", action="store_true", help="Enqueue every task once, exit")

    def handle(self, *args: Any, **options: Any) -> None:
        jobs = [(import_string(path), every) for path, every in schedule()]
        if options["once"]:
            tasks_recover()
            for job, _ in jobs:
                job.enqueue()
            return
        stopping = False

        def stop(signum: int, frame: Any) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        due = [time.monotonic()] * len(jobs)
        recover_due = time.monotonic()
        while not stopping:
            now = time.monotonic()
            if now >= recover_due:  # tasks whose worker died (lantern/core/task_leases.py)
                tasks_recover()
                recover_due = now + max(lease_seconds() / 2, 1)
            for i, (job, every) in enumerate(jobs):
                if now >= due[i]:
                    job.enqueue()
                    due[i] = now + every
            time.sleep(0.5)
