"""A completed tus upload made through a request link becomes an evidence item (draft)."""

from __future__ import annotations

import functools
import logging
from typing import Any

from django.core.files import File
from django.dispatch import receiver
from django_tasks import task

from lantern.uploads.models import Upload
from lantern.uploads.signals import upload_completed

from .models import EvidenceItem, RequestLink
from .principals import LINK_PREFIX

logger = logging.getLogger(__name__)


@receiver(upload_completed)
def on_upload_completed(sender: Any, upload: Upload, **kwargs: Any) -> None:
    """Hand over in the background: copying a 20 GB file must not hold the last PATCH."""
    if upload.principal.startswith(LINK_PREFIX):
        evidence_item_from_upload.enqueue(str(upload.pk))


@task()
def evidence_item_from_upload(upload_id: str) -> int | None:
    """Idempotent: the signal may be sent again (`manage.py uploads_announce`)."""
    upload = Upload.objects.get(pk=upload_id)
    existing = EvidenceItem.objects.filter(upload=upload).first()
    if existing is not None:
        return existing.pk
    link = RequestLink.objects.select_related("request").get(
        pk=int(upload.principal.removeprefix(LINK_PREFIX))
    )
    from .services import evidence_item_add

    add = functools.partial(
        evidence_item_add,
        link=link,
        name=upload.filename or "unnamed file",
        sha256=upload.sha256,
        size=upload.length,
        uploaded_by=link.principal,
        upload=upload,
    )
    if upload.in_s3:  # already the object in the default storage: no copy
        return add(file=File(None), stored_name=upload.s3_name).pk
    with upload.open() as handle:
        return add(file=File(handle)).pk
