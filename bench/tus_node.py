"""Lantern's tus server against the Node reference server and the disk's own limit.

The same file (default 2 GiB; quick: 256 MiB) is uploaded end to end by the same client (a
streaming http.client PATCH client, 64 MiB per PATCH on a new connection each, with the
headers tuspy sends) to

(a) Lantern: gunicorn, one sync worker, the uploads app (as bench/tus_ingest.py runs it);
(b) the Node reference: @tus/server + @tus/file-store (bench/node_tus_server.mjs);

and compared with (c) the raw limit of the same disk measured in the same run: read, SHA-256,
write and fsync every 64 MiB of the same bytes (the least work Lantern's server must do;
@tus/file-store neither hashes nor fsyncs). Each server's peak RSS (VmHWM of all its
processes) is read after a 100 MiB upload and after the full-size one, each on a fresh server.

    .venv/bin/python -m bench.tus_node [--quick] [--mib 2048] [--patch-mib 64] [--dir /tmp]

or `python -m bench --only tus_node` once registered. Needs node and the @tus packages
(package.json devDependencies, or a node_modules directory in TUS_NODE_MODULES). Only
127.0.0.1 is used; everything lives in a temporary directory removed at the end.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import http.client
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from bench.tus_ingest import (
    SETTINGS,
    URLS,
    baseline,
    children,
    free_port,
    make_source,
    peak_rss_mib,
)

ROOT = Path(__file__).resolve().parent.parent
NODE_SERVER = Path(__file__).resolve().parent / "node_tus_server.mjs"
HOST = "127.0.0.1"
MiB = 1024 * 1024
BLOCK = MiB
SMALL_MIB = 100  # the RSS comparison: peak after this much, and after the full size
TARGET_RATIO_TO_RAW = 0.60
TARGET_RSS_GROWTH_MIB = 64


def rss_mib(pid: int, field: str = "VmRSS") -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    return 0.0


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def tus_upload(port: int, collection: str, source: Path, size: int, patch_size: int) -> str:
    """Create an upload and PATCH the whole file; returns the upload's path."""
    tus = {"Tus-Resumable": "1.0.0"}
    metadata = ",".join(
        f"{key} {base64.b64encode(value.encode()).decode()}"
        for key, value in {"filename": source.name, "filetype": "video/mp4"}.items()
    )
    conn = http.client.HTTPConnection(HOST, port, timeout=600)
    conn.request(
        "POST", collection, headers={**tus, "Upload-Length": str(size), "Upload-Metadata": metadata}
    )
    response = conn.getresponse()
    body = response.read()
    conn.close()
    if response.status != 201:
        raise RuntimeError(f"POST answered {response.status}: {body!r}")
    path = urlsplit(response.headers["Location"]).path
    offset = 0
    with source.open("rb", buffering=0) as f:
        while offset < size:
            length = min(patch_size, size - offset)
            conn = http.client.HTTPConnection(HOST, port, timeout=600)
            conn.putrequest("PATCH", path, skip_accept_encoding=True)
            for name, value in {
                **tus,
                "Upload-Offset": str(offset),
                "Content-Type": "application/offset+octet-stream",
                "Content-Length": str(length),
            }.items():
                conn.putheader(name, value)
            conn.endheaders()
            sent = 0
            while sent < length:
                block = f.read(min(BLOCK, length - sent))
                conn.send(block)
                sent += len(block)
            response = conn.getresponse()
            body = response.read()
            conn.close()
            if response.status != 204:
                raise RuntimeError(f"PATCH at {offset} answered {response.status}: {body!r}")
            offset = int(response.headers["Upload-Offset"])
    return path


