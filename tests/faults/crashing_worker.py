"""A db_worker that dies by SIGKILL at the worst moment: its first task has done all its
work (files written, emails sent, transactions committed) but the success is not recorded.

    python tests/faults/crashing_worker.py   (with the instance's environment)
"""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django_tasks_db.models import DBTaskResult  # noqa: E402


def die(self: Any, *args: Any, **kwargs: Any) -> None:
    os.kill(os.getpid(), signal.SIGKILL)


DBTaskResult.set_successful = die  # type: ignore[method-assign]
call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", "--queue-name", "*")
