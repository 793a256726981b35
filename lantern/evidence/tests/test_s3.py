"""Evidence on S3-compatible object storage, against a real server (SeaweedFS)."""

from __future__ import annotations

import hashlib
import io
import os
import zipfile
from typing import TYPE_CHECKING

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.urls import reverse

from lantern.accounts.tests.factories import World
from lantern.evidence.fixity import FIXITY_REASON
from lantern.evidence.models import EvidenceItem
from lantern.evidence.tests.test_fixity import run, upload_and_submit
from lantern.evidence.tests.test_requests import MP4
from lantern.ledger.models import Entry

if TYPE_CHECKING:
    from tests.s3server import S3Server

pytestmark = pytest.mark.django_db

# Above FILE_UPLOAD_MAX_MEMORY_SIZE (5 MiB): the plain form spools it to a temporary file.
FOOTAGE = MP4 + os.urandom(6 * 1024 * 1024)


def stored(s3: S3Server, item: EvidenceItem) -> bytes:
    body: bytes = (
        s3.client().get_object(Bucket=s3.bucket, Key=s3.key(item.original.name))["Body"].read()
    )
    return body


def test_original_stored_in_the_bucket_and_bundled_from_it(
    world: World, client_for, mailoutbox, on_commit, s3_storage: S3Server
):
    item = upload_and_submit(world, client_for, mailoutbox, on_commit, data=FOOTAGE)
    head = s3_storage.client().head_object(
        Bucket=s3_storage.bucket, Key=s3_storage.key(item.original.name)
    )
    assert head["ContentLength"] == len(FOOTAGE) == item.size
    assert hashlib.sha256(stored(s3_storage, item)).hexdigest() == item.sha256

    response = client_for("officer").post(
        reverse("evidence:case-bundle", args=[item.case_id]), {"copies": "original"}
    )
    assert response.status_code == 200 and response.streaming
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))  # type: ignore[arg-type]
    sums = dict(
        line.split("  ", 1)[::-1] for line in archive.read("SHA256SUMS").decode().splitlines()
    )
    (member,) = [name for name, digest in sums.items() if digest == item.sha256]
    assert hashlib.sha256(archive.read(member)).hexdigest() == item.sha256


def test_fixity_finds_a_bit_flipped_in_the_bucket(
    world: World, client_for, mailoutbox, on_commit, s3_storage: S3Server
):
    item = upload_and_submit(world, client_for, mailoutbox, on_commit)
    assert run(on_commit)["failed"] == 0
    data = bytearray(stored(s3_storage, item))
    data[len(data) // 2] ^= 0x10
    s3_storage.client().put_object(
        Bucket=s3_storage.bucket, Key=s3_storage.key(item.original.name), Body=bytes(data)
    )
    sent = len(mailoutbox)
    counts = run(on_commit)
    assert counts["failed"] == 1 and counts["checked"] == 1
    entry = Entry.objects.get(reason=FIXITY_REASON, object_id=str(item.pk))
    assert entry.detail["actual"] == hashlib.sha256(data).hexdigest()
    assert len(mailoutbox) == sent + 1
    assert mailoutbox[-1].to == [world.user("force_admin").email]


def test_two_person_deletion_removes_the_object(
    world: World, client_for, mailoutbox, on_commit, s3_storage: S3Server
):
    item = upload_and_submit(world, client_for, mailoutbox, on_commit)
    key = s3_storage.key(item.original.name)
    client = s3_storage.client()
    client.head_object(Bucket=s3_storage.bucket, Key=key)
    client_for("investigator").post(
        reverse("evidence:item-delete", args=[item.pk]), {"reason": "Duplicate exhibit"}
    )
    deletion = item.deletions.get()
    with on_commit():
        client_for("supervisor").post(
            reverse("evidence:deletion-decide", args=[deletion.pk]), {"decision": "approve"}
        )
    item.refresh_from_db()
    assert item.erased_at is not None
    listed = client.list_objects_v2(Bucket=s3_storage.bucket, Prefix=key)
    assert listed.get("KeyCount", 0) == 0
    assert not default_storage.exists(item.original.name)


def test_large_file_goes_up_in_parts_and_reads_back_identical(s3_storage: S3Server):
    # boto3's default multipart threshold and part size are 8 MiB: 20 MiB is 3 parts.
    data = os.urandom(20 * 1024 * 1024)
    name = default_storage.save("evidence/originals/big.bin", ContentFile(data))
    head = s3_storage.client().head_object(Bucket=s3_storage.bucket, Key=s3_storage.key(name))
    assert head["ContentLength"] == len(data)
    assert head["ETag"].strip('"').endswith("-3"), head["ETag"]
    digest = hashlib.sha256()
    with default_storage.open(name, "rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    assert digest.hexdigest() == hashlib.sha256(data).hexdigest()
    default_storage.delete(name)
