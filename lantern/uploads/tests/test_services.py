"""Services below the views: the lease, interrupted bodies, hashing, expiry."""

from __future__ import annotations

import errno
import hashlib
import io
import os
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone

from lantern.uploads import services
from lantern.uploads.locks import Lease, LeaseError
from lantern.uploads.models import Upload
from lantern.uploads.protocol import parse_checksum
from lantern.uploads.services import UploadError

from .conftest import Tus, checksum_header, stored, upload_of

pytestmark = pytest.mark.django_db


def _new(length: int = 10, principal: str = "request-link:1") -> Upload:
    return services.upload_create(principal=principal, length=length)


def _append(upload: Upload, offset: int, data: bytes, **kwargs: object) -> services.AppendResult:
    return services.upload_append(
        upload=upload,
        offset=offset,
        body=io.BytesIO(data),
        content_length=len(data),
        **kwargs,  # type: ignore[arg-type]
    )


class Dropping:
    """A body whose client disconnects after `after` bytes."""

    def __init__(self, data: bytes, after: int, error: bool = False) -> None:
        self.stream = io.BytesIO(data[:after])
        self.error = error

    def read(self, size: int, /) -> bytes:
        chunk = self.stream.read(size)
        if not chunk and self.error:
            raise OSError("connection reset")
        return chunk


# -- lease ---------------------------------------------------------------------------------


def test_lease_is_exclusive_until_released_or_lapsed() -> None:
    upload = _new()
    first, second = Lease(upload.pk), Lease(upload.pk)
    first.acquire()
    with pytest.raises(LeaseError):
        second.acquire()
    first.release()
    second.acquire()
    # A holder that died: its lease lapses and can be taken over.
    Upload.objects.filter(pk=upload.pk).update(
        lock_expires_at=timezone.now() - timedelta(seconds=1)
    )
    first.acquire()
    with pytest.raises(LeaseError):
        second.renew()  # the old holder finds out before its next write
    second.release()  # does not release someone else's lease
    assert Upload.objects.get(pk=upload.pk).lock_token == first.token
    first.release()
    assert Upload.objects.get(pk=upload.pk).lock_token is None


def test_keep_renews_after_a_quarter_of_the_lease(settings) -> None:
    settings.LANTERN_UPLOAD_LOCK_SECONDS = 0.4
    upload = _new()
    lease = Lease(upload.pk)
    lease.acquire()
    before = Upload.objects.get(pk=upload.pk).lock_expires_at
    lease._renewed -= 0.2
    lease.keep()
    after = Upload.objects.get(pk=upload.pk).lock_expires_at
    assert after is not None and before is not None and after > before


def test_append_while_locked_is_423_and_head_shows_the_durable_offset(tus: Tus) -> None:
    url = tus.new(10)
    tus.patch(url, 0, b"abc")
    upload = upload_of(url)
    holder = Lease(upload.pk)
    holder.acquire()
    # The holder is mid-stream: bytes past the offset, not yet acknowledged.
    with upload.path.open("r+b") as f:
        f.seek(3)
        f.write(b"de")
    response = tus.patch(url, 3, b"XYZ")
    assert response.status_code == 423
    assert response["Retry-After"] == "1"
    assert b"another request" in response.content
    assert tus.head(url)["Upload-Offset"] == "3"
    assert tus.delete(url).status_code == 423
    holder.release()
    # The unacknowledged bytes are cut off by the next append.
    assert tus.patch(url, 3, b"XYZ").status_code == 204
    assert stored(url) == b"abcXYZ"


def test_lost_lease_stops_before_writing(monkeypatch) -> None:
    upload = _new()

    def lose(self: Lease) -> None:
        raise LeaseError("This request lost its lock on the upload")

    monkeypatch.setattr(Lease, "keep", lose)
    with pytest.raises(UploadError) as caught:
        _append(upload, 0, b"abc")
    assert caught.value.status == 423
    assert upload.path.read_bytes() == b""
    assert Upload.objects.get(pk=upload.pk).offset == 0


# -- interrupted and failed bodies ---------------------------------------------------------


