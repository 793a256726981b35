"""Several processes numbering reports at once: every reference different, none skipped.

Runs against a fresh database of the backend under test (a SQLite file, or a new PostgreSQL
database), as the ledger's concurrency test does.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from lantern.ledger.tests.test_concurrency import ROOT, fresh_database

__all__ = ["fresh_database"]  # the fixture, used by name below

WRITERS, PER_WRITER = 4, 25
WRITER = """
import django
django.setup()
from django.db import transaction
from lantern.collisions.services import next_reference
import sys
for _ in range(int(sys.argv[1])):
    with transaction.atomic():
        print(next_reference("collision", 2026), flush=True)
"""


def test_concurrent_references_are_unique(fresh_database: str, tmp_path: Path) -> None:
    env = {
        **os.environ,
        "DATABASE_URL": fresh_database,
        "LANTERN_ENV": "development",
        "LANTERN_VAR_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True, timeout=300
    )
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, str(PER_WRITER)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(WRITERS)
    ]
    references: list[str] = []
    for writer in writers:
        out, err = writer.communicate(timeout=300)
        assert writer.returncode == 0, err
        references += out.split()
    expected = [f"RTC-2026-{n:06d}" for n in range(1, WRITERS * PER_WRITER + 1)]
    assert sorted(references) == expected
