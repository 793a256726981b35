"""A completed tus upload made through a request link becomes an evidence item (draft)."""

from __future__ import annotations

import functools
import io
import logging
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from django.core.files import File
from django.db import transaction
from django.dispatch import receiver
from django_tasks import task

from lantern.uploads import s3
from lantern.uploads.models import Upload
from lantern.uploads.signals import upload_completed

from . import encryption
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
    return int(store_upload(upload, add).pk)


T = TypeVar("T")


def store_upload(upload: Upload, add: Callable[..., T]) -> T:
    """Hand a completed upload's bytes to `add(file=..., stored_name=...)`, which keeps them
    as an evidence original. Any app whose uploads become evidence goes through here, so
    that encryption at rest applies to all of them."""
    if encryption.enabled():
        return _add_encrypted(upload, add)
    if upload.in_s3:  # already the object in the default storage: no copy
        return add(file=File(None), stored_name=upload.s3_name)
    with upload.open() as handle:
        return add(file=File(handle))


def _add_encrypted(upload: Upload, add: Callable[..., T]) -> T:
    """Encryption at rest: the uploaded bytes are copied through the encrypting storage
    (streamed), then the plaintext the upload left behind is deleted: the local upload file,
    or on S3 the multipart object (parts are not encrypted as they are sent, so this is one
    extra copy of the file inside the bucket)."""
    if upload.in_s3:
        bucket = s3.Bucket()
        with io.BufferedReader(_Pieces(bucket.read(upload.s3_name)), 1 << 20) as handle:
            item = add(file=File(handle))
        transaction.on_commit(functools.partial(bucket.delete, upload.s3_name))
        return item
    with upload.open() as handle:
        item = add(file=File(handle))
    transaction.on_commit(functools.partial(upload.path.unlink, missing_ok=True))
    return item


class _Pieces(io.RawIOBase):
    """A readable stream over an iterator of byte strings."""

    def __init__(self, pieces: Iterator[bytes]) -> None:
        super().__init__()
        self._pieces = pieces
        self._left = b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if not self._left:
            self._left = next(self._pieces, b"")
        n = min(len(buffer), len(self._left))
        buffer[:n] = self._left[:n]
        self._left = self._left[n:]
        return n
