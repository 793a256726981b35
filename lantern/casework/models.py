"""Cases: the crime or incident that evidence, statements and reports hang from."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from lantern.accounts.choices import POLICE_ROLES
from lantern.accounts.models import Membership, Organisation


class CaseQuerySet(models.QuerySet["Case"]):
    def for_user(self, user: Any) -> CaseQuerySet:
        """Police see their own force's cases; partners see none directly."""
        if not getattr(user, "is_authenticated", False):
            return self.none()
        forces = Membership.objects.filter(user=user, is_active=True, role__in=POLICE_ROLES).values(
            "organisation"
        )
        return self.filter(force__in=forces)


class Case(models.Model):
    force = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="cases")
    # The force's own crime or incident reference (e.g. from its records system).
    reference = models.CharField(max_length=40)
    title = models.CharField(max_length=200)
    officer_in_charge = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="cases"
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = CaseQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["force", "reference"], name="case_reference_unique")
        ]

    def __str__(self) -> str:
        return f"{self.reference}: {self.title}"

    @staticmethod
    def search(queryset: CaseQuerySet, text: str) -> CaseQuerySet:
        return queryset.filter(Q(reference__icontains=text) | Q(title__icontains=text))
