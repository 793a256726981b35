"""Queue again the background work that did not run for evidence items.

For recovery after a worker died, a task failed or the queue was lost: checks for items
still "submitted", and media processing (metadata, stills, working copy) for checked items
that have no derived files. Both tasks are idempotent, so queueing one twice is harmless.
Items changed in the last --minutes (10) are left alone: their tasks may still be queued.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand
from django.db.models import QuerySet
from django.utils import timezone

from lantern.evidence.media import worth_trying
from lantern.evidence.models import EvidenceItem
from lantern.evidence.tasks import evidence_item_check, evidence_item_process


def unchecked(before: Any) -> QuerySet[EvidenceItem]:
    """Submitted before `before` and never checked."""
    return EvidenceItem.objects.filter(
        state=EvidenceItem.State.SUBMITTED, erased_at__isnull=True, submitted_at__lt=before
    )


def unprocessed(before: Any) -> list[EvidenceItem]:
    """Checked and playable before `before`, a kind media processing handles, with nothing
    derived from it yet."""
    items = EvidenceItem.objects.filter(
        state=EvidenceItem.State.READY,
        erased_at__isnull=True,
        submitted_at__lt=before,
        derived__isnull=True,
    )
    return [item for item in items if worth_trying(item.content_type)]


class Command(BaseCommand):
    help = "Queue checks and media processing again for evidence items where they did not run."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--minutes",
            type=float,
            default=10,
            help="Leave items submitted in the last N minutes alone (10).",
        )
        parser.add_argument("--dry-run", action="store_true", help="List the items, queue nothing.")

    def handle(self, *args: Any, **options: Any) -> None:
        before = timezone.now() - timedelta(minutes=options["minutes"])
        checks = list(unchecked(before).values_list("pk", flat=True))
        media = [item.pk for item in unprocessed(before)]
        for label, ids in (("checks", checks), ("media processing", media)):
            if ids:
                self.stdout.write(f"{label}: items {', '.join(map(str, ids))}")
        if not options["dry_run"]:
            for pk in checks:
                evidence_item_check.enqueue(pk)
            for pk in media:
                evidence_item_process.enqueue(pk)
        verb = "Would queue" if options["dry_run"] else "Queued"
        self.stdout.write(
            f"{verb} checks for {len(checks)} item(s) and media processing for "
            f"{len(media)} item(s)."
        )
