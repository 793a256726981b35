"""Intake benchmark (issue #12): retail report submissions per second on PostgreSQL, against a
bare Django hello-world on the same server stack, and with one web process against two.

The scaled layout (scripts/run_scaled.py) is started with a fresh PostgreSQL database copied
from its migrated template (demo data loaded), SeaweedFS, two web processes and one task
worker. Every web process here is the production command (`manage.py serve`'s gunicorn,
gthread) with ONE gunicorn worker process and 4 threads, so "1 web process" and "2 web
processes" mean one and two Python processes serving.

Load: CLIENTS (32) concurrent clients, each a keep-alive HTTP/1.1 connection in one asyncio
process, each sending its next request as soon as the last is answered (closed loop).

hello        a bare Django project (no database, no middleware, one view answering "hello")
             under the same gunicorn command, 1 worker process, 4 threads
floor        the same bare project answering POST / with one INSERT of the body, committed on
             the layout's PostgreSQL database (persistent connections, no middleware): the
             least any durable intake does, so floor ÷ hello bounds what intake could reach
health       GET /health/ on Lantern's web process 1: the whole middleware stack (sessions,
             authentication, two-factor, security headers...) around one SELECT 1, the least
             any Lantern request costs
intake_1     POST /api/v1/reports (a retail report with two items and an offender, created
             and sent to the force: validation, the report rows, the ledger entry, the
             notification tasks), token auth, all 32 clients on web process 1
intake_2     the same, the 32 clients split 16/16 over web processes 1 and 2 (a round-robin
             client, not the proxy: the Python proxy would cost CPU of its own)

Each case runs WARMUP seconds unmeasured, then SECONDS measured; the cases alternate for
ROUNDS rounds (a shared machine drifts) and the median round counts. Every response must be
201 (intake) or 200 (hello); any other answer is counted as an error and reported.

Flat names: intake.rps (intake_1), intake.p50_ms, intake.p99_ms (intake_1),
intake.ratio_vs_hello (intake_1 rps ÷ hello rps), intake.scaleout_ratio_2_vs_1 (intake_2 rps ÷
intake_1 rps), intake.hello_rps, intake.rps_2_webs, intake.floor_rps,
intake.floor_ratio_vs_hello, intake.ratio_vs_floor, intake.health_rps,
intake.health_ratio_vs_hello. Targets (issue #12): ratio_vs_hello ≥ 0.5,
p99 < 100 ms, scale-out > 1. On a machine with 2 cores the load generator, PostgreSQL and the
web processes share the same two cores, so the scale-out ratio is bounded by that.

Environment: PG_ADMIN_URL (the PostgreSQL server), BENCH_INTAKE_SECONDS, BENCH_INTAKE_ROUNDS,
BENCH_INTAKE_CLIENTS.
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

import run_scaled  # noqa: E402

CLIENTS = 32
SECONDS, SECONDS_QUICK = 20.0, 5.0
ROUNDS, ROUNDS_QUICK = 3, 1
WARMUP = 2.0

HELLO_SETTINGS = """
SECRET_KEY = "bench-hello-not-secret"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1"]
ROOT_URLCONF = "hello_urls"
INSTALLED_APPS = []
MIDDLEWARE = []
DATABASES = {}
USE_TZ = True
"""
HELLO_URLS = """
from django.http import HttpResponse
from django.urls import path


def hello(request):
    return HttpResponse("hello")


urlpatterns = [path("", hello), path("health/", hello)]
"""
# The floor: the least any durable intake can do, one INSERT of the request body committed on
# the same PostgreSQL database, in the same bare project (no middleware, no auth, no ORM model,
# persistent connections). Its ratio to hello bounds what the real intake could reach here.
FLOOR_SETTINGS = HELLO_SETTINGS.replace("DATABASES = {}", "DATABASES = {'default': {{database}}}")
FLOOR_URLS = """
from django.db import connection, transaction
from django.http import HttpResponse
from django.urls import path


def insert(request):
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("INSERT INTO bench_floor (body) VALUES (%s) RETURNING id", [request.body])
        (row_id,) = cursor.fetchone()
    return HttpResponse(str(row_id), status=201)


