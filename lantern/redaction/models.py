"""Redactions of evidence items, and the releases of redacted copies.

A redaction is a person's list of what to hide in one item (boxes over a picture or over
frames of a video, audio segments to mute or bleep, areas of a PDF's pages), and the
redacted copy made from it: an evidence DerivedFile of kind "redacted" with its own SHA-256
and its parent's. The original is only ever read. Suggestions (faces, number plates) wait
in `suggestions` until a person accepts or rejects each; only accepted ones become boxes.
"""

from __future__ import annotations

import secrets
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from lantern.accounts.choices import POLICE_ROLES
from lantern.accounts.models import Membership, Organisation
from lantern.evidence.models import DerivedFile, EvidenceItem


def _police_forces(user: Any) -> Any:
    return Membership.objects.filter(
        user=user, is_active=True, organisation__status="active", role__in=POLICE_ROLES
    ).values("organisation")


class RedactionQuerySet(models.QuerySet["Redaction"]):
    def for_user(self, user: Any) -> RedactionQuerySet:
        """Police of the item's force only: a redaction shows what was hidden, and where."""
        if not getattr(user, "is_authenticated", False):
            return self.none()
        return self.filter(force__in=_police_forces(user))


class Redaction(models.Model):
    class Media(models.TextChoices):
        IMAGE = "image", "Picture"
        VIDEO = "video", "Video"
        PDF = "pdf", "PDF document"

    class Status(models.TextChoices):
        DRAFT = "draft", "Being prepared"
        QUEUED = "queued", "Redacted copy being made"
        PRODUCED = "produced", "Redacted copy made"
        FAILED = "failed", "The redacted copy could not be made"

    item = models.ForeignKey(EvidenceItem, on_delete=models.PROTECT, related_name="redactions")
    force = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    media = models.CharField(max_length=10, choices=Media.choices)
    purpose = models.CharField("What the copy is for", max_length=200)
    # The file it is made from: the original (pictures, PDFs) or the working copy (video).
    source_derived = models.ForeignKey(
        DerivedFile, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    source_sha256 = models.CharField(max_length=64)
    boxes = models.JSONField(default=list, blank=True)
    audio_segments = models.JSONField(default=list, blank=True)
    suggestions = models.JSONField(default=list, blank=True)
    # Videos are searched for faces in the background: since when, and how the last search
    # ended (shown on the page, as the answer arrives after the request).
    suggesting_since = models.DateTimeField(null=True, blank=True)
    suggest_note = models.CharField(max_length=300, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    status_reason = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    produced_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    output = models.OneToOneField(
        DerivedFile, null=True, blank=True, on_delete=models.PROTECT, related_name="redaction"
    )
    produced_at = models.DateTimeField(null=True, blank=True)

    objects = RedactionQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Redaction {self.pk} of {self.item}: {self.purpose}"

    @property
    def editable(self) -> bool:
        return self.status in {self.Status.DRAFT, self.Status.FAILED}


class ReleaseQuerySet(models.QuerySet["Release"]):
    def for_user(self, user: Any) -> ReleaseQuerySet:
        """Police see their force's releases; a partner organisation sees what was released
        to it (and only once released)."""
        if not getattr(user, "is_authenticated", False):
            return self.none()
        partner = Membership.objects.filter(
            user=user, is_active=True, organisation__status="active"
        ).exclude(role__in=POLICE_ROLES)
        return self.filter(
            Q(redaction__force__in=_police_forces(user))
            | (
                Q(partner__in=partner.values("organisation"), status=Release.Status.RELEASED)
                & ~Q(available_until__lt=timezone.localdate())
            )
        )

    def open_to_public(self) -> ReleaseQuerySet:
        """Public appeal copies that can be opened today."""
        return (
            self.filter(status=Release.Status.RELEASED, audience=Release.Audience.PUBLIC)
            .exclude(public_token="")
            .exclude(available_until__lt=timezone.localdate())
        )


def new_public_token() -> str:
    return secrets.token_urlsafe(32)


class Release(models.Model):
    """A redacted copy given to a partner organisation, the public, or a court/the CPS."""

    class Audience(models.TextChoices):
        PARTNER = "partner", "A partner organisation"
        PUBLIC = "public", "The public (an appeal)"
        COURT = "court", "The CPS or a court"

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for a second person's approval"
        RELEASED = "released", "Released"
        REFUSED = "refused", "Refused"
        WITHDRAWN = "withdrawn", "Withdrawn"

    redaction = models.ForeignKey(Redaction, on_delete=models.PROTECT, related_name="releases")
    audience = models.CharField(max_length=10, choices=Audience.choices)
    partner = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.TextField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    # Public releases are fetched by this unguessable token (no account needed).
    public_token = models.CharField(max_length=64, blank=True, default="")
    # A partner or public release may end by itself: the last day it can be opened.
    available_until = models.DateField(null=True, blank=True)

    objects = ReleaseQuerySet.as_manager()

    class Meta:
        ordering = ["-requested_at"]

    def __str__(self) -> str:
        return f"Release of redaction {self.redaction_id} to {self.get_audience_display()}"

    @property
    def has_ended(self) -> bool:
        """Released, but past its last day: partners and the public no longer see it."""
        return (
            self.status == self.Status.RELEASED
            and self.available_until is not None
            and self.available_until < timezone.localdate()
        )


class RedactionSettings(models.Model):
    """A force's rule: does a release need a second person's approval (default: yes)?"""

    force = models.OneToOneField(Organisation, on_delete=models.CASCADE, related_name="+")
    release_needs_second_person = models.BooleanField(
        "A second person must approve each release to a partner or the public", default=True
    )

    def __str__(self) -> str:
        return f"Redaction settings of {self.force}"
