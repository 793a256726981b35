"""tus uploads into S3 by multipart upload, against a real S3 server (SeaweedFS on loopback):
byte-identical objects, the SHA-256, resuming in another process, the local buffer never
above one part, and termination and expiry aborting the multipart upload."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from django.utils import timezone

from lantern.uploads import services
from lantern.uploads.models import Upload

from .conftest import Tus, checksum_header, upload_of

if TYPE_CHECKING:
    from tests.s3server import S3Server

pytestmark = pytest.mark.django_db

MiB = 1024 * 1024
PART = 5 * MiB  # S3's smallest part


@pytest.fixture
def s3(s3_storage: S3Server, settings: Any, upload_dir: Path) -> Iterator[S3Server]:
    settings.LANTERN_UPLOAD_S3_PART_BYTES = PART
    yield s3_storage


@pytest.fixture
def largest_buffer(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The largest any upload's local buffer file has been, checked after every write."""
    seen = [0]
    real = services._pwrite_all

    def spy(fd: int, data: bytes | memoryview, position: int) -> None:
        real(fd, data, position)
        seen[0] = max(seen[0], os.fstat(fd).st_size)

    monkeypatch.setattr(services, "_pwrite_all", spy)
    return seen


def _objects(s3: S3Server) -> dict[str, int]:
    listed = s3.client().list_objects_v2(Bucket=s3.bucket, Prefix=s3.key(""))
    return {item["Key"]: item["Size"] for item in listed.get("Contents", [])}


def _multipart_ids(s3: S3Server) -> set[str]:
    listed = s3.client().list_multipart_uploads(Bucket=s3.bucket, Prefix=s3.key(""))
    return {item["UploadId"] for item in listed.get("Uploads", [])}


def _object(s3: S3Server, upload: Upload) -> bytes:
    answer = s3.client().get_object(Bucket=s3.bucket, Key=s3.key(upload.s3_name))
    body: bytes = answer["Body"].read()
    return body


def _forget_process_state() -> None:
    """What a restart (or another web process) starts without: the running hashes and the
    local buffer files this process knew to be current."""
    services._running = services._RunningHashes()
    services._tails = services._KnownTails()


def test_parts_go_up_as_they_fill_and_the_object_is_identical(
    s3: S3Server, tus: Tus, largest_buffer: list[int]
) -> None:
    data = os.urandom(3 * PART + 123_457)
    url = tus.new(len(data))
    upload = upload_of(url)
    assert upload.in_s3 and upload.s3_upload_id in _multipart_ids(s3)
    offset = 0
    for size in (3 * MiB, 4 * MiB, 1, 2 * PART, len(data)):  # across part boundaries
        piece = data[offset : offset + size]
        response = tus.patch(url, offset, piece)
        assert response.status_code == 204, response.content
        offset += len(piece)
        assert int(response["Upload-Offset"]) == offset
        assert int(tus.head(url)["Upload-Offset"]) == offset
        if offset == len(data):
            break
        row = Upload.objects.get(pk=upload.pk)
        assert sum(p["size"] for p in row.s3_parts) + row.s3_tail == offset
        assert row.s3_tail < PART and all(p["size"] == PART for p in row.s3_parts)
    assert largest_buffer[0] <= PART
    row = Upload.objects.get(pk=upload.pk)
    assert row.is_complete and row.sha256 == hashlib.sha256(data).hexdigest()
    assert _object(s3, row) == data
    head = s3.client().head_object(Bucket=s3.bucket, Key=s3.key(row.s3_name))
    assert head["ETag"].strip('"').endswith("-4"), head["ETag"]
    # Nothing left behind: no staging objects, no multipart upload, no local file.
    assert _objects(s3) == {s3.key(row.s3_name): len(data)}
    assert row.s3_upload_id not in _multipart_ids(s3)
    assert not row.path.exists()
    with row.open() as handle:
        assert hashlib.sha256(handle.read()).hexdigest() == row.sha256


def test_another_process_resumes_from_the_staged_tail(
    s3: S3Server, tus: Tus, largest_buffer: list[int]
) -> None:
    data = os.urandom(2 * PART + 777)
    url = tus.new(len(data))
    first = PART + 3 * MiB  # one part sent, 3 MiB staged
    assert tus.patch(url, 0, data[:first]).status_code == 204
    upload = upload_of(url)
    assert upload.s3_tail == 3 * MiB and upload.s3_tail_name in {
        k.removeprefix(s3.key("")).lstrip("/") for k in _objects(s3)
    }
    # Another host: none of this process's state, no local buffer file.
    _forget_process_state()
    upload.path.unlink()
    assert tus.head(url)["Upload-Offset"] == str(first)
    assert tus.patch(url, first, data[first:]).status_code == 204
    row = Upload.objects.get(pk=upload.pk)
    # The SHA-256 was recomputed from the object (the running hash was lost).
    assert row.is_complete and row.sha256 == hashlib.sha256(data).hexdigest()
    assert _object(s3, row) == data
    assert largest_buffer[0] <= PART
    assert _objects(s3) == {s3.key(row.s3_name): len(data)}