def wait_until(ready: Callable[[], bool], proc: subprocess.Popen[bytes], what: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited during start-up")
        try:
            if ready():
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{what} did not answer in time")


def options_answers(port: int, path: str) -> bool:
    conn = http.client.HTTPConnection(HOST, port, timeout=5)
    try:
        conn.request("OPTIONS", path, headers={"Tus-Resumable": "1.0.0"})
        return conn.getresponse().status in (200, 204)
    finally:
        conn.close()


def stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb", buffering=0) as f:
        while block := f.read(4 * MiB):
            digest.update(block)
    return digest.hexdigest()


class Lantern:
    name = "lantern"
    collection = "/uploads/"

    def __init__(self, work: Path) -> None:
        self.work = work / "lantern"
        (self.work / "var").mkdir(parents=True)
        (self.work / "tus_bench_settings.py").write_text(
            textwrap.dedent(SETTINGS.format(upload_dir=str(self.work / "uploads")))
        )
        (self.work / "tus_bench_urls.py").write_text(textwrap.dedent(URLS))
        self.env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join([str(self.work), str(ROOT)]),
            "DJANGO_SETTINGS_MODULE": "tus_bench_settings",
            "LANTERN_ENV": "test",
            "LANTERN_VAR_DIR": str(self.work / "var"),
        }
        self.env.pop("DATABASE_URL", None)
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0", "--skip-checks"],
            cwd=ROOT,
            env=self.env,
            check=True,
        )

    def start(self) -> subprocess.Popen[bytes]:
        port = free_port()
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "config.wsgi:application",
                "--bind",
                f"{HOST}:{port}",
                "--workers",
                "1",
                "--worker-class",
                "sync",
                "--timeout",
                "600",
                "--no-control-socket",
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=self.env,
        )
        self.port = port
        wait_until(lambda: options_answers(port, self.collection), proc, "gunicorn")
        return proc

    def pids(self, proc: subprocess.Popen[bytes]) -> list[int]:
        return [proc.pid, *children(proc.pid)]

    def verify(self, path: str, expected: str) -> bool:
        upload_id = path.rstrip("/").rsplit("/", 1)[1].replace("-", "")
        with sqlite3.connect(self.work / "var" / "lantern.sqlite3") as db:
            row = db.execute(
                "SELECT sha256, completed_at, storage_path FROM uploads_upload WHERE id = ?",
                (upload_id,),
            ).fetchone()
        if row:
            (self.work / "uploads" / row[2]).unlink(missing_ok=True)
        return bool(row and row[1] and row[0] == expected)


class Node:
    name = "node"
    collection = "/files"

    def __init__(self, work: Path) -> None:
        self.work = work / "node"
        self.files = self.work / "files"
        self.files.mkdir(parents=True)
        self.env = dict(os.environ)
        if (
            not os.environ.get("TUS_NODE_MODULES")
            and not (ROOT / "node_modules" / "@tus" / "server").is_dir()
        ):
            raise RuntimeError(
                "@tus/server is not installed: npm install (package.json devDependencies),"
                " or set TUS_NODE_MODULES to a node_modules directory that has it"
            )

    def start(self) -> subprocess.Popen[bytes]:
        port = free_port()
        proc = subprocess.Popen(
            [
                "node",
                str(NODE_SERVER),
                "--host",
                HOST,
                "--port",
                str(port),
                "--dir",
                str(self.files),
            ],
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.DEVNULL,
        )
        self.port = port
        wait_until(lambda: options_answers(port, self.collection), proc, "node")
        return proc

    def pids(self, proc: subprocess.Popen[bytes]) -> list[int]:
        return [proc.pid, *children(proc.pid)]

    def verify(self, path: str, expected: str) -> bool:
        stored = self.files / path.rstrip("/").rsplit("/", 1)[1]
        matches = sha256_file(stored) == expected
        for leftover in self.files.iterdir():
            leftover.unlink()
        return matches


def measure_server(
    server: Lantern | Node, source: Path, size: int, patch_size: int, expected: str
) -> dict[str, Any]:
    """A fresh server per upload: the peak RSS is that of this upload alone."""
    proc = server.start()
    try:
        idle = sum(rss_mib(pid) for pid in server.pids(proc))
        cpu_before = sum(cpu_seconds(pid) for pid in server.pids(proc))
        start = time.perf_counter()
        path = tus_upload(server.port, server.collection, source, size, patch_size)
        seconds = time.perf_counter() - start
        pids = server.pids(proc)
        cpu = sum(cpu_seconds(pid) for pid in pids) - cpu_before
        peaks = {pid: peak_rss_mib(pid) for pid in pids}
    finally:
        stop(proc)
    return {
        "seconds": seconds,
        "mb_per_s": size / seconds / 1e6,
        "server_cpu_share": cpu / seconds,  # 1.0: one core busy all the time
        "idle_rss_mib": idle,
        "peak_rss_mib": sum(peaks.values()),
        "largest_process_peak_rss_mib": max(peaks.values()),
        "sha256_matches": server.verify(path, expected),
    }


