"""`ingest`: Lantern's tus server against the Node reference server and the disk's own limit.

The same file (default 2 GiB; quick: 256 MiB) is uploaded end to end, with the same clients,

- `curl`: one POST to create the upload, then the whole file in one streaming
  `curl -X PATCH -T file` (what tus-js-client in a browser sends by default), and
- `tuspy`: the Python tus client (tuspy) with 64 MiB chunks, one PATCH per chunk,

to

(a) Lantern: gunicorn, one sync worker, the uploads app (SHA-256 of the whole file, fsync
    before each committed offset, a ledger entry at completion), and
(b) the Node reference: @tus/server + @tus/file-store (bench/node_tus_server.mjs), which
    neither hashes nor fsyncs,

and compared with (c) the raw Python loop on the same disk, measured in the same run: read,
SHA-256 and write the same bytes in 8 MiB blocks, then one fsync. Each server's peak RSS
(VmHWM of all its processes) is read after a 100 MiB and after a full-size curl upload,
each on a fresh server. Full-size uploads run `--rounds` times (default 2), alternating
servers, and the best of each server × client pair counts: a shared VM drifts. Then one more
curl upload with the hand-over into storage encrypted at rest: `mbps_encrypted`
(bench/ingest_encrypted.py).

    .venv/bin/python -m bench.tus_node [--quick] [--mib 2048] [--rounds 2] [--dir /tmp]

or `python -m bench --only ingest`. Needs node, curl and the @tus packages (package.json
devDependencies, or a node_modules directory in TUS_NODE_MODULES). Only 127.0.0.1 is used;
everything lives in a temporary directory (on the disk of --dir) removed at the end.
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

from bench.tus_ingest import SETTINGS, URLS, children, free_port, make_source, peak_rss_mib

ROOT = Path(__file__).resolve().parent.parent
NODE_SERVER = Path(__file__).resolve().parent / "node_tus_server.mjs"
HOST = "127.0.0.1"
MiB = 1024 * 1024
RAW_BLOCK = 8 * MiB
TUSPY_CHUNK = 64 * MiB
SMALL_MIB = 100  # the RSS comparison: peak after this much, and after the full size
TARGET_RATIO_TO_RAW = 0.60
TARGET_RSS_GROWTH_MIB = 64
CLIENTS = ("curl", "tuspy")


def rss_mib(pid: int, field: str = "VmRSS") -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    return 0.0


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def raw_loop(source: Path, target: Path) -> float:
    """Seconds for the raw Python loop: read, SHA-256, write in 8 MiB blocks, one fsync."""
    start = time.perf_counter()
    digest = hashlib.sha256()
    with source.open("rb", buffering=0) as src, target.open("wb", buffering=0) as dst:
        while block := src.read(RAW_BLOCK):
            digest.update(block)
            dst.write(block)
        os.fsync(dst.fileno())
    elapsed = time.perf_counter() - start
    target.unlink()
    return elapsed


def _metadata(source: Path) -> dict[str, str]:
    return {"filename": source.name, "filetype": "video/mp4"}


def curl_upload(port: int, collection: str, source: Path, size: int) -> str:
    """POST to create, then the whole file in one streaming PATCH by curl; the upload's path."""
    metadata = ",".join(
        f"{key} {base64.b64encode(value.encode()).decode()}"
        for key, value in _metadata(source).items()
    )
    conn = http.client.HTTPConnection(HOST, port, timeout=600)
    conn.request(
        "POST",
        collection,
        headers={"Tus-Resumable": "1.0.0", "Upload-Length": str(size), "Upload-Metadata": metadata},
    )
    response = conn.getresponse()
    body = response.read()
    conn.close()
    if response.status != 201:
        raise RuntimeError(f"POST answered {response.status}: {body!r}")
    path = urlsplit(response.headers["Location"]).path
    done = subprocess.run(
        [
            "curl",
            "--silent",
            "--show-error",
            "--fail",
            "-X",
            "PATCH",
            "-T",
            str(source),
            "-H",
            "Tus-Resumable: 1.0.0",
            "-H",
            "Upload-Offset: 0",
            "-H",
            "Content-Type: application/offset+octet-stream",
            "-H",
            "Expect:",  # no 100-continue round trip, for either server
            "-o",
            "/dev/null",
            "-w",
            "%{http_code}",
            # -T appends the file's name to a URL that ends in "/": send the path as it is.
            "--request-target",
            path,
            f"http://{HOST}:{port}{path}",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0 or done.stdout.strip() != "204":
        raise RuntimeError(f"curl PATCH answered {done.stdout!r}: {done.stderr.strip()}")
    return path


def tuspy_upload(port: int, collection: str, source: Path, size: int) -> str:
    """tuspy's Uploader with 64 MiB chunks; the upload's path."""
    from tusclient.client import TusClient  # type: ignore[import-untyped]

    client = TusClient(f"http://{HOST}:{port}{collection}")
    uploader = client.uploader(
        file_path=str(source), chunk_size=TUSPY_CHUNK, metadata=_metadata(source)
    )
    uploader.upload()
    if uploader.offset != size:
        raise RuntimeError(f"tuspy stopped at {uploader.offset} of {size} bytes")
    return urlsplit(str(uploader.url)).path


UPLOADERS: dict[str, Callable[[int, str, Path, int], str]] = {
    "curl": curl_upload,
    "tuspy": tuspy_upload,
}


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

    def _row(self, path: str) -> tuple[str, str, str] | None:
        upload_id = path.rstrip("/").rsplit("/", 1)[1].replace("-", "")
        with sqlite3.connect(self.work / "var" / "lantern.sqlite3") as db:
            row = db.execute(
                "SELECT sha256, completed_at, storage_path FROM uploads_upload WHERE id = ?",
                (upload_id,),
            ).fetchone()
        return row  # type: ignore[no-any-return]

    def stored(self, path: str) -> Path | None:
        row = self._row(path)
        return self.work / "uploads" / row[2] if row else None

    def verify(self, path: str, expected: str) -> bool:
        """The SHA-256 Lantern recorded is the file's, and the stored bytes are too."""
        row = self._row(path)
        if not row:
            return False
        stored = self.work / "uploads" / row[2]
        matches = bool(row[1] and row[0] == expected and sha256_file(stored) == expected)
        stored.unlink(missing_ok=True)
        return matches


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

    def stored(self, path: str) -> Path | None:
        return self.files / path.rstrip("/").rsplit("/", 1)[1]

    def verify(self, path: str, expected: str) -> bool:
        stored = self.stored(path)
        assert stored is not None
        matches = sha256_file(stored) == expected
        for leftover in self.files.iterdir():
            leftover.unlink()
        return matches


def measure_server(
    server: Lantern | Node, client: str, source: Path, size: int, expected: str
) -> dict[str, Any]:
    """A fresh server per upload: the peak RSS is that of this upload alone."""
    proc = server.start()
    try:
        cpu_before = sum(cpu_seconds(pid) for pid in server.pids(proc))
        start = time.perf_counter()
        path = UPLOADERS[client](server.port, server.collection, source, size)
        seconds = time.perf_counter() - start
        # Until the bytes are on disk: Lantern fsyncs before it answers, so this is ~0 for
        # it; the Node server never fsyncs, so its upload is durable only after this.
        durable = seconds + fsync_seconds(server.stored(path))
        pids = server.pids(proc)
        cpu = sum(cpu_seconds(pid) for pid in pids) - cpu_before
        peak = sum(peak_rss_mib(pid) for pid in pids)
    finally:
        stop(proc)
    if not server.verify(path, expected):
        raise RuntimeError(f"{server.name} with {client}: the stored file does not match")
    return {
        "seconds": seconds,
        "mb_per_s": size / seconds / 1e6,
        "durable_mb_per_s": size / durable / 1e6,
        "cpu": cpu,
        "peak": peak,
    }


def fsync_seconds(stored: Path | None) -> float:
    """Seconds to make a stored upload durable (fsync of the file and its folder)."""
    if stored is None or not stored.exists():
        return 0.0
    start = time.perf_counter()
    for target in (stored, stored.parent):
        fd = os.open(target, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
    return time.perf_counter() - start


def measure(mib: int = 2048, rounds: int = 2, directory: str | None = None) -> dict[str, Any]:
    size, small = mib * MiB, min(SMALL_MIB, mib) * MiB
    work = Path(tempfile.mkdtemp(prefix="tus-node-bench-", dir=directory))
    try:
        source = work / "source.bin"
        expected = make_source(source, size)
        small_source = work / "small.bin"
        small_expected = make_source(small_source, small)
        servers: list[Lantern | Node] = [Lantern(work), Node(work)]

        raw = [raw_loop(source, work / "raw.bin")]
        runs: dict[tuple[str, str], list[dict[str, Any]]] = {}
        peaks: dict[str, dict[str, float]] = {}
        for server in servers:
            at_small = measure_server(server, "curl", small_source, small, small_expected)
            peaks[server.name] = {"small": at_small["peak"]}
        for _ in range(rounds):
            for client in CLIENTS:
                for server in servers:
                    run = measure_server(server, client, source, size, expected)
                    runs.setdefault((server.name, client), []).append(run)
            raw.append(raw_loop(source, work / "raw.bin"))
        raw_mbps = size / min(raw) / 1e6
        from bench.ingest_encrypted import measure_encrypted  # imports this module

        lantern = next(server for server in servers if isinstance(server, Lantern))
        encrypted = measure_encrypted(lantern, source, size, expected, work / "media")

        detail: dict[str, Any] = {}
        best: dict[tuple[str, str], dict[str, Any]] = {}
        for (name, client), results in runs.items():
            best[(name, client)] = max(results, key=lambda r: r["mb_per_s"])
            full_peak = max(r["peak"] for r in results)
            peaks[name]["full"] = max(peaks[name].get("full", 0.0), full_peak)
            detail[f"{name}_{client}"] = {
                "mb_per_s": round(best[(name, client)]["mb_per_s"], 1),
                "runs_mb_per_s": [round(r["mb_per_s"], 1) for r in results],
                "server_cpu_share": round(
                    best[(name, client)]["cpu"] / best[(name, client)]["seconds"], 2
                ),
                "peak_rss_mib": round(full_peak, 1),
            }

        def mbps(name: str, client: str) -> float:
            return float(best[(name, client)]["mb_per_s"])

        def durable(name: str, client: str) -> float:
            return max(float(r["durable_mb_per_s"]) for r in runs[(name, client)])

        growth = {name: p["full"] - p["small"] for name, p in peaks.items()}
        metrics = {
            "mbps": round(mbps("lantern", "curl"), 1),
            "ratio_vs_tus_node": round(mbps("lantern", "curl") / mbps("node", "curl"), 3),
            "tuspy_mbps": round(mbps("lantern", "tuspy"), 1),
            "tuspy_ratio_vs_tus_node": round(mbps("lantern", "tuspy") / mbps("node", "tuspy"), 3),
            "ratio_vs_raw": round(mbps("lantern", "curl") / raw_mbps, 3),
            "tuspy_ratio_vs_raw": round(mbps("lantern", "tuspy") / raw_mbps, 3),
            "rss_growth_mib": round(growth["lantern"], 1),
            "raw_mbps": round(raw_mbps, 1),
            "tus_node_mbps": round(mbps("node", "curl"), 1),
            "tus_node_tuspy_mbps": round(mbps("node", "tuspy"), 1),
            "tus_node_rss_growth_mib": round(growth["node"], 1),
            # The same comparison counted until the file is on disk (fsync'd), which Lantern
            # waits for before it acknowledges bytes and the Node reference never does.
            "durable_ratio_vs_tus_node": round(
                durable("lantern", "curl") / durable("node", "curl"), 3
            ),
            "tuspy_durable_ratio_vs_tus_node": round(
                durable("lantern", "tuspy") / durable("node", "tuspy"), 3
            ),
            "peak_rss_mib_small": round(peaks["lantern"]["small"], 1),
            "peak_rss_mib_full": round(peaks["lantern"]["full"], 1),
            "file_mib": mib,
            **encrypted,  # mbps_encrypted and its parts (bench/ingest_encrypted.py)
        }
        return {
            "metrics": metrics,
            "raw_runs_mb_per_s": [round(size / s / 1e6, 1) for s in raw],
            "servers": detail,
            "rss_small_mib": SMALL_MIB,
            "targets": {
                "at_least_node_curl": metrics["ratio_vs_tus_node"] >= 1.0,
                "at_least_node_tuspy": metrics["tuspy_ratio_vs_tus_node"] >= 1.0,
                f"at_least_{TARGET_RATIO_TO_RAW:.0%}_of_raw": (
                    metrics["ratio_vs_raw"] >= TARGET_RATIO_TO_RAW
                ),
                f"rss_growth_under_{TARGET_RSS_GROWTH_MIB}_mib": (
                    metrics["rss_growth_mib"] < TARGET_RSS_GROWTH_MIB
                ),
            },
        }
    finally:
        shutil.rmtree(work, ignore_errors=True)


def run(quick: bool) -> dict[str, Any]:
    """For `python -m bench`: 2 GiB, two rounds (quick: 256 MiB, one round)."""
    return measure(256, 1) if quick else measure()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="256 MiB, one round")
    parser.add_argument("--mib", type=int, default=None, help="file size in MiB")
    parser.add_argument("--rounds", type=int, default=None, help="full-size rounds (2)")
    parser.add_argument("--dir", default=None, help="where the temporary files go")
    args = parser.parse_args()
    mib = args.mib or (256 if args.quick else 2048)
    rounds = args.rounds or (1 if args.quick else 2)
    print(json.dumps(measure(mib, rounds, args.dir), indent=2))


if __name__ == "__main__":
    main()
