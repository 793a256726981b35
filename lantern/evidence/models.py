"""Requests for footage, the single-purpose links that answer them, and evidence items."""

from __future__ import annotations

import secrets
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from lantern.accounts.choices import POLICE_ROLES
from lantern.accounts.models import ControlRoom, Membership, Organisation, Store
from lantern.casework.models import Case
from lantern.core.models import TokenLink

# Unambiguous characters for references read over the phone.
_REF_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
AT_RISK_DAYS = 3


def new_reference() -> str:
    raw = "".join(secrets.choice(_REF_ALPHABET) for _ in range(8))
    return f"LR-{raw[:4]}-{raw[4:]}"


class RetentionClass(models.TextChoices):
    """MoPI retention groups (Authorised Professional Practice, Management of Police
    Information): review periods by the seriousness of the matter."""

    GROUP_1 = (
        "group_1",
        "Group 1: certain public protection matters (retain, review every 10 years)",
    )
    GROUP_2 = (
        "group_2",
        "Group 2: other sexual, violent or serious offences (review after 10 years)",
    )
    GROUP_3 = "group_3", "Group 3: all other offences (review after 6 years)"
    UNDETERMINED = "none", "No crime: review after 6 months"


RETENTION_REVIEW_DAYS = {
    RetentionClass.GROUP_1: 3652,
    RetentionClass.GROUP_2: 3652,
    RetentionClass.GROUP_3: 2191,
    RetentionClass.UNDETERMINED: 183,
}


class RecipientKind(models.TextChoices):
    CONTROL_ROOM = "control_room", "A council CCTV control room"
    STORE = "store", "A store"
    COMPANY = "company", "A retail company (its loss-prevention team)"
    PERSON = "person", "A person, by email or mobile number"


class EvidenceRequestQuerySet(models.QuerySet["EvidenceRequest"]):
    def for_user(self, user: Any) -> EvidenceRequestQuerySet:
        """Police see their force's requests. A partner sees the requests addressed to their
        organisation (store staff: only their own stores'). Nobody else sees any."""
        if not getattr(user, "is_authenticated", False):
            return self.none()
        memberships = Membership.objects.filter(
            user=user, is_active=True, organisation__status="active"
        )
        police = memberships.filter(role__in=POLICE_ROLES).values("organisation")
        q = Q(force__in=police)
        for m in memberships.exclude(role__in=POLICE_ROLES).select_related("organisation"):
            if m.role == "store_staff":
                q |= Q(store__in=m.stores.all())
            elif m.organisation.kind == "retail":
                q |= Q(company=m.organisation) | Q(store__company=m.organisation)
            elif m.organisation.kind == "council":
                q |= Q(control_room__authority=m.organisation)
        return self.filter(q).distinct()


