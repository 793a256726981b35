"""Rewrap the data keys of evidence files encrypted at rest with the current master key.

Key rotation (docs/operations.md): put a new key first in EVIDENCE_MASTER_KEYS, keeping the
old ones after it, restart, run this command, then remove the old keys. Files are never
re-encrypted: only their data keys (a few dozen bytes each, in the database) are unwrapped
with the key that wrapped them and wrapped again with the current key. Idempotent; one
ledger entry records each run that rewrapped anything. --check only counts, by key id.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone

from lantern.evidence.encryption import current_key, master_keys, unwrap_key, wrap_key
from lantern.evidence.models import EncryptedFile
from lantern.ledger.models import Action
from lantern.ledger.services import ledger_record

ACTOR = "manage.py evidence_keys_rotate"


def rotate(batch: int = 500) -> dict[str, Any]:
    """Rewrap every data key not wrapped by the current key; returns the counts."""
    current = current_key()
    configured = {key.id for key in master_keys()}
    counts: Counter[str] = Counter()
    unavailable: Counter[str] = Counter()
    while True:
        with transaction.atomic():
            rows = list(
                EncryptedFile.objects.select_for_update()
                .exclude(key_id=current.id)
                .exclude(key_id__in=list(unavailable))
                .order_by("pk")[:batch]
            )
            if not rows:
                break
            for row in rows:
                if row.key_id not in configured:
                    unavailable[row.key_id] += EncryptedFile.objects.filter(
                        key_id=row.key_id
                    ).count()
                    break
                data_key = unwrap_key(row.key_id, row.wrapped_key, row.name)
                counts[row.key_id] += 1
                row.wrapped_key = wrap_key(current, data_key, row.name)
                row.key_id = current.id
                row.rewrapped_at = timezone.now()
                row.save(update_fields=["wrapped_key", "key_id", "rewrapped_at"])
    rewrapped = sum(counts.values())
    if rewrapped:
        with transaction.atomic():
            ledger_record(
                action=Action.CHANGED,
                actor_label=ACTOR,
                object_type="evidence.encryptedfile",
                reason="Evidence file keys rewrapped with the current master key",
                detail={"to": current.id, "from": dict(counts), "rewrapped": rewrapped},
            )
    return {
        "current": current.id,
        "rewrapped": rewrapped,
        "from": dict(counts),
        "unavailable": dict(unavailable),
    }


def by_key() -> dict[str, int]:
    return dict(Counter(EncryptedFile.objects.values_list("key_id", flat=True).iterator()))


class Command(BaseCommand):
    help = __doc__.split("\n\n")[0] if __doc__ else ""

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--check", action="store_true", help="only count the files per master key id"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not master_keys():
            raise CommandError("EVIDENCE_MASTER_KEYS is not set: encryption at rest is off")
        if options["check"]:
            counts = by_key()
            current = current_key().id
            for key_id, count in sorted(counts.items()):
                mark = " (current)" if key_id == current else ""
                self.stdout.write(f"{key_id}{mark}: {count} files")
            if any(key_id != current for key_id in counts):
                raise CommandError("Some files still need rotation")
            return
        result = rotate()
        self.stdout.write(
            f"Rewrapped {result['rewrapped']} data keys with master key {result['current']}"
            + "".join(f"; {n} from {k}" for k, n in sorted(result["from"].items()))
        )
        if result["unavailable"]:
            missing = ", ".join(f"{k} ({n} files)" for k, n in result["unavailable"].items())
            raise CommandError(
                f"Master keys not configured, files left as they are: {missing}. Add the "
                "old key after the current one in EVIDENCE_MASTER_KEYS and run this again."
            )
