"""A real Lantern server under gunicorn that a test can SIGKILL, and a tus client that cuts
its own connections and resumes from HEAD after every failure.

Only loopback addresses are used. Every process started here is ended by its own pid.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import http.client
import os
import random
import signal
import socket
import sqlite3
import struct
import subprocess
import sys
import textwrap
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[2]
MiB = 1024 * 1024
HOST = "127.0.0.1"
OCTETS = "application/offset+octet-stream"
TUS = {"Tus-Resumable": "1.0.0"}
SETTINGS_MODULE = "fault_settings"

# The project's settings with the uploads app's own hooks (any session principal may upload),
# as lantern/uploads/tests/conftest.py does for the tus server's tests.
SETTINGS = """
import os

from config.settings import *  # noqa: F403

LANTERN_UPLOAD_DIR = os.environ["LANTERN_UPLOAD_DIR"]
LANTERN_UPLOAD_PRINCIPAL = "lantern.uploads.principals.default_principal"
LANTERN_UPLOAD_CREATE_POLICY = "lantern.uploads.principals.allow_any"
# A killed worker's lease lapses after this, so a resume waits seconds rather than a minute.
LANTERN_UPLOAD_LOCK_SECONDS = 2
"""

# A browser session holding an upload principal, as a request-link view grants one.
SESSION_SNIPPET = """
from importlib import import_module
from django.conf import settings
from lantern.uploads.principals import SESSION_KEY
store = import_module(settings.SESSION_ENGINE).SessionStore()
store[SESSION_KEY] = "fault-test:1"
store.create()
print(settings.SESSION_COOKIE_NAME, store.session_key)
"""

# Everything that means "the server went away under this request".
CONNECTION_ERRORS = (OSError, http.client.HTTPException)


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[1]) == pid and fields[0] not in ("Z", "X"):
            found.append(int(entry.name))
    return found


def _sigkill(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)


@dataclass
class Stats:
    uploads: int = 0
    bytes: int = 0
    kills: Counter[str] = field(default_factory=Counter)
    restarts: int = 0
    cuts: int = 0
    resumes: int = 0  # HEADs that continued an upload after any failure
    broken_requests: int = 0  # requests the server died under (or refused while down)
    answers: Counter[int] = field(default_factory=Counter)  # 409/423/... seen on PATCH
    head_checks: int = 0
    lock = threading.Lock()

    def summary(self, seed: int, seconds: float) -> str:
        kills = sum(self.kills.values())
        by_mode = ", ".join(f"{mode} {n}" for mode, n in sorted(self.kills.items())) or "none"
        answers = ", ".join(f"{s}: {n}" for s, n in sorted(self.answers.items()))
        return (
            f"upload faults (seed {seed}): {self.uploads} uploads, "
            f"{self.bytes / MiB:.1f} MiB, {kills} kills ({by_mode}), "
            f"{self.restarts} server restarts, {self.cuts} cuts, {self.resumes} resumes, "
            f"{self.broken_requests} broken requests, PATCH answers {{{answers}}}, "
            f"{self.head_checks} HEAD/disk checks, {seconds:.1f} s"
        )


class LiveServer:
    """`gunicorn config.wsgi:application` with one sync worker, on a fresh migrated SQLite
    database in `work`, restartable on the same port."""

    def __init__(self, work: Path) -> None:
        self.work = work
        self.port = free_port()
        self.db_path = work / "db.sqlite3"
        self.upload_dir = work / "uploads"
        self.log_path = work / "server.log"
        self.proc: subprocess.Popen[bytes] | None = None
        self.cookie = ""
        (work / "var").mkdir(parents=True, exist_ok=True)
        (work / f"{SETTINGS_MODULE}.py").write_text(textwrap.dedent(SETTINGS))
        env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST_"))}
        env.update(
            PYTHONPATH=os.pathsep.join([str(work), str(ROOT)]),
            DJANGO_SETTINGS_MODULE=SETTINGS_MODULE,
            LANTERN_ENV="development",
            LANTERN_VAR_DIR=str(work / "var"),
            DATABASE_URL=f"sqlite:///{self.db_path}",
            LANTERN_UPLOAD_DIR=str(self.upload_dir),
            LOG_LEVEL="WARNING",
        )
        self.env = env

    def manage(self, *args: str) -> str:
        done = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            check=True,
            capture_output=True,
            text=True,
            timeout=180,
        )
        return done.stdout

    def prepare(self) -> None:
        """Migrate the database and open a session allowed to upload."""
        self.manage("migrate", "--noinput", "-v", "0", "--skip-checks")
        name, key = self.manage("shell", "-c", SESSION_SNIPPET).split()[-2:]
        self.cookie = f"{name}={key}"

    def start(self) -> None:
        with self.log_path.open("ab") as log:
            self.proc = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    "config.wsgi:application",
                    "--bind",
                    f"{HOST}:{self.port}",
                    "--workers",
                    "1",
                    "--worker-class",
                    "sync",
                    "--timeout",
                    "120",
                    "--no-control-socket",
                ],
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=log,
                start_new_session=True,
            )
        self.wait_ready()

    def workers(self) -> list[int]:
        return _children(self.proc.pid) if self.proc is not None else []

    def wait_ready(self, timeout: float = 60) -> None:
        """Until a worker answers OPTIONS /uploads/."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc is None or self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited:\n{self.log_tail()}")
            try:
                conn = http.client.HTTPConnection(HOST, self.port, timeout=30)
                conn.request("OPTIONS", "/uploads/")
                status = conn.getresponse().status
                conn.close()
                if status == 204:
                    return
            except CONNECTION_ERRORS:
                pass
            time.sleep(0.05)
        raise RuntimeError(f"gunicorn did not answer in {timeout} s:\n{self.log_tail()}")

    def kill(self, mode: str, rng: random.Random) -> None:
        """SIGKILL the worker, the master, or both; after a master kill, restart on the same
        port (an orphaned worker may finish its request first, for up to a second)."""
        assert self.proc is not None
        workers = self.workers()
        if mode in ("worker", "both"):
            for pid in workers:
                _sigkill(pid)
        if mode == "worker":
            return
        _sigkill(self.proc.pid)
        self.proc.wait()
        grace = time.monotonic() + (rng.uniform(0, 1.0) if mode == "master" else 0)
        while any(_alive(pid) for pid in workers) and time.monotonic() < grace:
            time.sleep(0.02)
        for pid in workers:  # it would hold the listening socket until it next looked up
            _sigkill(pid)
        deadline = time.monotonic() + 10
        while any(_alive(pid) for pid in workers) and time.monotonic() < deadline:
            time.sleep(0.02)
        self.start()

    def stop(self) -> None:
        if self.proc is None:
            return
        workers = self.workers()
        self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            _sigkill(self.proc.pid)
            self.proc.wait()
        for pid in workers:
            if _alive(pid):
                _sigkill(pid)
        self.proc = None

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def stored_path(self, upload_id: uuid.UUID) -> Path:
        return self.upload_dir / upload_id.hex[:2] / upload_id.hex

    def row(self, upload_id: uuid.UUID) -> dict[str, Any]:
        with sqlite3.connect(f"file:{self.db_path}?mode=ro", uri=True, timeout=20) as db:
            db.row_factory = sqlite3.Row
            found = db.execute(
                "SELECT * FROM uploads_upload WHERE id = ?", (upload_id.hex,)
            ).fetchone()
        assert found is not None, f"no Upload row for {upload_id}"
        return dict(found)