class EvidenceRequest(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", "Waiting for footage"
        RECEIVED = "received", "Footage received"
        CLOSED = "closed", "Closed"

    reference = models.CharField(max_length=20, unique=True, default=new_reference)
    force = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="evidence_requests")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recipient_kind = models.CharField(max_length=20, choices=RecipientKind.choices)
    control_room = models.ForeignKey(
        ControlRoom, null=True, blank=True, on_delete=models.PROTECT, related_name="requests"
    )
    store = models.ForeignKey(
        Store, null=True, blank=True, on_delete=models.PROTECT, related_name="requests"
    )
    company = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="requests"
    )
    recipient_name = models.CharField(max_length=200, blank=True)
    recipient_email = models.EmailField(blank=True)
    recipient_phone = models.CharField(max_length=20, blank=True)
    location = models.CharField("Location and cameras", max_length=500)
    window_start = models.DateTimeField("Footage wanted from")
    window_end = models.DateTimeField("Footage wanted until")
    reason = models.TextField()
    deadline = models.DateField()
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)
    close_reason = models.TextField(blank=True)

    objects = EvidenceRequestQuerySet.as_manager()

    class Meta:
        ordering = ["deadline", "-created_at"]

    def __str__(self) -> str:
        return f"{self.reference} for {self.case.reference}"

    @property
    def recipient_organisation(self) -> Organisation | None:
        if self.control_room_id:
            return self.control_room.authority  # type: ignore[union-attr]
        if self.store_id:
            return self.store.company  # type: ignore[union-attr]
        return self.company

    @property
    def recipient_label(self) -> str:
        if self.control_room_id:
            return str(self.control_room)
        if self.store_id:
            return str(self.store)
        if self.company_id:
            return f"{self.company} (loss-prevention team)"
        return self.recipient_name or self.recipient_email or self.recipient_phone

    @property
    def retention_days(self) -> int:
        if self.control_room_id:
            return int(self.control_room.cctv_retention_days)  # type: ignore[union-attr]
        if self.store_id:
            return int(self.store.cctv_retention_days)  # type: ignore[union-attr]
        return int(settings.LANTERN_DEFAULT_CCTV_RETENTION_DAYS)

    @property
    def overwritten_from(self) -> datetime:
        """When the first footage wanted is likely to be overwritten at the source."""
        return self.window_start + timedelta(days=self.retention_days)

    @property
    def at_risk(self) -> bool:
        return self.status == self.Status.OPEN and self.overwritten_from - timezone.now() < (
            timedelta(days=AT_RISK_DAYS)
        )

    @property
    def overdue(self) -> bool:
        return self.status == self.Status.OPEN and self.deadline < date.today()


class RequestLink(TokenLink):
    """A single-purpose link for one request."""

    principal_kind = "evidence-link"

    request = models.ForeignKey(EvidenceRequest, on_delete=models.CASCADE, related_name="links")
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Link {self.pk} for {self.request.reference}"

    def leads_somewhere_open(self) -> bool:
        return self.request.status != EvidenceRequest.Status.CLOSED


class LinkCode(models.Model):
    """A one-time code sent to a public recipient's email or phone: proves they hold it."""

    link = models.ForeignKey(RequestLink, on_delete=models.CASCADE, related_name="codes")
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Code for link {self.link_id}"


class EvidenceItemQuerySet(models.QuerySet["EvidenceItem"]):
    def for_user(self, user: Any) -> EvidenceItemQuerySet:
        """Items of the requests the user may see. An item that came with no request (an
        officer's scene photo) is seen by its case: police of the case's force only."""
        if not getattr(user, "is_authenticated", False):
            return self.none()
        police = Membership.objects.filter(
            user=user, is_active=True, organisation__status="active", role__in=POLICE_ROLES
        ).values("organisation")
        return self.filter(
            Q(request__in=EvidenceRequest.objects.for_user(user))
            | Q(request__isnull=True, case__force__in=police)
        )


class EvidenceItem(models.Model):
    """One file handed over: the original is kept unchanged, with its SHA-256."""

    class State(models.TextChoices):
        DRAFT = "draft", "Uploaded, not yet submitted"
        SUBMITTED = "submitted", "Submitted, being checked"
        READY = "ready", "Ready"
        ORIGINAL_ONLY = "original_only", "Original only (cannot be played in a browser)"
        REJECTED = "rejected", "Rejected by checks"

    request = models.ForeignKey(
        EvidenceRequest, null=True, blank=True, on_delete=models.PROTECT, related_name="items"
    )
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="evidence_items")
    upload = models.OneToOneField(
        "uploads.Upload", null=True, blank=True, on_delete=models.PROTECT, related_name="item"
    )
    original = models.FileField(upload_to="evidence/originals/%Y/%m/", max_length=300)
    original_name = models.CharField(max_length=255)
    size = models.BigIntegerField()
    sha256 = models.CharField(max_length=64)
    content_type = models.CharField(max_length=100, blank=True)
    description = models.TextField(blank=True)
    # Seconds the CCTV system's clock was ahead (+) or behind (-) the real time, if known.
    clock_offset_seconds = models.IntegerField(null=True, blank=True)
    state = models.CharField(max_length=20, choices=State.choices, default=State.DRAFT)
    state_reason = models.CharField(max_length=300, blank=True)
    uploaded_by = models.CharField(max_length=200)
    created_at = models.DateTimeField(default=timezone.now)
    submitted_at = models.DateTimeField(null=True, blank=True)
    # Duration, codecs, resolution, frame rate, creation time... as read from the file.
    media_info = models.JSONField(default=dict, blank=True)
    # Exhibit reference, e.g. "OA/1" (officer's initials and a number), unique in its case.
    exhibit_ref = models.CharField(max_length=30, blank=True)
    retention_class = models.CharField(
        max_length=20, choices=RetentionClass.choices, default=RetentionClass.GROUP_3
    )
    review_date = models.DateField(null=True, blank=True)
    # Set when the bytes have been erased (after two-person approval); the row and its
    # ledger entries stay.
    erased_at = models.DateTimeField(null=True, blank=True)

    objects = EvidenceItemQuerySet.as_manager()

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "exhibit_ref"],
                condition=~Q(exhibit_ref=""),
                name="exhibit_ref_unique_in_case",
            )
        ]

    def __str__(self) -> str:
        return f"{self.original_name} ({self.sha256[:12]})"

    @property
    def servable(self) -> bool:
        """Only checked, not erased, originals may be viewed or downloaded."""
        return self.erased_at is None and self.state in {
            self.State.READY,
            self.State.ORIGINAL_ONLY,
        }


