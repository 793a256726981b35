"""Background work on evidence items."""

from __future__ import annotations

from functools import partial

from django.db import transaction
from django_tasks import task

from lantern.ledger.models import Action
from lantern.ledger.services import ledger_record

from .checks import check_file
from .media import process_item
from .models import EvidenceItem

PLAYABLE_PREFIXES = ("video/", "image/")


@task()
def evidence_item_check(item_id: int) -> str:
    """Check a submitted original; only then may it be viewed. Idempotent."""
    item = EvidenceItem.objects.get(pk=item_id)
    if item.state != EvidenceItem.State.SUBMITTED:
        return str(item.state)
    with item.original.open("rb") as handle:
        result = check_file(handle, item.size)
    with transaction.atomic():
        item.content_type = result.content_type
        if not result.ok:
            item.state = EvidenceItem.State.REJECTED
            item.state_reason = result.reason
        elif result.content_type.startswith(PLAYABLE_PREFIXES):
            item.state = EvidenceItem.State.READY
        else:
            item.state = EvidenceItem.State.ORIGINAL_ONLY
            item.state_reason = "Kept as the original: not a format a browser can show"
        item.save(update_fields=["content_type", "state", "state_reason"])
        ledger_record(
            action=Action.CHANGED,
            actor_label="lantern checks",
            obj=item,
            object_sha256=item.sha256,
            reason=item.state_reason or "Checks passed",
            detail={"new": {"state": item.state, "content_type": item.content_type}},
        )
        if item.servable:
            transaction.on_commit(partial(evidence_item_process.enqueue, item.pk))
    return str(item.state)


@task()
def evidence_item_process(item_id: int) -> str:
    """Read the metadata of a checked original and make its working copy, stills or web
    image (the original is only read). Idempotent; an undecodable file ends ORIGINAL_ONLY."""
    return process_item(item_id)
