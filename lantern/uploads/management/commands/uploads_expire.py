"""Delete incomplete uploads past their expiry, and data files no live upload owns.

Run it from cron or a scheduler every hour or so; it is safe to run on several hosts at
once (each upload is taken under its lease first).
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from lantern.uploads.services import upload_expire_all, upload_remove_orphans


class Command(BaseCommand):
    help = "Delete expired incomplete uploads and orphaned upload files."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--keep-orphans", action="store_true", help="Do not look for orphaned files."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        expired = upload_expire_all()
        orphans = 0 if options["keep_orphans"] else upload_remove_orphans()
        self.stdout.write(f"Expired {expired} upload(s); removed {orphans} orphaned file(s).")
