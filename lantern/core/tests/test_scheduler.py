"""The scheduler enqueues the periodic tasks (run at once by the test task backend)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from lantern.core.management.commands.scheduler import schedule
from lantern.ledger.models import Action, Checkpoint
from lantern.ledger.services import ledger_record
from lantern.uploads.models import Upload

pytestmark = pytest.mark.django_db


def test_scheduled_tasks_run(tmp_path, settings) -> None:
    settings.LANTERN_UPLOAD_DIR = str(tmp_path)
    with transaction.atomic():
        entry = ledger_record(action=Action.VIEWED, actor_label="someone")
    stale = Upload.objects.create(
        principal="evidence-link:1",
        length=10,
        storage_path="x",
        expires_at=timezone.now() - timedelta(hours=1),
    )
    call_command("scheduler", "--once")
    entry.refresh_from_db()
    assert entry.seq == 0  # sequenced (later tasks' own entries wait for the next run)
    assert Checkpoint.objects.get().tree_size >= 1
    stale.refresh_from_db()
    assert stale.terminated_at is not None
    assert {path.rsplit(".", 1)[-1] for path, _ in schedule()} == {
        "ledger_integrate_task",
        "checkpoint_publish_task",
        "uploads_expire_task",
        "fixity_check_task",
        "report_digests_task",
        "victims_code_daily_task",
        "statement_seal_pending_task",
    }