urlpatterns = [path("", insert), path("health/", lambda request: HttpResponse("hello"))]
"""
HELLO_WSGI = """
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hello_settings")
application = get_wsgi_application()
"""


def _log(message: str) -> None:
    print(f"  [intake {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def _env_num(name: str, default: float) -> float:
    value = os.environ.get(name, "")
    return float(value) if value else default


# -- the load generator -----------------------------------------------------------------------


class Target:
    """One kind of request, as raw HTTP/1.1 bytes, and the status it must get."""

    def __init__(self, method: str, path: str, body: bytes, headers: dict[str, str], ok: int):
        self.ok = ok
        lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", "Connection: keep-alive"]
        lines += [f"{k}: {v}" for k, v in headers.items()]
        if body or method == "POST":
            lines.append(f"Content-Length: {len(body)}")
        self.request = ("\r\n".join(lines) + "\r\n\r\n").encode() + body


async def _client(
    port: int, target: Target, stop_at: list[float], measure_from: float, out: dict[str, Any]
) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        while time.monotonic() < stop_at[0]:
            began = time.monotonic()
            writer.write(target.request)
            await writer.drain()
            head = await reader.readuntil(b"\r\n\r\n")
            status = int(head.split(b" ", 2)[1])
            fields = {}
            for line in head.split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                fields[name.strip().lower()] = value.strip().lower()
            close = b"close" in fields.get(b"connection", b"")
            if b"chunked" in fields.get(b"transfer-encoding", b""):
                while size := int((await reader.readuntil(b"\r\n")).split(b";")[0], 16):
                    await reader.readexactly(size + 2)
                await reader.readuntil(b"\r\n")  # after the last chunk (no trailers sent)
            elif length := int(fields.get(b"content-length", b"0")):
                await reader.readexactly(length)
            if began >= measure_from:
                out["latencies"].append(time.monotonic() - began)
                if status != target.ok:
                    out["errors"] += 1
                    out.setdefault("statuses", {}).setdefault(str(status), 0)
                    out["statuses"][str(status)] += 1
            if close:
                writer.close()
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
    finally:
        writer.close()


async def _load(ports: list[int], target: Target, clients: int, seconds: float) -> dict[str, Any]:
    out: dict[str, Any] = {"latencies": [], "errors": 0}
    measure_from = time.monotonic() + WARMUP
    stop_at = [measure_from + seconds]
    await asyncio.gather(
        *(
            _client(ports[i % len(ports)], target, stop_at, measure_from, out)
            for i in range(clients)
        )
    )
    latencies = sorted(out["latencies"])
    count = len(latencies)
    return {
        "requests": count,
        "errors": out["errors"],
        "statuses": out.get("statuses", {}),
        "rps": round(count / seconds, 1),
        "p50_ms": round(statistics.median(latencies) * 1000, 2) if latencies else None,
        "p99_ms": round(latencies[min(count - 1, int(count * 0.99))] * 1000, 2)
        if latencies
        else None,
    }


def measure(ports: list[int], target: Target, clients: int, seconds: float) -> dict[str, Any]:
    return asyncio.run(_load(ports, target, clients, seconds))


# -- the servers ------------------------------------------------------------------------------


def _hello_server(
    folder: Path, port: int, settings: str = HELLO_SETTINGS, urls: str = HELLO_URLS
) -> subprocess.Popen[bytes]:
    from lantern.core.management.commands.serve import web_command

    for name, text in (
        ("hello_settings.py", settings),
        ("hello_urls.py", urls),
        ("hello_wsgi.py", HELLO_WSGI),
    ):
        (folder / name).write_text(textwrap.dedent(text), encoding="utf-8")
    command = web_command(sys.executable, f"127.0.0.1:{port}", 1, 4)
    command[command.index("config.wsgi:application")] = "hello_wsgi:application"
    env = {**os.environ, "PYTHONPATH": str(folder), "DJANGO_SETTINGS_MODULE": "hello_settings"}
    return subprocess.Popen(
        command, cwd=folder, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )


def _floor_server(folder: Path, port: int, database_url: str) -> subprocess.Popen[bytes]:
    """The bare project answering POST / with one committed INSERT into `database_url`."""
    import psycopg

    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute("CREATE TABLE IF NOT EXISTS bench_floor (id bigserial PRIMARY KEY, body text)")
    parts = urlsplit(database_url)
    database = {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": parts.path.lstrip("/"),
        "USER": parts.username or "",
        "PASSWORD": parts.password or "",
        "HOST": parts.hostname or "",
        "PORT": str(parts.port or ""),
        "CONN_MAX_AGE": 60,
    }
    settings = FLOOR_SETTINGS.replace("{{database}}", repr(database))
    return _hello_server(folder, port, settings, FLOOR_URLS)


def _report_body(store: int) -> bytes:
    return json.dumps(
        {
            "store_id": store,
            "occurred_at": time.strftime(
                "%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(time.time() - 3600)
            ),
            "kind": "theft",
            "description": "Two men filled a bag with razor blades and left",
            "how_offender_left": "On foot towards the station",
            "offenders": [{"sex": "male", "age": "30s", "clothing": "Grey hoodie"}],
            "staff_witnesses": ["Sam Jones"],
            "cctv_available": True,
            "cctv_kept_days": 30,
            "items": [
                {"description": "Razor blades", "quantity": 3, "unit_value_pence": 1250},
                {"description": "Batteries", "quantity": 2, "unit_value_pence": 10},
            ],
        }
    ).encode()


def run(quick: bool) -> dict[str, Any]:
    seconds = _env_num("BENCH_INTAKE_SECONDS", SECONDS_QUICK if quick else SECONDS)
    rounds = int(_env_num("BENCH_INTAKE_ROUNDS", ROUNDS_QUICK if quick else ROUNDS))
    clients = int(_env_num("BENCH_INTAKE_CLIENTS", CLIENTS))
    with tempfile.TemporaryDirectory(prefix="lantern-intake-") as tmp:
        folder = Path(tmp)
        layout = run_scaled.ScaledLayout(
            run_scaled.Options(
                root=folder / "layout",
                database=f"lantern_bench_intake_{uuid.uuid4().hex[:8]}",
                port=0,
                webs=2,
                workers=1,
                scheduler=False,
                gunicorn_workers=1,
                threads=4,
                fresh=True,
                from_template=True,
                drop_on_stop=True,
            )
        )
        hello_dir = folder / "hello"
        hello_dir.mkdir()
        floor_dir = folder / "floor"
        floor_dir.mkdir()
        hello_port, floor_port = run_scaled.free_ports(2)
        hello = _hello_server(hello_dir, hello_port)
        _log("starting the scaled layout")
        layout.start()
        floor = _floor_server(floor_dir, floor_port, layout.database_url)
        try:
            run_scaled._wait_http(f"http://127.0.0.1:{hello_port}", "hello")
            run_scaled._wait_http(f"http://127.0.0.1:{floor_port}", "floor")
            secret, store = run_scaled.report_token(layout)
            web_ports = [int(url.rsplit(":", 1)[1]) for url in layout.web_urls]
            headers = {
                "Authorization": f"Bearer {secret}",
                "Content-Type": "application/json",
            }
            intake = Target("POST", "/api/v1/reports", _report_body(store), headers, 201)
            hello_target = Target("GET", "/", b"", {}, 200)
            floor_target = Target("POST", "/", _report_body(store), {}, 201)
            health = Target("GET", "/health/", b"", {}, 200)
            cases: dict[str, list[dict[str, Any]]] = {
                "hello": [],
                "floor": [],
                "health": [],
                "intake_1": [],
                "intake_2": [],
            }
            for r in range(rounds):
                for name, ports, target in (
                    ("hello", [hello_port], hello_target),
                    ("floor", [floor_port], floor_target),
                    ("health", web_ports[:1], health),
                    ("intake_1", web_ports[:1], intake),
                    ("intake_2", web_ports, intake),
                ):
                    result = measure(ports, target, clients, seconds)
                    _log(f"round {r + 1} {name}: {result}")
                    cases[name].append(result)
            dead = layout.dead()
        finally:
            layout.stop()
            for server in (hello, floor):
                server.terminate()
                server.wait(timeout=15)
    if dead:
        raise RuntimeError(f"processes died during the benchmark: {dead}")

    def median(name: str, key: str) -> float:
        return float(statistics.median(c[key] for c in cases[name]))

    errors = sum(c["errors"] for runs in cases.values() for c in runs)
    hello_rps, one, two = (
        median("hello", "rps"),
        median("intake_1", "rps"),
        median("intake_2", "rps"),
    )
    return {
        "clients": clients,
        "seconds": seconds,
        "rounds": rounds,
        "cases": cases,
        "metrics": {
            "rps": one,
            "p50_ms": median("intake_1", "p50_ms"),
            "p99_ms": median("intake_1", "p99_ms"),
            "ratio_vs_hello": round(one / hello_rps, 3),
            "scaleout_ratio_2_vs_1": round(two / one, 3),
            "hello_rps": hello_rps,
            "rps_2_webs": two,
            "floor_rps": median("floor", "rps"),
            "floor_ratio_vs_hello": round(median("floor", "rps") / hello_rps, 3),
            "floor_p99_ms": median("floor", "p99_ms"),
            "ratio_vs_floor": round(one / median("floor", "rps"), 3),
            "health_rps": median("health", "rps"),
            "health_ratio_vs_hello": round(median("health", "rps") / hello_rps, 3),
            "p99_ms_2_webs": median("intake_2", "p99_ms"),
            "errors": errors,
        },
        "notes": [
            "each web process: gunicorn gthread, 1 worker process, 4 threads; PostgreSQL, "
            "SeaweedFS, the task worker and the load generator on the same machine",
            "intake = POST /api/v1/reports (report created and sent, ledgered, notifications "
            "queued); hello = a bare Django view under the same gunicorn command",
            "medians over rounds; the cases alternate within each round",
        ],
    }


if __name__ == "__main__":
    print(json.dumps(run("--quick" in sys.argv), indent=2))
