"""Several processes appending at once: no lost, duplicate or out-of-order entries.

Runs against a fresh database of the backend under test (a SQLite file, or a new PostgreSQL
database), migrated with the append-only triggers installed, as in production.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[3]
WRITERS, PER_WRITER = 4, 60

WRITER = """
import os, sys, django
django.setup()
from django.db import transaction
from lantern.ledger.services import ledger_record
wid, n = sys.argv[1], int(sys.argv[2])
for i in range(n):
    with transaction.atomic():
        ledger_record(action="changed", actor_label="writer" + wid,
                      object_type="tests.thing", object_id=wid + "-" + str(i), detail={"i": i})
"""

CHECK = """
import json, django
django.setup()
from lantern.ledger.models import Entry
from lantern.ledger.store import checkpoint_publish, ledger_verify_live
checkpoint_publish()
report = ledger_verify_live()
rows = list(Entry.objects.order_by("seq").values_list("seq", "object_id"))
print(json.dumps({"ok": report.ok, "problems": report.problems, "rows": rows}))
"""


@pytest.fixture
def fresh_database(tmp_path: Path) -> Iterator[str]:
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        yield f"sqlite:///{tmp_path / 'ledger.sqlite3'}"
        return
    name = f"lantern_concurrency_{uuid.uuid4().hex[:8]}"
    params = {
        "host": settings["HOST"] or "127.0.0.1",
        "port": settings["PORT"] or 5432,
        "user": settings["USER"],
        "password": settings["PASSWORD"] or None,
    }
    with psycopg.connect(dbname="postgres", autocommit=True, **params) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        auth = quote(settings["USER"]) + (
            f":{quote(settings['PASSWORD'])}" if settings["PASSWORD"] else ""
        )
        yield f"postgres://{auth}@{params['host']}:{params['port']}/{name}"
    finally:
        with psycopg.connect(dbname="postgres", autocommit=True, **params) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.mark.parametrize("sequencer", ["inline", "background"])
def test_concurrent_writers_on_this_backend(
    fresh_database: str, tmp_path: Path, sequencer: str
) -> None:
    """Inline, each commit sequences; in the background, a thread per writer process does,
    and a writer exits with entries its thread had not reached: the check's checkpoint
    takes them, as the scheduler's task would."""
    env = {
        **os.environ,
        "DATABASE_URL": fresh_database,
        "LANTERN_ENV": "development",
        "LANTERN_VAR_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "LEDGER_DB_GUARDS": "true",
        "LEDGER_SEQUENCER": sequencer,
    }
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True, timeout=180
    )
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, str(w), str(PER_WRITER)],
            cwd=ROOT,
            env=env,
            stderr=subprocess.PIPE,
            text=True,
        )
        for w in range(WRITERS)
    ]
    for writer in writers:
        _, err = writer.communicate(timeout=300)
        assert writer.returncode == 0, err
    out = subprocess.run(
        [sys.executable, "-c", CHECK],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
        timeout=120,
    ).stdout
    result = json.loads(out.strip().splitlines()[-1])
    assert result["ok"], result["problems"]
    seqs = [seq for seq, _ in result["rows"]]
    assert seqs == list(range(WRITERS * PER_WRITER))  # no gaps, no duplicates, all sequenced
    ids = [object_id for _, object_id in result["rows"]]
    assert sorted(ids) == sorted(f"{w}-{i}" for w in range(WRITERS) for i in range(PER_WRITER))
    for w in range(WRITERS):  # each writer's entries keep the order it wrote them in
        mine = [int(i.split("-")[1]) for i in ids if i.startswith(f"{w}-")]
        assert mine == sorted(mine)
