"""Webhook events from ledger entries, as they are written."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_save
from django.dispatch import receiver

from lantern.ledger.models import Entry

from .webhooks import webhooks_for_entry


@receiver(post_save, sender=Entry, dispatch_uid="api-webhooks-from-ledger")
def ledger_entry_saved(sender: type[Entry], instance: Entry, created: bool, **kwargs: Any) -> None:
    if created and instance.object_type != "api.call":
        webhooks_for_entry(instance)
