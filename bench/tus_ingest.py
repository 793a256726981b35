"""Ingest benchmark for the tus server (lantern.uploads): MB/s against the disk's baseline.

Starts gunicorn on a loopback port with the uploads app, uploads a file of N MiB in PATCHes
of M MiB from a streaming http.client client, and compares the rate with a baseline measured
in the same run on the same disk: read + SHA-256 + write + fsync (per M MiB) of the same
bytes, which is the least work the server can do. Prints one JSON object.

    .venv/bin/python bench/tus_ingest.py [--mib 512] [--patch-mib 64] [--workers 1]
        [--checksum sha256] [--dir /tmp]

or, once registered in bench/__main__.py's BENCHMARKS, `python -m bench --only tus_ingest`.

Everything lives in a temporary directory (on the disk of --dir), removed at the end.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import http.client
import json
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
MiB = 1024 * 1024
BLOCK = MiB

SETTINGS = """
from config.settings import *  # noqa: F403

if "lantern.uploads" not in INSTALLED_APPS:  # noqa: F405
    INSTALLED_APPS = [*INSTALLED_APPS, "lantern.uploads"]  # noqa: F405
ROOT_URLCONF = "tus_bench_urls"
LANTERN_UPLOAD_DIR = {upload_dir!r}
LANTERN_UPLOAD_PRINCIPAL = "tus_bench_settings.bench_principal"
LANTERN_UPLOAD_CREATE_POLICY = "lantern.uploads.principals.allow_any"
LANTERN_UPLOAD_MAX_BYTES = 1 << 40
DEBUG = False
LOGGING = {{"version": 1, "disable_existing_loggers": False}}


def bench_principal(request):
    return "bench"
"""

# Only the uploads URLs: the benchmark measures them, whatever else config.urls includes.
URLS = """
from django.urls import include, path

