"""Send upload_completed again for uploads completed in the last N hours.

For recovery after a receiver failed (its error is logged) or the process died between
completing an upload and announcing it. Receivers must be idempotent.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone

from lantern.uploads.models import Upload
from lantern.uploads.services import upload_announce


class Command(BaseCommand):
    help = "Send upload_completed again for recently completed uploads."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--hours", type=float, default=24, help="How far back (24).")

    def handle(self, *args: Any, **options: Any) -> None:
        since = timezone.now() - timedelta(hours=options["hours"])
        uploads = Upload.objects.live().filter(completed_at__gte=since).order_by("completed_at")
        count = 0
        for upload in uploads.iterator():
            upload_announce(upload)
            count += 1
        self.stdout.write(f"Announced {count} completed upload(s).")
