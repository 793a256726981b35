"""Sequence pending entries and publish a signed checkpoint now."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from lantern.ledger.store import checkpoint_publish


class Command(BaseCommand):
    help = "Sign and publish a checkpoint of the ledger now."

    def handle(self, *args: Any, **options: Any) -> None:
        checkpoint = checkpoint_publish()
        self.stdout.write(f"Checkpoint: {checkpoint.tree_size} entries, {checkpoint.timestamp}")
