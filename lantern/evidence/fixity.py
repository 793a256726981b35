"""Fixity: re-hash stored originals and derived files and compare with the recorded SHA-256.

Run by the scheduler (daily) through the worker. Each mismatch is written to the ledger
against its evidence item, logged as an ERROR and emailed to the force administrators of the
item's force. A mismatch already recorded with the same bytes is not recorded again, so
re-running is harmless; its email is sent again only if no ledger entry says it was sent (the
worker died, or the mail server refused it), so an alert is never lost. The one window for a
duplicate is between the mail server accepting it and that entry committing. `limit` and
`after` let a deployment check a slice per run (items in id order; the result's
`last_item_id` is where the next slice starts).
"""

from __future__ import annotations

import hashlib
import logging
from typing import Any

from django.conf import settings
from django.core.files.storage import Storage
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django_tasks import task

from lantern.accounts.choices import Role
from lantern.accounts.models import Membership
from lantern.ledger.models import Action, Entry
from lantern.ledger.services import ledger_record

from .encryption import EncryptedFileCorrupt
from .media import stored_chunks
from .models import DerivedFile, EvidenceItem

logger = logging.getLogger(__name__)

FIXITY_REASON = "FIXITY FAILURE: stored bytes no longer match the recorded SHA-256"
ALERT_SENT_REASON = "fixity failure emailed to the force administrators"
ACTOR = "lantern fixity check"
MISSING = "missing"
UNAUTHENTIC = "fails authentication (encrypted file altered or truncated)"


def sha256_of_upload(upload: Any) -> str:
    """SHA-256 of a file posted in a form, read in chunks, rewound for saving after."""
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()


def stored_sha256(storage: Storage, name: str) -> str:
    """The SHA-256 of the stored bytes (decrypted, each chunk authenticated, when encrypted
    at rest), MISSING if the file is gone, UNAUTHENTIC if it fails authentication."""
    digest = hashlib.sha256()
    try:
        for chunk in stored_chunks(storage, name):
            digest.update(chunk)
    except FileNotFoundError:
        return MISSING
    except EncryptedFileCorrupt:
        # Encrypted at rest: a chunk failed its GCM tag (or the file was cut or extended).
        return UNAUTHENTIC
    return digest.hexdigest()


def _admin_emails(item: EvidenceItem) -> list[str]:
    members = Membership.objects.filter(
        organisation_id=item.case.force_id,
        role=Role.FORCE_ADMIN,
        is_active=True,
        user__is_active=True,
    ).select_related("user")
    return sorted({m.user.email for m in members if m.user.email})


def _record_failure(
    item: EvidenceItem, expected: str, actual: str, derived: DerivedFile | None
) -> None:
    what = f"derived file {derived.pk} ({derived.kind})" if derived else "original"
    name = derived.file.name if derived else item.original.name
    logger.error(
        "Fixity failure: evidence item %s %s %s: expected SHA-256 %s, found %s",
        item.pk,
        what,
        name,
        expected,
        actual,
    )
    failure = Entry.objects.filter(
        object_type=EvidenceItem._meta.label_lower,
        object_id=str(item.pk),
        reason=FIXITY_REASON,
        object_sha256=expected,
        detail__actual=actual,
    ).first()
    if failure is None:
        detail: dict[str, Any] = {
            "expected": expected,
            "actual": actual,
            "file": "derived" if derived else "original",
            "name": name,
        }
        if derived is not None:
            detail.update({"derived_id": derived.pk, "kind": derived.kind})
        with transaction.atomic():
            failure = ledger_record(
                action=Action.CHANGED,
                actor_label=ACTOR,
                obj=item,
                object_sha256=expected,
                reason=FIXITY_REASON,
                detail=detail,
            )
    elif Entry.objects.filter(
        object_type=EvidenceItem._meta.label_lower,
        object_id=str(item.pk),
        reason=ALERT_SENT_REASON,
        detail__failure_entry=failure.pk,
    ).exists():
        return
    _alert(item, what, name, expected, actual, failure)


def _alert(
    item: EvidenceItem, what: str, name: str, expected: str, actual: str, failure: Entry
) -> None:
    """Email the force administrators about a recorded failure, then record that it went.
    A refusal by the mail server is logged and retried by the next run."""
    emails = _admin_emails(item)
    if not emails:
        logger.error("Fixity failure on item %s: its force has no administrator", item.pk)
        return
    subject = f"Lantern fixity failure: evidence item {item.pk} ({item.case.reference})"
    body = (
        f"Lantern's scheduled fixity check found that the stored bytes of the {what} of "
        f"evidence item {item.pk} ({item.original_name}, exhibit {item.exhibit_ref or 'none'}) "
        f"in case {item.case.reference} no longer match the SHA-256 recorded when it was "
        f"received.\n\nFile: {name}\nRecorded SHA-256: {expected}\nStored bytes now: "
        f"{actual}\n\nThe failure is in the ledger. Restore the file from a backup copy and "
        f"check its SHA-256 matches the recorded one before it is used again.\n"
        f"{settings.LANTERN_BASE_URL}\n"
    )
    try:
        send_mail(subject, body, None, emails)
    except Exception:
        logger.exception("Fixity alert for item %s not sent; the next run tries again", item.pk)
        return
    with transaction.atomic():
        ledger_record(
            action=Action.CHANGED,
            actor_label=ACTOR,
            obj=item,
            object_sha256=expected,
            reason=ALERT_SENT_REASON,
            detail={"failure_entry": failure.pk, "recipients": len(emails)},
        )


def fixity_check(*, limit: int | None = None, after: int = 0) -> dict[str, int]:
    """Check up to `limit` items (all by default) with ids above `after`."""
    counts = {"checked": 0, "failed": 0, "errors": 0, "last_item_id": after}
    items = (
        EvidenceItem.objects.filter(erased_at__isnull=True, pk__gt=after)
        .exclude(Q(original="") | Q(original__isnull=True))
        .select_related("case")
        .prefetch_related("derived")
        .order_by("pk")
    )
    if limit is not None:
        items = items[:limit]
    for item in items.iterator(chunk_size=200):
        targets: list[tuple[Storage, str, str, DerivedFile | None]] = [
            (item.original.storage, item.original.name, item.sha256, None)
        ]
        targets += [
            (d.file.storage, d.file.name, d.sha256, d) for d in item.derived.all() if d.file.name
        ]
        for storage, name, expected, derived in targets:
            try:
                actual = stored_sha256(storage, name)
            except Exception:
                counts["errors"] += 1
                logger.exception("Fixity check could not read %s (item %s)", name, item.pk)
                continue
            counts["checked"] += 1
            if actual != expected:
                counts["failed"] += 1
                _record_failure(item, expected, actual, derived)
        counts["last_item_id"] = item.pk
    logger.info("Fixity check: %s", counts)
    return counts


@task()
def fixity_check_task(limit: int | None = None, after: int = 0) -> dict[str, int]:
    """Re-hash stored evidence; see the module docstring. Idempotent."""
    return fixity_check(limit=limit, after=after)