@pytest.mark.parametrize("error", [False, True])
def test_interrupted_body_keeps_what_arrived(error: bool) -> None:
    upload = _new(10)
    result = services.upload_append(
        upload=upload,
        offset=0,
        body=Dropping(b"0123456789", 4, error=error),
        content_length=10,
    )
    assert result.interrupted and result.received == 4
    assert Upload.objects.get(pk=upload.pk).offset == 4
    assert upload.path.read_bytes() == b"0123"
    _append(upload, 4, b"456789")
    assert Upload.objects.get(pk=upload.pk).sha256 == hashlib.sha256(b"0123456789").hexdigest()


def test_interrupted_body_with_checksum_keeps_nothing() -> None:
    upload = _new(10)
    result = services.upload_append(
        upload=upload,
        offset=0,
        body=Dropping(b"0123456789", 4),
        content_length=10,
        checksum=parse_checksum(checksum_header("sha256", b"0123456789")),
    )
    assert result.interrupted and result.checksum_failed and result.received == 0
    assert Upload.objects.get(pk=upload.pk).offset == 0
    assert upload.path.read_bytes() == b""


def test_disk_full_is_507_and_leaves_the_file_as_it_was(monkeypatch) -> None:
    upload = _new(10)
    _append(upload, 0, b"abc")
    real_pwrite = os.pwrite

    def full(fd: int, data: bytes, position: int) -> int:
        real_pwrite(fd, bytes(data)[:1], position)
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "pwrite", full)
    with pytest.raises(UploadError) as caught:
        _append(upload, 3, b"def")
    assert caught.value.status == 507
    monkeypatch.undo()
    assert upload.path.read_bytes() == b"abc"
    assert Upload.objects.get(pk=upload.pk).offset == 3


# -- hashing -------------------------------------------------------------------------------


def test_sha256_is_recomputed_when_another_process_took_chunks(monkeypatch) -> None:
    data = os.urandom(3000)
    upload = _new(len(data))
    _append(upload, 0, data[:1000])
    # As if the next chunk went to another worker process:
    monkeypatch.setattr(services, "_running", services._RunningHashes())
    calls: list[Path] = []
    real = services._hash_file

    def spy(path: Path, lease: Lease | None = None) -> str:
        calls.append(path)
        return real(path, lease)

    monkeypatch.setattr(services, "_hash_file", spy)
    _append(upload, 1000, data[1000:2000])
    _append(upload, 2000, data[2000:])
    assert calls == [upload.path]
    assert Upload.objects.get(pk=upload.pk).sha256 == hashlib.sha256(data).hexdigest()


def test_running_sha256_needs_no_second_read(monkeypatch) -> None:
    data = os.urandom(5000)
    upload = _new(len(data))
    monkeypatch.setattr(services, "_hash_file", lambda *a: pytest.fail("re-read the file"))
    for start in range(0, len(data), 700):
        _append(upload, start, data[start : start + 700])
    assert Upload.objects.get(pk=upload.pk).sha256 == hashlib.sha256(data).hexdigest()


def test_failed_chunk_does_not_spoil_the_running_hash(monkeypatch) -> None:
    upload = _new(6)
    _append(upload, 0, b"abc")
    bad = parse_checksum(checksum_header("md5", b"xxx"))
    assert _append(upload, 3, b"XYZ", checksum=bad).checksum_failed
    monkeypatch.setattr(services, "_hash_file", lambda *a: pytest.fail("re-read the file"))
    _append(upload, 3, b"def")
    assert Upload.objects.get(pk=upload.pk).sha256 == hashlib.sha256(b"abcdef").hexdigest()


def test_running_hash_cache_is_bounded() -> None:
    cache = services._RunningHashes(size=2)
    uploads = [_new() for _ in range(3)]
    for upload in uploads:
        cache.put(upload.pk, 5, hashlib.sha256(b"12345"))
    assert cache.take(uploads[0].pk, 5) is None
    taken = cache.take(uploads[2].pk, 5)
    assert taken is not None and taken.hexdigest() == hashlib.sha256(b"12345").hexdigest()


