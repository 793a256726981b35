"""Signed-in devices: one row per browser session, so a lost phone can be signed out and
wiped ("remote wipe") from another device."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone

from lantern.accounts.choices import Role
from lantern.accounts.models import Membership


class DeviceQuerySet(models.QuerySet["Device"]):
    def for_user(self, user: Any) -> DeviceQuerySet:
        """Your own devices; a force administrator also sees the devices of their force."""
        if not getattr(user, "is_authenticated", False):
            return self.none()
        forces = Membership.objects.filter(user=user, is_active=True, role=Role.FORCE_ADMIN).values(
            "organisation"
        )
        people = Membership.objects.filter(organisation__in=forces).values("user")
        return self.filter(models.Q(user=user) | models.Q(user__in=people))

    def active(self) -> DeviceQuerySet:
        return self.filter(ended_at__isnull=True, revoked_at__isnull=True)


class Device(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    # The current session key (rotated keys are followed); the session store holds the same.
    session_key = models.CharField(max_length=40, db_index=True)
    user_agent = models.CharField(max_length=300, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    signed_in_at = models.DateTimeField(default=timezone.now)
    last_seen_at = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # When the revoked device next made contact and was told to clear Lantern's data.
    wiped_at = models.DateTimeField(null=True, blank=True)

    objects = DeviceQuerySet.as_manager()

    class Meta:
        ordering = ["-last_seen_at"]

    def __str__(self) -> str:
        return f"{self.user} on {self.label}"

    @property
    def label(self) -> str:
        """A short, readable name for the browser and platform."""
        ua = self.user_agent
        browser = next(
            (
                name
                for token, name in (
                    ("Edg/", "Edge"),
                    ("Firefox/", "Firefox"),
                    ("Chrome/", "Chrome"),
                    ("Safari/", "Safari"),
                )
                if token in ua
            ),
            "Browser",
        )
        platform = next(
            (
                name
                for token, name in (
                    ("Android", "Android"),
                    ("iPhone", "iPhone"),
                    ("iPad", "iPad"),
                    ("Windows", "Windows"),
                    ("Mac OS", "Mac"),
                    ("Linux", "Linux"),
                )
                if token in ua
            ),
            "unknown device",
        )
        return f"{browser} on {platform}"
