"""`manage.py evidence_reprocess`: checks and media processing queued again where they did
not run (here: their on-commit hooks never fired, as when a process dies after commit)."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from lantern.accounts.tests.factories import World
from lantern.evidence.models import EvidenceItem
from lantern.evidence.tests.test_fixity import BODY, _local_storage  # noqa: F401
from lantern.evidence.tests.test_requests import _create

pytestmark = pytest.mark.django_db


def _submitted_without_checks(world: World, client_for, mailoutbox, on_commit) -> EvidenceItem:
    _, path = _create(client_for, world, mailoutbox, on_commit)
    operator = client_for("cctv_operator")
    operator.get(path)
    footage = SimpleUploadedFile("cam3.mp4", BODY, content_type="video/mp4")
    assert (
        operator.post(reverse("evidence:respond-upload"), {"footage": [footage]}).status_code == 302
    )
    operator.post(reverse("evidence:respond-submit"), {})  # no on_commit: checks never queued
    item = EvidenceItem.objects.get()
    assert item.state == EvidenceItem.State.SUBMITTED
    return item


def _run(*args: str) -> str:
    out = io.StringIO()
    call_command("evidence_reprocess", *args, stdout=out)
    return out.getvalue()


def test_checks_then_media_are_queued_again(world: World, client_for, mailoutbox, on_commit):
    item = _submitted_without_checks(world, client_for, mailoutbox, on_commit)
    # Just submitted: its tasks may still be in the queue.
    assert "checks for 0 item(s)" in _run()
    assert "Would queue checks for 1 item(s)" in _run("--minutes", "0", "--dry-run")
    item.refresh_from_db()
    assert item.state == EvidenceItem.State.SUBMITTED

    # The checks run (tests use the immediate task backend); their on-commit hook that
    # queues media processing does not fire here, so the item is ready with nothing derived.
    assert "Queued checks for 1 item(s) and media processing for 0" in _run("--minutes", "0")
    item.refresh_from_db()
    assert item.state == EvidenceItem.State.READY and not item.derived.exists()

    assert "media processing for 1 item(s)" in _run("--minutes", "0")
    item.refresh_from_db()
    assert item.derived.exists() or item.state == EvidenceItem.State.ORIGINAL_ONLY
    assert "checks for 0 item(s) and media processing for 0" in _run("--minutes", "0")
