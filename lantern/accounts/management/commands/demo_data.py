"""Load the demo organisations and users (idempotent) and print how to sign in."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError

from lantern.accounts import mfa
from lantern.accounts.choices import Role
from lantern.accounts.demo import DEMO_PASSWORD, demo_data_load


class Command(BaseCommand):
    help = "Load demo data (demo or DEBUG mode only) and print the demo logins."

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            users = demo_data_load()
        except ImproperlyConfigured as exc:
            raise CommandError(str(exc)) from exc
        out = self.stdout
        out.write("")
        out.write(f"Lantern demo for {settings.LANTERN_FORCE_NAME}: http://127.0.0.1:8000/")
        out.write(f"Every demo user's password: {DEMO_PASSWORD}")
        out.write(
            "Two-factor: add the secret to an authenticator app, or run "
            "`make code USER=<username>` for the current code."
        )
        out.write("")
        out.write(f"{'Username':<17} {'Role':<28} {'Organisation':<48} TOTP secret")
        for demo, user in users:
            device = mfa.TOTPDevice.objects.filter(user=user, confirmed=True).first()
            secret = mfa.totp_secret_base32(device) if device else "(optional: not set up)"
            org = user.memberships.get(organisation__slug=demo.org).organisation.name
            out.write(f"{demo.username:<17} {Role(demo.role).label:<28} {org:<48} {secret}")
        out.write("")
        out.write(
            "Emails and text messages the demo sends are in the outbox: "
            "http://127.0.0.1:8000/outbox/"
        )