def measure(mib: int = 2048, patch_mib: int = 64, directory: str | None = None) -> dict[str, Any]:
    size, patch_size, small = mib * MiB, patch_mib * MiB, min(SMALL_MIB, mib) * MiB
    work = Path(tempfile.mkdtemp(prefix="tus-node-bench-", dir=directory))
    try:
        source = work / "source.bin"
        expected = make_source(source, size)
        small_source = work / "small.bin"
        small_expected = make_source(small_source, small)
        servers: list[Lantern | Node] = [Lantern(work), Node(work)]

        raw = [baseline(source, work / "raw.bin", patch_size)]
        results: dict[str, dict[str, Any]] = {}
        for server in servers:
            at_small = measure_server(server, small_source, small, patch_size, small_expected)
            at_full = measure_server(server, source, size, patch_size, expected)
            results[server.name] = {
                "mb_per_s": round(at_full["mb_per_s"], 1),
                "seconds": round(at_full["seconds"], 3),
                "server_cpu_share": round(at_full["server_cpu_share"], 2),
                "idle_rss_mib": round(at_full["idle_rss_mib"], 1),
                f"peak_rss_mib_{SMALL_MIB}_mib": round(at_small["peak_rss_mib"], 1),
                f"peak_rss_mib_{mib}_mib": round(at_full["peak_rss_mib"], 1),
                "rss_growth_mib": round(at_full["peak_rss_mib"] - at_small["peak_rss_mib"], 1),
                "largest_process_peak_rss_mib": round(at_full["largest_process_peak_rss_mib"], 1),
                "sha256_matches": at_small["sha256_matches"] and at_full["sha256_matches"],
            }
        raw.append(baseline(source, work / "raw.bin", patch_size))
        raw_mb_per_s = size / min(raw) / 1e6
        lantern, node = results["lantern"], results["node"]
        return {
            "benchmark": "tus_node",
            "file_mib": mib,
            "patch_mib": patch_mib,
            "raw_mb_per_s": round(raw_mb_per_s, 1),
            "raw_runs_mb_per_s": [round(size / s / 1e6, 1) for s in raw],
            "lantern": lantern,
            "node": node,
            "ratio_lantern_to_node": round(lantern["mb_per_s"] / node["mb_per_s"], 3),
            "ratio_lantern_to_raw": round(lantern["mb_per_s"] / raw_mb_per_s, 3),
            "ratio_node_to_raw": round(node["mb_per_s"] / raw_mb_per_s, 3),
            "targets": {
                "at_least_node": lantern["mb_per_s"] >= node["mb_per_s"],
                f"at_least_{TARGET_RATIO_TO_RAW:.0%}_of_raw": (
                    lantern["mb_per_s"] >= TARGET_RATIO_TO_RAW * raw_mb_per_s
                ),
                f"rss_growth_under_{TARGET_RSS_GROWTH_MIB}_mib": (
                    lantern["rss_growth_mib"] < TARGET_RSS_GROWTH_MIB
                ),
            },
        }
    finally:
        shutil.rmtree(work, ignore_errors=True)


def run(quick: bool) -> dict[str, Any]:
    """For `python -m bench`: 2 GiB in 64 MiB PATCHes (quick: 256 MiB)."""
    result = measure(256 if quick else 2048)
    if not (result["lantern"]["sha256_matches"] and result["node"]["sha256_matches"]):
        raise RuntimeError("a stored file does not match the file sent")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="256 MiB instead of 2 GiB")
    parser.add_argument("--mib", type=int, default=None, help="file size in MiB")
    parser.add_argument("--patch-mib", type=int, default=64, help="PATCH size in MiB")
    parser.add_argument("--dir", default=None, help="where the temporary files go")
    args = parser.parse_args()
    mib = args.mib or (256 if args.quick else 2048)
    result = measure(mib, args.patch_mib, args.dir)
    print(json.dumps(result, indent=2))
    if not (result["lantern"]["sha256_matches"] and result["node"]["sha256_matches"]):
        sys.exit(1)


if __name__ == "__main__":
    main()