# -- expiry --------------------------------------------------------------------------------


def test_uploads_expire_command(tus: Tus, capsys) -> None:
    stale = tus.new(10)
    tus.patch(stale, 0, b"abc")
    fresh = tus.new(10)
    done = tus.new(3)
    tus.patch(done, 0, b"abc")
    busy = tus.new(10)
    past = timezone.now() - timedelta(minutes=1)
    Upload.objects.filter(pk__in=[upload_of(u).pk for u in (stale, done, busy)]).update(
        expires_at=past
    )
    Lease(upload_of(busy).pk).acquire()

    call_command("uploads_expire")
    assert "Expired 1 upload(s)" in capsys.readouterr().out

    assert upload_of(stale).terminated_at is not None
    assert not upload_of(stale).path.exists()
    assert tus.head(stale).status_code == 404
    assert stored(fresh) == b"" and upload_of(fresh).terminated_at is None
    assert stored(done) == b"abc" and upload_of(done).is_complete
    assert upload_of(busy).terminated_at is None  # being written: skipped this time


@override_settings(LANTERN_UPLOAD_EXPIRY_HOURS=1)
def test_orphaned_files_are_removed(upload_dir: Path) -> None:
    kept = _new()
    orphan = upload_dir / "ab" / ("ab" + "0" * 30)
    orphan.parent.mkdir(exist_ok=True)
    orphan.write_bytes(b"left by a crash")
    young = upload_dir / "cd" / ("cd" + "1" * 30)
    young.parent.mkdir(exist_ok=True)
    young.write_bytes(b"being created")
    stranger = upload_dir / "ab" / "notes.txt"
    stranger.write_bytes(b"not ours")
    old = (timezone.now() - timedelta(hours=2)).timestamp()
    for path in (orphan, stranger, kept.path):
        os.utime(path, (old, old))
    assert services.upload_remove_orphans() == 1
    assert not orphan.exists()
    assert young.exists() and stranger.exists() and kept.path.exists()


def test_uploads_announce_resends_recent_completions(tus: Tus, capsys) -> None:
    from lantern.uploads.signals import upload_completed

    done = tus.new(2)
    tus.patch(done, 0, b"ok")
    old = tus.new(1)
    tus.patch(old, 0, b"x")
    Upload.objects.filter(pk=upload_of(old).pk).update(
        completed_at=timezone.now() - timedelta(days=2)
    )
    tus.new(5)  # incomplete: never announced
    seen: list[Upload] = []

    def receiver(sender: type[Upload], upload: Upload, **kwargs: object) -> None:
        seen.append(upload)

    upload_completed.connect(receiver)
    try:
        call_command("uploads_announce", "--hours", "1")
    finally:
        upload_completed.disconnect(receiver)
    assert [u.pk for u in seen] == [upload_of(done).pk]
    assert "Announced 1" in capsys.readouterr().out
    with pytest.raises(ValueError):
        services.upload_announce(upload_of(tus.new(3)))


def test_long_body_is_committed_as_it_goes(monkeypatch) -> None:
    """A worker killed mid-request (gunicorn's timeout raises SystemExit in it) keeps the
    bytes up to the last checkpoint."""
    monkeypatch.setattr(services, "CHUNK_SIZE", 4)
    monkeypatch.setattr(services, "CHECKPOINT_BYTES", 8)
    upload = _new(30)
    data = bytes(range(30))

    class Killed:
        def __init__(self) -> None:
            self.stream = io.BytesIO(data[:18])

        def read(self, size: int, /) -> bytes:
            chunk = self.stream.read(size)
            if not chunk:
                raise SystemExit(1)
            return chunk

    with pytest.raises(SystemExit):
        services.upload_append(upload=upload, offset=0, body=Killed(), content_length=30)
    stored_upload = Upload.objects.get(pk=upload.pk)
    assert stored_upload.offset == 16 and stored_upload.lock_token is None
    assert upload.path.read_bytes() == data[:16]
    _append(stored_upload, 16, data[16:])
    assert Upload.objects.get(pk=upload.pk).sha256 == hashlib.sha256(data).hexdigest()