class Killer(threading.Thread):
    """SIGKILLs the server at random moments until stopped, waiting for it to answer again
    after each kill (so kills land on a working server, not on one still starting)."""

    MODES = ("worker", "master", "both")
    WEIGHTS = (3, 1, 1)

    def __init__(
        self, server: LiveServer, rng: random.Random, stats: Stats, pause: tuple[float, float]
    ) -> None:
        super().__init__(name="killer", daemon=True)
        self.server, self.rng, self.stats, self.pause = server, rng, stats, pause
        self.halt = threading.Event()
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            while not self.halt.wait(self.rng.uniform(*self.pause)):
                mode = self.rng.choices(self.MODES, self.WEIGHTS)[0]
                self.server.kill(mode, self.rng)
                with self.stats.lock:
                    self.stats.kills[mode] += 1
                    self.stats.restarts += mode != "worker"
                self.server.wait_ready()
        except BaseException as exc:
            self.error = exc

    def stop(self) -> None:
        self.halt.set()
        self.join(120)
        assert not self.is_alive(), "the killer thread did not stop"
        if self.error is not None:
            raise self.error


class FaultyClient:
    """tus over fresh connections (as tuspy does), PATCHing random 1-4 MiB chunks, some of
    them cut off mid-body by closing the socket, and resuming from HEAD after any failure."""

    def __init__(
        self,
        server: LiveServer,
        rng: random.Random,
        stats: Stats,
        cut_probability: float = 0.2,
        checksum_probability: float = 0.25,
        deadline_seconds: float = 300,
    ) -> None:
        self.server, self.rng, self.stats = server, rng, stats
        self.cut_probability = cut_probability
        self.checksum_probability = checksum_probability
        self.deadline_seconds = deadline_seconds

    # -- requests --------------------------------------------------------------------------

    def _headers(self, extra: dict[str, str]) -> dict[str, str]:
        return {**TUS, "Cookie": self.server.cookie, **extra}

    def _request(
        self, method: str, path: str, headers: dict[str, str]
    ) -> tuple[int, dict[str, str], bytes]:
        conn = http.client.HTTPConnection(HOST, self.server.port, timeout=60)
        try:
            conn.request(method, path, headers=self._headers(headers))
            response = conn.getresponse()
            body = response.read()
            return response.status, {k.lower(): v for k, v in response.getheaders()}, body
        finally:
            conn.close()

    def _open_patch(
        self, path: str, offset: int, length: int, checksum: str | None
    ) -> socket.socket:
        sock = socket.create_connection((HOST, self.server.port), timeout=60)
        headers = self._headers(
            {
                "Host": f"{HOST}:{self.server.port}",
                "Content-Type": OCTETS,
                "Upload-Offset": str(offset),
                "Content-Length": str(length),
                "Connection": "close",
            }
        )
        if checksum is not None:
            headers["Upload-Checksum"] = checksum
        head = f"PATCH {path} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        sock.sendall((head + "\r\n").encode("latin-1"))
        return sock

    def _patch(
        self, path: str, offset: int, chunk: memoryview, checksum: str | None
    ) -> tuple[int, dict[str, str]]:
        sock = self._open_patch(path, offset, len(chunk), checksum)
        try:
            for start in range(0, len(chunk), 256 * 1024):
                sock.sendall(chunk[start : start + 256 * 1024])
            response = http.client.HTTPResponse(sock)
            response.begin()
            response.read()
            return response.status, {k.lower(): v for k, v in response.getheaders()}
        finally:
            sock.close()

    def _cut(self, path: str, offset: int, chunk: memoryview, checksum: str | None) -> None:
        """Send the headers and part of the body, then go away: a FIN, or a RST."""
        sock = self._open_patch(path, offset, len(chunk), checksum)
        try:
            sock.sendall(chunk[: self.rng.randrange(len(chunk))])
            if self.rng.random() < 0.5:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        finally:
            sock.close()

    # -- the upload ------------------------------------------------------------------------

    def _retry(self, deadline: float) -> None:
        with self.stats.lock:
            self.stats.broken_requests += 1
        if time.monotonic() > deadline:
            raise AssertionError(f"upload did not finish in time:\n{self.server.log_tail()}")
        time.sleep(0.05)

    def _head(self, path: str, upload_id: uuid.UUID, length: int, deadline: float) -> int:
        """The offset to resume from, checked against the bytes on disk right after."""
        while True:
            try:
                status, headers, body = self._request("HEAD", path, {})
            except CONNECTION_ERRORS:
                self._retry(deadline)
                continue
            assert status == 200, (status, body)
            offset = int(headers["upload-offset"])
            on_disk = self.server.stored_path(upload_id).stat().st_size
            assert int(headers["upload-length"]) == length
            assert offset <= on_disk, f"HEAD says {offset} but the file has {on_disk} bytes"
            with self.stats.lock:
                self.stats.head_checks += 1
            return offset

    def upload(self, data: bytes, name: str) -> uuid.UUID:
        deadline = time.monotonic() + self.deadline_seconds
        length = len(data)
        metadata = f"filename {base64.b64encode(name.encode()).decode()}"
        while True:
            try:
                status, headers, body = self._request(
                    "POST", "/uploads/", {"Upload-Length": str(length), "Upload-Metadata": metadata}
                )
            except CONNECTION_ERRORS:
                self._retry(deadline)  # a row may be left behind: it expires on its own
                continue
            assert status == 201, (status, body)
            break
        path = urlsplit(headers["location"]).path
        upload_id = uuid.UUID(path.rstrip("/").rsplit("/", 1)[1])
        view = memoryview(data)
        offset = 0
        while offset < length:
            size = min(self.rng.randint(MiB, 4 * MiB), length - offset)
            chunk = view[offset : offset + size]
            checksum = None
            if self.rng.random() < self.checksum_probability:
                digest = hashlib.sha256(chunk).digest()
                checksum = f"sha256 {base64.b64encode(digest).decode()}"
            try:
                if self.rng.random() < self.cut_probability:
                    self._cut(path, offset, chunk, checksum)
                    with self.stats.lock:
                        self.stats.cuts += 1
                    failed = True
                else:
                    status, headers = self._patch(path, offset, chunk, checksum)
                    with self.stats.lock:
                        self.stats.answers[status] += 1
                    if status == 204:
                        assert int(headers["upload-offset"]) == offset + size, headers
                        offset += size
                        continue
                    assert status in (409, 423), status  # a killed request's lease, or offset
                    time.sleep(0.1 if status == 423 else 0)
                    failed = True
            except CONNECTION_ERRORS:
                self._retry(deadline)
                failed = True
            if failed:
                offset = self._head(path, upload_id, length, deadline)
                with self.stats.lock:
                    self.stats.resumes += 1
        final = self._head(path, upload_id, length, deadline)
        assert final == length, f"HEAD offset {final} after the last PATCH, length {length}"
        with self.stats.lock:
            self.stats.uploads += 1
            self.stats.bytes += length
        return upload_id