urlpatterns = [path("uploads/", include("lantern.uploads.urls"))]
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def make_source(path: Path, size: int) -> str:
    digest = hashlib.sha256()
    with path.open("wb") as f:
        for _ in range(size // BLOCK):
            block = os.urandom(BLOCK)
            digest.update(block)
            f.write(block)
    return digest.hexdigest()


def baseline(source: Path, target: Path, patch_size: int) -> float:
    """Seconds to read, SHA-256, write and fsync (every patch_size bytes) the source."""
    start = time.perf_counter()
    digest = hashlib.sha256()
    since_sync = 0
    with source.open("rb", buffering=0) as src, target.open("wb", buffering=0) as dst:
        while block := src.read(BLOCK):
            digest.update(block)
            dst.write(block)
            since_sync += len(block)
            if since_sync >= patch_size:
                os.fsync(dst.fileno())
                since_sync = 0
        os.fsync(dst.fileno())
    elapsed = time.perf_counter() - start
    target.unlink()
    return elapsed


def wait_for_server(port: int, proc: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("gunicorn exited during start-up")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("OPTIONS", "/uploads/")
            if conn.getresponse().status == 204:
                conn.close()
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not answer in time")


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found.append(int(entry.name))
    return found


def peak_rss_mib(pid: int) -> float:
    """VmHWM: the process's peak resident set size."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def tus_upload(
    port: int, source: Path, size: int, patch_size: int, checksum: str | None
) -> tuple[float, str]:
    """Seconds from the first PATCH to the last answer, and the upload's path."""
    headers = {"Tus-Resumable": "1.0.0"}
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    conn.request("POST", "/uploads/", headers={**headers, "Upload-Length": str(size)})
    response = conn.getresponse()
    body = response.read()
    conn.close()
    if response.status != 201:
        raise RuntimeError(f"POST answered {response.status}: {body!r}")
    path = urlsplit(response.headers["Location"]).path

    sums: list[str] = []
    if checksum:  # the header goes before the body, so the client hashes first (untimed)
        with source.open("rb") as f:
            while piece := f.read(patch_size):
                sums.append(base64.b64encode(hashlib.new(checksum, piece).digest()).decode())

    start = time.perf_counter()
    offset = 0
    with source.open("rb", buffering=0) as f:
        while offset < size:
            length = min(patch_size, size - offset)
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
            conn.putrequest("PATCH", path, skip_accept_encoding=True)
            for name, value in {
                **headers,
                "Content-Type": "application/offset+octet-stream",
                "Upload-Offset": str(offset),
                "Content-Length": str(length),
            }.items():
                conn.putheader(name, value)
            if checksum:
                conn.putheader("Upload-Checksum", f"{checksum} {sums[offset // patch_size]}")
            conn.endheaders()
            sent = 0
            while sent < length:
                block = f.read(min(BLOCK, length - sent))
                conn.send(block)
                sent += len(block)
            response = conn.getresponse()
            response.read()
            conn.close()
            if response.status != 204:
                raise RuntimeError(f"PATCH at {offset} answered {response.status}")
            offset = int(response.headers["Upload-Offset"])
    return time.perf_counter() - start, path


def measure(
    mib: int = 512,
    patch_mib: int = 64,
    workers: int = 1,
    checksum: str | None = None,
    directory: str | None = None,
) -> dict[str, Any]:
    size, patch_size = mib * MiB, patch_mib * MiB
    work = Path(tempfile.mkdtemp(prefix="tus-bench-", dir=directory))
    proc: subprocess.Popen[bytes] | None = None
    try:
        (work / "var").mkdir()
        (work / "tus_bench_settings.py").write_text(
            textwrap.dedent(SETTINGS.format(upload_dir=str(work / "uploads")))
        )
        (work / "tus_bench_urls.py").write_text(textwrap.dedent(URLS))
        env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join([str(work), str(ROOT)]),
            "DJANGO_SETTINGS_MODULE": "tus_bench_settings",
            "LANTERN_ENV": "test",
            "LANTERN_VAR_DIR": str(work / "var"),
        }
        env.pop("DATABASE_URL", None)
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0", "--skip-checks"],
            cwd=ROOT,
            env=env,
            check=True,
        )
        source = work / "source.bin"
        expected = make_source(source, size)

        first_baseline = baseline(source, work / "baseline.bin", patch_size)

        port = free_port()
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "config.wsgi:application",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                str(workers),
                "--timeout",
                "600",
                "--no-control-socket",
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=env,
        )
        wait_for_server(port, proc)
        elapsed, upload_path = tus_upload(port, source, size, patch_size, checksum)
        worker_pids = children(proc.pid)
        rss = {
            "master_peak_rss_mib": round(peak_rss_mib(proc.pid), 1),
            "worker_peak_rss_mib": round(max(peak_rss_mib(p) for p in worker_pids), 1),
        }
        second_baseline = baseline(source, work / "baseline.bin", patch_size)

        upload_id = upload_path.rstrip("/").rsplit("/", 1)[1].replace("-", "")
        with sqlite3.connect(work / "var" / "lantern.sqlite3") as db:
            row = db.execute(
                "SELECT sha256, completed_at FROM uploads_upload WHERE id = ?", (upload_id,)
            ).fetchone()
        base_seconds = min(first_baseline, second_baseline)
        return {
            "benchmark": "tus_ingest",
            "file_mib": mib,
            "patch_mib": patch_mib,
            "gunicorn_sync_workers": workers,
            "checksum": checksum,
            "tus_seconds": round(elapsed, 3),
            "tus_mb_per_s": round(size / elapsed / 1e6, 1),
            "baseline_seconds": round(base_seconds, 3),
            "baseline_mb_per_s": round(size / base_seconds / 1e6, 1),
            "ratio_tus_to_baseline": round(base_seconds / elapsed, 3),
            **rss,
            "sha256_matches": bool(row and row[0] == expected),
            "completed": bool(row and row[1]),
        }
    finally:
        if proc is not None:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        shutil.rmtree(work, ignore_errors=True)


def run(quick: bool) -> dict[str, Any]:
    """For `python -m bench`: 512 MiB in 64 MiB PATCHes (quick: 64 MiB in 16 MiB)."""
    result = measure(64, 16) if quick else measure()
    if not result["sha256_matches"]:
        raise RuntimeError("the stored SHA-256 does not match the file sent")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mib", type=int, default=512, help="file size in MiB")
    parser.add_argument("--patch-mib", type=int, default=64, help="PATCH size in MiB")
    parser.add_argument("--workers", type=int, default=1, help="gunicorn sync workers")
    parser.add_argument("--checksum", choices=["sha1", "sha256", "md5"], default=None)
    parser.add_argument("--dir", default=None, help="where the temporary files go")
    args = parser.parse_args()
    result = measure(args.mib, args.patch_mib, args.workers, args.checksum, args.dir)
    print(json.dumps(result, indent=2))
    if not result["sha256_matches"]:
        sys.exit(1)


if __name__ == "__main__":
    main()
