"""A completed tus upload made for a video call (the officer's recording, or a file the
person sent during the call) becomes an evidence item on the call's case."""

from __future__ import annotations

from functools import partial
from typing import Any

from django.dispatch import receiver
from django_tasks import task

from lantern.evidence.receivers import store_upload
from lantern.uploads.models import Upload
from lantern.uploads.signals import upload_completed

from .services import LINK_PREFIX, RECORDING_PREFIX


@receiver(upload_completed)
def on_upload_completed(sender: Any, upload: Upload, **kwargs: Any) -> None:
    if upload.principal.startswith((LINK_PREFIX, RECORDING_PREFIX)):
        call_item_from_upload.enqueue(str(upload.pk))


@task()
def call_item_from_upload(upload_id: str) -> int:
    """Idempotent: the signal may be sent again (`manage.py uploads_announce`)."""
    from lantern.evidence.models import EvidenceItem

    from .services import call_evidence_add

    upload = Upload.objects.get(pk=upload_id)
    existing = EvidenceItem.objects.filter(upload=upload).first()
    if existing is not None:
        return int(existing.pk)
    # The evidence app's hand-over: encrypted at rest like every other original.
    return store_upload(upload, partial(call_evidence_add, upload=upload))
