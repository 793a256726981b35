"""A completed tus upload made through a request link becomes an evidence item (draft)."""

from __future__ import annotations

import logging
from typing import Any

from django.core.files import File
from django.dispatch import receiver

from lantern.uploads.models import Upload
from lantern.uploads.signals import upload_completed

from .models import EvidenceItem, RequestLink
from .principals import LINK_PREFIX

logger = logging.getLogger(__name__)


@receiver(upload_completed)
def on_upload_completed(sender: Any, upload: Upload, **kwargs: Any) -> None:
    if not upload.principal.startswith(LINK_PREFIX):
        return
    if EvidenceItem.objects.filter(upload=upload).exists():
        return  # already handed over (the signal may be re-sent after a crash)
    link = RequestLink.objects.select_related("request").get(
        pk=int(upload.principal.removeprefix(LINK_PREFIX))
    )
    from .services import evidence_item_add

    with upload.open() as handle:
        evidence_item_add(
            link=link,
            file=File(handle),
            name=upload.filename or "unnamed file",
            sha256=upload.sha256,
            size=upload.length,
            uploaded_by=link.principal,
            upload=upload,
        )
