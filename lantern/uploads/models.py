"""One row per tus upload: the durable state a resumed upload continues from."""

from __future__ import annotations

import uuid
from datetime import datetime
from pathlib import Path
from typing import IO

from django.db import models
from django.utils import timezone

from . import conf


class UploadQuerySet(models.QuerySet["Upload"]):
    def for_principal(self, principal: str) -> UploadQuerySet:
        """Uploads this principal created: the only ones it may see or change. Any other
        upload is a 404 for it, so that existence is not revealed."""
        return self.filter(principal=principal)

    def live(self) -> UploadQuerySet:
        return self.filter(terminated_at__isnull=True)

    def expired(self, now: datetime | None = None) -> UploadQuerySet:
        """Incomplete uploads past their expiry (completed uploads do not expire here: the
        app that received them owns their lifetime)."""
        return self.live().filter(completed_at__isnull=True, expires_at__lt=now or timezone.now())


class Upload(models.Model):
    # Random and unguessable, but authorization does not rely on that (see for_principal).
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # Who created it: "user:12", "request-link:42"... Only the same principal may resume it.
    principal = models.CharField(max_length=200, db_index=True)
    length = models.BigIntegerField()
    # Bytes durably stored (fsync'd before this is written): where a resume continues.
    offset = models.BigIntegerField(default=0)
    # Decoded Upload-Metadata: key -> text, or None for a key sent without a value.
    metadata = models.JSONField(default=dict, blank=True)
    # Relative to LANTERN_UPLOAD_DIR and derived from the id only, never from metadata.
    storage_path = models.CharField(max_length=200)
    sha256 = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(null=True, blank=True, db_index=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    terminated_at = models.DateTimeField(null=True, blank=True)
    # S3 multipart upload (s3.py), when the default storage is S3: the object's name in that
    # storage (empty: a local file), the multipart upload id, the parts sent so far
    # ([{"n": 1, "etag": "...", "size": 16777216}, ...]) and the bytes after them, kept in
    # the staging object `s3_tail_name`. offset == sum of part sizes + s3_tail.
    s3_name = models.CharField(max_length=300, blank=True)
    s3_upload_id = models.CharField(max_length=1024, blank=True)
    s3_parts = models.JSONField(default=list, blank=True)
    s3_tail = models.BigIntegerField(default=0)
    s3_tail_name = models.CharField(max_length=300, blank=True)
    # Lease held by the request writing to the file (compare-and-set, see locks.py).
    lock_token = models.CharField(max_length=64, null=True, blank=True)
    lock_expires_at = models.DateTimeField(null=True, blank=True)

    objects = UploadQuerySet.as_manager()

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"upload {self.pk} ({self.offset}/{self.length} bytes)"

    @property
    def path(self) -> Path:
        return conf.upload_dir() / self.storage_path

    @property
    def is_complete(self) -> bool:
        return self.completed_at is not None

    @property
    def is_terminated(self) -> bool:
        return self.terminated_at is not None

    def is_expired(self, now: datetime | None = None) -> bool:
        return (
            self.completed_at is None
            and self.expires_at is not None
            and self.expires_at < (now or timezone.now())
        )

    @property
    def filename(self) -> str:
        """The client's file name, for display only (never used in a path)."""
        for key in ("filename", "name"):
            value = self.metadata.get(key)
            if value:
                return str(value)
        return ""

    @property
    def in_s3(self) -> bool:
        return bool(self.s3_name)

    def open(self) -> IO[bytes]:
        """The completed, read-only data: the local file, or the object in S3."""
        if not self.is_complete or self.is_terminated:
            raise ValueError("Only a completed upload can be opened")
        if self.in_s3:
            from django.core.files.storage import default_storage

            handle: IO[bytes] = default_storage.open(self.s3_name, "rb")
            return handle
        return self.path.open("rb")
