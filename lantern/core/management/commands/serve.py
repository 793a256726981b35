"""Run the web server (gunicorn), the task worker and the scheduler together; Ctrl-C stops all."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from typing import Any

from django.core.management.base import BaseCommand


def web_command(python: str, bind: str, workers: int, threads: int) -> list[str]:
    """The web role: gunicorn, threaded workers. Request bodies are not buffered: a tus PATCH
    streams through `wsgi.input` as it arrives (docs/performance.md)."""
    return [
        python, "-m", "gunicorn", "config.wsgi:application",
        "--bind", bind,
        "--workers", str(workers),
        "--worker-class", "gthread",
        "--threads", str(threads),
        # Large uploads stream for minutes; the default 30 s kills them.
        "--timeout", "300",
        "--graceful-timeout", "10",
        "--no-control-socket",
        "--access-logfile", "-",
    ]  # fmt: skip


class Command(BaseCommand):
    help = "Start gunicorn and the db_worker task worker together, and stop both on Ctrl-C."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--bind", default="127.0.0.1:8000")
        parser.add_argument("--workers", type=int, default=2)
        parser.add_argument("--threads", type=int, default=4)

    def handle(self, *args: Any, **options: Any) -> None:
        python = sys.executable
        web = web_command(python, options["bind"], options["workers"], options["threads"])
        worker = [python, "manage.py", "db_worker", "--no-reload", "--queue-name", "*"]
        scheduler = [python, "manage.py", "scheduler"]
        procs = [subprocess.Popen(cmd) for cmd in (web, worker, scheduler)]
        received: list[int] = []

        def stop(signum: int, frame: Any) -> None:
            received.append(signum)

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        try:
            while not received and all(p.poll() is None for p in procs):
                time.sleep(0.2)
        finally:
            # Ctrl-C in a terminal already sent SIGINT to the children (same process group):
            # let them finish gracefully. A SIGTERM to this process alone (a service manager)
            # is passed on. Whatever still runs after the grace period is killed.
            if not received or received[0] != signal.SIGINT:
                for p in procs:
                    if p.poll() is None:
                        p.send_signal(signal.SIGTERM)
            deadline = time.monotonic() + 20
            for p in procs:
                try:
                    p.wait(timeout=max(0.1, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()
        codes = [p.returncode for p in procs]
        self.stdout.write(f"Stopped web server, worker and scheduler (exit codes {codes}).")
        if not received:
            raise SystemExit(1)  # a child died on its own
