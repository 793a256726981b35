"""S3Storage with evidence files encrypted at rest (see encryption.py). A module of its
own so that importing encryption.py does not load boto3."""

from __future__ import annotations

from storages.backends.s3 import S3Storage

from .encryption import EncryptedStorageMixin


class EncryptedS3Storage(EncryptedStorageMixin, S3Storage):  # type: ignore[misc]
    """S3Storage (django-storages) with evidence files encrypted at rest."""
