"""Database faults: PostgreSQL crashed and restarted (`pg_ctl restart -m immediate`) during a
load of form submissions to a live server. Every request either succeeded and is stored, or
failed with an error page; nothing is half-written.

The server is a throwaway cluster made with initdb under a temporary folder, never the shared
PostgreSQL. Skipped only when the PostgreSQL server programs are missing and CI is not true.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlencode

import pytest

from tests.environment import unavailable
from tests.faults.helpers import HOST, free_port
from tests.security.figures import report

ROOT = Path(__file__).resolve().parents[2]
BIN = next(iter(sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))), None)
pytestmark = [pytest.mark.postgres]
SUBMISSIONS = int(os.environ.get("LANTERN_FAULT_SUBMISSIONS", "40"))

SEED = """
from django.test import Client
from lantern.accounts.tests.factories import build_world, sign_in
world = build_world()
from django.conf import settings
client = sign_in(Client(), world.user("officer"))
name = settings.SESSION_COOKIE_NAME
print(name, client.cookies[name].value, world.orgs["council"].control_rooms.get().pk)
"""


def _as_postgres(command: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


class Cluster:
    def __init__(self, work: Path) -> None:
        assert BIN is not None
        self.bin = BIN.parent
        self.data = work / "pgdata"
        self.port = free_port()
        work.chmod(0o755)
        self.data.mkdir()
        if os.geteuid() == 0:
            shutil.chown(self.data, "postgres", "postgres")
        subprocess.run(
            _as_postgres([str(self.bin / "initdb"), "-D", str(self.data), "-U", "postgres",
                          "-A", "trust", "--no-sync"]),
            check=True, capture_output=True, timeout=120,
        )  # fmt: skip
        self.url = f"postgres://postgres@{HOST}:{self.port}/lantern"

    def ctl(self, *args: str) -> None:
        options = f"-p {self.port} -c listen_addresses={HOST} -k {self.data}"
        subprocess.run(
            _as_postgres([str(self.bin / "pg_ctl"), "-D", str(self.data), "-w", "-o", options,
                          "-l", str(self.data / "log"), *args]),
            check=True, capture_output=True, timeout=120,
        )  # fmt: skip


@pytest.fixture
def cluster() -> Iterator[Cluster]:
    if BIN is None:
        unavailable("the PostgreSQL server programs (initdb, pg_ctl)")
    # Its own folder under /tmp: the postgres user cannot enter pytest's (mode 0700).
    work = Path(tempfile.mkdtemp(prefix="lantern-pg-"))
    found = Cluster(work)
    found.ctl("start")
    subprocess.run(
        _as_postgres([str(found.bin / "createdb"), "-h", HOST, "-p", str(found.port),
                      "-U", "postgres", "lantern"]),
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    try:
        yield found
    finally:
        with contextlib.suppress(subprocess.SubprocessError):
            found.ctl("stop", "-m", "immediate")
        shutil.rmtree(work, ignore_errors=True)


def _form(n: int, room: str) -> dict[str, str]:
    start = date.today() - timedelta(days=2)
    return {
        "case_reference": f"DBF/{n:04d}",
        "case_title": f"Load test {n}",
        "recipient_kind": "control_room",
        "control_room": room,
        "location": "High Street",
        "window_start": f"{start.isoformat()}T10:00",
        "window_end": f"{start.isoformat()}T11:00",
        "reason": "Theft of goods",
        "deadline": (date.today() + timedelta(days=5)).isoformat(),
    }


def test_postgres_restarted_under_load(
    cluster: Cluster, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST_"))}
    env.update(
        LANTERN_ENV="test",
        DATABASE_URL=cluster.url,
        LANTERN_VAR_DIR=str(tmp_path / "var"),
        MEDIA_ROOT=str(tmp_path / "media"),
        CONN_MAX_AGE="60",
        LOG_LEVEL="CRITICAL",
    )

    def manage(*args: str) -> str:
        done = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=600)  # fmt: skip
        assert done.returncode == 0, done.stderr[-3000:]
        return done.stdout

    manage("migrate", "--noinput", "-v0")
    name, session, room = manage("shell", "-c", SEED).strip().splitlines()[-1].split()
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "config.wsgi:application", "--bind",
         f"{HOST}:{port}", "--workers", "2", "--no-control-socket", "--timeout", "60"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    outcomes: Counter[str] = Counter()
    created: set[str] = set()
    try:
        deadline = time.monotonic() + 60
        while True:
            with contextlib.suppress(OSError):
                probe = http.client.HTTPConnection(HOST, port, timeout=5)
                probe.request("GET", "/health/")
                if probe.getresponse().status == 200:
                    break
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.3)
        cookie = f"{name}={session}; csrftoken=lanterncsrftokenlanterncsrftoken"

        def submit(n: int) -> None:
            body = urlencode(_form(n, room))
            headers = {
                "Cookie": cookie,
                "X-CSRFToken": "lanterncsrftokenlanterncsrftoken",
                "Content-Type": "application/x-www-form-urlencoded",
            }
            try:
                conn = http.client.HTTPConnection(HOST, port, timeout=60)
                conn.request("POST", "/evidence/requests/new/", body, headers)
                response = conn.getresponse()
                page = response.read()
            except (OSError, http.client.HTTPException):
                outcomes["connection failed"] += 1
                return
            if response.status == 302:
                outcomes["stored (302)"] += 1
                created.add(f"DBF/{n:04d}")
            elif response.status >= 500:
                outcomes[f"error page ({response.status})"] += 1
                assert b"Traceback" not in page
            else:
                outcomes[f"other ({response.status})"] += 1

        with ThreadPoolExecutor(max_workers=4) as pool:
            futures = [pool.submit(submit, n) for n in range(SUBMISSIONS // 2)]
            cluster.ctl("restart", "-m", "immediate")
            futures += [pool.submit(submit, n) for n in range(SUBMISSIONS // 2, SUBMISSIONS)]
            for future in futures:
                future.result()
    finally:
        server.kill()
        server.wait(timeout=30)

    check = manage("shell", "-c", """
from lantern.casework.models import Case
from lantern.evidence.models import EvidenceRequest
from lantern.ledger.models import Entry
stored = EvidenceRequest.objects.filter(case__reference__startswith="DBF/")
bad = [r.case.reference for r in stored if not r.links.exists() or not Entry.objects.filter(
    object_type="evidence.evidencerequest", object_id=str(r.pk)).exists()]
orphans = Case.objects.filter(reference__startswith="DBF/", evidence_requests__isnull=True)
print(",".join(sorted(r.case.reference for r in stored)) or "-", len(bad), orphans.count())
""")  # fmt: skip
    listed, half_written, orphan_cases = check.strip().splitlines()[-1].split()
    stored = set(listed.split(",")) - {"-"}
    report(
        capsys,
        "PostgreSQL restarted under load",
        submissions=SUBMISSIONS,
        **{re.sub(r"\W+", "_", k).strip("_"): v for k, v in sorted(outcomes.items())},
        stored=len(stored),
        stored_without_success_answer=len(stored - created),
        answered_success_but_missing=len(created - stored),
        half_written=half_written,
        orphan_cases=orphan_cases,
    )
    assert sum(outcomes.values()) == SUBMISSIONS
    assert not created - stored, "a request answered as stored is missing"
    assert half_written == "0" and orphan_cases == "0"
    assert not [k for k in outcomes if k.startswith("other")], outcomes