def test_a_process_killed_mid_body_keeps_the_parts_it_committed(
    s3: S3Server, tus: Tus, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = os.urandom(3 * PART)
    url = tus.new(len(data))
    upload = upload_of(url)
    sent = 2 * PART + MiB

    class Killed:
        def __init__(self) -> None:
            self.at = 0

        def read(self, size: int, /) -> bytes:
            if self.at >= sent:
                raise SystemExit(1)  # what gunicorn's timeout raises in a worker
            chunk = data[self.at : min(self.at + size, sent)]
            self.at += len(chunk)
            return chunk

    with pytest.raises(SystemExit):
        services.upload_append(upload=upload, offset=0, body=Killed(), content_length=len(data))
    row = Upload.objects.get(pk=upload.pk)
    assert row.offset == 2 * PART and len(row.s3_parts) == 2 and row.lock_token is None
    _forget_process_state()
    assert tus.patch(url, 2 * PART, data[2 * PART :]).status_code == 204
    row = Upload.objects.get(pk=upload.pk)
    assert row.sha256 == hashlib.sha256(data).hexdigest() and _object(s3, row) == data


def test_checksum_mismatch_keeps_nothing_even_across_a_part(s3: S3Server, tus: Tus) -> None:
    data = os.urandom(2 * PART + 10)
    url = tus.new(len(data))
    assert tus.patch(url, 0, data[: 2 * MiB]).status_code == 204
    body = data[2 * MiB : 2 * MiB + PART + MiB]  # fills a part on the way
    bad = tus.patch(url, 2 * MiB, body, checksum=checksum_header("sha256", b"other"))
    assert bad.status_code == 460
    row = Upload.objects.get(pk=upload_of(url).pk)
    assert row.offset == 2 * MiB and row.s3_parts == [] and row.s3_tail == 2 * MiB
    good = tus.patch(
        url, 2 * MiB, data[2 * MiB :], checksum=checksum_header("sha1", data[2 * MiB :])
    )
    assert good.status_code == 204
    row = Upload.objects.get(pk=row.pk)
    assert row.sha256 == hashlib.sha256(data).hexdigest() and _object(s3, row) == data


def test_termination_aborts_the_multipart_upload(s3: S3Server, tus: Tus) -> None:
    data = os.urandom(PART + MiB)
    url = tus.new(2 * PART)
    assert tus.patch(url, 0, data).status_code == 204
    upload = upload_of(url)
    assert upload.s3_upload_id in _multipart_ids(s3) and _objects(s3)
    assert tus.delete(url).status_code == 204
    assert upload.s3_upload_id not in _multipart_ids(s3)
    assert _objects(s3) == {}
    assert not upload.path.exists()


def test_expiry_aborts_the_multipart_upload(s3: S3Server, tus: Tus) -> None:
    url = tus.new(2 * PART)
    assert tus.patch(url, 0, os.urandom(MiB)).status_code == 204
    upload = upload_of(url)
    assert services.upload_expire_all(timezone.now() + timedelta(days=30)) == 1
    assert upload.s3_upload_id not in _multipart_ids(s3)
    assert _objects(s3) == {}


def test_empty_upload_is_an_empty_object(s3: S3Server, tus: Tus) -> None:
    row = upload_of(tus.new(0))
    assert row.is_complete and row.sha256 == hashlib.sha256(b"").hexdigest()
    assert _objects(s3) == {s3.key(row.s3_name): 0}


def test_local_files_unchanged_without_s3(tus: Tus, upload_dir: Path) -> None:
    url = tus.new(3)
    assert tus.patch(url, 0, b"abc").status_code == 204
    row = upload_of(url)
    assert not row.in_s3 and row.path.read_bytes() == b"abc"


def test_evidence_item_refers_to_the_uploaded_object_without_a_copy(
    s3: S3Server, settings: Any, world: Any, client_for: Any, mailoutbox: Any, on_commit: Any
) -> None:
    from lantern.evidence.models import EvidenceItem
    from lantern.evidence.tests.test_requests import MP4, _create

    settings.LANTERN_UPLOAD_PRINCIPAL = "lantern.evidence.principals.principal"
    settings.LANTERN_UPLOAD_CREATE_POLICY = "lantern.evidence.principals.create_policy"
    _, path = _create(client_for, world, mailoutbox, on_commit)
    operator = client_for("cctv_operator")
    operator.get(path)
    data = MP4 + os.urandom(PART)
    tus = Tus(operator)
    url = tus.new(len(data))
    with on_commit():
        assert tus.patch(url, 0, data).status_code == 204
    upload = upload_of(url)
    item = EvidenceItem.objects.get(upload=upload)
    assert item.original.name == upload.s3_name
    assert item.sha256 == hashlib.sha256(data).hexdigest() == upload.sha256
    assert _objects(s3) == {s3.key(upload.s3_name): len(data)}  # one object, no copy
    with item.original.open("rb") as handle:
        assert handle.read() == data
