"""A lease on one upload, held in its database row.

Any number of web processes on any number of hosts may receive requests for the same upload,
so the lock lives where they all meet: the row. It is taken with a compare-and-set UPDATE
(no transaction stays open while a body streams: on SQLite that would block every other
writer), renewed while the holder works, and lapses on its own if the holder dies.

A holder writes only within a renewal interval (a quarter of the lease) of confirming that
it still holds the lease, so a request that stalled long enough to lose it stops before its
next write instead of interleaving with the new holder.
"""

from __future__ import annotations

import secrets
import time
import uuid
from datetime import datetime, timedelta
from types import TracebackType

from django.db.models import Q
from django.utils import timezone

from . import conf
from .models import Upload


class LeaseError(Exception):
    """The upload is locked by another request, or this request lost its lease."""


class Lease:
    def __init__(self, upload_id: uuid.UUID, token: str | None = None) -> None:
        self.upload_id = upload_id
        self.token = token or secrets.token_hex(16)
        self.seconds = conf.lock_seconds()
        self._renewed = 0.0

    def expiry(self) -> datetime:
        return timezone.now() + timedelta(seconds=self.seconds)

    def acquire(self) -> None:
        """Take the lease if it is free or has lapsed; LeaseError otherwise."""
        now = timezone.now()
        taken = (
            Upload.objects.filter(pk=self.upload_id)
            .filter(Q(lock_token__isnull=True) | Q(lock_expires_at__lt=now))
            .update(lock_token=self.token, lock_expires_at=self.expiry())
        )
        if taken != 1:
            raise LeaseError("This upload is receiving data in another request")
        self._renewed = time.monotonic()

    def adopt(self) -> None:
        """Take over a lease written at creation (the row was inserted already locked)."""
        self._renewed = time.monotonic()

    def keep(self) -> None:
        """Renew the lease when a quarter of it has gone; LeaseError if it was lost."""
        if time.monotonic() - self._renewed >= self.seconds / 4:
            self.renew()

    def fresh(self) -> bool:
        """Whether the lease was confirmed recently enough to write: for a thread that writes
        on behalf of the holder and cannot renew it (it has no database connection of its
        own). Half the lease: keep() renews at a quarter, so a holder that is making
        progress never looks stale, and a stalled one stops well before the lease lapses."""
        return time.monotonic() - self._renewed < self.seconds / 2

    def renew(self) -> None:
        renewed = Upload.objects.filter(pk=self.upload_id, lock_token=self.token).update(
            lock_expires_at=self.expiry()
        )
        if renewed != 1:
            raise LeaseError("This request lost its lock on the upload")
        self._renewed = time.monotonic()

    def release(self) -> None:
        Upload.objects.filter(pk=self.upload_id, lock_token=self.token).update(
            lock_token=None, lock_expires_at=None
        )

    def __enter__(self) -> Lease:
        self.acquire()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()
