"""The upload settings, read when used (so `override_settings` in tests takes effect).

Every value has a default; none needs to be set for a laptop.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from functools import cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

TUS_VERSION = "1.0.0"
TUS_EXTENSIONS = "creation,creation-with-upload,expiration,checksum,termination"
CHECKSUM_ALGORITHMS = ("sha1", "sha256", "md5")

DEFAULT_MAX_BYTES = 20 * 1024**3  # 20 GiB: hours of HD CCTV from one camera
DEFAULT_EXPIRY_HOURS = 24
# A PATCH holds the upload's lease while it streams. It is renewed every LOCK_SECONDS / 4, so
# a stalled or crashed request frees the upload within LOCK_SECONDS.
DEFAULT_LOCK_SECONDS = 60
DEFAULT_PRINCIPAL = "lantern.uploads.principals.default_principal"
DEFAULT_CREATE_POLICY = "lantern.uploads.principals.allow_any"

PrincipalFunc = Callable[[Any], "str | None"]
CreatePolicy = Callable[[Any, str, int, "dict[str, str | None]"], "str | None"]


def upload_dir() -> Path:
    """LANTERN_UPLOAD_DIR, else `<VAR_DIR>/uploads`."""
    configured = getattr(settings, "LANTERN_UPLOAD_DIR", None)
    if configured:
        return Path(configured)
    var_dir = getattr(settings, "VAR_DIR", None)
    if var_dir is None:
        raise ImproperlyConfigured("Set LANTERN_UPLOAD_DIR (or VAR_DIR) for lantern.uploads")
    return Path(var_dir) / "uploads"


def max_bytes() -> int:
    return int(getattr(settings, "LANTERN_UPLOAD_MAX_BYTES", DEFAULT_MAX_BYTES))


def expiry() -> timedelta:
    return timedelta(
        hours=float(getattr(settings, "LANTERN_UPLOAD_EXPIRY_HOURS", DEFAULT_EXPIRY_HOURS))
    )


def lock_seconds() -> float:
    return float(getattr(settings, "LANTERN_UPLOAD_LOCK_SECONDS", DEFAULT_LOCK_SECONDS))


@cache
def _load(dotted: str) -> Any:
    return import_string(dotted)


def principal_func() -> PrincipalFunc:
    func: PrincipalFunc = _load(getattr(settings, "LANTERN_UPLOAD_PRINCIPAL", DEFAULT_PRINCIPAL))
    return func


def create_policy() -> CreatePolicy:
    dotted = getattr(settings, "LANTERN_UPLOAD_CREATE_POLICY", DEFAULT_CREATE_POLICY)
    policy: CreatePolicy = _load(dotted)
    return policy


DEFAULT_S3_PART_BYTES = 16 * 1024 * 1024
MIN_S3_PART_BYTES = 5 * 1024 * 1024  # S3's smallest part (except the last)
S3_NAME_PREFIX = "uploads/"


def s3_part_bytes() -> int:
    """LANTERN_UPLOAD_S3_PART_BYTES: the most a web process holds on local disk for one
    upload to S3 before sending it as a part (at least 5 MiB, S3's minimum)."""
    configured = int(getattr(settings, "LANTERN_UPLOAD_S3_PART_BYTES", DEFAULT_S3_PART_BYTES))
    if configured < MIN_S3_PART_BYTES:
        raise ImproperlyConfigured("LANTERN_UPLOAD_S3_PART_BYTES must be at least 5 MiB")
    return configured


def uses_s3() -> bool:
    """New uploads go to S3 by multipart upload when the default storage is S3Storage."""
    from django.core.files.storage import storages

    try:
        from storages.backends.s3 import S3Storage
    except ImportError:  # django-storages without boto3
        return False
    return isinstance(storages["default"], S3Storage)