class DerivedFile(models.Model):
    """A copy made from an original (never the original itself): traceable to its parent."""

    class Kind(models.TextChoices):
        WORKING_COPY = "working_copy", "Browser-playable working copy (H.264/MP4)"
        THUMBNAIL = "thumbnail", "Thumbnail"
        STILL = "still", "Still frame"
        WEB_IMAGE = "web_image", "Web-sized image"
        REDACTED = "redacted", "Redacted copy"  # made by lantern.redaction

    item = models.ForeignKey(EvidenceItem, on_delete=models.PROTECT, related_name="derived")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    file = models.FileField(upload_to="evidence/derived/%Y/%m/", max_length=300)
    content_type = models.CharField(max_length=100)
    size = models.BigIntegerField()
    sha256 = models.CharField(max_length=64)
    # The SHA-256 of what it was made from (the original's, for every kind today).
    parent_sha256 = models.CharField(max_length=64)
    # How it was made (tool, version, settings), so an independent party can repeat it.
    recipe = models.JSONField(default=dict, blank=True)
    # Position of a still or thumbnail in the video, in seconds.
    position_seconds = models.FloatField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["item", "kind", "position_seconds"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} of {self.item}"


class EvidenceLink(models.Model):
    """Links an item to a person, a location or another item (within its case)."""

    class Kind(models.TextChoices):
        PERSON = "person", "Person"
        LOCATION = "location", "Location"
        ITEM = "item", "Another exhibit"

    item = models.ForeignKey(EvidenceItem, on_delete=models.CASCADE, related_name="links")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    label = models.CharField(max_length=300, blank=True)
    other_item = models.ForeignKey(
        EvidenceItem, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.label or self.other_item}"


class DeletionRequest(models.Model):
    """Erasing an original needs two authorised people: one asks, a different one approves."""

    item = models.ForeignKey(EvidenceItem, on_delete=models.PROTECT, related_name="deletions")
    reason = models.TextField()
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    approved = models.BooleanField(null=True)

    def __str__(self) -> str:
        return f"Deletion of {self.item} requested by {self.requested_by}"


class EncryptedFile(models.Model):
    """The data key of one stored file encrypted at rest (encryption.py), wrapped by a
    master key from configuration. Rotation rewraps `wrapped_key` with the current master
    key; the file itself is never rewritten. Deleting the row makes the file unreadable."""

    # The name in the default storage (what the FileField holds).
    name = models.CharField(max_length=300, unique=True)
    # Which master key (EVIDENCE_MASTER_KEYS id) wrapped the data key.
    key_id = models.CharField(max_length=64, db_index=True)
    wrapped_key = models.BinaryField()
    # Plaintext size in bytes.
    size = models.BigIntegerField()
    created_at = models.DateTimeField(default=timezone.now)
    rewrapped_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.name} (key {self.key_id})"
