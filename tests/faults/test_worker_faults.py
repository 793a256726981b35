"""Worker faults: the database task worker SIGKILLed while it processes media and while it
sends an email, then restarted: every job completes exactly once in effect (no lost job, no
duplicate email, no duplicate derived file).

Without lantern/core/task_leases.py a killed task stays RUNNING for ever (django-tasks-db
only changes the status when the task returns); the scheduler's recovery requeues it.
"""

from __future__ import annotations

import hashlib
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.db import connection

from lantern.accounts.tests.factories import World
from lantern.evidence import media
from lantern.evidence.models import EvidenceItem, EvidenceRequest
from tests.security.figures import report
from tests.sweep_rules import evidence_request

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [
    pytest.mark.django_db(transaction=True),
    # The worker instance is a file copy of the SQLite test database: this runs in the SQLite
    # pass of make test, not again in the PostgreSQL pass.
    pytest.mark.skipif(connection.vendor != "sqlite", reason="runs in the SQLite pass"),
]
LEASE = 1  # seconds, so that the test does not wait a minute


class Instance:
    """A file database copied from the test database, with its own storage and worker."""

    def __init__(self, tmp_path: Path) -> None:
        self.db = tmp_path / "lantern.sqlite3"
        connection.ensure_connection()
        with sqlite3.connect(self.db) as copy:
            connection.connection.backup(copy)
        copy.close()
        self.env = {
            **os.environ,
            "LANTERN_ENV": "test",
            "DATABASE_URL": f"sqlite:///{self.db}",
            "TASKS_BACKEND": "django_tasks_db.DatabaseBackend",
            "EMAIL_BACKEND": "lantern.notifications.backends.OutboxEmailBackend",
            "STORAGE_BACKEND": "local",
            "MEDIA_ROOT": str(tmp_path / "media"),
            "LANTERN_VAR_DIR": str(tmp_path / "var"),
            "TASK_LEASE_SECONDS": str(LEASE),
        }

    def python(self, code: str) -> str:
        done = subprocess.run(
            [sys.executable, "manage.py", "shell", "-c", code],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout.strip().splitlines()[-1]

    def worker(self, *extra: str) -> subprocess.Popen[bytes]:
        command = [sys.executable, "manage.py", "db_worker", "--no-reload", "--queue-name", "*"]
        return subprocess.Popen([*command, "--no-startup-delay", *extra], cwd=ROOT, env=self.env)

    def crashing_worker(self) -> int:
        done = subprocess.run(
            [sys.executable, str(ROOT / "tests" / "faults" / "crashing_worker.py")],
            cwd=ROOT,
            env=self.env,
            timeout=300,
        )
        return done.returncode

    def recover(self) -> str:
        time.sleep(LEASE + 0.5)
        return self.python(
            "from lantern.core.task_leases import tasks_recover; print(tasks_recover())"
        )

    def rows(self, sql: str, *args: Any) -> list[tuple[Any, ...]]:
        with sqlite3.connect(self.db) as db:
            return db.execute(sql, args).fetchall()

    def status(self, task_id: str) -> str:
        return str(
            self.rows(
                "SELECT status FROM django_tasks_database_dbtaskresult "
                "WHERE replace(id, '-', '') = ?",
                task_id.replace("-", ""),
            )[0][0]
        )


def _item(world: World, data: bytes, media_root: Path, settings: Any) -> int:
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(media_root)},
        },
    }
    evidence_request(world)
    request = EvidenceRequest.objects.get()
    sha = hashlib.sha256(data).hexdigest()
    item = EvidenceItem(
        request=request,
        case=request.case,
        original_name="cam.avi",
        size=len(data),
        sha256=sha,
        state=EvidenceItem.State.READY,
        uploaded_by="evidence-link:1",
        content_type="video/x-msvideo",
    )
    item.original.save(f"{request.reference}-{sha[:16]}", ContentFile(data), save=False)
    item.save()
    return int(item.pk)


def _video(path: Path, seconds: int) -> bytes:
    subprocess.run(
        [
            media.ffmpeg_exe(),
            *("-hide_banner", "-loglevel", "error", "-nostdin"),
            *("-f", "lavfi", "-i", f"testsrc=duration={seconds}:size=320x240:rate=25"),
            *("-c:v", "mpeg4", "-q:v", "5", str(path)),
        ],
        check=True,
        timeout=120,
    )
    return path.read_bytes()


