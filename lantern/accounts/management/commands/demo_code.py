"""Print a demo user's current two-factor code (demo or DEBUG mode only)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from lantern.accounts import mfa
from lantern.accounts.models import User


class Command(BaseCommand):
    help = "Print the current six-digit code for a demo user: make code USER=officer"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("username")

    def handle(self, *args: Any, **options: Any) -> None:
        if not (settings.DEMO_MODE or settings.DEBUG):
            raise CommandError("This works only in demo mode (LANTERN_DEMO=true) or with DEBUG")
        user = User.objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"No user called {options['username']!r}")
        try:
            self.stdout.write(mfa.totp_code_now(user))
        except LookupError as exc:
            raise CommandError(str(exc)) from exc
