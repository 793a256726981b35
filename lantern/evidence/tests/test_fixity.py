"""Fixity: a single flipped bit anywhere in a stored original or derived file is found,
recorded in the ledger and sent to the force administrators."""

from __future__ import annotations

import hashlib
import logging

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import Storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from lantern.accounts.tests.factories import World
from lantern.evidence.fixity import FIXITY_REASON, MISSING, fixity_check_task
from lantern.evidence.models import DerivedFile, EvidenceItem
from lantern.evidence.tests.test_requests import MP4, _create
from lantern.ledger.models import Action, Entry

pytestmark = pytest.mark.django_db
BODY = MP4 + bytes(range(256)) * 40  # distinct bytes, so every position is meaningful


@pytest.fixture(autouse=True)
def _local_storage(settings, tmp_path) -> None:
    """Files for these tests go to a temporary directory, not var/media."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path)},
        },
    }


def upload_and_submit(world: World, client_for, mailoutbox, on_commit, data: bytes = BODY):
    """Request footage, upload through the link with the plain form, submit: the real flow."""
    _, path = _create(client_for, world, mailoutbox, on_commit)
    operator = client_for("cctv_operator")
    operator.get(path)
    footage = SimpleUploadedFile("cam3.mp4", data, content_type="video/mp4")
    response = operator.post(reverse("evidence:respond-upload"), {"footage": [footage]})
    assert response.status_code == 302
    with on_commit():
        operator.post(reverse("evidence:respond-submit"), {})
    item = EvidenceItem.objects.latest("pk")
    assert item.servable, item.state_reason
    assert item.sha256 == hashlib.sha256(data).hexdigest()
    return item


def flip_bit(storage: Storage, name: str, position: int, bit: int = 0) -> None:
    """Rewrite the stored file in place with one bit changed."""
    with storage.open(name, "rb") as handle:
        data = bytearray(handle.read())
    data[position] ^= 1 << bit
    storage.delete(name)
    assert storage.save(name, ContentFile(bytes(data))) == name


def failures(item: EvidenceItem):
    return Entry.objects.filter(
        action=Action.CHANGED, object_id=str(item.pk), reason=FIXITY_REASON
    ).order_by("pk")


def run(on_commit, **kwargs: int) -> dict[str, int]:
    """Run the task (at once, as in tests) and what it queued for after commit."""
    with on_commit():
        counts = fixity_check_task.enqueue(**kwargs).return_value
    assert counts is not None
    return counts


def test_intact_files_pass(world: World, client_for, mailoutbox, on_commit):
    upload_and_submit(world, client_for, mailoutbox, on_commit)
    sent = len(mailoutbox)
    counts = run(on_commit)
    assert counts["checked"] == 1 and counts["failed"] == 0 and counts["errors"] == 0
    assert len(mailoutbox) == sent and not Entry.objects.filter(reason=FIXITY_REASON).exists()


def test_single_bit_flip_detected_at_every_position(
    world: World, client_for, mailoutbox, on_commit, caplog
):
    item = upload_and_submit(world, client_for, mailoutbox, on_commit)
    storage, name = item.original.storage, item.original.name
    admin = world.user("force_admin")
    size = len(BODY)
    for n, (position, bit) in enumerate([(0, 0), (size // 2, 3), (size - 1, 7)], start=1):
        flip_bit(storage, name, position, bit)
        sent = len(mailoutbox)
        with caplog.at_level(logging.ERROR, logger="lantern.evidence.fixity"):
            counts = run(on_commit)
        assert counts["failed"] == 1, (position, counts)
        assert "Fixity failure" in caplog.text
        entry = failures(item).last()
        assert entry is not None and failures(item).count() == n
        assert entry.object_sha256 == item.sha256
        corrupted = bytearray(BODY)
        corrupted[position] ^= 1 << bit
        assert entry.detail["expected"] == item.sha256
        assert entry.detail["actual"] == hashlib.sha256(corrupted).hexdigest()
        assert entry.detail["file"] == "original"
        assert len(mailoutbox) == sent + 1
        alert = mailoutbox[-1]
        assert alert.to == [admin.email] and "fixity" in alert.subject.lower()
        assert item.sha256 in alert.body
        flip_bit(storage, name, position, bit)  # restored: passes again
        assert run(on_commit)["failed"] == 0


def test_rerun_does_not_record_or_alert_twice(world: World, client_for, mailoutbox, on_commit):
    item = upload_and_submit(world, client_for, mailoutbox, on_commit)
    flip_bit(item.original.storage, item.original.name, 100)
    run(on_commit)
    sent = len(mailoutbox)
    assert run(on_commit)["failed"] == 1  # still failing, still counted
    assert failures(item).count() == 1 and len(mailoutbox) == sent


def test_alert_refused_by_the_mail_server_is_sent_by_the_next_run(
    world: World, client_for, mailoutbox, on_commit, monkeypatch
):
    """The failure is recorded at once; the email, refused once, goes on the next run and
    only then is recorded as sent; a third run sends nothing more."""
    import smtplib

    from lantern.evidence import fixity

    item = upload_and_submit(world, client_for, mailoutbox, on_commit)
    flip_bit(item.original.storage, item.original.name, 100)
    sent = len(mailoutbox)
    real_send = fixity.send_mail  # type: ignore[attr-defined]

    def refuse(*args, **kwargs):
        raise smtplib.SMTPServerDisconnected("mail server went away")

    monkeypatch.setattr(fixity, "send_mail", refuse)
    assert run(on_commit)["failed"] == 1
    alerts_sent = Entry.objects.filter(object_id=str(item.pk), reason=fixity.ALERT_SENT_REASON)
    assert failures(item).count() == 1 and len(mailoutbox) == sent
    assert not alerts_sent.exists()

    monkeypatch.setattr(fixity, "send_mail", real_send)
    assert run(on_commit)["failed"] == 1
    assert failures(item).count() == 1 and len(mailoutbox) == sent + 1
    assert "fixity" in mailoutbox[-1].subject.lower()
    assert alerts_sent.get().detail["failure_entry"] == failures(item).get().pk

    run(on_commit)
    assert len(mailoutbox) == sent + 1 and alerts_sent.count() == 1


def test_derived_file_bit_flip_and_missing_file(world: World, client_for, mailoutbox, on_commit):
    item = upload_and_submit(world, client_for, mailoutbox, on_commit)
    thumb = b"\x89PNG\r\n\x1a\n" + b"thumbnail" * 100
    derived = DerivedFile(
        item=item,
        kind=DerivedFile.Kind.THUMBNAIL,
        content_type="image/png",
        size=len(thumb),
        sha256=hashlib.sha256(thumb).hexdigest(),
        parent_sha256=item.sha256,
    )
    derived.file.save("thumb.png", ContentFile(thumb), save=True)
    assert run(on_commit) | {"last_item_id": 0} == {
        "checked": 2,
        "failed": 0,
        "errors": 0,
        "last_item_id": 0,
    }
    flip_bit(derived.file.storage, derived.file.name, len(thumb) - 1, 5)
    assert run(on_commit)["failed"] == 1
    entry = failures(item).get()
    assert entry.object_sha256 == derived.sha256 and entry.detail["derived_id"] == derived.pk
    assert entry.detail["kind"] == "thumbnail"
    # A vanished original is a failure too.
    item.original.storage.delete(item.original.name)
    assert run(on_commit)["failed"] == 2
    assert failures(item).filter(detail__actual=MISSING, object_sha256=item.sha256).exists()


def test_erased_items_skipped_and_limit_slices(world: World, client_for, mailoutbox, on_commit):
    first = upload_and_submit(world, client_for, mailoutbox, on_commit)
    second = upload_and_submit(world, client_for, mailoutbox, on_commit, data=BODY + b"second")
    head = run(on_commit, limit=1)
    assert head == {"checked": 1, "failed": 0, "errors": 0, "last_item_id": first.pk}
    tail = run(on_commit, limit=1, after=first.pk)
    assert tail["last_item_id"] == second.pk and tail["checked"] == 1
    EvidenceItem.objects.filter(pk=first.pk).update(erased_at=first.created_at)
    first.original.storage.delete(first.original.name)
    assert run(on_commit) == {"checked": 1, "failed": 0, "errors": 0, "last_item_id": second.pk}