def test_email_task_killed_after_sending_is_not_sent_twice(
    world: World, tmp_path: Path, settings: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    data = os.urandom(8192)
    pk = _item(world, data, tmp_path / "media", settings)
    stored = next((tmp_path / "media").rglob("*-*"))
    flipped = bytearray(stored.read_bytes())
    flipped[100] ^= 4  # the fixity check will find it and email the force administrator
    stored.write_bytes(bytes(flipped))
    instance = Instance(tmp_path)
    task_id = instance.python(
        "from lantern.evidence.fixity import fixity_check_task; "
        "print(fixity_check_task.enqueue().id)"
    )
    assert instance.crashing_worker() == -signal.SIGKILL
    sent = "SELECT count(*) FROM notifications_outboxmessage WHERE subject LIKE ?"
    subject = f"Lantern fixity failure: evidence item {pk} %"
    stuck = instance.status(task_id)
    emails_before_restart = instance.rows(sent, subject)[0][0]

    recovered = instance.recover()
    worker = instance.worker("--batch")
    assert worker.wait(timeout=300) == 0
    emails = instance.rows(sent, subject)[0][0]
    final = instance.status(task_id)
    report(
        capsys,
        "worker killed after sending an email",
        status_after_kill=stuck,
        emails_before_restart=emails_before_restart,
        recovered=recovered,
        status_after_restart=final,
        emails_sent=emails,
    )
    assert stuck == "RUNNING"  # what django-tasks-db leaves behind
    assert emails_before_restart == 1
    assert final == "SUCCESSFUL" and emails == 1


def test_media_task_killed_mid_run_completes_once(
    world: World, tmp_path: Path, settings: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    data = _video(tmp_path / "cam.avi", seconds=60)
    pk = _item(world, data, tmp_path / "media", settings)
    instance = Instance(tmp_path)
    rng = random.Random(os.environ.get("LANTERN_FAULT_SEED", "13"))
    task_id = instance.python(
        "from lantern.evidence.tasks import evidence_item_process; "
        f"print(evidence_item_process.enqueue({pk}).id)"
    )
    worker = instance.worker()
    deadline = time.monotonic() + 120
    while instance.status(task_id) == "READY" and time.monotonic() < deadline:
        time.sleep(0.05)
    # While its worker lives, it renews the task's lease (every LEASE / 4 seconds), which is
    # what keeps recovery away from it.
    lease = "SELECT renewed_at FROM core_tasklease WHERE replace(task_id, '-', '') = ?"
    first: list[tuple[Any, ...]] = []
    while not first and time.monotonic() < deadline:  # written just after the claim
        first = instance.rows(lease, task_id.replace("-", ""))
    time.sleep(LEASE * 0.6)
    later = instance.rows(lease, task_id.replace("-", ""))
    lease_renewed = bool(first and later and later[0][0] > first[0][0])
    time.sleep(rng.uniform(0.0, 0.3))
    state_at_kill = instance.status(task_id)
    worker.send_signal(signal.SIGKILL)
    worker.wait(timeout=30)
    stuck = instance.status(task_id)

    recovered = instance.recover()
    worker = instance.worker("--batch")
    assert worker.wait(timeout=600) == 0
    derived = instance.rows(
        "SELECT kind, count(*) FROM evidence_derivedfile WHERE item_id = ? GROUP BY kind", pk
    )
    duplicates = instance.rows(
        "SELECT count(*) FROM (SELECT kind, position_seconds FROM evidence_derivedfile "
        "WHERE item_id = ? GROUP BY kind, position_seconds HAVING count(*) > 1)",
        pk,
    )[0][0]
    state = instance.rows("SELECT state FROM evidence_evidenceitem WHERE id = ?", pk)[0][0]
    final = instance.status(task_id)
    report(
        capsys,
        "worker killed while processing media",
        lease_renewed_while_running=lease_renewed,
        status_at_kill=state_at_kill,
        status_after_kill=stuck,
        recovered=recovered,
        status_after_restart=final,
        item_state=state,
        derived=dict(derived),
        duplicated_derived=duplicates,
    )
    assert lease_renewed
    assert state_at_kill == stuck == "RUNNING", "the kill did not land while the task ran"
    assert final == "SUCCESSFUL"
    assert dict(derived).get("working_copy") == 1 and duplicates == 0
    assert state == EvidenceItem.State.READY
