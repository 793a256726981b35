"""Verify the whole live ledger: every stored row against its leaf hash, every signed
checkpoint against the tree recomputed from the rows. Exit 1 on any mismatch."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from lantern.ledger.store import ledger_verify_live


class Command(BaseCommand):
    help = "Verify the live ledger against its signed checkpoints; exit 1 if anything differs."

    def handle(self, *args: Any, **options: Any) -> None:
        report = ledger_verify_live()
        self.stdout.write(
            f"Checked {report.entries_checked} entries and {report.checkpoints_checked} "
            f"checkpoints ({report.pending} entries waiting to be sequenced)."
        )
        if report.ok:
            self.stdout.write(self.style.SUCCESS("The ledger is intact."))
            return
        if report.first_bad_seq is not None:
            self.stdout.write(f"First entry that does not match: {report.first_bad_seq}")
        for problem in report.problems:
            self.stdout.write(self.style.ERROR(f"- {problem}"))
        raise SystemExit(1)
